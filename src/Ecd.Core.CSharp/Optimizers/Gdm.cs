using System.Numerics;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Optimizers;

/// <summary>State of a <see cref="Gdm{T}"/> run.</summary>
public sealed class GdmState<T> : OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The momentum buffer (empty before the first step).</summary>
    public T[] Buffer { get; set; } = [];
}

/// <summary>
/// Gradient descent with momentum (friction baseline). Reported energy: F + ½·lr·|buf|², the energy of the
/// heavy ball whose time step is √lr; friction drains it.
/// </summary>
public sealed class Gdm<T> : Optimizer<T, GdmState<T>, GdmOptions>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates GDM; Nesterov needs momentum &gt; 0 and zero dampening (as in PyTorch).</summary>
    public Gdm(GdmOptions options)
        : base(options)
    {
        if (options.Nesterov && (options.Momentum <= 0 || options.Dampening != 0))
            throw new HyperparameterException("nesterov", true, "needs momentum > 0 and dampening = 0");
    }

    /// <inheritdoc />
    public override string Name => "gdm";

    /// <inheritdoc />
    protected override void InitState(GdmState<T> state, ulong seed) { }

    private void AddWeightDecay(GdmState<T> s)
    {
        if (Options.WeightDecay != 0)
            Vec.Axpy<T>(Options.WeightDecay, s.Theta, s.Gradient);
    }

    /// <inheritdoc />
    protected override StepReport Diagnose(GdmState<T> s, double loss)
    {
        AddWeightDecay(s);
        return Report(s, loss);
    }

    private StepReport Report(GdmState<T> s, double loss)
    {
        double b2 = s.Buffer.Length == 0 ? 0 : Vec.NormSquared<T>(s.Buffer);
        double kinetic = 0.5 * Options.Lr * b2;
        double e = loss + kinetic;
        double e0 = double.IsNaN(s.InitialLoss) ? loss : s.InitialLoss;
        return new StepReport(s.Steps, loss, loss, kinetic, e, e - e0, Math.Sqrt(b2), Math.Sqrt(Vec.NormSquared<T>(s.Gradient)),
            StepStatus.Moved, StepEvents.None, 1);
    }

    /// <inheritdoc />
    protected override StepReport Step(GdmState<T> s, IObjective<T> objective)
    {
        double loss = Evaluate(s, objective);
        if (!IsFinite(loss, s.Gradient))
            return StepReport.NonFiniteAt(s.Steps, loss);
        NoteInitialLoss(s, loss);
        AddWeightDecay(s);
        var report = Report(s, loss);
        var o = Options;
        Span<T> g = s.Gradient;
        if (o.Momentum > 0)
        {
            if (s.Buffer.Length == 0)
                s.Buffer = g.ToArray();
            else
                Vec.Axpby<T>(1 - o.Dampening, g, o.Momentum, s.Buffer);
            if (o.Nesterov)
                Vec.Axpy<T>(o.Momentum, s.Buffer, g);
            else
                s.Buffer.CopyTo(g);
        }
        Vec.Axpy<T>(-o.Lr, g, s.Theta);
        s.Steps++;
        return report;
    }
}
