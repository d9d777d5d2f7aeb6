using System.Numerics;

namespace Ecd.Core.Numerics;

/// <summary>
/// The few vector operations the optimizers need, on flat parameter vectors of float32 or float64.
/// Reductions accumulate in float64, element by element in index order, so results are bit-identical
/// on every machine and for every run.
/// </summary>
public static class Vec
{
    /// <summary>Σ aᵢ·bᵢ, accumulated in float64.</summary>
    public static double Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(a.Length, b.Length);
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += double.CreateTruncating(a[i]) * double.CreateTruncating(b[i]);
        return s;
    }

    /// <summary>|a|², accumulated in float64.</summary>
    public static double NormSquared<T>(ReadOnlySpan<T> a)
        where T : unmanaged, IFloatingPointIeee754<T> => Dot(a, a);

    /// <summary>max |aᵢ| (0 for an empty vector).</summary>
    public static double MaxAbs<T>(ReadOnlySpan<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double m = 0;
        foreach (var x in a)
            m = Math.Max(m, Math.Abs(double.CreateTruncating(x)));
        return m;
    }

    /// <summary>y ← y + α·x.</summary>
    public static void Axpy<T>(double alpha, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, y.Length);
        var a = T.CreateTruncating(alpha);
        for (int i = 0; i < x.Length; i++)
            y[i] += a * x[i];
    }

    /// <summary>y ← β·y + α·x.</summary>
    public static void Axpby<T>(double alpha, ReadOnlySpan<T> x, double beta, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SameLength(x.Length, y.Length);
        var a = T.CreateTruncating(alpha);
        var b = T.CreateTruncating(beta);
        for (int i = 0; i < x.Length; i++)
            y[i] = b * y[i] + a * x[i];
    }

    /// <summary>x ← α·x.</summary>
    public static void Scale<T>(double alpha, Span<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = T.CreateTruncating(alpha);
        for (int i = 0; i < x.Length; i++)
            x[i] *= a;
    }

    /// <summary>True when every element is finite (neither NaN nor ±∞).</summary>
    public static bool AllFinite<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var v in x)
            if (!T.IsFinite(v))
                return false;
        return true;
    }

    private static void SameLength(int a, int b)
    {
        if (a != b)
            throw new ArgumentException($"Vector lengths differ: {a} and {b}.");
    }
}
