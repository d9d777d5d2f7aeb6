using Ecd.Core.Drift;
using Ecd.Core.Objectives;

namespace Ecd.Core.Tests.Drift;

/// <summary>The two noise channels: scale √Δt·σ, reproducibility, and the energy they inject on average.</summary>
public class NoiseTests
{
    private const double Mass = SeparableHamiltonian.DefaultMass;

    [Fact]
    public void Noisy_gradient_keeps_the_value_and_adds_sqrt_dt_sigma_normal_noise()
    {
        var inner = new Quadratic<double>(4);
        var noisy = new NoisyGradient<double>(inner, sigma: 0.3, dt: 0.04, seed: 11);
        double[] x = [0.1, -0.2, 0.3, 0.4];
        var clean = new double[4];
        double f = inner.Evaluate(x, clean);
        var g = new double[4];
        double sum = 0, sumSq = 0;
        const int draws = 20_000;
        for (int k = 0; k < draws; k++)
        {
            Assert.Equal(f, noisy.Evaluate(x, g));
            for (int i = 0; i < 4; i++)
            {
                double z = g[i] - clean[i];
                sum += z;
                sumSq += z * z;
            }
        }
        int n = 4 * draws;
        double mean = sum / n, sd = Math.Sqrt(sumSq / n - mean * mean);
        double scale = Math.Sqrt(0.04) * 0.3; // 0.06
        Assert.InRange(mean, -4 * scale / Math.Sqrt(n), 4 * scale / Math.Sqrt(n));
        Assert.InRange(sd / scale, 0.98, 1.02);
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_another()
    {
        foreach (var channel in new[] { NoiseChannel.Gradient, NoiseChannel.Momentum })
        {
            var d = HamiltonianDynamics.Toy(Leapfrog.Instance);
            var noise = NoiseOptions.On(channel, 0.2);
            var a = d.Run(0.01, 300, noise, 5).Energy;
            var b = d.Run(0.01, 300, noise, 5).Energy;
            var c = d.Run(0.01, 300, noise, 6).Energy;
            Assert.Equal(a, b);
            Assert.NotEqual(a, c);
        }
    }

    /// <summary>
    /// Both channels inject energy at a known mean rate: the leapfrog conserves the quadratic H̃ exactly, independent
    /// zero-mean kicks δp add E|δp|²/(2m) to it per kick and the cross terms average out. Momentum noise:
    /// δp = √Δt·σ·ξ, so E[ΔH] ≈ n·Δt·σ²·d/(2m). Gradient noise: each draw kicks p by −Δt·√Δt·σ·ξ (two half kicks
    /// of one draw), so E[ΔH] ≈ n·Δt³·σ²·d/(2m).
    /// </summary>
    [Theory]
    [InlineData(NoiseChannel.Momentum, 2.0)]
    [InlineData(NoiseChannel.Gradient, 200.0)]
    public void Noise_adds_energy_at_the_predicted_mean_rate(NoiseChannel channel, double sigma)
    {
        // 20 coordinates, so that the injected energy (a sum over coordinates) has a small relative spread and a
        // 10% error in the noise scale (21% in the energy) cannot hide in the statistical tolerance (≈ 7%).
        const double dt = 0.01;
        const int n = 1000, runs = 200, dim = 20;
        var x0 = new double[dim];
        var p0 = new double[dim];
        x0[0] = 1;
        p0[1] = 1;
        var d = new HamiltonianDynamics(SeparableHamiltonian.Oscillator(Mass, dim), Leapfrog.Instance, x0, p0);
        var drift = Enumerable.Range(0, runs)
            .Select(i => d.Run(dt, n, NoiseOptions.On(channel, sigma), (ulong)i).Energy)
            .Select(e => e[^1] - e[0])
            .ToArray();
        double mean = drift.Average();
        double se = Math.Sqrt(drift.Sum(v => (v - mean) * (v - mean)) / (runs - 1) / runs);
        double perKick = channel == NoiseChannel.Momentum ? dt * sigma * sigma : dt * dt * dt * sigma * sigma;
        double predicted = n * perKick * dim / (2 * Mass);
        Assert.True(se < 0.02 * predicted, $"standard error {se} too large for the test to be sharp");
        Assert.InRange(mean, predicted - 4 * se - 0.01 * predicted, predicted + 4 * se + 0.01 * predicted);
    }

    [Fact]
    public void Zero_sigma_is_the_noiseless_run()
    {
        var d = HamiltonianDynamics.Toy(Leapfrog.Instance);
        var clean = d.Run(0.01, 200, NoiseOptions.Off, 3).Energy;
        Assert.Equal(clean, d.Run(0.01, 200, NoiseOptions.On(NoiseChannel.Gradient, 0.0), 3).Energy);
        Assert.Equal(clean, d.Run(0.01, 200, NoiseOptions.On(NoiseChannel.Momentum, 0.0), 3).Energy);
    }
}
