using Ecd.Core.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Drift;

/// <summary>
/// The explicit (forward) Euler step, the first-order comparison: x ← x + Δt·p/m and p ← p − Δt·∇U(x), both from
/// the old point. Neither symplectic nor reversible: on the oscillator H grows by the factor 1 + Δt²/m per step,
/// so the energy error over a fixed time span is O(Δt).
/// </summary>
public sealed class ExplicitEuler : IIntegrator
{
    /// <summary>The one instance (the integrator has no state).</summary>
    public static ExplicitEuler Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "euler";

    /// <inheritdoc />
    public bool IsSymplectic => false;

    /// <inheritdoc />
    public int Order => 1;

    /// <inheritdoc />
    public double Step(IObjective<double> force, double mass, Span<double> x, Span<double> p, Span<double> gradient, double dt)
    {
        Vec.Axpy<double>(dt / mass, p, x);
        Vec.Axpy<double>(-dt, gradient, p);
        return force.Evaluate(x, gradient);
    }
}
