using Ecd.Core.Optimizers;
using Ecd.Core.Randomness;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// ECDSep (energy-conserving descent with the separable "Ruthless" Hamiltonian, generalized bounces damped by γ)
/// as a TorchSharp optimizer: the same algorithm, options and trajectory as the core's <see cref="EcdSep{T}"/>
/// (see there for the leapfrog, the rescaling and the rotation), on parameters on any device.
/// </summary>
public sealed class EcdSep : EcdOptimizer
{
    private Tensor[]? _momentum;

    /// <summary>ECDSep over <paramref name="parameters"/>; every rotation is drawn from <paramref name="seed"/>.</summary>
    public EcdSep(IEnumerable<Parameter> parameters, EcdSepOptions options, ulong seed = 0)
        : this([new EcdParamGroup(parameters)], options, seed)
    {
    }

    /// <summary>ECDSep over parameter groups (each may set its own lr and weight decay).</summary>
    public EcdSep(IEnumerable<EcdParamGroup> groups, EcdSepOptions options, ulong seed = 0)
        : base(groups, Validated(options).Lr, options.WeightDecay)
    {
        Options = options;
        Rng = Xoshiro256.FromSeed(seed);
        F0 = options.F0;
    }

    private static EcdSepOptions Validated(EcdSepOptions options)
    {
        _ = new EcdSep<double>(options);
        return options;
    }

    /// <inheritdoc />
    public override string Name => "ecdsep";

    /// <summary>The hyperparameters.</summary>
    public EcdSepOptions Options { get; }

    /// <summary>The conserved energy E (log form): e^E = V(θ₀)·(s + δE).</summary>
    public double Energy { get; private set; } = double.NaN;
    /// <summary>F0 in use (differs from the option after auto-tuning).</summary>
    public double F0 { get; private set; }
    /// <summary>The rotation generator.</summary>
    public Xoshiro256 Rng { get; private set; }

    private protected override object OptionsObject => Options;

    private double Shifted(double loss, Tensor[] g)
    {
        double f = HasWeightDecay ? AddWeightDecay(g, loss) : loss;
        return f - F0;
    }

    private protected override StepReport Diagnose(double loss, Tensor[] g)
    {
        double d = Shifted(loss, g);
        var status = !(d > 0) ? StepStatus.BelowMinimum
            : Math.Pow(d, Options.Eta) > Options.Eps2 ? StepStatus.Moved : StepStatus.Frozen;
        return Report(loss, d, g, status, StepEvents.None);
    }

    private StepReport Report(double loss, double d, Tensor[] g, StepStatus status, StepEvents events)
    {
        var o = Options;
        double logV = o.Eta * Math.Log(d);
        double gnorm2 = ParameterSet.NormSquared(g);
        double pSync2;
        if (_momentum is null)
            pSync2 = o.DeltaEn;
        else if (Steps == 0 || Set.UniformLearningRate)
        {
            // p_i = p_{i-1/2} - a*g with a = ½Δt·η/d, except at the first step where p_0 is already synchronised.
            double a = Steps == 0 ? 0.0 : 0.5 * Set.LearningRate(0) * o.Eta / d;
            double p2 = ParameterSet.NormSquared(_momentum);
            double pg = ParameterSet.Dot(_momentum, g);
            pSync2 = Math.Max(0.0, p2 - 2 * a * pg + a * a * gnorm2);
        }
        else
        {
            pSync2 = 0.0;
            for (int gi = 0; gi < Set.Groups.Length; gi++)
            {
                int group = gi;
                bool InGroup(int i) => Set.GroupOf[i] == group;
                double a = 0.5 * Set.Groups[gi].LearningRate * o.Eta / d;
                double p2 = ParameterSet.NormSquared(_momentum, InGroup);
                double pg = ParameterSet.Dot(_momentum, g, InGroup);
                double g2 = ParameterSet.NormSquared(g, InGroup);
                pSync2 += p2 - 2 * a * pg + a * a * g2;
            }
            pSync2 = Math.Max(0.0, pSync2);
        }
        double kinetic = Math.Log(o.S + pSync2);
        double e = kinetic + logV;
        double e0 = double.IsNaN(Energy) ? e : Energy;
        return new StepReport(Steps, loss, Math.Exp(logV), kinetic, e, e - e0, Math.Sqrt(pSync2), Math.Sqrt(gnorm2), status, events, 1);
    }

