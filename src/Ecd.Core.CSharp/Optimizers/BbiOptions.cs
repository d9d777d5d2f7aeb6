namespace Ecd.Core.Optimizers;

/// <summary>
/// Hyperparameters of BBI, Born-Infeld energy-conserving descent with bounces
/// (G. B. De Luca &amp; E. Silverstein, "Born-Infeld (BI) for AI: Energy-Conserving Descent (ECD) for
/// Optimization", ICML 2022, arXiv:2201.11137). Defaults are those of the authors' PyTorch code (gbdl/BBI).
/// Property names are the <c>--set</c> keys (case-insensitive).
/// </summary>
public sealed record BbiOptions
{
    /// <summary>Step size Δt (the paper's lr). Required; must be &gt; 0.</summary>
    public required double Lr { get; init => field = Guard.Positive(value, "lr"); }

    /// <summary>ΔV, the expected minimum of F: V = F − v0. Default 0.</summary>
    public double V0 { get; init => field = Guard.Finite(value, "v0"); }

    /// <summary>δE, extra initial energy: E = V(θ₀) + δE. Default 0; must be ≥ 0.</summary>
    public double DeltaEn { get; init => field = Guard.NonNegative(value, "deltaEn"); }

    /// <summary>T0: steps between fixed bounces. Default 1000.</summary>
    public long Threshold0 { get; init => field = Guard.Count(value, 1, "threshold0"); } = 1000;

    /// <summary>T1: a progress bounce happens when V has not reached a new minimum for this many steps. Default 3000.</summary>
    public long Threshold { get; init => field = Guard.Count(value, 1, "threshold"); } = 3000;

    /// <summary>N_b: number of fixed bounces, one every T0 steps. Default 1; 0 disables fixed bounces.</summary>
    public long NFixedBounces { get; init => field = Guard.Count(value, 0, "nFixedBounces"); } = 1;

    /// <summary>Rescale the momenta every step so that the energy stays exactly E. Default true.</summary>
    public bool ConsEn { get; init; } = true;

    /// <summary>Skip the energy rescaling when |π|² is already within eps1 of its target. Default 1e-10.</summary>
    public double Eps1 { get; init => field = Guard.NonNegative(value, "eps1"); } = 1e-10;

    /// <summary>Freeze (the step does nothing) when V ≤ eps2. Default 1e-40.</summary>
    public double Eps2 { get; init => field = Guard.NonNegative(value, "eps2"); } = 1e-40;

    /// <summary>
    /// Lower v0 automatically when V becomes negative (the authors' experimental self-tuning: the shift moves by
    /// <see cref="V0TuningFactor"/>·V). Default false.
    /// </summary>
    public bool V0Tuning { get; init; }

    /// <summary>Shift factor of v0 auto-tuning (authors: 5). Default 5.</summary>
    public double V0TuningFactor { get; init => field = Guard.Positive(value, "v0TuningFactor"); } = 5.0;

    /// <summary>Weight decay as an L2 term: V gains ½·wd·|θ|² and ∇V gains wd·θ (energy-conserving). Default 0.</summary>
    public double WeightDecay { get; init => field = Guard.NonNegative(value, "weightDecay"); }
}
