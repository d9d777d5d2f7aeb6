namespace Ecd.Core.Optimizers;

/// <summary>
/// Hyperparameters of L-BFGS (Liu &amp; Nocedal 1989) with a strong-Wolfe line search (Nocedal &amp; Wright,
/// Numerical Optimization, 2nd ed., algorithms 3.5–3.6). One optimizer step is one quasi-Newton iteration;
/// defaults follow PyTorch's <c>torch.optim.LBFGS</c> where it has the same parameter.
/// </summary>
public sealed record LbfgsOptions
{
    /// <summary>Initial trial step length of each line search (the first iteration uses min(1, 1/|g|₁)·lr). Default 1.</summary>
    public double Lr { get; init => field = Guard.Positive(value, "lr"); } = 1.0;

    /// <summary>Number of correction pairs kept. Default 100.</summary>
    public int HistorySize { get; init => field = Guard.Count(value, 1, "historySize"); } = 100;

    /// <summary>Stop when max |∇F| ≤ this. Default 1e-7.</summary>
    public double ToleranceGrad { get; init => field = Guard.NonNegative(value, "toleranceGrad"); } = 1e-7;

    /// <summary>Stop when the loss change or max |Δθ| is below this. Default 1e-9.</summary>
    public double ToleranceChange { get; init => field = Guard.NonNegative(value, "toleranceChange"); } = 1e-9;

    /// <summary>Maximum objective evaluations in one line search. Default 25.</summary>
    public int MaxLineSearchEvaluations { get; init => field = Guard.Count(value, 1, "maxLineSearchEvaluations"); } = 25;

    /// <summary>Sufficient-decrease constant c₁ of the Wolfe conditions. Default 1e-4.</summary>
    public double C1 { get; init => field = Guard.Positive(value, "c1"); } = 1e-4;

    /// <summary>Curvature constant c₂ of the strong Wolfe conditions, c₁ &lt; c₂ &lt; 1. Default 0.9.</summary>
    public double C2 { get; init => field = Guard.Positive(value, "c2"); } = 0.9;
}
