using System.Numerics;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Optimizers;

/// <summary>State of an <see cref="Adam{T}"/> run.</summary>
public sealed class AdamState<T> : OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>First-moment estimate m.</summary>
    public T[] FirstMoment { get; set; } = [];
    /// <summary>Second-moment estimate v.</summary>
    public T[] SecondMoment { get; set; } = [];
}

/// <summary>Adam / AdamW (friction baseline, PyTorch semantics). Reported energy: the loss (no Hamiltonian).</summary>
public sealed class Adam<T>(AdamOptions options) : Optimizer<T, AdamState<T>, AdamOptions>(options)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override string Name => Options.Decoupled ? "adamw" : "adam";

    /// <inheritdoc />
    protected override void InitState(AdamState<T> state, ulong seed)
    {
        state.FirstMoment = new T[state.Theta.Length];
        state.SecondMoment = new T[state.Theta.Length];
    }

    private void AddWeightDecay(AdamState<T> s)
    {
        if (!Options.Decoupled && Options.WeightDecay != 0)
            Vec.Axpy<T>(Options.WeightDecay, s.Theta, s.Gradient);
    }

    /// <inheritdoc />
    protected override StepReport Diagnose(AdamState<T> s, double loss)
    {
        AddWeightDecay(s);
        return FrictionReport.Of(s, loss, s.Gradient);
    }

    /// <inheritdoc />
    protected override StepReport Step(AdamState<T> s, IObjective<T> objective)
    {
        double loss = Evaluate(s, objective);
        if (!IsFinite(loss, s.Gradient))
            return StepReport.NonFiniteAt(s.Steps, loss);
        NoteInitialLoss(s, loss);
        AddWeightDecay(s);
        var report = FrictionReport.Of(s, loss, s.Gradient);
        var o = Options;
        long t = s.Steps + 1;
        if (o.Decoupled && o.WeightDecay != 0)
            Vec.Scale<T>(1 - o.Lr * o.WeightDecay, s.Theta);
        double bc1 = 1 - Math.Pow(o.Beta1, t);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(o.Beta2, t));
        T b1 = T.CreateTruncating(o.Beta1), b2 = T.CreateTruncating(o.Beta2);
        T one = T.One, eps = T.CreateTruncating(o.Eps);
        T stepSize = T.CreateTruncating(o.Lr / bc1), bc2 = T.CreateTruncating(bc2Sqrt);
        Span<T> g = s.Gradient, m = s.FirstMoment, v = s.SecondMoment, th = s.Theta;
        for (int i = 0; i < th.Length; i++)
        {
            m[i] = b1 * m[i] + (one - b1) * g[i];
            v[i] = b2 * v[i] + (one - b2) * g[i] * g[i];
            th[i] -= stepSize * m[i] / (T.Sqrt(v[i]) / bc2 + eps);
        }
        s.Steps++;
        return report;
    }
}

/// <summary>Diagnostics of an optimizer without a Hamiltonian: the energy is the loss, drift is measured from the first loss.</summary>
internal static class FrictionReport
{
    public static StepReport Of<T>(OptimizerState<T> s, double loss, ReadOnlySpan<T> gradient, int evaluations = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double e0 = double.IsNaN(s.InitialLoss) ? loss : s.InitialLoss;
        return new StepReport(s.Steps, loss, loss, 0, loss, loss - e0, 0, Math.Sqrt(Vec.NormSquared(gradient)),
            StepStatus.Moved, StepEvents.None, evaluations);
    }
}
