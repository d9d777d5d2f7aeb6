using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>
/// The quadratic F(x) = ½ Σ κᵢ·xᵢ², minimum 0 at the origin. The curvatures κᵢ are spaced
/// geometrically from 1 to <c>conditionNumber</c> (all 1 by default: F = ½|x|²).
/// </summary>
public sealed class Quadratic<T> : SyntheticFunction<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _curvature;

    /// <summary>A quadratic with curvatures from 1 to <paramref name="conditionNumber"/>.</summary>
    public Quadratic(int dimension, double conditionNumber = 1.0)
        : base(dimension)
    {
        if (!(conditionNumber >= 1.0) || !double.IsFinite(conditionNumber))
            throw new ArgumentOutOfRangeException(nameof(conditionNumber), conditionNumber, "condition number must be finite and at least 1");
        _curvature = new T[dimension];
        for (int i = 0; i < dimension; i++)
            _curvature[i] = C(dimension == 1 ? 1.0 : Math.Pow(conditionNumber, (double)i / (dimension - 1)));
    }

    /// <inheritdoc />
    public override string Name => "quadratic";

    /// <inheritdoc />
    public override double[] Minimizer => new double[Dimension];

    /// <inheritdoc />
    protected override T Compute(ReadOnlySpan<T> x, Span<T> g)
    {
        T f = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            g[i] = _curvature[i] * x[i];
            f += g[i] * x[i];
        }
        return f * C(0.5);
    }
}
