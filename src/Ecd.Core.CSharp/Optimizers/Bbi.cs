using System.Numerics;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Randomness;

namespace Ecd.Core.Optimizers;

/// <summary>State of a <see cref="Bbi{T}"/> run.</summary>
public sealed class BbiState<T> : OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The momenta π (empty until the first step sets them along −∇F).</summary>
    public T[] Momentum { get; set; } = [];
    /// <summary>V(θ₀).</summary>
    public double InitialV { get; set; } = double.NaN;
    /// <summary>The conserved energy E = V(θ₀) + δE.</summary>
    public double Energy { get; set; } = double.NaN;
    /// <summary>Moves since the last fixed bounce.</summary>
    public long Counter0 { get; set; }
    /// <summary>Moves since V last reached a new minimum (or since the last bounce).</summary>
    public long Counter { get; set; }
    /// <summary>Fixed bounces performed so far.</summary>
    public long FixedBouncesPerformed { get; set; }
    /// <summary>Smallest V seen at a move.</summary>
    public double MinV { get; set; } = double.PositiveInfinity;
    /// <summary>Accumulated v0 shift from auto-tuning (added to v0).</summary>
    public double V0Shift { get; set; }
    /// <summary>The bounce generator.</summary>
    public Xoshiro256 Rng { get; set; } = new();
}

