#!/usr/bin/env bash
# benchmarks/compare.sh — runs our BenchmarkDotNet suites and the two peers (TorchSharp/libtorch for training and
# forward, ONNX Runtime for inference) in one session and prints one table: workload, threads, our median, each
# peer's median, ratios ours/peer (below 1 = we are faster), our allocation per operation, and the issue's goals.
# See docs/performance.md.
#
# Usage: benchmarks/compare.sh [--quick] [--only SUITES] [--table-only [DIR]]
#   --quick        BenchmarkDotNet's short job (3 warm-up, 3 measured iterations) instead of 3 + 15 (ResNet: 1 + 5);
#                  the peers keep their own defaults (they take seconds).
#   --only SUITES  comma-separated subset of: gemm,training,inference,recurrent,resnet (default: all). The peers run
#                  only the workloads those suites are compared with.
#   --table-only   rebuild the table from an earlier run's raw results (default: the latest) without measuring.
# Environment: PEERS=DIR where the peers live (default: ../shared/peers next to the repository, copied to
#   ${TMPDIR:-/tmp}/peers first when read-only, since the peers build into their own folder).
# Output: benchmarks/results/RUN/ (raw logs, BenchmarkDotNet reports, table.md) and benchmarks/results/latest.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="$ROOT/benchmarks/results"
ALL_SUITES=gemm,training,inference,recurrent,resnet

quick=0 suites=$ALL_SUITES table_only=
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --only) [ $# -ge 2 ] || { echo "compare.sh: --only needs a list, e.g. --only recurrent,inference" >&2; exit 2; }
            suites=$2; shift ;;
    --table-only) table_only=latest
                  if [ $# -ge 2 ] && [ "${2#--}" = "$2" ]; then table_only=$2; shift; fi ;;
    -h|--help) sed -n 2,16p "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1' (expected --quick, --only SUITES, --table-only [DIR])" >&2; exit 2 ;;
  esac
  shift
done
for s in ${suites//,/ }; do
  case ",$ALL_SUITES," in *",$s,"*) ;; *) echo "compare.sh: unknown suite '$s' (expected some of $ALL_SUITES)" >&2; exit 2 ;; esac
done
has() { case ",$suites," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
command -v python3 >/dev/null || { echo "compare.sh needs python3 to format the table" >&2; exit 1; }

if [ -n "$table_only" ]; then
  [ "$table_only" = latest ] && table_only="$(cat "$RESULTS/latest-run" 2>/dev/null || true)"
  [ -d "$table_only" ] || { echo "compare.sh: no results directory '$table_only'" >&2; exit 1; }
  python3 "$ROOT/benchmarks/compare_table.py" "$table_only" | tee "$table_only/table.md"
  exit 0
fi

OUT="$RESULTS/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
echo "$OUT" >"$RESULTS/latest-run"
say() { echo "compare.sh: $*" >&2; }

# Peers: build and run from a writable copy (they write bin/ and obj/ next to their sources).
PEERS_SRC="${PEERS:-}"
if [ -z "$PEERS_SRC" ]; then
  for candidate in "$ROOT/../shared/peers" "$ROOT/../../shared/peers"; do
    [ -d "$candidate" ] && { PEERS_SRC="$(cd "$candidate" && pwd)"; break; }
  done
fi
[ -n "$PEERS_SRC" ] && [ -d "$PEERS_SRC/torchsharp" ] && [ -d "$PEERS_SRC/onnxruntime" ] \
  || { say "error: peers not found; set PEERS=DIR (a folder with torchsharp/ and onnxruntime/)"; exit 1; }
PEERS_DIR=$PEERS_SRC
if [ ! -w "$PEERS_SRC" ]; then
  PEERS_DIR="${TMPDIR:-/tmp}/peers"
  mkdir -p "$PEERS_DIR" && cp -ru "$PEERS_SRC"/. "$PEERS_DIR"/ && chmod -R u+w "$PEERS_DIR"
fi

# Context for the table's header.
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (uncommitted changes)')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) logical CPUs"
  echo "dotnet: $(dotnet --version 2>/dev/null || echo unknown)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ $quick = 1 ]; then echo "ours: BenchmarkDotNet short job (3 warm-up + 3 measured iterations)"
  else echo "ours: BenchmarkDotNet, 3 warm-up + 15 measured iterations (ResNet-18: 1 + 5)"; fi
  echo "suites: $suites"
} >"$OUT/meta.txt"
load1=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  say "warning: load average $load1 before starting: another process is busy, so the figures will be noisy"
fi

