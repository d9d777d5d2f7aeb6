using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using BenchmarkDotNet.Running;
using Ecd.Core.Optimizers;
using EcdPde.Bench;

// dotnet run -c Release --project bench/EcdPde.Bench -- step --config small|paper --threads T --precision float32|float64 [--steps S] [--two-pass]
//   (--two-pass: Forward, the loss, then Backward, instead of the fused ForwardBackward; also for profile)
// dotnet run -c Release --project bench/EcdPde.Bench -- peak       (one core and all cores at once, float32 and float64)
// dotnet run -c Release --project bench/EcdPde.Bench -- profile --config small|paper [--threads T] [--precision P]
// dotnet run -c Release --project bench/EcdPde.Bench -- kernels [BenchmarkDotNet arguments]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

string command = args.Length > 0 ? args[0] : "step";
bool twoPass = args.Contains("--two-pass");
switch (command)
{
    case "peak":
        {
            int cores = Environment.ProcessorCount;
            double f32 = Peak.SingleCoreGflops(true), f64 = Peak.SingleCoreGflops(false);
            double all32 = Peak.AllCoresGflops(true, cores), all64 = Peak.AllCoresGflops(false, cores);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                fma_peak_gflops_float32 = Math.Round(f32, 1),
                fma_peak_gflops_float64 = Math.Round(f64, 1),
                fma_peak_gflops_float32_all_cores = Math.Round(all32, 1),
                fma_peak_gflops_float64_all_cores = Math.Round(all64, 1),
                cores,
                all_cores_ratio_float32 = Math.Round(all32 / f32, 2),
                all_cores_ratio_float64 = Math.Round(all64 / f64, 2),
                method = Peak.Method,
                all_cores_method = Peak.AllCoresMethod,
            }));
            return 0;
        }
    case "gemm":
        {
            // The three layer products of a training step on the point-major layout, per block of 64 points × 4
            // channels (256 rows, units padded to 16): forward Zᵀ = Hᵀ·Wᵀ, weight gradient G += (Z̄ᵀ)ᵀ·Hᵀ (TN), input
            // adjoint H̄ᵀ = Z̄ᵀ·W. "hot": one block's buffers again and again; "streamed": 64 blocks in turn, as in a step.
            string precision = Arg("--precision", "float32");
            foreach (int width in Arg("--widths", "64,200").Split(',').Select(int.Parse))
                foreach (int blocks in new[] { 1, 64 })
                {
                    var (fwd, wg, adj) = precision == "float64" ? GemmTimes<double>(width, blocks) : GemmTimes<float>(width, blocks);
                    double flops = 2.0 * width * width * 256;
                    Console.WriteLine($"{precision} width {width}, 256 rows, {(blocks == 1 ? "hot" : "streamed over 64 blocks")}: forward {flops / fwd / 1e9:F1} GFLOP/s, " +
                        $"weight gradient {flops / wg / 1e9:F1}, input adjoint {flops / adj / 1e9:F1}");
                }
            return 0;
        }
    case "profile":
        {
            var config = PinnConfig.Get(Arg("--config", "small"));
            int threads = int.Parse(Arg("--threads", "1")), block = int.Parse(Arg("--block", "64"));
            string precision = Arg("--precision", "float32");
            var (f, b, bc) = precision == "float64" ? ProfileStep<double>(config, threads, block, twoPass) : ProfileStep<float>(config, threads, block, twoPass);
            Console.WriteLine(twoPass
                ? $"{config.Name} {precision}: CPU ms (medians): interior forward {f:F2}, interior backward {b:F2}, boundary {bc:F2}"
                : $"{config.Name} {precision}: CPU ms (medians): interior fused forward and backward {f:F2}, boundary {bc:F2}");
            return 0;
        }
    case "kernels":
        BenchmarkSwitcher.FromTypes([typeof(KernelBenchmarks)]).Run(args[1..]);
        return 0;
    case "step":
        {
            var config = PinnConfig.Get(Arg("--config", "small"));
            int threads = int.Parse(Arg("--threads", "1"));
            string precision = Arg("--precision", "float32");
            int steps = int.Parse(Arg("--steps", config.Name == "small" ? "40" : "10"));
            int block = int.Parse(Arg("--block", "64"));
            var result = precision switch
            {
                "float32" => Step<float>(config, threads, steps, block, twoPass),
                "float64" => Step<double>(config, threads, steps, block, twoPass),
                _ => throw new ArgumentException($"--precision must be float32 or float64 (got {precision})"),
            };
            Console.WriteLine(JsonSerializer.Serialize(result with { precision = precision, path = twoPass ? "two-pass" : "fused" }));
            return 0;
        }
    default:
        Console.Error.WriteLine($"unknown command '{command}' (step, peak, kernels)");
        return 2;
}

