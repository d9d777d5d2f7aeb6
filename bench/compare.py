"""Side-by-side timing of one PINN training step in three engines on this machine: EcdPde's native engine
(bench/EcdPde.Bench), TorchSharp/libtorch 2.10 with nested autograd (bench/EcdPde.Bench.Torch) and PyTorch from
Debian (../shared/anchors/torch_pinn_bench.py). The engines alternate within every round (so all see the same
phases of a shared machine), on 1 thread and on all cores, float32 and float64; medians over the rounds. Writes a
Markdown table naming the machine (CPU model, AVX-512 or AVX2, load average before and after) to stdout and --out.

Usage (from the repository root; PyTorch: apt-get install -y python3-torch libopenblas0-pthread):
    /usr/bin/python3 bench/compare.py [--configs small,paper] [--repeats 5] [--out FILE] [--anchor PATH]
An engine that cannot run here (no PyTorch installed) is reported as missing, not guessed.
"""
import argparse, datetime, json, os, statistics, subprocess

ap = argparse.ArgumentParser()
ap.add_argument("--anchor", default=os.path.join("..", "shared", "anchors", "torch_pinn_bench.py"))
ap.add_argument("--configs", default="small,paper")
ap.add_argument("--precisions", default="float32,float64")
ap.add_argument("--repeats", type=int, default=5)
ap.add_argument("--out", default="")
args = ap.parse_args()
cores = os.cpu_count() or 1
thread_counts = sorted({1, cores})
precisions = args.precisions.split(",")

for project in ("bench/EcdPde.Bench", "bench/EcdPde.Bench.Torch"):
    subprocess.run(["dotnet", "build", "-c", "Release", project, "-v", "q", "-nologo"], check=True, stdout=subprocess.DEVNULL)


def run_rss(cmd):
    """JSON lines printed by cmd, and the peak resident memory of its process (MiB, from wait4's rusage)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    if status != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with status {status}")
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")], usage.ru_maxrss / 1024


def dotnet(project, config, threads, precision):
    rows, rss = run_rss([f"{project}/bin/Release/net10.0/{os.path.basename(project)}", "step", "--config", config,
                         "--threads", str(threads), "--precision", precision])
    return dict(rows[-1], peak_rss_mib=rss)


def pytorch(config, threads):
    if not os.path.exists(args.anchor) or subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                                                         capture_output=True).returncode != 0:
        return {}
    rows, rss = run_rss(["/usr/bin/python3", args.anchor, str(threads), config])
    return {r["dtype"]: dict(r, peak_rss_mib=rss) for r in rows}


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


flags = open("/proc/cpuinfo").read()
isa = "AVX-512" if " avx512f" in flags else "AVX2" if " avx2" in flags else "no AVX2"
load_before = open("/proc/loadavg").read().split()[:3]
peak = run_rss(["bench/EcdPde.Bench/bin/Release/net10.0/EcdPde.Bench", "peak"])[0][-1]
native, tsharp, torch = {}, {}, {}
for rnd in range(args.repeats):
    for config in args.configs.split(","):
        for t in thread_counts:
            for dtype, r in pytorch(config, t).items():
                torch.setdefault((config, dtype, t), []).append(r)
            for dtype in precisions:
                native.setdefault((config, dtype, t), []).append(dotnet("bench/EcdPde.Bench", config, t, dtype))
                tsharp.setdefault((config, dtype, t), []).append(dotnet("bench/EcdPde.Bench.Torch", config, t, dtype))
load_after = open("/proc/loadavg").read().split()[:3]


def med(rows, key):
    return statistics.median(r[key] for r in rows) if rows else float("nan")


def cell(rows, key="ms_per_step", fmt="%.1f"):
    return fmt % med(rows, key) if rows else "—"


lines = [
    f"### {datetime.date.today().isoformat()}: {cpu_model()} ({isa}, {cores} cores)",
    "",
    f"Command: `/usr/bin/python3 bench/compare.py --repeats {args.repeats}`; engines alternating in every round, "
    f"medians of {args.repeats} rounds; load average (1, 5, 15 min) {' '.join(load_before)} before, "
    f"{' '.join(load_after)} after.",
    f"FMA peak: one core {peak['fma_peak_gflops_float32']} GFLOP/s float32, {peak['fma_peak_gflops_float64']} float64; "
    f"all {cores} cores at once {peak['fma_peak_gflops_float32_all_cores']} and {peak['fma_peak_gflops_float64_all_cores']} "
    f"(ratio {peak['all_cores_ratio_float32']} and {peak['all_cores_ratio_float64']}); {peak['method']}.",
    "",
    "| config | float | threads | PyTorch 1.13 ms | TorchSharp ms | EcdPde ms | EcdPde GFLOP/s | fraction of one core's peak "
    "| EcdPde speed-up over 1 thread (all-cores peak ratio) | peak RSS MiB PyTorch / TorchSharp / EcdPde | EcdPde bytes allocated/step |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
]
for (config, dtype, t), rows in sorted(native.items()):
    ms = med(rows, "ms_per_step")
    one = med(native[(config, dtype, 1)], "ms_per_step")
    scale = "" if t == 1 else f"{one / ms:.2f}x ({peak['all_cores_ratio_' + dtype]}x)"
    pt, ts = torch.get((config, dtype, t), []), tsharp[(config, dtype, t)]
    rss = " / ".join(cell(x, "peak_rss_mib", "%.0f") for x in (pt, ts, rows))
    lines.append(f"| {config} | {dtype} | {t} | {cell(pt)} | {cell(ts)} | {ms:.1f} | {rows[0]['gflop_per_step'] / ms * 1e3:.1f} "
                 f"| {rows[0]['gflop_per_step'] / ms * 1e3 / peak['fma_peak_gflops_' + dtype]:.0%} | {scale} | {rss} "
                 f"| {max(r['alloc_bytes_per_step'] for r in rows)} |")
text = "\n".join(lines) + "\n"
print(text)
if args.out:
    with open(args.out, "w") as f:
        f.write(text)
