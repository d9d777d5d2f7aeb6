namespace Ecd.Core.Optimizers;

/// <summary>
/// Hyperparameters of ECDSep, energy-conserving descent with the separable "Ruthless" Hamiltonian
/// H = η·log(F − F0) + log(s + |p|²) (G. B. De Luca, A. Gatti &amp; E. Silverstein, "Improving Energy Conserving
/// Descent for Machine Learning: Theory and Practice", 2023, arXiv:2306.00352; the MixingOptimization notes).
/// Defaults are those of the authors' PyTorch code. Property names are the <c>--set</c> keys (case-insensitive).
/// </summary>
public sealed record EcdSepOptions
{
    /// <summary>Step size Δt. Required; must be &gt; 0.</summary>
    public required double Lr { get; init => field = Guard.Positive(value, "lr"); }

    /// <summary>η ≥ 1: V = (F − F0)^η; larger η concentrates the measure near the minimum (tested up to 5). Required.</summary>
    public required double Eta { get; init => field = Guard.AtLeast(value, 1.0, "eta"); }

    /// <summary>F0, the expected minimum of F (F must stay above it). Default 0.</summary>
    [HyperparameterKey("F0")]
    public double F0 { get; init => field = Guard.Finite(value, "F0"); }

    /// <summary>δE: e^E = V(θ₀)·(s + δE) and |p(0)|² = δE. Default 0.</summary>
    public double DeltaEn { get; init => field = Guard.NonNegative(value, "deltaEn"); }

    /// <summary>ν, size of the generalized bounce (random rotation of p) at every step. Default 1e-5; 0 disables it.</summary>
    public double Nu { get; init => field = Guard.NonNegative(value, "nu"); } = 1e-5;

    /// <summary>
    /// γ: damps the rotation near the minimum, ν_eff = ν·(V·(s + δE)/e^E)^γ (the MixingOptimization notes, eq. 21).
    /// Default 0 (plain ECDSep).
    /// </summary>
    public double Gamma { get; init => field = Guard.NonNegative(value, "gamma"); }

    /// <summary>s ≥ 0, the regularization switch in log(s + |p|²). Default 1.</summary>
    public double S { get; init => field = Guard.NonNegative(value, "s"); } = 1.0;

    /// <summary>Rescale p every step so that log(s + |p|²) + log V stays E. Default true.</summary>
    public bool ConsEn { get; init; } = true;

    /// <summary>Weight decay as an L2 term: F gains ½·wd·|θ|² (keeps the energy conserved). Default 0.</summary>
    public double WeightDecay { get; init => field = Guard.NonNegative(value, "weightDecay"); }

    /// <summary>Skip the rescaling when |p|² is within eps1 of its target. Default 1e-10.</summary>
    public double Eps1 { get; init => field = Guard.NonNegative(value, "eps1"); } = 1e-10;

    /// <summary>Freeze when V ≤ eps2. Default 1e-40.</summary>
    public double Eps2 { get; init => field = Guard.NonNegative(value, "eps2"); } = 1e-40;

    /// <summary>
    /// Lower F0 automatically when F ≤ F0 (instead of freezing): F0 moves down by <see cref="F0TuningFactor"/>
    /// times the deficit, so that F − F0 becomes (factor − 1)·deficit, and the energy is re-based. Default false.
    /// </summary>
    [HyperparameterKey("F0Tuning")]
    public bool F0Tuning { get; init; }

    /// <summary>Shift factor of F0 auto-tuning. Default 5 (as BBI's v0 tuning).</summary>
    [HyperparameterKey("F0TuningFactor")]
    public double F0TuningFactor { get; init => field = Guard.AtLeast(value, 1.5, "F0TuningFactor"); } = 5.0;
}
