using System.Numerics;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Randomness;

namespace Ecd.Core.Optimizers;

/// <summary>State of an <see cref="EcdSep{T}"/> run.</summary>
public sealed class EcdSepState<T> : OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The momenta p at the half step (p_{i−1/2}); empty before the first step.</summary>
    public T[] Momentum { get; set; } = [];
    /// <summary>The conserved energy E (log form): e^E = V(θ₀)·(s + δE).</summary>
    public double Energy { get; set; } = double.NaN;
    /// <summary>F0 in use (differs from the option after auto-tuning).</summary>
    public double F0 { get; set; } = double.NaN;
    /// <summary>The rotation generator.</summary>
    public Xoshiro256 Rng { get; set; } = new();
}

/// <summary>
/// ECDSep: energy-conserving descent with the separable Hamiltonian H = η·log(F − F0) + log(s + |p|²),
/// the log form of the "Ruthless" H = V(p² + 1) with V = (F − F0)^η (De Luca, Gatti &amp; Silverstein 2023).
/// <para>
/// Leapfrog (one gradient per step, the two half kicks merged): with k = η·∇F/(F − F0),
/// rescale p so that |p|² = e^E/V − s (when consEn; skipped within eps1, for a negative target or p = 0),
/// kick p ← p − Δt·k, drift θ ← θ + 2Δt·p/(s + |p|²), then a generalized bounce
/// p ← |p|·(p̂ + ν_eff·z)/|p̂ + ν_eff·z| with z standard normal and ν_eff = ν·(V(s + δE)/e^E)^γ.
/// p(0) points along −∇F with |p(0)|² = δE, and the first kick is a half kick (the notes' eq. 12), so that
/// with consEn off and ν = 0 the scheme is exactly the symplectic leapfrog and the energy error is O(Δt²).
/// The reported energy uses the synchronised momentum p_i = p_{i−1/2} − ½Δt·k_i.
/// </para>
/// <para>
/// Differences from the authors' PyTorch code (ECDSep): every random draw comes from the seed; the first kick is
/// half; when F ≤ F0 (where the authors' code produces NaN) the step freezes and reports
/// <see cref="StepStatus.BelowMinimum"/>, or lowers F0 when <see cref="EcdSepOptions.F0Tuning"/> is on;
/// δE is not overridden when s ≠ 1 (the authors force δE = 1 then).
/// </para>
/// </summary>
public sealed class EcdSep<T> : Optimizer<T, EcdSepState<T>, EcdSepOptions>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates ECDSep; s = 0 needs δE &gt; 0 (else log(s + |p|²) starts at −∞).</summary>
    public EcdSep(EcdSepOptions options)
        : base(options)
    {
        if (options.S == 0 && options.DeltaEn == 0)
            throw new HyperparameterException("deltaEn", 0.0, "must be > 0 when s = 0 (the kinetic term log(s + |p|²) would be −∞)");
    }

    /// <inheritdoc />
    public override string Name => "ecdsep";

    /// <inheritdoc />
    protected override void InitState(EcdSepState<T> state, ulong seed)
    {
        state.Rng = Xoshiro256.FromSeed(seed);
        state.F0 = Options.F0;
    }

    private double ShiftedLossAndGradient(EcdSepState<T> s, double loss)
    {
        double f = loss;
        if (Options.WeightDecay != 0)
        {
            f += 0.5 * Options.WeightDecay * Vec.NormSquared<T>(s.Theta);
            Vec.Axpy<T>(Options.WeightDecay, s.Theta, s.Gradient);
        }
        return f - s.F0;
    }

    /// <inheritdoc />
    protected override StepReport Diagnose(EcdSepState<T> s, double loss)
    {
        double d = ShiftedLossAndGradient(s, loss);
        var status = !(d > 0) ? StepStatus.BelowMinimum
            : Math.Pow(d, Options.Eta) > Options.Eps2 ? StepStatus.Moved : StepStatus.Frozen;
        return Report(s, loss, d, status, StepEvents.None);
    }

    private StepReport Report(EcdSepState<T> s, double loss, double d, StepStatus status, StepEvents events)
    {
        var o = Options;
        double logV = o.Eta * Math.Log(d);
        double gnorm2 = Vec.NormSquared<T>(s.Gradient);
        double pSync2;
        if (s.Momentum.Length == 0)
            pSync2 = o.DeltaEn;
        else
        {
            // p_i = p_{i-1/2} - a*g with a = ½Δt·η/d, except at the first step where p_0 is already synchronised.
            double a = s.Steps == 0 ? 0.0 : 0.5 * o.Lr * o.Eta / d;
            double p2 = Vec.NormSquared<T>(s.Momentum);
            double pg = Vec.Dot<T>(s.Momentum, s.Gradient);
            pSync2 = Math.Max(0.0, p2 - 2 * a * pg + a * a * gnorm2);
        }
        double kinetic = Math.Log(o.S + pSync2);
        double e = kinetic + logV;
        double e0 = double.IsNaN(s.Energy) ? e : s.Energy;
        return new StepReport(s.Steps, loss, Math.Exp(logV), kinetic, e, e - e0, Math.Sqrt(pSync2), Math.Sqrt(gnorm2),
            status, events, 1);
    }

    /// <inheritdoc />
    protected override StepReport Step(EcdSepState<T> s, IObjective<T> objective)
    {
        double loss = Evaluate(s, objective);
        if (!IsFinite(loss, s.Gradient))
            return StepReport.NonFiniteAt(s.Steps, loss);
        NoteInitialLoss(s, loss);
        var o = Options;
        double d = ShiftedLossAndGradient(s, loss);
        var events = StepEvents.None;

        if (!(d > 0))
        {
            if (!o.F0Tuning)
            {
                var below = Report(s, loss, d, StepStatus.BelowMinimum, StepEvents.None);
                s.Steps++;
                return below;
            }
            double fw = d + s.F0;
            double deficit = -d;
            double margin = Math.Max(o.F0TuningFactor * deficit, 1e-12 * Math.Max(1.0, Math.Abs(fw)));
            s.F0 -= margin;
            d = fw - s.F0;
            events |= StepEvents.ShiftTuned;
            if (s.Momentum.Length != 0)
                s.Energy = Math.Log(o.S + Vec.NormSquared<T>(s.Momentum)) + o.Eta * Math.Log(d);
        }

        double logV = o.Eta * Math.Log(d);
        bool first = s.Momentum.Length == 0;
        if (first)
            InitialiseMomentum(s, logV);

        if (!(Math.Exp(logV) > o.Eps2))
        {
            var frozen = Report(s, loss, d, StepStatus.Frozen, events);
            s.Steps++;
            return frozen;
        }

        var report = Report(s, loss, d, StepStatus.Moved, events);
        Span<T> p = s.Momentum;
        double p2 = Vec.NormSquared<T>(p);
        double c = 1.0;
        if (o.ConsEn)
        {
            double target = Math.Exp(s.Energy - logV) - o.S;
            if (!(Math.Abs(target - p2) < o.Eps1) && target >= 0 && p2 > 0)
            {
                c = Math.Sqrt(target / p2);
                events |= StepEvents.EnergyRescaled;
            }
        }
        double kick = (first ? 0.5 : 1.0) * o.Lr * o.Eta / d;
        Vec.Axpby<T>(-kick, s.Gradient, c, p);
        p2 = Vec.NormSquared<T>(p);
        Vec.Axpy<T>(2 * o.Lr / (o.S + p2), p, s.Theta);

        if (o.Nu > 0 && p2 > 0)
        {
            double nu = o.Gamma == 0 ? o.Nu : o.Nu * Math.Pow(Math.Exp(logV - s.Energy) * (o.S + o.DeltaEn), o.Gamma);
            Rotate(p, Math.Sqrt(p2), nu, s.Rng);
        }
        s.Steps++;
        return report with { Events = events };
    }

    private void InitialiseMomentum(EcdSepState<T> s, double logV)
    {
        var o = Options;
        s.Energy = logV + Math.Log(o.S + o.DeltaEn);
        s.Momentum = new T[s.Theta.Length];
        double norm = Math.Sqrt(o.DeltaEn);
        double gnorm = Math.Sqrt(Vec.NormSquared<T>(s.Gradient));
        if (gnorm > 0)
            Vec.Axpy<T>(-norm / gnorm, s.Gradient, s.Momentum);
        else if (norm > 0)
            Bbi<T>.Bounce(s.Momentum, o.DeltaEn, s.Rng);
    }

    /// <summary>p ← |p|·(p̂ + ν·z)/|p̂ + ν·z|, z standard normal.</summary>
    private static void Rotate(Span<T> p, double pnorm, double nu, Xoshiro256 rng)
    {
        for (int i = 0; i < p.Length; i++)
            p[i] = T.CreateTruncating(double.CreateTruncating(p[i]) / pnorm + nu * rng.NextNormal());
        double q = Math.Sqrt(Vec.NormSquared<T>(p));
        Vec.Scale<T>(pnorm / q, p);
    }
}
