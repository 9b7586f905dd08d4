#!/usr/bin/env bash
# benchmarks/compare.sh — runs our BenchmarkDotNet suites and the TorchSharp peer in the same session and prints one
# table: workload, threads, ours (median), TorchSharp (median), ratio ours/peer (below 1 = we are faster).
# Usage: benchmarks/compare.sh [--quick]   (default: 3 warm-up and 15 measured iterations per benchmark; --quick: BenchmarkDotNet's short job)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS="${PEERS:-$ROOT/../shared/peers}"
OUT="$ROOT/benchmarks/results"
JOB=(--warmupCount 3 --iterationCount 15)
[ "${1:-}" = "--quick" ] && JOB=(--job short)
mkdir -p "$OUT"
command -v python3 >/dev/null || { echo "compare.sh needs python3 to format the table" >&2; exit 1; }

echo "== ours (BenchmarkDotNet) ==" >&2
( cd "$ROOT" && dotnet run -c Release --project benchmarks/Dsl.Benchmarks -- \
    --filter '*TrainingStep*' '*Gemm*' --exporters csv "${JOB[@]}" --artifacts "$OUT/bdn" ) >"$OUT/ours.log" 2>&1 \
  || { tail -n 30 "$OUT/ours.log" >&2; exit 1; }

echo "== TorchSharp peer ==" >&2
: >"$OUT/torchsharp.txt"
for threads in 1 2; do
  for w in matmul lenet lenet-sigmoid mlp; do
    bash "$PEERS/torchsharp/run.sh" "$w" "$threads" >>"$OUT/torchsharp.txt" 2>>"$OUT/torchsharp.log"
  done
done

python3 - "$OUT" <<'PY'
import csv, glob, re, sys
out = sys.argv[1]
def ms(text):
    m = re.match(r'\s*([\d.,]+)\s*(ns|us|μs|ms|s)\s*$', text)
    if not m: return None
    v = float(m.group(1).replace(',', ''))
    return v * {'ns': 1e-6, 'us': 1e-3, 'μs': 1e-3, 'ms': 1.0, 's': 1e3}[m.group(2)]
ours = {}
for path in glob.glob(f"{out}/bdn/results/*-report.csv"):
    for row in csv.DictReader(open(path, encoding='utf-8')):
        method, median = row['Method'], ms(row.get('Median', ''))
        if median is None: continue
        m = re.match(r'(LeNetClassic|LeNet|Mlp)_(\d)thread', method)
        if m:
            workload = {'LeNet': 'lenet train_step', 'LeNetClassic': 'lenet-sigmoid train_step', 'Mlp': 'mlp train_step'}[m.group(1)]
            ours[(workload, m.group(2))] = median
        elif method == 'Packed':  # GemmBenchmarks; its baseline (RowAxpy) has no peer counterpart
            size, threads = row['Size'], row['Threads']
            ours[(f"matmul {size}x{size}x{size}", threads)] = median
peer = {}
for line in open(f"{out}/torchsharp.txt"):
    if line.startswith('#') or not line.strip(): continue
    parts = line.split()
    kv = dict(p.split('=', 1) for p in parts[3:] if '=' in p)
    peer[(f"{parts[1]} {parts[2]}".replace('matmul ', 'matmul '), kv['threads'])] = float(kv['median_ms'])
print(f"| workload | threads | ours (ms) | TorchSharp (ms) | ours / TorchSharp |")
print(f"| --- | --- | --- | --- | --- |")
for key in sorted(set(ours) | set(peer)):
    o, p = ours.get(key), peer.get(key)
    ratio = f"{o / p:.2f}" if o and p else "–"
    fmt = lambda v: f"{v:.3f}" if v is not None else "–"
    print(f"| {key[0]} | {key[1]} | {fmt(o)} | {fmt(p)} | {ratio} |")
PY
