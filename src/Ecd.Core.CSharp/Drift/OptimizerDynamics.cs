using System.Globalization;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using Ecd.Core.Randomness;

namespace Ecd.Core.Drift;

/// <summary>
/// An energy-conserving optimizer (BBI, ECDSep; energy rescaling should be off, or there is no drift to see) on any
/// objective — a synthetic function, a PINN loss, anything that implements <see cref="IObjective{T}"/>. The step
/// size Δt is the optimizer's lr, so the optimizer is built per run by <c>optimizerForDt</c>. H(t_k) is the energy
/// the optimizer reports at θ_k (<see cref="StepReport.Energy"/>); the last one is measured after the last step.
/// <para>
/// Noise: the gradient channel wraps the objective in a <see cref="NoisyGradient{T}"/>, so the optimizer steps
/// with the noisy gradient (and ECDSep's synchronised momentum, which enters its reported energy, uses it too);
/// the momentum channel adds √Δt·σ·ξ to the state's <c>Momentum</c> after each step. A run with seed s seeds the
/// optimizer with <c>Xoshiro256.DeriveSeed(s, 0)</c> and the noise with <c>Xoshiro256.DeriveSeed(s, 1)</c>.
/// </para>
/// </summary>
public sealed class OptimizerDynamics : IEnergyDynamics
{
    private readonly Func<double, IOptimizer<double>> _optimizerForDt;
    private readonly double[] _theta0;
    private readonly string _name;

    /// <summary>
    /// The optimizer built by <paramref name="optimizerForDt"/> (given Δt, it must return the optimizer with lr = Δt)
    /// on <paramref name="objective"/> from <paramref name="theta0"/>.
    /// </summary>
    /// <exception cref="ArgumentException">θ₀ of the wrong length or not finite.</exception>
    public OptimizerDynamics(Func<double, IOptimizer<double>> optimizerForDt, IObjective<double> objective, double[] theta0)
    {
        _optimizerForDt = optimizerForDt ?? throw new ArgumentNullException(nameof(optimizerForDt));
        Objective = objective ?? throw new ArgumentNullException(nameof(objective));
        ArgumentNullException.ThrowIfNull(theta0);
        if (theta0.Length != objective.Dimension || !Vec.AllFinite<double>(theta0))
            throw new ArgumentException(
                $"theta0 must hold {objective.Dimension} finite numbers; got [{string.Join(", ", theta0)}]", nameof(theta0));
        _theta0 = (double[])theta0.Clone();
        _name = optimizerForDt(1.0).Name;
    }

    /// <summary>The objective F.</summary>
    public IObjective<double> Objective { get; }

    /// <summary>The start θ₀ (a copy).</summary>
    public double[] Theta0 => (double[])_theta0.Clone();

    /// <inheritdoc />
    public string Name => _name;

    /// <summary>ECDSep is a leapfrog (symplectic without rescaling and bounces); BBI's update is not.</summary>
    public bool IsSymplectic => _name == "ecdsep";

    /// <inheritdoc />
    public string Description =>
        $"{_name} on {(Objective is SyntheticFunction<double> f ? f.Name : Objective.GetType().Name)} (dimension {Objective.Dimension}) "
        + $"from θ0 = ({string.Join(", ", _theta0.Select(x => x.ToString("R", CultureInfo.InvariantCulture)))})";

    /// <inheritdoc />
    public EnergyTrace Run(double dt, long steps, NoiseOptions noise, ulong seed)
    {
        DynamicsArguments.Check(dt, steps);
        ArgumentNullException.ThrowIfNull(noise);
        var optimizer = _optimizerForDt(dt);
        var state = optimizer.Init(_theta0, Xoshiro256.DeriveSeed(seed, 0));
        var noiseSeed = Xoshiro256.DeriveSeed(seed, 1);
        IObjective<double> objective = noise.IsActive && noise.Channel == NoiseChannel.Gradient
            ? new NoisyGradient<double>(Objective, noise.Sigma, dt, noiseSeed)
            : Objective;
        Xoshiro256? momentumRng = noise.IsActive && noise.Channel == NoiseChannel.Momentum ? Xoshiro256.FromSeed(noiseSeed) : null;
        if (momentumRng is not null)
            MomentumNoise.Of(state); // fails early for an optimizer without momentum

        var energy = new List<double>((int)Math.Min(steps + 1, 1 << 24));
        for (long k = 0; k < steps; k++)
        {
            var r = optimizer.Step(state, objective);
            if (Stop(r, k) is { } why)
                return new EnergyTrace([.. energy], why);
            energy.Add(r.Energy);
            if (momentumRng is not null)
                MomentumNoise.Kick<double>(MomentumNoise.Of(state), dt, noise.Sigma, momentumRng);
        }
        var last = optimizer.Measure(state, objective);
        if (Stop(last, steps) is { } reason)
            return new EnergyTrace([.. energy], reason);
        energy.Add(last.Energy);
        return new EnergyTrace([.. energy], null);
    }

    private static string? Stop(StepReport r, long k) => r.Status switch
    {
        StepStatus.NonFinite => $"the loss or gradient became non-finite at step {k}",
        StepStatus.Frozen => $"the optimizer froze at step {k} (V below eps2): no dynamics left to measure",
        StepStatus.BelowMinimum => $"the loss fell below F0 at step {k} (ECDSep froze): lower F0",
        StepStatus.Retuned => $"the optimizer retuned its shift at step {k}, which re-bases the energy",
        StepStatus.Stopped => $"the optimizer stopped at step {k}",
        _ when !double.IsFinite(r.Energy) => $"the energy became {r.Energy} at step {k}",
        _ => null,
    };
}
