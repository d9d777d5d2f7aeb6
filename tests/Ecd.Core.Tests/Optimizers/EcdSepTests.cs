using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using Ecd.Core.Running;
using Ecd.Core.Tests.Support;

namespace Ecd.Core.Tests.Optimizers;

public class EcdSepTests
{
    private static EcdSep<double> Make(params string[] settings) =>
        (EcdSep<double>)OptimizerCatalog.Create<double>("ecdsep", Catalogue.Pairs(settings));

    /// <summary>Largest |E − E₀| over a fixed time span, consEn off, ν = 0.</summary>
    private static double MaxDrift(double dt, double horizon)
    {
        var f = new Quadratic<double>(2, 4.0);
        var opt = Make($"lr={dt}", "eta=1", "F0=-1", "deltaEn=1", "consEn=false", "nu=0");
        var s = opt.Init([1.0, 0.5], 0);
        double worst = 0;
        OptimizationRun.Execute(opt, f, s, (long)Math.Round(horizon / dt), r => worst = Math.Max(worst, Math.Abs(r.EnergyDrift)));
        return worst;
    }

    [Fact]
    public void Energy_drift_with_consEn_off_shrinks_like_dt_squared()
    {
        double[] dts = [0.04, 0.02, 0.01, 0.005];
        var drift = dts.Select(dt => MaxDrift(dt, 2.0)).ToArray();
        for (int i = 1; i < drift.Length; i++)
        {
            double ratio = drift[i - 1] / drift[i];
            Assert.InRange(ratio, 3.5, 4.5); // halving Δt divides a second-order error by 4
        }
        Assert.True(drift[^1] < 1e-3, $"drift {drift[^1]} at Δt = 0.005");
    }

    [Fact]
    public void Leapfrog_run_forward_then_backward_returns_to_the_start()
    {
        // Time reversibility of the symplectic scheme: flip p, run the same number of steps, arrive at θ₀.
        var f = new Quadratic<double>(2, 4.0);
        var opt = Make("lr=0.01", "eta=1", "F0=-1", "deltaEn=1", "consEn=false", "nu=0");
        var s = (EcdSepState<double>)opt.Init([1.0, 0.5], 0);
        const int n = 200;
        for (int k = 0; k < n; k++)
            opt.Step(s, f);
        // s holds θ_n and p_{n−1/2}. Reversing the synchronised momentum p_n = p_{n−1/2} − ½Δt·k_n and taking the
        // first half kick gives −p_{n−1/2}; the next Step applies a full kick k_n, so store −p_{n−1/2} + Δt·k_n.
        var g = new double[2];
        double d = f.Evaluate(s.Theta, g) + 1;
        for (int i = 0; i < 2; i++)
            s.Momentum[i] = -s.Momentum[i] + 0.01 * g[i] / d;
        for (int k = 0; k < n; k++)
            opt.Step(s, f);
        Assert.Equal(1.0, s.Theta[0], 9);
        Assert.Equal(0.5, s.Theta[1], 9);
    }

    [Fact]
    public void Zakharov_drops_below_1e_minus_25_within_a_few_hundred_steps()
    {
        var opt = Make("lr=9594.6", "eta=1.01156", "nu=0.08155", "deltaEn=5.0512");
        var s = opt.Init(Enumerable.Repeat(1.0, 10).ToArray(), 0);
        long first = -1;
        OptimizationRun.Execute(opt, new Zakharov<double>(10), s, 500, r =>
        {
            if (first < 0 && r.Loss < 1e-25)
                first = r.Step;
        });
        Assert.InRange(first, 1, 400);
    }

    [Fact]
    public void Below_F0_freezes_and_reports_instead_of_producing_NaN()
    {
        var f = new Quadratic<double>(2);
        var opt = Make("lr=0.1", "eta=2", "F0=1");
        var s = opt.Init([0.5, 0.5], 0); // F = 0.25 < F0
        var r = opt.Step(s, f);
        Assert.Equal(StepStatus.BelowMinimum, r.Status);
        Assert.Equal([0.5, 0.5], s.Theta);
        Assert.True(double.IsFinite(r.Loss));
    }

    [Fact]
    public void F0_tuning_lowers_F0_and_keeps_going()
    {
        var f = new Quadratic<double>(2);
        var opt = Make("lr=0.05", "eta=1.5", "F0=1", "F0Tuning=true", "deltaEn=1");
        var s = (EcdSepState<double>)opt.Init([0.5, 0.5], 0);
        var r = OptimizationRun.Execute(opt, f, s, 300, stopWhen: rep => rep.Status == StepStatus.NonFinite);
        Assert.True(s.F0 < 0.25, $"F0 = {s.F0}");
        Assert.Equal(RunEnd.Completed, r.End);
        Assert.All(s.Theta, x => Assert.True(double.IsFinite(x)));
        Assert.True(r.BestLoss < 0.25);
    }

    [Fact]
    public void Without_rotation_the_run_does_not_depend_on_the_seed_and_with_it_it_does()
    {
        var f = new Rosenbrock<double>(2);
        double[] Run(ulong seed, string nu)
        {
            var opt = Make("lr=0.01", "eta=1", "deltaEn=1", $"nu={nu}");
            var s = opt.Init([-1.2, 1.0], seed);
            OptimizationRun.Execute(opt, f, s, 100);
            return s.Theta;
        }
        Assert.Equal(Run(1, "0"), Run(2, "0"));
        Assert.NotEqual(Run(1, "0.05"), Run(2, "0.05"));
    }

    [Fact]
    public void Gamma_damps_the_rotation_near_the_minimum()
    {
        // Same seed, same ν: with γ > 0 the trajectory stays closer to the rotation-free one once V ≪ V₀.
        var f = new Quadratic<double>(4, 3.0);
        double[] Run(string nu, string gamma)
        {
            var opt = Make("lr=0.02", "eta=1", "F0=-0.01", "deltaEn=1", $"nu={nu}", $"gamma={gamma}");
            var s = opt.Init([1.0, -1.0, 0.5, 0.7], 3);
            OptimizationRun.Execute(opt, f, s, 400);
            return s.Theta;
        }
        double Dist(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
        var plain = Run("0", "0");
        Assert.True(Dist(Run("0.05", "2"), plain) < Dist(Run("0.05", "0"), plain));
    }
}
