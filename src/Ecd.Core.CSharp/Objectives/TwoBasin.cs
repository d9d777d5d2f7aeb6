using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>
/// The two-basin function of De Luca &amp; Silverstein (ICML 2022, the volume-formula test), in two dimensions:
/// V(x) = −exp(−0.4|x−c₁|²) − (1 − 2.75·10⁻⁶)·exp(−0.8|x−c₂|²) + 0.001·|x−c₁|²·|x−c₂|² + 1,
/// c₁ = (−2, −2), c₂ = (2, 2). Both minima have V ≈ 0 (the 2.75·10⁻⁶ equalises them); the Hessian
/// eigenvalues are about 0.864 at c₁ and 1.664 at c₂, so the BBI volume formula predicts that runs end in
/// basin 1 about √(det H₂/det H₁) ≈ 1.93 times as often as in basin 2.
/// </summary>
public sealed class TwoBasin<T> : SyntheticFunction<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The two-dimensional two-basin function.</summary>
    public TwoBasin(int dimension = 2)
        : base(dimension)
    {
        if (dimension != 2)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "the two-basin function is defined in dimension 2");
    }

    /// <summary>Centre of basin 1.</summary>
    public static readonly double[] Center1 = [-2.0, -2.0];
    /// <summary>Centre of basin 2.</summary>
    public static readonly double[] Center2 = [2.0, 2.0];

    /// <inheritdoc />
    public override string Name => "two-basin";

    /// <inheritdoc />
    public override double[] Minimizer => (double[])Center1.Clone();

    /// <inheritdoc />
    protected override T Compute(ReadOnlySpan<T> x, Span<T> g)
    {
        T d1x = x[0] - C(Center1[0]), d1y = x[1] - C(Center1[1]);
        T d2x = x[0] - C(Center2[0]), d2y = x[1] - C(Center2[1]);
        T r1 = d1x * d1x + d1y * d1y, r2 = d2x * d2x + d2y * d2y;
        T k1 = C(0.4), k2 = C(0.8), w2 = C(1.0 - 0.00000275), q = C(0.001);
        T e1 = T.Exp(-k1 * r1), e2 = w2 * T.Exp(-k2 * r2);
        T two = C(2);
        g[0] = two * k1 * e1 * d1x + two * k2 * e2 * d2x + q * two * (d1x * r2 + d2x * r1);
        g[1] = two * k1 * e1 * d1y + two * k2 * e2 * d2y + q * two * (d1y * r2 + d2y * r1);
        return -e1 - e2 + q * r1 * r2 + T.One;
    }
}