    private protected override StepReport Update(double loss, Tensor[] g)
    {
        var o = Options;
        double d = Shifted(loss, g);
        var events = StepEvents.None;

        if (!(d > 0))
        {
            if (!o.F0Tuning)
            {
                var below = Report(loss, d, g, StepStatus.BelowMinimum, StepEvents.None);
                Steps++;
                return below;
            }
            double fw = d + F0;
            double deficit = -d;
            double margin = Math.Max(o.F0TuningFactor * deficit, 1e-12 * Math.Max(1.0, Math.Abs(fw)));
            F0 -= margin;
            d = fw - F0;
            events |= StepEvents.ShiftTuned;
            if (_momentum is not null)
                Energy = Math.Log(o.S + ParameterSet.NormSquared(_momentum)) + o.Eta * Math.Log(d);
        }

        double logV = o.Eta * Math.Log(d);
        bool first = _momentum is null;
        if (first)
            InitialiseMomentum(logV, g);

        if (!(Math.Exp(logV) > o.Eps2))
        {
            var frozen = Report(loss, d, g, StepStatus.Frozen, events);
            Steps++;
            return frozen;
        }

        var report = Report(loss, d, g, StepStatus.Moved, events);
        var p = _momentum!;
        double p2 = ParameterSet.NormSquared(p);
        double c = 1.0;
        if (o.ConsEn)
        {
            double target = Math.Exp(Energy - logV) - o.S;
            if (!(Math.Abs(target - p2) < o.Eps1) && target >= 0 && p2 > 0)
            {
                c = Math.Sqrt(target / p2);
                events |= StepEvents.EnergyRescaled;
            }
        }
        for (int i = 0; i < p.Length; i++)
        {
            double kick = (first ? 0.5 : 1.0) * Set.LearningRate(i) * o.Eta / d;
            Axpby(-kick, g[i], c, p[i]);
        }
        p2 = ParameterSet.NormSquared(p);
        for (int i = 0; i < p.Length; i++)
            Axpy(2 * Set.LearningRate(i) / (o.S + p2), p[i], Set.Params[i]);

        if (o.Nu > 0 && p2 > 0)
        {
            double nu = o.Gamma == 0 ? o.Nu : o.Nu * Math.Pow(Math.Exp(logV - Energy) * (o.S + o.DeltaEn), o.Gamma);
            Rotate(p, Math.Sqrt(p2), nu);
        }
        Steps++;
        return report with { Events = events };
    }

    private void InitialiseMomentum(double logV, Tensor[] g)
    {
        var o = Options;
        Energy = logV + Math.Log(o.S + o.DeltaEn);
        var p = Set.Params.Select(x => zeros_like(x)).ToArray();
        double norm = Math.Sqrt(o.DeltaEn);
        double gnorm = Math.Sqrt(ParameterSet.NormSquared(g));
        if (gnorm > 0)
            for (int i = 0; i < p.Length; i++)
                Axpy(-norm / gnorm, g[i], p[i]);
        else if (norm > 0)
            Bounce(p, o.DeltaEn, Rng);
        _momentum = p.Select(Keep).ToArray();
    }

    /// <summary>p ← |p|·(p̂ + ν·z)/|p̂ + ν·z|, z standard normal, drawn and rounded as the core does.</summary>
    private void Rotate(Tensor[] p, double pnorm, double nu)
    {
        var z = new double[Set.Count];
        for (long i = 0; i < z.LongLength; i++)
            z[i] = Rng.NextNormal();
        // The core computes p/|p| + ν·z in float64 and rounds to T once: do the same.
        var zt = Set.FromHost(z, ScalarType.Float64);
        for (int i = 0; i < p.Length; i++)
        {
            using var norm = pnorm.ToScalar();
            var sum = Plus(p[i].to(ScalarType.Float64).div(norm), Times(zt[i], nu));
            p[i].copy_(sum);
        }
        double q = Math.Sqrt(ParameterSet.NormSquared(p));
        foreach (var t in p)
            Scale(t, pnorm / q);
    }

    private protected override Tensor[]? StateTensors() => _momentum;

    private protected override void SetStateTensors(Tensor[]? tensors)
    {
        if (_momentum is not null && !ReferenceEquals(_momentum, tensors))
            foreach (var t in _momentum)
                t.Dispose();
        _momentum = tensors;
    }

    private protected override void WriteState(EcdStateDict sd)
    {
        sd.Scalars["energy"] = Energy;
        sd.Scalars["F0"] = F0;
        WriteRng(sd, Rng);
    }

    private protected override void ReadState(EcdStateDict sd)
    {
        Energy = Get(sd.Scalars, "energy");
        F0 = Get(sd.Scalars, "F0");
        Rng = ReadRng(sd);
    }
}
