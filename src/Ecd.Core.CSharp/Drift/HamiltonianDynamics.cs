using System.Globalization;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Randomness;

namespace Ecd.Core.Drift;

/// <summary>
/// A separable Hamiltonian (by default the toy oscillator) under an integrator, from a fixed start (x₀, p₀).
/// Noise: the gradient channel wraps U in a <see cref="NoisyGradient{T}"/> (the measured H uses the exact U);
/// the momentum channel adds √Δt·σ·ξ to p after each step. The noise generator of a run with seed s is seeded
/// with <c>Xoshiro256.DeriveSeed(s, 1)</c>.
/// </summary>
public sealed class HamiltonianDynamics : IEnergyDynamics
{
    private readonly double[] _x0;
    private readonly double[] _p0;

    /// <summary>Integrates <paramref name="system"/> with <paramref name="integrator"/> from (x₀, p₀).</summary>
    /// <exception cref="ArgumentException">x₀ or p₀ of the wrong length or not finite.</exception>
    public HamiltonianDynamics(SeparableHamiltonian system, IIntegrator integrator, double[] x0, double[] p0)
    {
        Hamiltonian = system ?? throw new ArgumentNullException(nameof(system));
        Integrator = integrator ?? throw new ArgumentNullException(nameof(integrator));
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(p0);
        if (x0.Length != system.Dimension || !Vec.AllFinite<double>(x0))
            throw new ArgumentException(
                $"x0 must hold {system.Dimension} finite numbers; got [{string.Join(", ", x0)}]", nameof(x0));
        if (p0.Length != system.Dimension || !Vec.AllFinite<double>(p0))
            throw new ArgumentException(
                $"p0 must hold {system.Dimension} finite numbers; got [{string.Join(", ", p0)}]", nameof(p0));
        _x0 = (double[])x0.Clone();
        _p0 = (double[])p0.Clone();
    }

    /// <summary>The toy system H = |p|²/(2m) + |x|²/2 in 2D from x = (1, 0), p = (0, 1).</summary>
    public static HamiltonianDynamics Toy(IIntegrator integrator, double mass = SeparableHamiltonian.DefaultMass) =>
        new(SeparableHamiltonian.Oscillator(mass), integrator, SeparableHamiltonian.DefaultPosition,
            SeparableHamiltonian.DefaultMomentum);

    /// <summary>The Hamiltonian.</summary>
    public SeparableHamiltonian Hamiltonian { get; }

    /// <summary>The integrator.</summary>
    public IIntegrator Integrator { get; }

    /// <summary>The start x₀ (a copy).</summary>
    public double[] X0 => (double[])_x0.Clone();

    /// <summary>The start p₀ (a copy).</summary>
    public double[] P0 => (double[])_p0.Clone();

    /// <inheritdoc />
    public string Name => Integrator.Name;

    /// <inheritdoc />
    public bool IsSymplectic => Integrator.IsSymplectic;

    /// <inheritdoc />
    public string Description =>
        $"{Integrator.Name} ({(Integrator.IsSymplectic ? "symplectic" : "not symplectic")}, order {Integrator.Order}) on "
        + $"H = |p|²/(2m) + U(x), m = {Hamiltonian.Mass.ToString("R", CultureInfo.InvariantCulture)}, "
        + $"U = {PotentialName}, x0 = ({Join(_x0)}), p0 = ({Join(_p0)})";

    private string PotentialName => Hamiltonian.Potential is SyntheticFunction<double> f ? f.Name : Hamiltonian.Potential.GetType().Name;

    private static string Join(double[] v) =>
        string.Join(", ", v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));

    /// <inheritdoc />
    public EnergyTrace Run(double dt, long steps, NoiseOptions noise, ulong seed)
    {
        DynamicsArguments.Check(dt, steps);
        ArgumentNullException.ThrowIfNull(noise);
        var x = (double[])_x0.Clone();
        var p = (double[])_p0.Clone();
        var g = new double[x.Length];
        var noiseSeed = Xoshiro256.DeriveSeed(seed, 1);
        IObjective<double> force = noise.IsActive && noise.Channel == NoiseChannel.Gradient
            ? new NoisyGradient<double>(Hamiltonian.Potential, noise.Sigma, dt, noiseSeed)
            : Hamiltonian.Potential;
        Xoshiro256? momentumRng = noise.IsActive && noise.Channel == NoiseChannel.Momentum ? Xoshiro256.FromSeed(noiseSeed) : null;

        var energy = new List<double>((int)Math.Min(steps + 1, 1 << 24));
        double u = force.Evaluate(x, g);
        energy.Add(u + Hamiltonian.Kinetic(p));
        for (long k = 0; k < steps; k++)
        {
            u = Integrator.Step(force, Hamiltonian.Mass, x, p, g, dt);
            if (momentumRng is not null)
                MomentumNoise.Kick<double>(p, dt, noise.Sigma, momentumRng);
            double h = u + Hamiltonian.Kinetic(p);
            if (!double.IsFinite(h))
                return new EnergyTrace([.. energy], $"the energy became {h} at step {k + 1} (Δt = {dt} too large?)");
            energy.Add(h);
        }
        return new EnergyTrace([.. energy], null);
    }

    /// <summary>
    /// Runs <paramref name="steps"/> noiseless steps from (x, p) in place (for reversibility checks: flip p and run
    /// again to come back). Returns H at the end.
    /// </summary>
    public double Advance(Span<double> x, Span<double> p, double dt, long steps)
    {
        DynamicsArguments.Check(dt, steps);
        Span<double> g = new double[x.Length];
        double u = Hamiltonian.Potential.Evaluate(x, g);
        for (long k = 0; k < steps; k++)
            u = Integrator.Step(Hamiltonian.Potential, Hamiltonian.Mass, x, p, g, dt);
        return u + Hamiltonian.Kinetic(p);
    }
}

/// <summary>Shared argument checks of <see cref="IEnergyDynamics.Run"/>.</summary>
internal static class DynamicsArguments
{
    public static void Check(double dt, long steps)
    {
        if (!(double.IsFinite(dt) && dt > 0))
            throw new ArgumentOutOfRangeException(nameof(dt), dt, $"dt = {dt} must be a finite number > 0");
        if (steps < 1)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps = {steps} must be at least 1");
    }
}
