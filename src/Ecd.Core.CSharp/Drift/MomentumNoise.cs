using System.Numerics;
using Ecd.Core.Optimizers;
using Ecd.Core.Randomness;

namespace Ecd.Core.Drift;

/// <summary>The momentum noise channel: after a step, p ← p + √Δt·σ·ξ with ξ standard normal per component.</summary>
public static class MomentumNoise
{
    /// <summary>Adds √<paramref name="dt"/>·<paramref name="sigma"/>·ξᵢ to every pᵢ, drawing ξ in index order from <paramref name="rng"/>.</summary>
    public static void Kick<T>(Span<T> p, double dt, double sigma, Xoshiro256 rng)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(rng);
        double scale = Math.Sqrt(dt) * sigma;
        for (int i = 0; i < p.Length; i++)
            p[i] += T.CreateTruncating(scale * rng.NextNormal());
    }

    /// <summary>
    /// The momentum array of an energy-conserving optimizer's state (BBI's π, ECDSep's p at the half step);
    /// empty before the first step. The array is the state's own: changing it changes the run.
    /// </summary>
    /// <exception cref="ArgumentException">The state has no momentum of an energy-conserving optimizer.</exception>
    public static T[] Of<T>(OptimizerState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> => state switch
        {
            BbiState<T> b => b.Momentum,
            EcdSepState<T> e => e.Momentum,
            _ => throw new ArgumentException(
                $"momentum noise needs the state of an energy-conserving optimizer (bbi or ecdsep); got {state?.GetType().Name ?? "null"}",
                nameof(state)),
        };
}
