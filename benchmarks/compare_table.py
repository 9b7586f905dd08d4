#!/usr/bin/env python3
"""Builds compare.sh's table from one run's raw results.

Usage: compare_table.py RUN_DIR
RUN_DIR holds meta.txt, bdn/results/*-report.csv (BenchmarkDotNet), torchsharp.txt and onnxruntime.txt (the peers'
stdout). Prints Markdown: the run's context, then one table with a row per (workload, measurement, threads).
"""
import csv
import glob
import os
import re
import sys

# Goals from the project's issue 5, on 2 threads: (workload, measurement, peer) -> largest acceptable ours/peer.
GOALS = {
    ("lenet", "train_step", "ts"): 0.33,
    ("mlp", "train_step", "ts"): 0.33,
    ("lstm", "fwd_bwd", "ts"): 0.7,
    ("lstm", "train_step", "ts"): 0.7,
    ("lstm-lm", "train_step", "ts"): 0.7,
    ("resnet18-cifar", "train_step", "ts"): 1.0,
    ("lenet", "forward batch=1", "ort"): 1.0,
    ("lenet", "forward batch=256", "ort"): 1.0,
    ("mlp", "forward batch=1", "ort"): 1.0,
    ("mlp", "forward batch=256", "ort"): 1.0,
    ("resnet18-cifar", "forward batch=1", "ort"): 1.2,
    ("resnet18-cifar", "forward batch=64", "ort"): 1.2,
}
WORKLOAD_ORDER = ["lenet", "lenet-sigmoid", "mlp", "lstm", "gru", "lstm-lm", "resnet18-cifar", "matmul"]
MEASUREMENT_ORDER = ["train_step", "fwd_bwd", "forward", "forward batch=1", "forward batch=64", "forward batch=256",
                     "512x512x512", "1024x1024x1024"]
# Rows shown even when nothing was measured, so the gap is visible: ResNet-18 waits for the zoo's ResNet18Cifar.
PENDING = {("resnet18-cifar", m): "ours pending: Dsl.Models.ResNet18Cifar not in the zoo yet"
           for m in ("train_step", "forward batch=64", "forward batch=1")}

# BenchmarkDotNet method names: Name[_bBATCH]_Nthread(s).
METHOD = re.compile(r"^(?P<name>[A-Za-z]+?)(?:_b(?P<batch>\d+))?_(?P<threads>\d+)threads?$")
MODELS = {"LeNet": "lenet", "LeNetClassic": "lenet-sigmoid", "Mlp": "mlp"}
STEPS = {"FwdBwd": "fwd_bwd", "TrainStep": "train_step", "Forward": "forward"}
RECURRENT = {"LstmBenchmarks": "lstm", "GruBenchmarks": "gru", "LstmLmBenchmarks": "lstm-lm", "ResNetBenchmarks": "resnet18-cifar"}


def to_ms(text):
    """'16.23 ms', '1,234.5 us', '35.5 μs' -> milliseconds; None for 'NA' or an empty cell."""
    m = re.match(r"\s*([\d.,]+)\s*(ns|us|μs|ms|s)\s*$", text or "")
    if not m:
        return None
    return float(m.group(1).replace(",", "")) * {"ns": 1e-6, "us": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]


def key_of(cls, row):
    """(workload, measurement, threads) for one BenchmarkDotNet row, or None for rows no peer has (the GEMM baseline)."""
    if cls == "GemmBenchmarks":
        if row["Method"] != "Packed":
            return None
        n = row["Size"]
        return ("matmul", f"{n}x{n}x{n}", row["Threads"])
    m = METHOD.match(row["Method"])
    if not m:
        return None
    name, batch, threads = m.group("name"), m.group("batch"), m.group("threads")
    if cls == "TrainingStepBenchmarks":
        return (MODELS[name], "train_step", threads)
    if cls == "InferenceBenchmarks":
        return (MODELS[name], f"forward batch={batch}", threads)
    if cls in RECURRENT:
        measurement = STEPS[name] + (f" batch={batch}" if batch else "")
        return (RECURRENT[cls], measurement, threads)
    return None


def read_ours(run):
    ours, alloc = {}, {}
    for path in sorted(glob.glob(os.path.join(run, "bdn", "results", "*-report.csv"))):
        cls = os.path.basename(path).split("-report")[0].split(".")[-1]
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                key = key_of(cls, row)
                if key is None:
                    continue
                ours[key] = to_ms(row.get("Median"))
                alloc[key] = row.get("Allocated", "").strip() or None
    return ours, alloc


