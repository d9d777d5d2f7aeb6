using System.Numerics;
using Ecd.Core.Optimizers;

namespace Ecd.Core.TorchSharp.Tests.Support;

/// <summary>A trajectory: θ after every step and the step reports.</summary>
public sealed record Trajectory(double[][] Theta, StepReport[] Reports);

public static class Runs
{
    /// <summary>The flat-vector core on the problem's core objective.</summary>
    public static Trajectory Core<T>(IOptimizer<T> optimizer, Problem problem, ulong seed, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var objective = problem.CoreObjective<T>();
        var theta0 = problem.Theta().Select(T.CreateTruncating).ToArray();
        var state = optimizer.Init(theta0, seed);
        var thetas = new double[steps][];
        var reports = new StepReport[steps];
        for (int i = 0; i < steps; i++)
        {
            reports[i] = optimizer.Step(state, objective);
            thetas[i] = state.Theta.Select(double.CreateTruncating).ToArray();
        }
        return new Trajectory(thetas, reports);
    }

    /// <summary>The TorchSharp optimizer on the problem's module, stepped with torch.optim's closure.</summary>
    public static Trajectory Torch(EcdOptimizer optimizer, Problem problem, int steps)
    {
        var closure = problem.Closure(optimizer);
        var thetas = new double[steps][];
        var reports = new StepReport[steps];
        for (int i = 0; i < steps; i++)
        {
            reports[i] = optimizer.Step(closure);
            thetas[i] = problem.Theta();
        }
        return new Trajectory(thetas, reports);
    }

    /// <summary>max over steps of ‖θ_a − θ_b‖∞ / ‖θ_b‖∞.</summary>
    public static double MaxRelativeDifference(Trajectory a, Trajectory b)
    {
        double worst = 0;
        for (int i = 0; i < a.Theta.Length; i++)
        {
            double diff = 0, scale = 0;
            for (int j = 0; j < a.Theta[i].Length; j++)
            {
                diff = Math.Max(diff, Math.Abs(a.Theta[i][j] - b.Theta[i][j]));
                scale = Math.Max(scale, Math.Abs(b.Theta[i][j]));
            }
            worst = Math.Max(worst, scale > 0 ? diff / scale : diff);
        }
        return worst;
    }

    /// <summary>Relative difference of two report values (NaN = NaN).</summary>
    public static double Relative(double a, double b) =>
        double.IsNaN(a) && double.IsNaN(b) ? 0 : a == b ? 0 : Math.Abs(a - b) / Math.Max(Math.Abs(a), Math.Abs(b));
}
