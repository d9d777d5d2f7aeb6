using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>Rastrigin's function F(x) = 10n + Σ (xᵢ² − 10·cos 2πxᵢ), minimum 0 at the origin, a lattice of local minima.</summary>
public sealed class Rastrigin<T>(int dimension) : SyntheticFunction<T>(dimension)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override string Name => "rastrigin";

    /// <inheritdoc />
    public override double[] Minimizer => new double[Dimension];

    /// <inheritdoc />
    protected override T Compute(ReadOnlySpan<T> x, Span<T> g)
    {
        T ten = C(10), twoPi = C(2 * Math.PI);
        T f = ten * C(x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            f += x[i] * x[i] - ten * T.Cos(twoPi * x[i]);
            g[i] = C(2) * x[i] + ten * twoPi * T.Sin(twoPi * x[i]);
        }
        return f;
    }
}
