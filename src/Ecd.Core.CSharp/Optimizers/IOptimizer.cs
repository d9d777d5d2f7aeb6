using System.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Optimizers;

/// <summary>
/// An optimizer as an explicit state transition (in the manner of Optax): <see cref="Init"/> builds the state,
/// <see cref="Step"/> advances it by one step using one (or, for L-BFGS, a few) evaluations of the objective.
/// The optimizer itself holds only its immutable hyperparameters, so one instance can drive many runs.
/// </summary>
public interface IOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Short name: bbi, ecdsep, gdm, adam, adamw, lbfgs.</summary>
    string Name { get; }

    /// <summary>The validated hyperparameter record.</summary>
    object Options { get; }

    /// <summary>A fresh state at θ₀; every random draw of the run comes from <paramref name="seed"/>.</summary>
    OptimizerState<T> Init(ReadOnlySpan<T> theta0, ulong seed);

    /// <summary>
    /// Evaluates the objective at the state's θ and advances the state. A NaN or infinite loss or gradient leaves
    /// the state untouched and is reported with <see cref="StepStatus.NonFinite"/>.
    /// </summary>
    StepReport Step(OptimizerState<T> state, IObjective<T> objective);

    /// <summary>Evaluates the objective at the state's θ and reports the diagnostics, without changing the state.</summary>
    StepReport Measure(OptimizerState<T> state, IObjective<T> objective);

    /// <summary>Writes the state (with the optimizer's name, precision and hyperparameters) as JSON.</summary>
    void Save(OptimizerState<T> state, Stream stream);

    /// <summary>Reads a state written by <see cref="Save"/> for the same optimizer and precision.</summary>
    OptimizerState<T> Load(Stream stream);

    /// <summary>A deep copy of <paramref name="state"/> that continues identically.</summary>
    OptimizerState<T> Copy(OptimizerState<T> state);
}
