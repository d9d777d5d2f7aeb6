using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EcdPde.Bench;

/// <summary>
/// The FMA peak of one core: 12 independent accumulation chains a ← a + x·y of fused multiply-adds on the widest
/// registers the machine accelerates (Vector512 with AVX-512, else Vector256 — the width the engine runs at), kept
/// in registers (the loop is its own method with no call inside, so the JIT does not spill the accumulators);
/// FLOPs = 2 × lanes × FMAs, best of repeated runs.
/// </summary>
public static class Peak
{
    private const long Iterations = 20_000_000;

    /// <summary>
    /// GFLOP/s of the FMA loop on one core, best of 7, over the process's CPU time (not the wall time, which on a
    /// shared machine includes the turns other processes take on the core).
    /// </summary>
    public static double SingleCoreGflops(bool float32)
    {
        double best = 0;
        for (int rep = 0; rep < 7; rep++)
        {
            double c0 = ProcessCpu.Milliseconds();
            Sink += Chains(float32);
            best = Math.Max(best, Flops(float32) / ((ProcessCpu.Milliseconds() - c0) / 1e3) / 1e9);
        }
        return best;
    }

    /// <summary>
    /// GFLOP/s of the FMA loop running on <paramref name="cores"/> threads at once (released together from a barrier;
    /// all FLOPs over the wall time until the last finishes), best of 5: what the cores deliver together, which on a
    /// VM whose cores share a physical core or a power budget is less than cores × one core.
    /// </summary>
    public static double AllCoresGflops(bool float32, int cores)
    {
        double best = 0;
        for (int rep = 0; rep < 5; rep++)
        {
            using var barrier = new Barrier(cores + 1);
            var sinks = new double[cores];
            var threads = Enumerable.Range(0, cores).Select(i => new Thread(() =>
            {
                barrier.SignalAndWait();
                sinks[i] = Chains(float32);
            })).ToArray();
            foreach (var t in threads)
                t.Start();
            barrier.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            foreach (var t in threads)
                t.Join();
            double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            Sink += sinks.Sum();
            best = Math.Max(best, cores * Flops(float32) / s / 1e9);
        }
        return best;
    }

    private static double Flops(bool float32) => 2.0 * ((float32 ? 16 : 8) / (Wide ? 1 : 2)) * 12 * Iterations;

    private static double Chains(bool float32) => (float32, Wide) switch
    {
        (true, true) => ChainsFloat(Iterations),
        (false, true) => ChainsDouble(Iterations),
        (true, false) => ChainsFloat256(Iterations),
        _ => ChainsDouble256(Iterations),
    };

    public static double Sink;

    /// <summary>True when 512-bit vectors are hardware-accelerated here.</summary>
    public static bool Wide => Vector512.IsHardwareAccelerated;

    /// <summary>How the peak was measured, for the bench output.</summary>
    public static string Method =>
        $"12 independent {(Wide ? "Vector512" : "Vector256")} FMA accumulation chains in registers, one core, best of 7 over CPU time";

    /// <summary>How the all-cores peak was measured.</summary>
    public static string AllCoresMethod =>
        "the same loop on every core at once (threads released together), all FLOPs over the wall time, best of 5";

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double ChainsFloat256(long n)
    {
        var x = Vector256.Create(1e-8f);
        var y = Vector256.Create(0.5f);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(x, y, a0); a1 = Vector256.FusedMultiplyAdd(x, y, a1);
            a2 = Vector256.FusedMultiplyAdd(x, y, a2); a3 = Vector256.FusedMultiplyAdd(x, y, a3);
            a4 = Vector256.FusedMultiplyAdd(x, y, a4); a5 = Vector256.FusedMultiplyAdd(x, y, a5);
            a6 = Vector256.FusedMultiplyAdd(x, y, a6); a7 = Vector256.FusedMultiplyAdd(x, y, a7);
            a8 = Vector256.FusedMultiplyAdd(x, y, a8); a9 = Vector256.FusedMultiplyAdd(x, y, a9);
            a10 = Vector256.FusedMultiplyAdd(x, y, a10); a11 = Vector256.FusedMultiplyAdd(x, y, a11);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double ChainsDouble256(long n)
    {
        var x = Vector256.Create(1e-8);
        var y = Vector256.Create(0.5);
        Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector256<double> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(x, y, a0); a1 = Vector256.FusedMultiplyAdd(x, y, a1);
            a2 = Vector256.FusedMultiplyAdd(x, y, a2); a3 = Vector256.FusedMultiplyAdd(x, y, a3);
            a4 = Vector256.FusedMultiplyAdd(x, y, a4); a5 = Vector256.FusedMultiplyAdd(x, y, a5);
            a6 = Vector256.FusedMultiplyAdd(x, y, a6); a7 = Vector256.FusedMultiplyAdd(x, y, a7);
            a8 = Vector256.FusedMultiplyAdd(x, y, a8); a9 = Vector256.FusedMultiplyAdd(x, y, a9);
            a10 = Vector256.FusedMultiplyAdd(x, y, a10); a11 = Vector256.FusedMultiplyAdd(x, y, a11);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double ChainsFloat(long n)
    {
        var x = Vector512.Create(1e-8f);
        var y = Vector512.Create(0.5f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(x, y, a0); a1 = Vector512.FusedMultiplyAdd(x, y, a1);
            a2 = Vector512.FusedMultiplyAdd(x, y, a2); a3 = Vector512.FusedMultiplyAdd(x, y, a3);
            a4 = Vector512.FusedMultiplyAdd(x, y, a4); a5 = Vector512.FusedMultiplyAdd(x, y, a5);
            a6 = Vector512.FusedMultiplyAdd(x, y, a6); a7 = Vector512.FusedMultiplyAdd(x, y, a7);
            a8 = Vector512.FusedMultiplyAdd(x, y, a8); a9 = Vector512.FusedMultiplyAdd(x, y, a9);
            a10 = Vector512.FusedMultiplyAdd(x, y, a10); a11 = Vector512.FusedMultiplyAdd(x, y, a11);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double ChainsDouble(long n)
    {
        var x = Vector512.Create(1e-8);
        var y = Vector512.Create(0.5);
        Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<double> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        for (long i = 0; i < n; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(x, y, a0); a1 = Vector512.FusedMultiplyAdd(x, y, a1);
            a2 = Vector512.FusedMultiplyAdd(x, y, a2); a3 = Vector512.FusedMultiplyAdd(x, y, a3);
            a4 = Vector512.FusedMultiplyAdd(x, y, a4); a5 = Vector512.FusedMultiplyAdd(x, y, a5);
            a6 = Vector512.FusedMultiplyAdd(x, y, a6); a7 = Vector512.FusedMultiplyAdd(x, y, a7);
            a8 = Vector512.FusedMultiplyAdd(x, y, a8); a9 = Vector512.FusedMultiplyAdd(x, y, a9);
            a10 = Vector512.FusedMultiplyAdd(x, y, a10); a11 = Vector512.FusedMultiplyAdd(x, y, a11);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
