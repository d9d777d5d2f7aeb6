using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace EcdPde.Bench;

/// <summary>
/// The FMA peak of one core: 8 independent chains of Vector512 (or Vector256) fused multiply-adds, long enough
/// to hide the latency; FLOPs = 2 × lanes × FMAs.
/// </summary>
public static class Peak
{
    public static double SingleCoreGflops(bool float32)
    {
        double best = 0;
        for (int rep = 0; rep < 5; rep++)
            best = Math.Max(best, float32 ? RunFloat() : RunDouble());
        return best;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization | System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static double RunFloat()
    {
        const long iterations = 50_000_000;
        var a0 = Vector512.Create(1.0f); var a1 = a0 * 1.1f; var a2 = a0 * 1.2f; var a3 = a0 * 1.3f; var a4 = a0 * 1.4f; var a5 = a0 * 1.5f; var a6 = a0 * 1.6f; var a7 = a0 * 1.7f;
        var x = Vector512.Create(0.5f);
        var y = Vector512.Create(0.5f);
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, x, y); a1 = Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = Vector512.FusedMultiplyAdd(a2, x, y); a3 = Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = Vector512.FusedMultiplyAdd(a4, x, y); a5 = Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = Vector512.FusedMultiplyAdd(a6, x, y); a7 = Vector512.FusedMultiplyAdd(a7, x, y);
        }
        double s = sw.Elapsed.TotalSeconds;
        Sink = (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7).GetElement(0);
        return 2.0 * 16 * 8 * iterations / s / 1e9;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization | System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static double RunDouble()
    {
        const long iterations = 50_000_000;
        var a0 = Vector512.Create(1.0); var a1 = a0 * 1.1; var a2 = a0 * 1.2; var a3 = a0 * 1.3; var a4 = a0 * 1.4; var a5 = a0 * 1.5; var a6 = a0 * 1.6; var a7 = a0 * 1.7;
        var x = Vector512.Create(0.5);
        var y = Vector512.Create(0.5);
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, x, y); a1 = Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = Vector512.FusedMultiplyAdd(a2, x, y); a3 = Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = Vector512.FusedMultiplyAdd(a4, x, y); a5 = Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = Vector512.FusedMultiplyAdd(a6, x, y); a7 = Vector512.FusedMultiplyAdd(a7, x, y);
        }
        double s = sw.Elapsed.TotalSeconds;
        Sink = (float)(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7).GetElement(0);
        return 2.0 * 8 * 8 * iterations / s / 1e9;
    }

    public static float Sink;
}