static (double Forward, double WeightGradient, double InputAdjoint) GemmTimes<T>(int width, int blocks)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    const int rows = 256;
    var auto = Ecd.Core.Engine.SimdWidth.Auto;
    int pad = (width + 15) / 16 * 16;
    var r = new Random(1);
    T[] Fill(int n) => Enumerable.Range(0, n).Select(_ => T.CreateTruncating(r.NextDouble())).ToArray();
    var wT = Fill(width * pad);
    var h = Fill(blocks * rows * pad);
    var zb = Fill(blocks * rows * pad);
    var z = new T[blocks * rows * pad];
    var hb = new T[blocks * rows * pad];
    var g = new T[width * pad];
    int bi = 0;
    Span<T> Blk(T[] a, int b) => a.AsSpan(b * rows * pad, rows * pad);
    double fwd = Time(() =>
    {
        bi = (bi + 1) % blocks;
        Ecd.Core.Engine.Gemm.MultiplyNN<T>(auto, Blk(h, bi), pad, wT, pad, Blk(z, bi), pad, rows, pad, width, false);
    });
    double wg = Time(() =>
    {
        bi = (bi + 1) % blocks;
        Ecd.Core.Engine.Gemm.MultiplyTN<T>(auto, Blk(zb, bi), pad, Blk(h, bi), pad, g, pad, width, pad, rows, true);
    });
    double adj = Time(() =>
    {
        bi = (bi + 1) % blocks;
        Ecd.Core.Engine.Gemm.MultiplyNN<T>(auto, Blk(zb, bi), pad, wT, pad, Blk(hb, bi), pad, rows, pad, width, false);
    });
    return (fwd, wg, adj);
}

static (double Forward, double Backward, double Boundary) ProfileStep<T>(PinnConfig config, int threads, int block, bool twoPass)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    using var objective = new PinnObjective<T>(config, threads, 0, block, twoPass);
    var theta = objective.Network.NewParameters(1);
    objective.Evaluate(theta, new T[objective.Dimension]);
    return objective.Profile(theta, 20);
}

static double Time(Action a)
{
    for (int i = 0; i < 200; i++)
        a();
    // Best of 20 over the CPU time of the process (one thread here): on a shared machine the wall time also counts
    // the other processes' turns on the core.
    double best = double.MaxValue;
    for (int rep = 0; rep < 20; rep++)
    {
        double c0 = ProcessCpu.Milliseconds();
        for (int i = 0; i < 100; i++)
            a();
        best = Math.Min(best, (ProcessCpu.Milliseconds() - c0) / 1e3 / 100);
    }
    return best;
}

static StepResult Step<T>(PinnConfig config, int threads, int steps, int block, bool twoPass)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    using var objective = new PinnObjective<T>(config, threads, 0, block, twoPass);
    // The same step as the PyTorch script: loss, exact gradient, SGD with momentum 0.9, lr 1e-6.
    var optimizer = new Gdm<T>(new GdmOptions { Lr = 1e-6, Momentum = 0.9 });
    var state = optimizer.Init(objective.Network.NewParameters(1), 0);
    // Warm-up: at least 5 steps and 1 s, so that the runtime's tiered compilation (which allocates on its own
    // thread) has finished before the timing and the allocation count start.
    long warm = Stopwatch.GetTimestamp();
    for (int i = 0; i < 5 || Stopwatch.GetElapsedTime(warm).TotalSeconds < 1; i++)
        optimizer.Step(state, objective);
    var times = new double[steps];
    var cpu = new double[steps];
    ProcessCpu.Milliseconds(); // binds the P/Invoke before the allocation count starts
    long allocBefore = GC.GetTotalAllocatedBytes(precise: true);
    for (int i = 0; i < steps; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        double c0 = ProcessCpu.Milliseconds();
        optimizer.Step(state, objective);
        cpu[i] = ProcessCpu.Milliseconds() - c0;
        times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }
    long alloc = GC.GetTotalAllocatedBytes(precise: true) - allocBefore;
    double rss = Environment.WorkingSet / (1024.0 * 1024.0);
    Array.Sort(times);
    Array.Sort(cpu);
    double median = times[steps / 2];
    double gflops = objective.MatrixFlops / (median / 1e3) / 1e9;
    // The peak of the same float type on one core, measured in this process after the timed steps.
    double peak = Peak.SingleCoreGflops(typeof(T) == typeof(float));
    return new StepResult(config.Name, "", threads, objective.Dimension, config.Interior, config.Boundary,
        Math.Round(median, 3), Math.Round(gflops, 1), alloc / steps, Math.Round(objective.MatrixFlops / 1e9, 3),
        Math.Round(gflops / peak, 3), Math.Round(peak, 1), Peak.Method, Math.Round(rss, 1), Math.Round(cpu[steps / 2], 3));
}

/// <summary>
/// One `step` measurement. fraction_of_peak = gflop_per_step / (ms_per_step / 1000) / peak_gflops, where peak_gflops
/// is one core's FMA peak of the same float type (so a 2-thread step can exceed 1); rss_mib is the resident memory
/// after the timed steps; cpu_ms_per_step is the median CPU time of the whole process per step (all threads): on a
/// shared machine, where other processes take turns on the cores, it varies less than the wall time.
/// </summary>
internal sealed record StepResult(string config, string precision, int threads, int @params, int n_int, int n_bc,
    double ms_per_step, double gflops, long alloc_bytes_per_step, double gflop_per_step,
    double fraction_of_peak, double peak_gflops, string peak_method, double rss_mib, double cpu_ms_per_step, string path = "");
