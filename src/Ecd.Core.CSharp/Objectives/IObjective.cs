using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>
/// A differentiable objective F(θ) over a flat parameter vector: the only thing the optimizers see.
/// Implementations may be synthetic test functions, a PINN loss, or a model from another library.
/// </summary>
/// <typeparam name="T">float or double: the precision of θ and ∇F.</typeparam>
public interface IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Length of θ.</summary>
    int Dimension { get; }

    /// <summary>Evaluates F at <paramref name="theta"/>, writes ∇F into <paramref name="gradient"/>, returns F.</summary>
    double Evaluate(ReadOnlySpan<T> theta, Span<T> gradient);
}
