using System.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Randomness;

namespace Ecd.Core.Drift;

/// <summary>
/// The gradient noise channel as an objective wrapper: the value is the wrapped objective's, and √Δt·σ·ξᵢ
/// (ξᵢ standard normal, drawn in index order from this wrapper's own seeded generator) is added to every
/// gradient component. Any dynamics that reads gradients through <see cref="IObjective{T}"/> (an integrator,
/// an optimizer) thereby becomes a stochastic one, reproducibly for a seed.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class NoisyGradient<T> : IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IObjective<T> _inner;
    private readonly double _scale;

    /// <summary>Wraps <paramref name="inner"/>; each gradient component gains √<paramref name="dt"/>·<paramref name="sigma"/>·ξ.</summary>
    /// <exception cref="ArgumentOutOfRangeException">dt not finite and &gt; 0, or sigma not finite and ≥ 0.</exception>
    public NoisyGradient(IObjective<T> inner, double sigma, double dt, ulong seed)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        if (!(double.IsFinite(sigma) && sigma >= 0))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"sigma = {sigma} must be a finite number ≥ 0");
        if (!(double.IsFinite(dt) && dt > 0))
            throw new ArgumentOutOfRangeException(nameof(dt), dt, $"dt = {dt} must be a finite number > 0");
        Sigma = sigma;
        Dt = dt;
        _scale = Math.Sqrt(dt) * sigma;
        Rng = Xoshiro256.FromSeed(seed);
    }

    /// <summary>σ.</summary>
    public double Sigma { get; }

    /// <summary>Δt, which sets the noise scale √Δt·σ.</summary>
    public double Dt { get; }

    /// <summary>The generator of the noise (its state advances with every evaluation).</summary>
    public Xoshiro256 Rng { get; }

    /// <inheritdoc />
    public int Dimension => _inner.Dimension;

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<T> theta, Span<T> gradient)
    {
        double f = _inner.Evaluate(theta, gradient);
        for (int i = 0; i < gradient.Length; i++)
            gradient[i] += T.CreateTruncating(_scale * Rng.NextNormal());
        return f;
    }
}
