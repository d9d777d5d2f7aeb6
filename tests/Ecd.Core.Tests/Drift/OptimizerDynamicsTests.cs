using Ecd.Core.Drift;
using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using Ecd.Core.Running;

namespace Ecd.Core.Tests.Drift;

/// <summary>Energy-conserving optimizers as drift dynamics.</summary>
public class OptimizerDynamicsTests
{
    private static IOptimizer<double> EcdSepAt(double dt) =>
        new EcdSep<double>(new EcdSepOptions { Lr = dt, Eta = 1, F0 = -1, DeltaEn = 1, ConsEn = false, Nu = 0 });

    private static IOptimizer<double> BbiAt(double dt) =>
        new Bbi<double>(new BbiOptions { Lr = dt, V0 = -1, DeltaEn = 1, ConsEn = false, NFixedBounces = 0, Threshold = 100 });

    [Fact]
    public void The_energies_are_the_ones_the_optimizer_reports()
    {
        var f = new Rosenbrock<double>(3);
        double[] x0 = [0.5, -0.3, 0.2];
        var d = new OptimizerDynamics(BbiAt, f, x0);
        var e = d.Run(1e-3, 400, NoiseOptions.Off, 9).Energy;

        var opt = BbiAt(1e-3);
        var state = opt.Init(x0, Ecd.Core.Randomness.Xoshiro256.DeriveSeed(9, 0));
        var reported = new List<double>();
        var r = OptimizationRun.Execute(opt, f, state, 400, s => reported.Add(s.Energy));
        reported.Add(r.Final.Energy);
        Assert.Equal(reported, e);
        Assert.Equal("bbi", d.Name);
        Assert.False(d.IsSymplectic);
    }

    [Fact]
    public void EcdSep_without_rescaling_drifts_like_dt_squared()
    {
        var d = new OptimizerDynamics(EcdSepAt, new Quadratic<double>(2, 4.0), [1.0, 0.5]);
        double Drift(double dt) => d.Run(dt, (long)Math.Round(2.0 / dt), NoiseOptions.Off, 0).Energy is var e
            ? e.Max(h => Math.Abs(h - e[0]))
            : 0;
        Assert.InRange(Drift(0.02) / Drift(0.01), 3.5, 4.5);
        Assert.InRange(Drift(0.01) / Drift(0.005), 3.5, 4.5);
        Assert.True(d.IsSymplectic);
    }

    [Fact]
    public void Momentum_noise_reaches_the_optimizer_state_and_is_reproducible()
    {
        var d = new OptimizerDynamics(EcdSepAt, new Quadratic<double>(2), [1.0, 0.0]);
        var noise = NoiseOptions.On(NoiseChannel.Momentum, 0.3);
        var a = d.Run(0.01, 300, noise, 4).Energy;
        Assert.Equal(a, d.Run(0.01, 300, noise, 4).Energy);
        Assert.NotEqual(a, d.Run(0.01, 300, noise, 5).Energy);
        Assert.NotEqual(a, d.Run(0.01, 300, NoiseOptions.Off, 4).Energy);
    }

    [Fact]
    public void Gradient_noise_reaches_the_optimizer()
    {
        var d = new OptimizerDynamics(BbiAt, new Quadratic<double>(2), [1.0, 0.0]);
        var clean = d.Run(0.01, 300, NoiseOptions.Off, 4).Energy;
        var noisy = d.Run(0.01, 300, NoiseOptions.On(NoiseChannel.Gradient, 0.5), 4).Energy;
        Assert.Equal(clean[0], noisy[0]);
        Assert.NotEqual(clean[^1], noisy[^1]);
    }

    [Fact]
    public void Momentum_noise_needs_an_optimizer_with_momentum()
    {
        var d = new OptimizerDynamics(dt => new Adam<double>(new AdamOptions { Lr = dt }), new Quadratic<double>(2), [1.0, 0.0]);
        var e = Assert.Throws<ArgumentException>(() => d.Run(0.01, 10, NoiseOptions.On(NoiseChannel.Momentum, 0.1), 0));
        Assert.Contains("bbi or ecdsep", e.Message);
    }

    [Fact]
    public void A_run_that_falls_below_F0_stops_and_says_why()
    {
        // F0 = 0.4 lies above the minimum of ½|x|², so ECDSep freezes once F < F0.
        var d = new OptimizerDynamics(
            dt => new EcdSep<double>(new EcdSepOptions { Lr = dt, Eta = 1, F0 = 0.4, DeltaEn = 1, ConsEn = false, Nu = 0 }),
            new Quadratic<double>(2), [1.0, 0.0]);
        var t = d.Run(0.05, 2000, NoiseOptions.Off, 0);
        Assert.False(t.Completed);
        Assert.Contains("F0", t.Stopped);
        Assert.True(t.StepsCompleted < 2000);
    }
}
