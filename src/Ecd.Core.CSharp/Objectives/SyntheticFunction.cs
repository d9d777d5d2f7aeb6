using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>
/// A synthetic test function with an analytic gradient and a known global minimum.
/// Arithmetic runs in <typeparamref name="T"/>, so a float32 run sees float32 rounding as a PyTorch float32 run would.
/// </summary>
public abstract class SyntheticFunction<T> : IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a function of <paramref name="dimension"/> variables.</summary>
    protected SyntheticFunction(int dimension)
    {
        if (dimension < 1)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "dimension must be at least 1");
        Dimension = dimension;
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>Short name used on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>The global minimum value F*.</summary>
    public virtual double MinimumValue => 0.0;

    /// <summary>A global minimizer θ*.</summary>
    public abstract double[] Minimizer { get; }

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<T> theta, Span<T> gradient)
    {
        if (theta.Length != Dimension || gradient.Length != Dimension)
            throw new ArgumentException(
                $"{Name} has dimension {Dimension}; got θ of length {theta.Length} and gradient of length {gradient.Length}.");
        return double.CreateTruncating(Compute(theta, gradient));
    }

    /// <summary>Value and gradient, in <typeparamref name="T"/> arithmetic.</summary>
    protected abstract T Compute(ReadOnlySpan<T> x, Span<T> g);

    /// <summary>Converts a double literal to <typeparamref name="T"/>.</summary>
    protected static T C(double v) => T.CreateTruncating(v);
}
