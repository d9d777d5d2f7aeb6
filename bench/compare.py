"""Side-by-side timing of one PINN training step: PyTorch (../shared/anchors/torch_pinn_bench.py) against EcdPde's
engine (bench/EcdPde.Bench), same machine, same float type, in one run. Prints a Markdown table.

Usage (from the repository root, after apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 bench/compare.py [--anchor ../shared/anchors/torch_pinn_bench.py] [--configs small,paper]
"""
import argparse, json, os, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--anchor", default=os.path.join("..", "shared", "anchors", "torch_pinn_bench.py"))
ap.add_argument("--configs", default="small,paper")
ap.add_argument("--threads", default="1,2")
args = ap.parse_args()
cores = os.cpu_count() or 1

subprocess.run(["dotnet", "build", "-c", "Release", "bench/EcdPde.Bench", "-v", "q", "-nologo"], check=True,
               stdout=subprocess.DEVNULL)

def last_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()
    return [json.loads(l) for l in out if l.startswith("{")]

def ours(config, threads, precision):
    return last_json(["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/EcdPde.Bench", "--",
                      "step", "--config", config, "--threads", str(threads), "--precision", precision])[-1]

peak = last_json(["dotnet", "run", "-c", "Release", "--no-build", "--project", "bench/EcdPde.Bench", "--", "peak"])[-1]
rows = []
for config in args.configs.split(","):
    torch = {}
    for t in [int(x) for x in args.threads.split(",")]:
        for r in last_json(["/usr/bin/python3", args.anchor, str(t), config]):
            torch[(r["dtype"], t)] = r["ms_per_step"]
    for (dtype, t), torch_ms in sorted(torch.items()):
        o = ours(config, t, dtype)
        p = peak["fma_peak_gflops_" + dtype] * t
        rows.append((config, dtype, t, torch_ms, o["ms_per_step"], torch_ms / o["ms_per_step"], o["gflops"],
                     100 * o["gflops"] / p, o["alloc_bytes_per_step"]))
    # whole machine: ours on all cores against PyTorch at its best thread count
    for dtype in sorted({d for d, _ in torch}):
        best_t, best_ms = min(((t, ms) for (d, t), ms in torch.items() if d == dtype), key=lambda x: x[1])
        o = ours(config, cores, dtype)
        rows.append((config + " (machine)", dtype, f"{cores} vs torch {best_t}", best_ms, o["ms_per_step"],
                     best_ms / o["ms_per_step"], o["gflops"], 100 * o["gflops"] / (peak["fma_peak_gflops_" + dtype] * cores),
                     o["alloc_bytes_per_step"]))

print(f"FMA peak per core: {peak['fma_peak_gflops_float32']} GFLOP/s float32, {peak['fma_peak_gflops_float64']} float64 ({peak['method']})\n")
print("| config | float | threads | PyTorch ms/step | EcdPde ms/step | speed-up | EcdPde GFLOP/s | % of FMA peak | bytes allocated/step |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print("| %s | %s | %s | %.1f | %.1f | %.1fx | %.1f | %.0f%% | %d |" % r)
