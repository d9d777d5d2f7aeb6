using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>
/// Zakharov's function F(x) = Σxᵢ² + w² + w⁴ with w = ½·Σ i·xᵢ (i from 1), minimum 0 at the origin.
/// Its shallow directions make it the BBI paper's test of speed on flat regions.
/// </summary>
public sealed class Zakharov<T>(int dimension) : SyntheticFunction<T>(dimension)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override string Name => "zakharov";

    /// <inheritdoc />
    public override double[] Minimizer => new double[Dimension];

    /// <inheritdoc />
    protected override T Compute(ReadOnlySpan<T> x, Span<T> g)
    {
        T sumSq = T.Zero, w = T.Zero, half = C(0.5);
        for (int i = 0; i < x.Length; i++)
        {
            sumSq += x[i] * x[i];
            w += C(i + 1) * x[i];
        }
        w *= half;
        T w2 = w * w;
        T dw = C(2) * w + C(4) * w2 * w;
        for (int i = 0; i < x.Length; i++)
            g[i] = C(2) * x[i] + dw * half * C(i + 1);
        return sumSq + w2 + w2 * w2;
    }
}
