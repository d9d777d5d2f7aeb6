using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>
/// Ackley's function F(x) = −a·exp(−b·√(Σxᵢ²/n)) − exp(Σcos(c·xᵢ)/n) + a + e, minimum 0 at the origin.
/// Standard constants a = 20, b = 0.2, c = 2π; De Luca &amp; Silverstein (ICML 2022) use b = 0.02, which
/// flattens the outer funnel and makes the global basin much harder to find.
/// At the origin the gradient of the √ term is taken as 0 (its subgradient).
/// </summary>
public sealed class Ackley<T> : SyntheticFunction<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Ackley with the given constants.</summary>
    public Ackley(int dimension, double a = 20.0, double b = 0.2, double c = 2 * Math.PI)
        : base(dimension)
    {
        if (!(a > 0) || !double.IsFinite(a)) throw new ArgumentOutOfRangeException(nameof(a), a, "a must be positive");
        if (!(b > 0) || !double.IsFinite(b)) throw new ArgumentOutOfRangeException(nameof(b), b, "b must be positive");
        if (!(c > 0) || !double.IsFinite(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "c must be positive");
        A = a;
        B = b;
        Cc = c;
    }

    /// <summary>Depth constant a.</summary>
    public double A { get; }
    /// <summary>Funnel constant b (0.2 standard, 0.02 in the BBI paper).</summary>
    public double B { get; }
    /// <summary>Frequency constant c.</summary>
    public double Cc { get; }

    /// <inheritdoc />
    public override string Name => B == 0.2 ? "ackley" : $"ackley(b={B})";

    /// <inheritdoc />
    public override double[] Minimizer => new double[Dimension];

    /// <inheritdoc />
    protected override T Compute(ReadOnlySpan<T> x, Span<T> g)
    {
        T n = C(Dimension), a = C(A), b = C(B), c = C(Cc);
        T sumSq = T.Zero, sumCos = T.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            sumSq += x[i] * x[i];
            sumCos += T.Cos(c * x[i]);
        }
        T r = T.Sqrt(sumSq / n);
        T e1 = T.Exp(-b * r);
        T e2 = T.Exp(sumCos / n);
        T f1 = r > T.Zero ? a * b * e1 / (n * r) : T.Zero;
        T f2 = c * e2 / n;
        for (int i = 0; i < x.Length; i++)
            g[i] = f1 * x[i] + f2 * T.Sin(c * x[i]);
        return -a * e1 - e2 + a + T.E;
    }
}