def read_peer(path, tool):
    """Parses the peers' result lines ('tool workload measurement... key=value ...') and their busy_before context."""
    times, context = {}, []
    if not os.path.exists(path):
        return times, context
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            busy = re.search(r"busy_before=(\d+)%", line)  # TorchSharp's CPU share taken by others just before a run
            if busy:
                context.append(int(busy.group(1)))
            if not line.startswith(tool + " "):
                continue
            parts = line.split()
            words = [p for p in parts[1:] if "=" not in p]
            kv = dict(p.split("=", 1) for p in parts if "=" in p)
            workload, measurement = words[0], " ".join(words[1:])
            if tool == "onnxruntime":
                if measurement == "infer":  # 'infer batch=B' -> our naming
                    measurement = f"forward batch={kv['batch']}"
                value = float(kv["median_us"]) / 1000.0
            else:
                if measurement == "forward" and workload in ("lenet", "lenet-sigmoid", "mlp"):
                    measurement = "forward batch=256"
                elif measurement == "forward" and workload == "resnet18-cifar":
                    measurement = "forward batch=64"
                value = float(kv["median_ms"])
            times[(workload, measurement, kv["threads"])] = value
    return times, context


def fmt_ms(v):
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def ratio(o, p):
    return o / p if o and p else None


def fmt_ratio(r):
    if r is None:
        return "–"
    return f"{r:.2f}" if r >= 0.1 else f"{r:.3f}"


def goal_cell(key, r_ts, r_ort):
    workload, measurement, threads = key
    if threads != "2":
        return ""
    cells = []
    for peer, r, label in (("ts", r_ts, "TS"), ("ort", r_ort, "ORT")):
        limit = GOALS.get((workload, measurement, peer))
        if limit is None:
            continue
        verdict = "?" if r is None else ("met" if r <= limit else "missed")
        cells.append(f"{label} ≤ {limit:g}: {verdict}")
    return "; ".join(cells)


def order(key):
    workload, measurement, threads = key
    w = WORKLOAD_ORDER.index(workload) if workload in WORKLOAD_ORDER else len(WORKLOAD_ORDER)
    m = MEASUREMENT_ORDER.index(measurement) if measurement in MEASUREMENT_ORDER else len(MEASUREMENT_ORDER)
    return (w, m, measurement, int(threads))


def main(run):
    ours, alloc = read_ours(run)
    ts, ts_context = read_peer(os.path.join(run, "torchsharp.txt"), "torchsharp")
    ort, _ = read_peer(os.path.join(run, "onnxruntime.txt"), "onnxruntime")
    keys = set(ours) | set(ts) | set(ort)
    for (workload, measurement) in PENDING:
        for threads in ("1", "2"):
            if any(k[0] == workload for k in ts) or any(k[0] == workload for k in ort):
                keys.add((workload, measurement, threads))

    if os.path.exists(os.path.join(run, "meta.txt")):
        with open(os.path.join(run, "meta.txt"), encoding="utf-8") as f:
            for line in f:
                print(f"- {line.strip()}")
    if ts_context:
        busy = sum(1 for b in ts_context if b >= 15)
        print(f"- TorchSharp found the CPUs busy (≥ 15% used by others) before {busy} of its {len(ts_context)} runs"
              + (f" (busy_before: {', '.join(f'{b}%' for b in ts_context)}): figures are noisy" if busy else ""))
    print("- times are medians in milliseconds; a ratio below 1 means ours is faster; TS = TorchSharp, ORT = ONNX Runtime")
    print()
    print("| workload | measurement | threads | ours (ms) | TorchSharp (ms) | ONNX Runtime (ms) | ours / TS | ours / ORT "
          "| ours alloc/op | goal (2 threads) |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for key in sorted(keys, key=order):
        o, p_ts, p_ort = ours.get(key), ts.get(key), ort.get(key)
        r_ts, r_ort = ratio(o, p_ts), ratio(o, p_ort)
        note = goal_cell(key, r_ts, r_ort)
        if o is None and key[:2] in PENDING:
            note = (note + "; " if note else "") + PENDING[key[:2]]
        workload, measurement, threads = key
        print(f"| {workload} | {measurement} | {threads} | {fmt_ms(o)} | {fmt_ms(p_ts)} | {fmt_ms(p_ort)} "
              f"| {fmt_ratio(r_ts)} | {fmt_ratio(r_ort)} "
              f"| {alloc.get(key) or '–'} | {note} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: compare_table.py RUN_DIR")
    main(sys.argv[1])