/// <summary>
/// BBI: relativistic (Born-Infeld) energy-conserving descent with random bounces
/// (De Luca &amp; Silverstein, ICML 2022). H = √(V(V + π²)) = E is conserved, so the particle cannot stop
/// in a local minimum with V &gt; 0, and slows down (speed limit √V) as V → 0.
/// <para>
/// Each step, with V = F − v0 (while V &gt; eps2; otherwise the step does nothing): optionally rescale π so
/// that |π|² = V((E/V)² − 1) (skipped within eps1 or when the target is negative); then
/// π ← π − ½·Δt·(V/E + E/V)·∇F and θ ← θ + Δt·(V/E)·π. The first step sets π along −∇F with
/// |π|² = E²/V₀ − V₀. A bounce step re-draws the direction of π (uniform in [−½, ½] per component, renormalised
/// to the same |π|) and does not move θ: N_b fixed bounces every T0 moves, and a progress bounce when V has
/// not reached a new minimum for T1 moves.
/// </para>
/// <para>
/// Same semantics as the authors' PyTorch code (gbdl/BBI, inflation.py), except: every random draw comes
/// from the seed; N_b = 0 really means no fixed bounce (the authors' code performs one); weight decay adds
/// wd·θ to the gradient once (the authors' BBI_v0tuning adds it twice); a zero |π| is never divided by.
/// </para>
/// </summary>
public sealed class Bbi<T>(BbiOptions options) : Optimizer<T, BbiState<T>, BbiOptions>(options)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override string Name => "bbi";

    /// <inheritdoc />
    protected override void InitState(BbiState<T> state, ulong seed) => state.Rng = Xoshiro256.FromSeed(seed);

    private double PotentialAndGradient(BbiState<T> s, double loss)
    {
        double v = loss - Options.V0 - s.V0Shift;
        if (Options.WeightDecay != 0)
        {
            v += 0.5 * Options.WeightDecay * Vec.NormSquared<T>(s.Theta);
            Vec.Axpy<T>(Options.WeightDecay, s.Theta, s.Gradient);
        }
        return v;
    }

    /// <inheritdoc />
    protected override StepReport Diagnose(BbiState<T> s, double loss)
    {
        double v = PotentialAndGradient(s, loss);
        double freezeBelow = Options.V0Tuning ? 0.0 : Options.Eps2;
        return Report(s, loss, v, v > freezeBelow ? StepStatus.Moved : StepStatus.Frozen, StepEvents.None);
    }

    private StepReport Report(BbiState<T> s, double loss, double v, StepStatus status, StepEvents events)
    {
        double p2 = s.Momentum.Length == 0 ? double.NaN : Vec.NormSquared<T>(s.Momentum);
        double e0 = double.IsNaN(s.Energy) ? v + Options.DeltaEn : s.Energy;
        double e = double.IsNaN(p2) ? e0 : Math.Sqrt(v * (v + p2));
        return new StepReport(s.Steps, loss, v, e - v, e, e - e0, double.IsNaN(p2) ? 0 : Math.Sqrt(p2),
            Math.Sqrt(Vec.NormSquared<T>(s.Gradient)), status, events, 1);
    }

    /// <inheritdoc />
    protected override StepReport Step(BbiState<T> s, IObjective<T> objective)
    {
        double loss = Evaluate(s, objective);
        if (!IsFinite(loss, s.Gradient))
            return StepReport.NonFiniteAt(s.Steps, loss);
        NoteInitialLoss(s, loss);
        var o = Options;
        Span<T> g = s.Gradient;
        double v = PotentialAndGradient(s, loss);
        double freezeBelow = o.V0Tuning ? 0.0 : o.Eps2;

        if (s.Momentum.Length == 0 && v > freezeBelow)
            InitialiseMomentum(s, v);

        if (!(v > freezeBelow))
        {
            if (o.V0Tuning)
            {
                var r = Report(s, loss, v, StepStatus.Retuned, StepEvents.ShiftTuned);
                s.V0Shift += o.V0TuningFactor * v;
                s.Steps++;
                return r;
            }
            var frozen = Report(s, loss, v, StepStatus.Frozen, StepEvents.None);
            s.Steps++;
            return frozen;
        }

        double e = s.Energy;
        double eOverV = e / v, vOverE = v / e;
        double p2 = Vec.NormSquared<T>(s.Momentum);
        double rescale = 1.0;
        var events = StepEvents.None;
        if (o.ConsEn)
        {
            double target = v * (eOverV * eOverV - 1.0);
            if (!(Math.Abs(p2 - target) < o.Eps1) && target >= 0.0 && p2 > 0.0)
            {
                rescale = Math.Sqrt(target / p2);
                events |= StepEvents.EnergyRescaled;
            }
        }

        bool fixedDue = s.Counter0 == o.Threshold0 && s.FixedBouncesPerformed < o.NFixedBounces;
        bool progressDue = s.Counter == o.Threshold;
        if (!fixedDue && !progressDue)
        {
            var report = Report(s, loss, v, StepStatus.Moved, events);
            Span<T> pi = s.Momentum;
            Vec.Axpby<T>(-0.5 * o.Lr * (vOverE + eOverV), g, rescale, pi);
            Vec.Axpy<T>(o.Lr * vOverE, pi, s.Theta);
            s.Counter0++;
            s.Counter++;
            if (v < s.MinV)
            {
                s.MinV = v;
                s.Counter = 0;
            }
            s.Steps++;
            return report;
        }

        events = (fixedDue ? StepEvents.FixedBounce : StepEvents.None) | (progressDue ? StepEvents.ProgressBounce : StepEvents.None);
        var bounced = Report(s, loss, v, StepStatus.Bounced, events);
        Bounce(s.Momentum, p2, s.Rng);
        if (fixedDue)
        {
            s.FixedBouncesPerformed++;
            s.Counter0 = 0;
        }
        s.Counter = 0;
        s.Steps++;
        return bounced;
    }

    private void InitialiseMomentum(BbiState<T> s, double v)
    {
        s.InitialV = v;
        s.Energy = v + Options.DeltaEn;
        double norm = Math.Sqrt(Math.Max(0.0, s.Energy * s.Energy / v - v));
        s.Momentum = new T[s.Theta.Length];
        double gnorm = Math.Sqrt(Vec.NormSquared<T>(s.Gradient));
        if (gnorm > 0)
            Vec.Axpy<T>(-norm / gnorm, s.Gradient, s.Momentum);
        else if (norm > 0)
            Bounce(s.Momentum, norm * norm, s.Rng);
    }

    /// <summary>Replaces the direction of π by a uniform draw in [−½, ½]ⁿ, keeping |π|² = <paramref name="p2"/>.</summary>
    internal static void Bounce(Span<T> pi, double p2, Xoshiro256 rng)
    {
        for (int i = 0; i < pi.Length; i++)
            pi[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
        double fresh = Vec.NormSquared<T>(pi);
        Vec.Scale<T>(fresh > 0 ? Math.Sqrt(p2 / fresh) : 0.0, pi);
    }
}
