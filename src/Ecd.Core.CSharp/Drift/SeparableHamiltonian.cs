using Ecd.Core.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Drift;

/// <summary>
/// A separable Hamiltonian H(x, p) = |p|²/(2m) + U(x) with any objective as the potential U. The drift analyzer's
/// toy system is <see cref="Oscillator"/>: U = |x|²/2 in 2D, m = 0.35, started at x = (1, 0), p = (0, 1).
/// </summary>
public sealed class SeparableHamiltonian
{
    /// <summary>The toy system's default mass, 0.35 (the drift analyzer's and the paper's default).</summary>
    public const double DefaultMass = 0.35;

    /// <summary>H = |p|²/(2·<paramref name="mass"/>) + U(x) with U = <paramref name="potential"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">mass not finite and &gt; 0.</exception>
    public SeparableHamiltonian(IObjective<double> potential, double mass)
    {
        Potential = potential ?? throw new ArgumentNullException(nameof(potential));
        if (!(double.IsFinite(mass) && mass > 0))
            throw new ArgumentOutOfRangeException(nameof(mass), mass, $"mass = {mass} must be a finite number > 0");
        Mass = mass;
    }

    /// <summary>The toy system H = |p|²/(2m) + |x|²/2 in <paramref name="dimension"/> dimensions (default 2).</summary>
    public static SeparableHamiltonian Oscillator(double mass = DefaultMass, int dimension = 2) =>
        new(new Quadratic<double>(dimension), mass);

    /// <summary>The toy system's default start x = (1, 0).</summary>
    public static double[] DefaultPosition => [1.0, 0.0];

    /// <summary>The toy system's default start p = (0, 1).</summary>
    public static double[] DefaultMomentum => [0.0, 1.0];

    /// <summary>The potential U.</summary>
    public IObjective<double> Potential { get; }

    /// <summary>The mass m.</summary>
    public double Mass { get; }

    /// <summary>Number of coordinates.</summary>
    public int Dimension => Potential.Dimension;

    /// <summary>The kinetic energy |p|²/(2m).</summary>
    public double Kinetic(ReadOnlySpan<double> p) => Vec.NormSquared<double>(p) / (2 * Mass);

    /// <summary>H(x, p); evaluates U once.</summary>
    public double Energy(ReadOnlySpan<double> x, ReadOnlySpan<double> p)
    {
        Span<double> g = x.Length <= 64 ? stackalloc double[x.Length] : new double[x.Length];
        return Potential.Evaluate(x, g) + Kinetic(p);
    }
}
