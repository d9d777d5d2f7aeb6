namespace Ecd.Core.Optimizers;

/// <summary>What one optimizer step did.</summary>
public enum StepStatus
{
    /// <summary>The parameters moved.</summary>
    Moved,
    /// <summary>A bounce re-drew the momentum direction; the parameters did not move (BBI semantics).</summary>
    Bounced,
    /// <summary>The potential reached the freeze threshold (V ≤ eps2): the step did nothing.</summary>
    Frozen,
    /// <summary>The objective is below the assumed minimum (ECDSep F &lt; F0 without auto-tuning): frozen instead of producing NaN.</summary>
    BelowMinimum,
    /// <summary>The loss or gradient was NaN or infinite: parameters and state were left untouched.</summary>
    NonFinite,
    /// <summary>The shift ΔV (BBI) or F0 (ECDSep) was lowered by auto-tuning; the parameters did not move.</summary>
    Retuned,
    /// <summary>The optimizer has stopped (L-BFGS exit); see the state's exit reason.</summary>
    Stopped,
}

/// <summary>Events that happened during a step (several may coincide).</summary>
[Flags]
public enum StepEvents
{
    /// <summary>Nothing notable.</summary>
    None = 0,
    /// <summary>A fixed bounce (every T0 steps, N_b of them).</summary>
    FixedBounce = 1,
    /// <summary>A progress bounce (no new minimum of V for T1 steps).</summary>
    ProgressBounce = 2,
    /// <summary>Momenta were rescaled to restore the energy.</summary>
    EnergyRescaled = 4,
    /// <summary>The shift v0 / F0 was lowered by auto-tuning.</summary>
    ShiftTuned = 8,
    /// <summary>The line search failed to satisfy the Wolfe conditions (L-BFGS).</summary>
    LineSearchFailed = 16,
}

/// <summary>
/// Per-step diagnostics. All values refer to the point θ at which the step evaluated the objective
/// (before the update). Quantities an optimizer does not have are NaN (e.g. V for Adam).
/// </summary>
/// <param name="Step">Index of the step (0 = first evaluation at the starting point).</param>
/// <param name="Loss">F(θ), including an L2 term added by the optimizer's weight decay when that is an L2 term.</param>
/// <param name="Potential">V: F − v0 for BBI, (F − F0)^η for ECDSep, F otherwise.</param>
/// <param name="Kinetic">The kinetic part of the Hamiltonian (BBI: E − V at the measured E; ECDSep: log(s + |p|²); GDM: ½·lr·|buf|²; 0 for Adam and L-BFGS).</param>
/// <param name="Energy">The measured energy H(θ, p).</param>
/// <param name="EnergyDrift">Energy − E0.</param>
/// <param name="MomentumNorm">|p| (0 where there is no momentum).</param>
/// <param name="GradientNorm">|∇F|.</param>
/// <param name="Status">What the step did.</param>
/// <param name="Events">Bounces, rescalings, retunings.</param>
/// <param name="Evaluations">Objective evaluations spent in this step.</param>
public readonly record struct StepReport(
    long Step,
    double Loss,
    double Potential,
    double Kinetic,
    double Energy,
    double EnergyDrift,
    double MomentumNorm,
    double GradientNorm,
    StepStatus Status,
    StepEvents Events,
    int Evaluations)
{
    /// <summary>A report for a step that found a non-finite loss or gradient.</summary>
    public static StepReport NonFiniteAt(long step, double loss, int evaluations = 1) =>
        new(step, loss, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN,
            StepStatus.NonFinite, StepEvents.None, evaluations);
}
