"""Side-by-side timing of one PINN training step in three engines: PyTorch (../shared/anchors/torch_pinn_bench.py),
EcdPde's engine (bench/EcdPde.Bench) and TorchSharp/libtorch 2.10 with nested autograd (bench/EcdPde.Bench.Torch),
same machine, same float type, in one run (engines alternate within every round). Prints a Markdown table.

Usage (from the repository root, after apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 bench/compare.py [--anchor ../shared/anchors/torch_pinn_bench.py] [--configs small,paper] [--repeats 3]
"""
import argparse, json, os, statistics, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--anchor", default=os.path.join("..", "shared", "anchors", "torch_pinn_bench.py"))
ap.add_argument("--configs", default="small,paper")
ap.add_argument("--threads", default="1,2")
ap.add_argument("--repeats", type=int, default=3)
args = ap.parse_args()
cores = os.cpu_count() or 1

for project in ("bench/EcdPde.Bench", "bench/EcdPde.Bench.Torch"):
    subprocess.run(["dotnet", "build", "-c", "Release", project, "-v", "q", "-nologo"], check=True, stdout=subprocess.DEVNULL)

def last_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()
    return [json.loads(l) for l in out if l.startswith("{")]

def ours(config, threads, precision):
    return last_json(["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/EcdPde.Bench", "--",
                      "step", "--config", config, "--threads", str(threads), "--precision", precision])[-1]

def torchsharp(config, threads, precision):
    return last_json(["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/EcdPde.Bench.Torch", "--",
                      "step", "--config", config, "--threads", str(threads), "--precision", precision])[-1]

peak = last_json(["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/EcdPde.Bench", "--", "peak"])[-1]
median = statistics.median
rows = []
for config in args.configs.split(","):
    # Repeated rounds, PyTorch and EcdPde alternating, so that both see the same phases of a noisy machine; medians.
    torch, mine, tsharp, machine = {}, {}, {}, {}
    threads = [int(x) for x in args.threads.split(",")]
    for _ in range(args.repeats):
        for t in threads:
            for r in last_json(["/usr/bin/python3", args.anchor, str(t), config]):
                torch.setdefault((r["dtype"], t), []).append(r["ms_per_step"])
                mine.setdefault((r["dtype"], t), []).append(ours(config, t, r["dtype"]))
                tsharp.setdefault((r["dtype"], t), []).append(torchsharp(config, t, r["dtype"]))
        for dtype in sorted({d for d, _ in torch}):
            machine.setdefault(dtype, []).append(ours(config, cores, dtype))
    for (dtype, t), times in sorted(torch.items()):
        o = mine[(dtype, t)]
        ms = median([x["ms_per_step"] for x in o])
        gflops = o[0]["gflop_per_step"] / (ms / 1e3)
        p = peak["fma_peak_gflops_" + dtype] * t
        ts = tsharp[(dtype, t)]
        ts_ms = median([x["ms_per_step"] for x in ts])
        rows.append((config, dtype, t, median(times), ts_ms, ms, median(times) / ms, ts_ms / ms, gflops, 100 * gflops / p,
                     max(x["alloc_bytes_per_step"] for x in o), max(x["rss_growth_kib_per_step"] for x in ts)))
    # whole machine: ours on all cores against PyTorch at its best thread count
    for dtype in sorted(machine):
        best_t, best_ms = min(((t, median(ms)) for (d, t), ms in torch.items() if d == dtype), key=lambda x: x[1])
        o = machine[dtype]
        ms = median([x["ms_per_step"] for x in o])
        gflops = o[0]["gflop_per_step"] / (ms / 1e3)
        ts_t, ts_ms = min(((t, median([x["ms_per_step"] for x in v])) for (d, t), v in tsharp.items() if d == dtype),
                          key=lambda x: x[1])
        rows.append((config + " (machine)", dtype, f"{cores} vs torch {best_t}, TorchSharp {ts_t}", best_ms, ts_ms, ms,
                     best_ms / ms, ts_ms / ms, gflops, 100 * gflops / (peak["fma_peak_gflops_" + dtype] * cores),
                     max(x["alloc_bytes_per_step"] for x in o), float("nan")))

print(f"FMA peak per core: {peak['fma_peak_gflops_float32']} GFLOP/s float32, {peak['fma_peak_gflops_float64']} float64 ({peak['method']})")
print(f"Medians of {args.repeats} alternating rounds.\n")
print("| config | float | threads | PyTorch 1.13 ms/step | TorchSharp ms/step | EcdPde ms/step | speed-up vs PyTorch | "
      "speed-up vs TorchSharp | EcdPde GFLOP/s | % of FMA peak | EcdPde bytes allocated/step | TorchSharp RSS growth KiB/step |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print("| %s | %s | %s | %.1f | %.1f | %.1f | %.1fx | %.1fx | %.1f | %.0f%% | %d | %.0f |" % r)
