using Ecd.Core.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Drift;

/// <summary>
/// The leapfrog (velocity Verlet, kick–drift–kick): p ← p − ½Δt·∇U(x); x ← x + Δt·p/m; p ← p − ½Δt·∇U(x).
/// Symplectic and time-reversible, second order: the energy error stays bounded and is O(Δt²). For the
/// oscillator U = |x|²/2 it conserves H̃ = H − Δt²|x|²/(8m) exactly, so H − H0 = Δt²(|x|² − |x0|²)/(8m).
/// </summary>
public sealed class Leapfrog : IIntegrator
{
    /// <summary>The one instance (the integrator has no state).</summary>
    public static Leapfrog Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "leapfrog";

    /// <inheritdoc />
    public bool IsSymplectic => true;

    /// <inheritdoc />
    public int Order => 2;

    /// <inheritdoc />
    public double Step(IObjective<double> force, double mass, Span<double> x, Span<double> p, Span<double> gradient, double dt)
    {
        Vec.Axpy<double>(-0.5 * dt, gradient, p);
        Vec.Axpy<double>(dt / mass, p, x);
        double u = force.Evaluate(x, gradient);
        Vec.Axpy<double>(-0.5 * dt, gradient, p);
        return u;
    }
}
