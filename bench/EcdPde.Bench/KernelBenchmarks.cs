using BenchmarkDotNet.Attributes;
using Ecd.Core.Engine;

namespace EcdPde.Bench;

/// <summary>
/// BenchmarkDotNet microbenchmarks of the layer kernels at the reference shapes (float32), one block of 64 points ×
/// 4 channels on the point-major layout (256 rows, units padded to whole registers): the three products of a training
/// step as the engine runs them.
/// </summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    [Params(64, 200)]
    public int Width;

    private const int Rows = 256; // 4 channels × 64-point block
    private float[] _wT = [], _h = [], _z = [], _zBar = [], _hBar = [], _g = [];
    private int _pad;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)r.NextDouble()).ToArray();
        _pad = (Width + 15) / 16 * 16;
        _wT = Fill(Width * _pad);
        _h = Fill(Rows * _pad);
        _zBar = Fill(Rows * _pad);
        _z = new float[Rows * _pad];
        _hBar = new float[Rows * _pad];
        _g = new float[Width * _pad];
    }

    /// <summary>Zᵀ = Hᵀ·Wᵀ (layer forward): 2·Width²·Rows FLOPs.</summary>
    [Benchmark]
    public void ForwardProduct() => Gemm.MultiplyNN<float>(SimdWidth.Auto, _h, _pad, _wT, _pad, _z, _pad, Rows, _pad, Width, false);

    /// <summary>G += (Z̄ᵀ)ᵀ·Hᵀ (weight gradient, TN): 2·Width²·Rows FLOPs.</summary>
    [Benchmark]
    public void WeightGradientProduct() => Gemm.MultiplyTN<float>(SimdWidth.Auto, _zBar, _pad, _h, _pad, _g, _pad, Width, _pad, Rows, true);

    /// <summary>H̄ᵀ = Z̄ᵀ·W (input adjoint; W is square here): 2·Width²·Rows FLOPs.</summary>
    [Benchmark]
    public void InputAdjointProduct() => Gemm.MultiplyNN<float>(SimdWidth.Auto, _zBar, _pad, _wT, _pad, _hBar, _pad, Rows, _pad, Width, false);
}
