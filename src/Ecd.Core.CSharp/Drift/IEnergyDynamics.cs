namespace Ecd.Core.Drift;

/// <summary>
/// A dynamics whose energy the drift analyzer watches: the toy Hamiltonian under an integrator
/// (<see cref="HamiltonianDynamics"/>) or an energy-conserving optimizer on an objective
/// (<see cref="OptimizerDynamics"/>). One call is one run: the step size, the noise and the seed fix it completely.
/// </summary>
public interface IEnergyDynamics
{
    /// <summary>Short name (leapfrog, euler, bbi, ecdsep).</summary>
    string Name { get; }

    /// <summary>One line describing the scheme (integrator or optimizer, objective, mass …) for reports.</summary>
    string Description { get; }

    /// <summary>True for a symplectic scheme (bounded O(Δt²) energy error without noise).</summary>
    bool IsSymplectic { get; }

    /// <summary>
    /// Runs <paramref name="steps"/> steps of size <paramref name="dt"/> and records H after every step.
    /// Every random draw (noise, an optimizer's bounces) is derived from <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">dt not finite and &gt; 0, or steps &lt; 1.</exception>
    EnergyTrace Run(double dt, long steps, NoiseOptions noise, ulong seed);
}
