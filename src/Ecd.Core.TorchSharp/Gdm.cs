using Ecd.Core.Optimizers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// Gradient descent with momentum (the friction baseline, PyTorch's SGD semantics) as a TorchSharp optimizer: the
/// same options, diagnostics and trajectory as the core's <see cref="Gdm{T}"/>. Unlike BBI and ECDSep it can step
/// without a closure (after <c>backward()</c>); the report's loss is then NaN.
/// </summary>
public sealed class Gdm : EcdOptimizer
{
    private Tensor[]? _buffer;

    /// <summary>GDM over <paramref name="parameters"/>.</summary>
    public Gdm(IEnumerable<Parameter> parameters, GdmOptions options)
        : this([new EcdParamGroup(parameters)], options)
    {
    }

    /// <summary>GDM over parameter groups (each may set its own lr and weight decay).</summary>
    public Gdm(IEnumerable<EcdParamGroup> groups, GdmOptions options)
        : base(groups, Validated(options).Lr, options.WeightDecay)
    {
        Options = options;
    }

    private static GdmOptions Validated(GdmOptions options)
    {
        _ = new Gdm<double>(options);
        return options;
    }

    /// <inheritdoc />
    public override string Name => "gdm";

    /// <summary>The hyperparameters.</summary>
    public GdmOptions Options { get; }

    private protected override object OptionsObject => Options;

    private protected override bool NeedsLoss => false;

    private protected override StepReport Diagnose(double loss, Tensor[] g)
    {
        if (HasWeightDecay)
            AddWeightDecay(g, 0.0);
        return Report(loss, g);
    }

    private StepReport Report(double loss, Tensor[] g)
    {
        double kinetic;
        double b2;
        if (_buffer is null)
            b2 = kinetic = 0.0;
        else if (Set.UniformLearningRate)
        {
            b2 = ParameterSet.NormSquared(_buffer);
            kinetic = 0.5 * Set.LearningRate(0) * b2;
        }
        else
        {
            b2 = ParameterSet.NormSquared(_buffer);
            kinetic = 0.0;
            for (int gi = 0; gi < Set.Groups.Length; gi++)
            {
                int group = gi;
                kinetic += 0.5 * Set.Groups[gi].LearningRate * ParameterSet.NormSquared(_buffer, i => Set.GroupOf[i] == group);
            }
        }
        double e = loss + kinetic;
        double e0 = double.IsNaN(InitialLoss) ? loss : InitialLoss;
        return new StepReport(Steps, loss, loss, kinetic, e, e - e0, Math.Sqrt(b2), Math.Sqrt(ParameterSet.NormSquared(g)),
            StepStatus.Moved, StepEvents.None, 1);
    }

    private protected override StepReport Update(double loss, Tensor[] g)
    {
        if (HasWeightDecay)
            AddWeightDecay(g, 0.0);
        var report = Report(loss, g);
        var o = Options;
        if (o.Momentum > 0)
        {
            if (_buffer is null)
                _buffer = g.Select(x => Keep(x.clone())).ToArray();
            else
                for (int i = 0; i < g.Length; i++)
                    Axpby(1 - o.Dampening, g[i], o.Momentum, _buffer[i]);
            for (int i = 0; i < g.Length; i++)
            {
                if (o.Nesterov)
                    Axpy(o.Momentum, _buffer[i], g[i]);
                else
                    g[i].copy_(_buffer[i]);
            }
        }
        for (int i = 0; i < g.Length; i++)
            Axpy(-Set.LearningRate(i), g[i], Set.Params[i]);
        Steps++;
        return report;
    }

    private protected override Tensor[]? StateTensors() => _buffer;

    private protected override void SetStateTensors(Tensor[]? tensors)
    {
        if (_buffer is not null && !ReferenceEquals(_buffer, tensors))
            foreach (var t in _buffer)
                t.Dispose();
        _buffer = tensors;
    }

    private protected override void WriteState(EcdStateDict sd)
    {
    }

    private protected override void ReadState(EcdStateDict sd)
    {
    }
}
