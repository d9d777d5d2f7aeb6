using System.Numerics;
using System.Text.Json.Serialization;

namespace Ecd.Core.Optimizers;

/// <summary>
/// Everything that determines an optimizer's future trajectory: the parameters θ, the momenta, counters,
/// the random generator. The caller owns it; <see cref="IOptimizer{T}.Step"/> advances it in place.
/// Saving it with <see cref="IOptimizer{T}.Save"/> and loading it back continues the run bit-identically.
/// </summary>
public abstract class OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The parameter vector θ.</summary>
    public T[] Theta { get; set; } = [];

    /// <summary>Number of completed steps (steps that found a non-finite value do not count).</summary>
    public long Steps { get; set; }

    /// <summary>The loss at the first evaluation (reference for drift of optimizers without a Hamiltonian).</summary>
    public double InitialLoss { get; set; } = double.NaN;

    /// <summary>Scratch buffer for ∇F; not part of the saved state.</summary>
    [JsonIgnore]
    internal T[] Gradient
    {
        get
        {
            if (_gradient.Length != Theta.Length)
                _gradient = new T[Theta.Length];
            return _gradient;
        }
    }

    private T[] _gradient = [];
}
