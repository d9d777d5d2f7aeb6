using System.Numerics;
using System.Text;
using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using Ecd.Core.Running;
using Ecd.Core.Tests.Support;

namespace Ecd.Core.Tests.Optimizers;

/// <summary>One table every optimizer must pass, in both precisions (in the manner of Optax's alias_test).</summary>
public class ConformanceTests
{
    private static readonly double[] Start = [1.0, -0.5, 0.8, 0.3];

    private static (IOptimizer<T> Opt, IObjective<T> F, OptimizerState<T> State) Setup<T>(string name, string[] settings, ulong seed = 11)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var opt = OptimizerCatalog.Create<T>(name, Catalogue.Pairs(settings));
        var f = new Quadratic<T>(Start.Length, 10.0);
        var x0 = Start.Select(T.CreateTruncating).ToArray();
        return (opt, f, opt.Init(x0, seed));
    }

    private static string Snapshot<T>(IOptimizer<T> opt, OptimizerState<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var ms = new MemoryStream();
        opt.Save(s, ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Steps<T>(IOptimizer<T> opt, IObjective<T> f, OptimizerState<T> s, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < n; i++)
            Assert.NotEqual(StepStatus.NonFinite, opt.Step(s, f).Status);
    }

    public static IEnumerable<object[]> Cases() => Catalogue.Optimizers();

    [Theory, MemberData(nameof(Cases))]
    public void Same_seed_same_trajectory_float64(string name, string[] settings) => SameSeedSameTrajectory<double>(name, settings);

    [Theory, MemberData(nameof(Cases))]
    public void Same_seed_same_trajectory_float32(string name, string[] settings) => SameSeedSameTrajectory<float>(name, settings);

    private static void SameSeedSameTrajectory<T>(string name, string[] settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (opt, f, a) = Setup<T>(name, settings);
        var b = opt.Init(Start.Select(T.CreateTruncating).ToArray(), 11);
        Steps(opt, f, a, 60);
        Steps(opt, f, b, 60);
        Assert.Equal(Snapshot(opt, a), Snapshot(opt, b));
    }

    [Theory]
    [InlineData("bbi", new[] { "lr=0.01", "threshold0=3", "nFixedBounces=5" })]
    [InlineData("ecdsep", new[] { "lr=0.05", "eta=1.5", "nu=0.1", "deltaEn=1" })]
    public void Different_seeds_give_different_bounces(string name, string[] settings)
    {
        var (opt, f, a) = Setup<double>(name, settings, seed: 1);
        var (_, _, b) = Setup<double>(name, settings, seed: 2);
        Steps(opt, f, a, 30);
        Steps(opt, f, b, 30);
        Assert.NotEqual(a.Theta, b.Theta);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Save_and_restore_continue_bit_identically_float64(string name, string[] settings) => SaveRestore<double>(name, settings);

    [Theory, MemberData(nameof(Cases))]
    public void Save_and_restore_continue_bit_identically_float32(string name, string[] settings) => SaveRestore<float>(name, settings);

    private static void SaveRestore<T>(string name, string[] settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (opt, f, straight) = Setup<T>(name, settings);
        Steps(opt, f, straight, 70);

        var (_, _, first) = Setup<T>(name, settings);
        Steps(opt, f, first, 25);
        using var ms = new MemoryStream();
        opt.Save(first, ms);
        ms.Position = 0;
        // A fresh optimizer instance with the same hyperparameters resumes the saved state.
        var resumedOpt = OptimizerCatalog.Create<T>(name, Catalogue.Pairs(settings));
        var resumed = resumedOpt.Load(ms);
        Steps(resumedOpt, f, resumed, 45);
        Assert.Equal(straight.Theta, resumed.Theta);
        Assert.Equal(Snapshot(opt, straight), Snapshot(opt, resumed));
    }

    [Theory, MemberData(nameof(Cases))]
    public void A_copy_is_independent_of_the_original(string name, string[] settings)
    {
        var (opt, f, s) = Setup<double>(name, settings);
        Steps(opt, f, s, 10);
        var copy = opt.Copy(s);
        var before = Snapshot(opt, copy);
        Steps(opt, f, s, 10);
        Assert.Equal(before, Snapshot(opt, copy));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Non_finite_loss_or_gradient_leaves_the_state_untouched(string name, string[] settings)
    {
        foreach (bool gradientOnly in new[] { false, true })
        {
            var (opt, f, s) = Setup<double>(name, settings);
            // L-BFGS evaluates the current point only on its first step (later ones come from the line search).
            var faulty = new FaultyObjective<double>(f, failOnCall: name == "lbfgs" ? 0 : 12, nanGradientOnly: gradientOnly);
            StepReport r = default;
            string? before = null;
            for (int i = 0; i < 40 && r.Status != StepStatus.NonFinite; i++)
            {
                before = Snapshot(opt, s);
                r = opt.Step(s, faulty);
            }
            Assert.Equal(StepStatus.NonFinite, r.Status);
            Assert.Equal(before, Snapshot(opt, s));
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void The_run_loop_stops_on_a_non_finite_value_and_keeps_the_last_good_state(string name, string[] settings)
    {
        var (opt, f, s) = Setup<double>(name, settings);
        var result = OptimizationRun.Execute(opt, new FaultyObjective<double>(f, failOnCall: name == "lbfgs" ? 0 : 5), s, 100);
        Assert.Equal(RunEnd.NonFinite, result.End);
        Assert.True(Vec(s.Theta).All(double.IsFinite));
    }

    private static IEnumerable<double> Vec(double[] x) => x;

    [Theory, MemberData(nameof(Cases))]
    public void Reduces_the_loss_on_a_quadratic_in_both_precisions(string name, string[] settings)
    {
        var (opt, f, s) = Setup<double>(name, settings);
        double start = opt.Measure(s, f).Loss;
        var r = OptimizationRun.Execute(opt, f, s, 300);
        Assert.True(r.BestLoss < 0.5 * start, $"{name}: best {r.BestLoss} from {start}");

        var (opt32, f32, s32) = Setup<float>(name, settings);
        var r32 = OptimizationRun.Execute(opt32, f32, s32, 300);
        Assert.True(r32.BestLoss < 0.5 * start, $"{name} float32: best {r32.BestLoss} from {start}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Measure_does_not_change_the_state(string name, string[] settings)
    {
        var (opt, f, s) = Setup<double>(name, settings);
        Steps(opt, f, s, 5);
        var before = Snapshot(opt, s);
        var m = opt.Measure(s, f);
        Assert.Equal(before, Snapshot(opt, s));
        Assert.Equal(5, m.Step);
    }

    [Fact]
    public void Loading_a_state_of_another_optimizer_or_precision_is_refused()
    {
        var bbi = OptimizerCatalog.Create<double>("bbi", Catalogue.Pairs(["lr=0.1"]));
        var s = bbi.Init(new double[] { 1, 2 }, 0);
        using var ms = new MemoryStream();
        bbi.Save(s, ms);
        var gdm = OptimizerCatalog.Create<double>("gdm", Catalogue.Pairs(["lr=0.1"]));
        ms.Position = 0;
        Assert.Contains("bbi", Assert.Throws<InvalidDataException>(() => gdm.Load(ms)).Message);
        var bbi32 = OptimizerCatalog.Create<float>("bbi", Catalogue.Pairs(["lr=0.1"]));
        ms.Position = 0;
        Assert.Contains("float64", Assert.Throws<InvalidDataException>(() => bbi32.Load(ms)).Message);
    }

    [Fact]
    public void A_state_of_another_optimizer_cannot_be_stepped_and_dimensions_must_agree()
    {
        var bbi = OptimizerCatalog.Create<double>("bbi", Catalogue.Pairs(["lr=0.1"]));
        var gdm = OptimizerCatalog.Create<double>("gdm", Catalogue.Pairs(["lr=0.1"]));
        var s = gdm.Init(new double[] { 1, 2 }, 0);
        Assert.Throws<ArgumentException>(() => bbi.Step(s, new Quadratic<double>(2)));
        Assert.Throws<ArgumentException>(() => gdm.Step(s, new Quadratic<double>(3)));
        Assert.Throws<ArgumentException>(() => gdm.Init(Array.Empty<double>(), 0));
        Assert.Throws<ArgumentException>(() => gdm.Init(new[] { double.NaN }, 0));
    }
}
