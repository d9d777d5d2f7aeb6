using Ecd.Core.Optimizers;
using Ecd.Core.Randomness;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// BBI (Born-Infeld energy-conserving descent with bounces) as a TorchSharp optimizer: the same algorithm, options
/// and trajectory as the core's <see cref="Bbi{T}"/> (see there for the dynamics), on parameters on any device.
/// <code>
/// var opt = new Bbi(model.parameters(), new BbiOptions { Lr = 1e-3 }, seed: 1);
/// opt.step(() => { opt.zero_grad(); var loss = lossFn(model.forward(x), y); loss.backward(); return loss; });
/// </code>
/// </summary>
public sealed class Bbi : EcdOptimizer
{
    private Tensor[]? _momentum;

    /// <summary>BBI over <paramref name="parameters"/>; every bounce is drawn from <paramref name="seed"/>.</summary>
    public Bbi(IEnumerable<Parameter> parameters, BbiOptions options, ulong seed = 0)
        : this([new EcdParamGroup(parameters)], options, seed)
    {
    }

    /// <summary>BBI over parameter groups (each may set its own lr and weight decay).</summary>
    public Bbi(IEnumerable<EcdParamGroup> groups, BbiOptions options, ulong seed = 0)
        : base(groups, Validated(options).Lr, options.WeightDecay)
    {
        Options = options;
        Rng = Xoshiro256.FromSeed(seed);
    }

    private static BbiOptions Validated(BbiOptions options)
    {
        _ = new Bbi<double>(options);
        return options;
    }

    /// <inheritdoc />
    public override string Name => "bbi";

    /// <summary>The hyperparameters.</summary>
    public BbiOptions Options { get; }

    /// <summary>V(θ₀).</summary>
    public double InitialV { get; private set; } = double.NaN;
    /// <summary>The conserved energy E = V(θ₀) + δE.</summary>
    public double Energy { get; private set; } = double.NaN;
    /// <summary>Moves since the last fixed bounce.</summary>
    public long Counter0 { get; private set; }
    /// <summary>Moves since V last reached a new minimum (or since the last bounce).</summary>
    public long Counter { get; private set; }
    /// <summary>Fixed bounces performed so far.</summary>
    public long FixedBouncesPerformed { get; private set; }
    /// <summary>Smallest V seen at a move.</summary>
    public double MinV { get; private set; } = double.PositiveInfinity;
    /// <summary>Accumulated v0 shift from auto-tuning.</summary>
    public double V0Shift { get; private set; }
    /// <summary>The bounce generator.</summary>
    public Xoshiro256 Rng { get; private set; }

    private protected override object OptionsObject => Options;

    private double Potential(double loss, Tensor[] g)
    {
        double v = loss - Options.V0 - V0Shift;
        return HasWeightDecay ? AddWeightDecay(g, v) : v;
    }

    private protected override StepReport Diagnose(double loss, Tensor[] g)
    {
        double v = Potential(loss, g);
        double freezeBelow = Options.V0Tuning ? 0.0 : Options.Eps2;
        double p2 = _momentum is null ? double.NaN : ParameterSet.NormSquared(_momentum);
        return Report(loss, v, p2, ParameterSet.NormSquared(g), v > freezeBelow ? StepStatus.Moved : StepStatus.Frozen, StepEvents.None);
    }

    private StepReport Report(double loss, double v, double p2, double g2, StepStatus status, StepEvents events)
    {
        double e0 = double.IsNaN(Energy) ? v + Options.DeltaEn : Energy;
        double e = double.IsNaN(p2) ? e0 : Math.Sqrt(v * (v + p2));
        return new StepReport(Steps, loss, v, e - v, e, e - e0, double.IsNaN(p2) ? 0 : Math.Sqrt(p2), Math.Sqrt(g2), status, events, 1);
    }

    private protected override StepReport Update(double loss, Tensor[] g)
    {
        var o = Options;
        double v = Potential(loss, g);
        double g2 = ParameterSet.NormSquared(g);
        double freezeBelow = o.V0Tuning ? 0.0 : o.Eps2;

        if (_momentum is null && v > freezeBelow)
            InitialiseMomentum(v, g, g2);
        double p2 = _momentum is null ? double.NaN : ParameterSet.NormSquared(_momentum);

        if (!(v > freezeBelow))
        {
            if (o.V0Tuning)
            {
                var r = Report(loss, v, p2, g2, StepStatus.Retuned, StepEvents.ShiftTuned);
                V0Shift += o.V0TuningFactor * v;
                Steps++;
                return r;
            }
            var frozen = Report(loss, v, p2, g2, StepStatus.Frozen, StepEvents.None);
            Steps++;
            return frozen;
        }

        var pi = _momentum!;
        double e = Energy;
        double eOverV = e / v, vOverE = v / e;
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

        bool fixedDue = Counter0 == o.Threshold0 && FixedBouncesPerformed < o.NFixedBounces;
        bool progressDue = Counter == o.Threshold;
        if (!fixedDue && !progressDue)
        {
            var report = Report(loss, v, p2, g2, StepStatus.Moved, events);
            for (int i = 0; i < pi.Length; i++)
            {
                double lr = Set.LearningRate(i);
                Axpby(-0.5 * lr * (vOverE + eOverV), g[i], rescale, pi[i]);
                Axpy(lr * vOverE, pi[i], Set.Params[i]);
            }
            Counter0++;
            Counter++;
            if (v < MinV)
            {
                MinV = v;
                Counter = 0;
            }
            Steps++;
            return report;
        }

        events = (fixedDue ? StepEvents.FixedBounce : StepEvents.None) | (progressDue ? StepEvents.ProgressBounce : StepEvents.None);
        var bounced = Report(loss, v, p2, g2, StepStatus.Bounced, events);
        Bounce(pi, p2, Rng);
        if (fixedDue)
        {
            FixedBouncesPerformed++;
            Counter0 = 0;
        }
        Counter = 0;
        Steps++;
        return bounced;
    }

    private void InitialiseMomentum(double v, Tensor[] g, double g2)
    {
        InitialV = v;
        Energy = v + Options.DeltaEn;
        double norm = Math.Sqrt(Math.Max(0.0, Energy * Energy / v - v));
        var pi = Set.Params.Select(p => zeros_like(p)).ToArray();
        double gnorm = Math.Sqrt(g2);
        if (gnorm > 0)
            for (int i = 0; i < pi.Length; i++)
                Axpy(-norm / gnorm, g[i], pi[i]);
        else if (norm > 0)
            Bounce(pi, norm * norm, Rng);
        _momentum = pi.Select(Keep).ToArray();
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
        sd.Scalars["initialV"] = InitialV;
        sd.Scalars["energy"] = Energy;
        sd.Scalars["minV"] = MinV;
        sd.Scalars["v0Shift"] = V0Shift;
        sd.Integers["counter0"] = Counter0;
        sd.Integers["counter"] = Counter;
        sd.Integers["fixedBouncesPerformed"] = FixedBouncesPerformed;
        WriteRng(sd, Rng);
    }

    private protected override void ReadState(EcdStateDict sd)
    {
        InitialV = Get(sd.Scalars, "initialV");
        Energy = Get(sd.Scalars, "energy");
        MinV = Get(sd.Scalars, "minV");
        V0Shift = Get(sd.Scalars, "v0Shift");
        Counter0 = Get(sd.Integers, "counter0");
        Counter = Get(sd.Integers, "counter");
        FixedBouncesPerformed = Get(sd.Integers, "fixedBouncesPerformed");
        Rng = ReadRng(sd);
    }
}
