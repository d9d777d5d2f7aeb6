using Ecd.Core.Drift;

namespace Ecd.Core.Tests.Drift;

/// <summary>Leapfrog and explicit Euler on the toy oscillator H = |p|²/(2m) + |x|²/2: known answers.</summary>
public class IntegratorTests
{
    private const double Mass = SeparableHamiltonian.DefaultMass;

    private static double[] Energies(IIntegrator integrator, double dt, long steps) =>
        HamiltonianDynamics.Toy(integrator).Run(dt, steps, NoiseOptions.Off, 0).Energy;

    private static double MaxAbsDrift(double[] e) => e.Max(h => Math.Abs(h - e[0]));

    [Fact]
    public void Leapfrog_energy_error_is_exactly_dt_squared_x_squared_over_8m()
    {
        // Kick–drift–kick on the oscillator conserves H̃ = H − Δt²|x|²/(8m) exactly, so H_n − H_0 = Δt²(|x_n|² − |x_0|²)/(8m).
        var d = HamiltonianDynamics.Toy(Leapfrog.Instance);
        foreach (var (dt, n) in new[] { (0.03, 777L), (0.005, 4000L), (0.1, 123L) })
        {
            double[] x = [1.0, 0.0], p = [0.0, 1.0];
            double h0 = d.Hamiltonian.Energy(x, p);
            double h = d.Advance(x, p, dt, n);
            double expected = dt * dt / (8 * Mass) * (x[0] * x[0] + x[1] * x[1] - 1.0);
            Assert.Equal(expected, h - h0, 1e-13);
        }
    }

    [Fact]
    public void Leapfrog_energy_error_stays_bounded_over_long_runs()
    {
        const double dt = 0.02;
        var e = Energies(Leapfrog.Instance, dt, 200_000);
        double early = MaxAbsDrift(e[..20_001]);
        double all = MaxAbsDrift(e);
        // No secular growth: ten times longer does not raise the worst error, which stays at its O(Δt²) bound
        // Δt²·max|x|²/(8m) with max|x|² = 1/m (the orbit's semi-axes are 1 and 1/√m).
        Assert.InRange(all / early, 1.0, 1.001);
        Assert.True(all <= dt * dt / (8 * Mass) * (1 / Mass - 1) * 1.001, $"max |ΔH| = {all}");
    }

    [Fact]
    public void Leapfrog_energy_error_shrinks_like_dt_squared()
    {
        double[] dts = [0.04, 0.02, 0.01, 0.005];
        var drift = dts.Select(dt => MaxAbsDrift(Energies(Leapfrog.Instance, dt, (long)Math.Round(5.0 / dt)))).ToArray();
        for (int i = 1; i < drift.Length; i++)
            Assert.InRange(drift[i - 1] / drift[i], 3.9, 4.1);
    }

    [Fact]
    public void Euler_multiplies_the_energy_by_one_plus_dt_squared_over_m_every_step()
    {
        // x' = x + Δt·p/m, p' = p − Δt·x gives H' = H·(1 + Δt²/m) exactly on the oscillator.
        const double dt = 0.01;
        var e = Energies(ExplicitEuler.Instance, dt, 500);
        for (int k = 1; k < e.Length; k++)
            Assert.Equal(1 + dt * dt / Mass, e[k] / e[k - 1], 1e-13);
    }

    [Fact]
    public void Leapfrog_forward_then_backward_returns_to_the_start_and_Euler_does_not()
    {
        double Error(IIntegrator integrator)
        {
            var d = HamiltonianDynamics.Toy(integrator);
            double[] x = [1.0, 0.0], p = [0.0, 1.0];
            d.Advance(x, p, 0.01, 1000);
            for (int i = 0; i < p.Length; i++)
                p[i] = -p[i];
            d.Advance(x, p, 0.01, 1000);
            return Math.Max(Math.Max(Math.Abs(x[0] - 1.0), Math.Abs(x[1])), Math.Max(Math.Abs(p[0]), Math.Abs(p[1] + 1.0)));
        }

        Assert.True(Error(Leapfrog.Instance) < 1e-8, $"leapfrog misses the start by {Error(Leapfrog.Instance)}");
        Assert.True(Error(ExplicitEuler.Instance) > 1e-2, $"Euler misses the start by only {Error(ExplicitEuler.Instance)}");
    }

    [Fact]
    public void Any_objective_can_be_the_potential()
    {
        var f = new Ecd.Core.Objectives.Rosenbrock<double>(2);
        var d = new HamiltonianDynamics(new SeparableHamiltonian(f, 1.0), Leapfrog.Instance, [0.5, 0.5], [0.0, 0.0]);
        var e = d.Run(1e-3, 2000, NoiseOptions.Off, 0).Energy;
        Assert.Equal(2001, e.Length);
        Assert.Equal(f.Evaluate([0.5, 0.5], new double[2]), e[0], 15);
        Assert.True(MaxAbsDrift(e) < 1e-3 * e[0], $"max |ΔH| {MaxAbsDrift(e)} of H0 = {e[0]}");
    }

    [Fact]
    public void Bad_arguments_name_the_parameter_and_the_value()
    {
        var d = HamiltonianDynamics.Toy(Leapfrog.Instance);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => d.Run(0.0, 10, NoiseOptions.Off, 0));
        Assert.Contains("dt = 0", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => d.Run(double.NaN, 10, NoiseOptions.Off, 0));
        Assert.Contains("dt = NaN", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => d.Run(0.01, 0, NoiseOptions.Off, 0));
        Assert.Contains("steps = 0", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => SeparableHamiltonian.Oscillator(-0.35));
        Assert.Contains("mass = -0.35", e.Message);
        var a = Assert.Throws<ArgumentException>(() =>
            new HamiltonianDynamics(SeparableHamiltonian.Oscillator(), Leapfrog.Instance, [1.0, 0.0, 0.0], [0.0, 1.0]));
        Assert.Contains("x0", a.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => NoiseOptions.On(NoiseChannel.Gradient, -0.1));
        Assert.Contains("sigma = -0.1", e.Message);
    }
}
