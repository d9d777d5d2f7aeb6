namespace Ecd.Core.Optimizers;

/// <summary>
/// Hyperparameters of gradient descent with (heavy-ball) momentum, in PyTorch's SGD semantics:
/// buf ← μ·buf + (1 − dampening)·(∇F + wd·θ) (buf = ∇F + wd·θ on the first step), θ ← θ − lr·buf
/// (Nesterov: θ ← θ − lr·(∇F + wd·θ + μ·buf)). Polyak 1964; Sutskever et al. 2013 for Nesterov.
/// </summary>
public sealed record GdmOptions
{
    /// <summary>Learning rate. Required; must be &gt; 0.</summary>
    public required double Lr { get; init => field = Guard.Positive(value, "lr"); }

    /// <summary>Momentum μ in [0, 1). Default 0.9 (PyTorch's SGD default is 0, plain gradient descent).</summary>
    public double Momentum { get; init => field = Guard.UnitInterval(value, "momentum"); } = 0.9;

    /// <summary>Dampening in [0, 1). Default 0.</summary>
    public double Dampening { get; init => field = Guard.UnitInterval(value, "dampening"); }

    /// <summary>Use Nesterov's look-ahead momentum (needs momentum &gt; 0 and dampening 0). Default false.</summary>
    public bool Nesterov { get; init; }

    /// <summary>L2 weight decay added to the gradient. Default 0.</summary>
    public double WeightDecay { get; init => field = Guard.NonNegative(value, "weightDecay"); }
}
