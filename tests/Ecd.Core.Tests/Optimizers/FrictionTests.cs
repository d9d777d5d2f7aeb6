using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using Ecd.Core.Running;
using Ecd.Core.Tests.Support;

namespace Ecd.Core.Tests.Optimizers;

public class FrictionTests
{
    [Fact]
    public void Gdm_energy_is_drained_by_friction()
    {
        var opt = OptimizerCatalog.Create<double>("gdm", Catalogue.Pairs(["lr=0.01", "momentum=0.9"]));
        var s = opt.Init([1.0, -1.0, 0.5], 0);
        var energies = new List<double>();
        OptimizationRun.Execute(opt, new Quadratic<double>(3, 5.0), s, 2000, r => energies.Add(r.Energy));
        Assert.True(energies[^1] < 1e-6 * energies[0]);
    }

    [Fact]
    public void Lbfgs_survives_non_finite_trial_points_in_the_line_search()
    {
        // F is +∞ (NaN) outside |x| < 3: the line search must back off instead of accepting or reporting NaN.
        var inner = new Quadratic<double>(2, 2.0);
        var f = new LambdaObjective(2,
            x => Math.Abs(x[0]) < 3 && Math.Abs(x[1]) < 3 ? inner.Evaluate(x, new double[2]) : double.NaN,
            x => { var g = new double[2]; inner.Evaluate(x, g); return g; });
        var opt = OptimizerCatalog.Create<double>("lbfgs", Catalogue.Pairs(["lr=100"]));
        var s = (LbfgsState<double>)opt.Init([2.0, 2.0], 0);
        var r = OptimizationRun.Execute(opt, f, s, 50);
        Assert.NotEqual(RunEnd.NonFinite, r.End);
        Assert.True(r.Final.Loss < 1e-10, $"final loss {r.Final.Loss}, exit {s.Exit}");
    }

    [Fact]
    public void Lbfgs_reports_a_typed_exit_reason_and_then_stays_put()
    {
        var opt = OptimizerCatalog.Create<double>("lbfgs", []);
        var s = (LbfgsState<double>)opt.Init([3.0, -2.0], 0);
        var f = new Quadratic<double>(2, 3.0);
        var r = OptimizationRun.Execute(opt, f, s, 100);
        Assert.Equal(RunEnd.OptimizerStopped, r.End);
        Assert.Contains(s.Exit, new[] { LbfgsExit.GradientTolerance, LbfgsExit.ChangeTolerance });
        var theta = (double[])s.Theta.Clone();
        Assert.Equal(StepStatus.Stopped, opt.Step(s, f).Status);
        Assert.Equal(theta, s.Theta);
    }
}
