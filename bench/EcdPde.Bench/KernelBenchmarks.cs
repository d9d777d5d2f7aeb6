using BenchmarkDotNet.Attributes;
using Ecd.Core.Engine;

namespace EcdPde.Bench;

/// <summary>BenchmarkDotNet microbenchmarks of the layer kernels at the reference shapes (float32).</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    [Params(64, 200)]
    public int Width;

    private const int Columns = 256; // 4 channels × 64-point block
    private float[] _w = [], _h = [], _z = [], _g = [];

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        _w = Enumerable.Range(0, Width * Width).Select(_ => (float)r.NextDouble()).ToArray();
        _h = Enumerable.Range(0, Width * Columns).Select(_ => (float)r.NextDouble()).ToArray();
        _z = new float[Width * Columns];
        _g = new float[Width * Width];
    }

    /// <summary>Z = W·H (layer forward): 2·Width²·Columns FLOPs.</summary>
    [Benchmark]
    public void ForwardProduct() => Gemm.MultiplyNN<float>(SimdWidth.Auto, _w, Width, _h, Columns, _z, Columns, Width, Columns, Width, false);

    /// <summary>G += Z·Hᵀ (weight gradient): 2·Width²·Columns FLOPs.</summary>
    [Benchmark]
    public void WeightGradientProduct() => Gemm.AccumulateNT<float>(SimdWidth.Auto, _h, Columns, _h, Columns, _g, Width, Width, Width, Columns);
}
