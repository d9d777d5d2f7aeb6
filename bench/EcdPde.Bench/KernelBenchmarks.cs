using BenchmarkDotNet.Attributes;
using Ecd.Core.Engine;

namespace EcdPde.Bench;

/// <summary>
/// BenchmarkDotNet microbenchmarks of the layer kernels at the reference shapes (float32), one block of 64 points ×
/// 4 channels: the three products of a training step as the engine runs them, and the transpose the weight gradient uses.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    [Params(64, 200)]
    public int Width;

    private const int Columns = 256; // 4 channels × 64-point block
    private float[] _w = [], _h = [], _z = [], _zBar = [], _hBar = [], _hT = [], _g = [];
    private int _pad;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)r.NextDouble()).ToArray();
        _pad = (Width + 15) / 16 * 16;
        _w = Fill(Width * Width);
        _h = Fill(Width * Columns);
        _zBar = Fill(Width * Columns);
        _z = new float[Width * Columns];
        _hBar = new float[Width * Columns];
        _hT = new float[Columns * _pad];
        _g = new float[Width * _pad];
    }

    /// <summary>Z = W·H (layer forward): 2·Width²·Columns FLOPs.</summary>
    [Benchmark]
    public void ForwardProduct() => Gemm.MultiplyNN<float>(SimdWidth.Auto, _w, Width, _h, Columns, _z, Columns, Width, Columns, Width, false);

    /// <summary>G += Z̄·Hᵀ (weight gradient, H transposed first): 2·Width²·Columns FLOPs.</summary>
    [Benchmark]
    public void WeightGradientProduct()
    {
        Transpose.Run<float>(_h, Columns, _hT, _pad, Width, Columns);
        Gemm.MultiplyNN<float>(SimdWidth.Auto, _zBar, Columns, _hT, _pad, _g, _pad, Width, _pad, Columns, true);
    }

    /// <summary>H̄ = Wᵀ·Z̄ (input adjoint; W is square here): 2·Width²·Columns FLOPs.</summary>
    [Benchmark]
    public void InputAdjointProduct() => Gemm.MultiplyNN<float>(SimdWidth.Auto, _w, Width, _zBar, Columns, _hBar, Columns, Width, Columns, Width, false);

    /// <summary>The transpose alone (Width × Columns).</summary>
    [Benchmark]
    public void TransposeBlock() => Transpose.Run<float>(_h, Columns, _hT, _pad, Width, Columns);
}
