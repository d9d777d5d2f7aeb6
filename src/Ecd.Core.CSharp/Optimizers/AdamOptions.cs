namespace Ecd.Core.Optimizers;

/// <summary>
/// Hyperparameters of Adam (Kingma &amp; Ba 2015) and AdamW (Loshchilov &amp; Hutter 2019), in PyTorch semantics:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr/(1−β₁ᵗ)·m/(√v/√(1−β₂ᵗ) + ε); Adam adds wd·θ to g,
/// AdamW multiplies θ by (1 − lr·wd) before the update.
/// </summary>
public sealed record AdamOptions
{
    /// <summary>Learning rate. Default 1e-3.</summary>
    public double Lr { get; init => field = Guard.Positive(value, "lr"); } = 1e-3;

    /// <summary>β₁ in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; init => field = Guard.UnitInterval(value, "beta1"); } = 0.9;

    /// <summary>β₂ in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; init => field = Guard.UnitInterval(value, "beta2"); } = 0.999;

    /// <summary>ε &gt; 0 added to the denominator. Default 1e-8.</summary>
    public double Eps { get; init => field = Guard.Positive(value, "eps"); } = 1e-8;

    /// <summary>Weight decay (L2 for Adam, decoupled for AdamW). Default 0.</summary>
    public double WeightDecay { get; init => field = Guard.NonNegative(value, "weightDecay"); }

    /// <summary>Decoupled weight decay (AdamW). Default false.</summary>
    public bool Decoupled { get; init; }
}
