using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>Rosenbrock's function F(x) = Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², minimum 0 at (1, …, 1); needs n ≥ 2.</summary>
public sealed class Rosenbrock<T> : SyntheticFunction<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rosenbrock in <paramref name="dimension"/> ≥ 2 variables.</summary>
    public Rosenbrock(int dimension)
        : base(dimension)
    {
        if (dimension < 2)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Rosenbrock needs dimension at least 2");
    }

    /// <inheritdoc />
    public override string Name => "rosenbrock";

    /// <inheritdoc />
    public override double[] Minimizer => Enumerable.Repeat(1.0, Dimension).ToArray();

    /// <inheritdoc />
    protected override T Compute(ReadOnlySpan<T> x, Span<T> g)
    {
        g.Clear();
        T f = T.Zero, hundred = C(100), two = C(2);
        for (int i = 0; i + 1 < x.Length; i++)
        {
            T a = x[i + 1] - x[i] * x[i];
            T b = T.One - x[i];
            f += hundred * a * a + b * b;
            g[i] += -C(400) * x[i] * a - two * b;
            g[i + 1] += C(200) * a;
        }
        return f;
    }
}
