using System.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;

namespace Ecd.Core.Running;

/// <summary>Why a run ended.</summary>
public enum RunEnd
{
    /// <summary>All requested steps were taken.</summary>
    Completed,
    /// <summary>The caller's stop condition fired.</summary>
    StopConditionMet,
    /// <summary>The optimizer stopped by itself (L-BFGS exit).</summary>
    OptimizerStopped,
    /// <summary>A NaN or infinite loss or gradient; the state is the last good one.</summary>
    NonFinite,
}

/// <summary>Outcome of <see cref="OptimizationRun.Execute{T}"/>.</summary>
/// <param name="Final">Diagnostics measured at the final θ (its step index is the number of steps taken).</param>
/// <param name="BestLoss">The lowest loss evaluated along the way (including the final point).</param>
/// <param name="BestStep">Step index at which it was evaluated.</param>
/// <param name="StepsTaken">Number of steps taken.</param>
/// <param name="Bounces">Number of bounce steps.</param>
/// <param name="End">Why the run ended.</param>
public sealed record RunResult(StepReport Final, double BestLoss, long BestStep, long StepsTaken, long Bounces, RunEnd End);

/// <summary>The plain optimization loop: step, observe, stop; the caller keeps the state (and can save it at any step).</summary>
public static class OptimizationRun
{
    /// <summary>
    /// Takes up to <paramref name="steps"/> steps from <paramref name="state"/>. <paramref name="observe"/> sees
    /// every step's report (step k reports the point θₖ); <paramref name="stopWhen"/> may end the run early.
    /// The final point is measured once more (one extra evaluation) and reported as <see cref="RunResult.Final"/>.
    /// </summary>
    public static RunResult Execute<T>(
        IOptimizer<T> optimizer,
        IObjective<T> objective,
        OptimizerState<T> state,
        long steps,
        Action<StepReport>? observe = null,
        Func<StepReport, bool>? stopWhen = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        double best = double.PositiveInfinity;
        long bestStep = -1, bounces = 0, taken = 0;
        var end = RunEnd.Completed;
        for (long k = 0; k < steps; k++)
        {
            var r = optimizer.Step(state, objective);
            observe?.Invoke(r);
            if (r.Status == StepStatus.NonFinite)
            {
                end = RunEnd.NonFinite;
                break;
            }
            taken++;
            if (r.Loss < best)
            {
                best = r.Loss;
                bestStep = r.Step;
            }
            if (r.Status == StepStatus.Bounced)
                bounces++;
            if (r.Status == StepStatus.Stopped)
            {
                end = RunEnd.OptimizerStopped;
                break;
            }
            if (stopWhen is not null && stopWhen(r))
            {
                end = RunEnd.StopConditionMet;
                break;
            }
        }
        var final = optimizer.Measure(state, objective);
        if (final.Loss < best)
        {
            best = final.Loss;
            bestStep = final.Step;
        }
        return new RunResult(final, best, bestStep, taken, bounces, end);
    }
}
