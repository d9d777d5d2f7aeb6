namespace Ecd.Core.Drift;

/// <summary>Where the stochastic term of a drift experiment enters the dynamics.</summary>
public enum NoiseChannel
{
    /// <summary>No noise: the dynamics is deterministic (apart from an optimizer's own bounces).</summary>
    None,

    /// <summary>√Δt·σ·ξ is added to every component of every gradient the dynamics sees (see <see cref="NoisyGradient{T}"/>).</summary>
    Gradient,

    /// <summary>√Δt·σ·ξ is added to every component of the momentum after every step (see <see cref="MomentumNoise"/>).</summary>
    Momentum,
}

/// <summary>
/// The noise of a drift experiment: a channel and an intensity σ. Every draw is ξ ~ N(0, 1) from a seeded
/// <see cref="Randomness.Xoshiro256"/> and is scaled by √Δt·σ, the Euler–Maruyama scaling of a white-noise force.
/// </summary>
public sealed record NoiseOptions
{
    /// <summary>The channel. Default <see cref="NoiseChannel.None"/>.</summary>
    public NoiseChannel Channel { get; init; } = NoiseChannel.None;

    /// <summary>The intensity σ ≥ 0 (finite). Default 0.</summary>
    public double Sigma
    {
        get;
        init => field = double.IsFinite(value) && value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Sigma), value, $"sigma = {value} must be a finite number ≥ 0");
    }

    /// <summary>No noise.</summary>
    public static NoiseOptions Off { get; } = new();

    /// <summary>True when the dynamics actually receives noise (a channel other than None and σ &gt; 0).</summary>
    public bool IsActive => Channel != NoiseChannel.None && Sigma > 0;

    /// <summary>Noise of intensity <paramref name="sigma"/> on <paramref name="channel"/>.</summary>
    public static NoiseOptions On(NoiseChannel channel, double sigma) => new() { Channel = channel, Sigma = sigma };
}