# Ours ------------------------------------------------------------------------------------------------------------
filters=()
has gemm && filters+=('*GemmBenchmarks*')
has training && filters+=('*TrainingStepBenchmarks*')
has inference && filters+=('*InferenceBenchmarks*')
has recurrent && filters+=('*LstmBenchmarks*' '*GruBenchmarks*' '*LstmLmBenchmarks*')
if [ $quick = 1 ]; then JOB=(--job short) RESNET_JOB=(--job short)
else JOB=(--warmupCount 3 --iterationCount 15) RESNET_JOB=(--warmupCount 1 --iterationCount 5); fi

say "building benchmarks (log: $OUT/build.log)"
dotnet build "$ROOT/benchmarks/Dsl.Benchmarks/Dsl.Benchmarks.csproj" -c Release >"$OUT/build.log" 2>&1 \
  || { tail -n 30 "$OUT/build.log" >&2; exit 1; }
if has recurrent; then  # the hand-composed recurrent steps must compute the right gradients before they are timed
  say "gradient check of the hand-composed recurrent steps (log: $OUT/check.log)"
  ( cd "$ROOT" && dotnet run -c Release --no-build --project benchmarks/Dsl.Benchmarks -- --check ) >"$OUT/check.log" 2>&1 \
    || { cat "$OUT/check.log" >&2; say "error: gradient check failed"; exit 1; }
fi
bdn() {  # bdn LOG ARGS...: one BenchmarkDotNet session; a failed session is reported and the table shows gaps.
  local log=$1; shift
  ( cd "$ROOT" && dotnet run -c Release --no-build --project benchmarks/Dsl.Benchmarks -- \
      "$@" --exporters csv --artifacts "$OUT/bdn" ) >"$log" 2>&1 || { tail -n 30 "$log" >&2; say "error: BenchmarkDotNet failed (log: $log)"; }
}
if [ ${#filters[@]} -gt 0 ]; then
  say "ours: ${filters[*]} (log: $OUT/ours.log)"
  bdn "$OUT/ours.log" --filter "${filters[@]}" "${JOB[@]}"
fi
if has resnet; then
  # Not compiled until Dsl.Models.ResNet18Cifar exists (see Dsl.Benchmarks.csproj); then the filter matches nothing.
  say "ours: *ResNetBenchmarks* (log: $OUT/ours-resnet.log)"
  bdn "$OUT/ours-resnet.log" --filter '*ResNetBenchmarks*' "${RESNET_JOB[@]}"
fi

# Peers -----------------------------------------------------------------------------------------------------------
ts=() ort=()
has gemm && { ts+=(matmul); ort+=(matmul); }
{ has training || has inference; } && ts+=(lenet lenet-sigmoid mlp)
has inference && ort+=(lenet mlp)
has recurrent && ts+=(lstm gru lstm-lm)
has resnet && { ts+=(resnet18-cifar); ort+=(resnet18-cifar); }
: >"$OUT/torchsharp.txt"; : >"$OUT/onnxruntime.txt"
# Every workload of a peer: one process with 'all' instead of one per workload (each start loads the runtime again).
[ "${ts[*]}" = "matmul lenet lenet-sigmoid mlp lstm gru lstm-lm resnet18-cifar" ] && ts=(all)
[ "${ort[*]}" = "matmul lenet mlp resnet18-cifar" ] && ort=(all)
for threads in 1 2; do
  for w in "${ts[@]}"; do
    say "TorchSharp $w, $threads thread(s)"
    bash "$PEERS_DIR/torchsharp/run.sh" "$w" "$threads" >>"$OUT/torchsharp.txt" 2>>"$OUT/torchsharp.log" \
      || say "error: TorchSharp $w $threads failed (log: $OUT/torchsharp.log)"
  done
  for w in "${ort[@]}"; do
    say "ONNX Runtime $w, $threads thread(s)"
    bash "$PEERS_DIR/onnxruntime/run.sh" "$w" "$threads" >>"$OUT/onnxruntime.txt" 2>>"$OUT/onnxruntime.log" \
      || say "error: ONNX Runtime $w $threads failed (log: $OUT/onnxruntime.log)"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.txt"

echo >&2
python3 "$ROOT/benchmarks/compare_table.py" "$OUT" | tee "$OUT/table.md"
cp "$OUT/table.md" "$RESULTS/latest.md"
say "table written to $OUT/table.md and $RESULTS/latest.md"
