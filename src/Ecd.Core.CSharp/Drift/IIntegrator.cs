using Ecd.Core.Objectives;

namespace Ecd.Core.Drift;

/// <summary>
/// A one-step integrator of ẋ = p/m, ṗ = −∇U(x). The caller keeps ∇U at the current point in a buffer so that
/// each step costs one gradient evaluation; the forces come from an <see cref="IObjective{T}"/>, so a noisy
/// gradient (<see cref="NoisyGradient{T}"/>) makes the scheme a stochastic one.
/// </summary>
public interface IIntegrator
{
    /// <summary>Short name: leapfrog, euler.</summary>
    string Name { get; }

    /// <summary>Whether the map is symplectic (and time-reversible), so that its energy error stays bounded.</summary>
    bool IsSymplectic { get; }

    /// <summary>Order of accuracy: the energy error over a fixed time span scales like Δt^Order.</summary>
    int Order { get; }

    /// <summary>
    /// Advances (x, p) by one step of size <paramref name="dt"/>. On entry <paramref name="gradient"/> holds ∇U(x)
    /// (as returned by <paramref name="force"/>); on exit it holds ∇U at the new x. Returns U at the new x.
    /// </summary>
    double Step(IObjective<double> force, double mass, Span<double> x, Span<double> p, Span<double> gradient, double dt);
}
