using Ecd.Core.Optimizers;
using Ecd.Core.TorchSharp.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp.Tests;

/// <summary>
/// The TorchSharp optimizers and the flat-vector core give the same trajectory (float64, 1000 steps): same θ after
/// every step (≤ 1e-10 relative; on the CPU they agree bit for bit), same reports, same bounces from the same seed.
/// </summary>
public class EquivalenceTests(ITestOutputHelper output)
{
    private const int Steps = 1000;
    private const ulong Seed = 42;

    // Bounces within 1000 steps: fixed ones every 100 moves (3 of them), progress ones after 150 moves without a new minimum.
    private static readonly BbiOptions BbiOpts = new() { Lr = 0.01, Threshold0 = 100, NFixedBounces = 3, Threshold = 150, DeltaEn = 0.1 };
    private static readonly BbiOptions BbiMlpOpts = new() { Lr = 0.05, Threshold0 = 100, NFixedBounces = 3, Threshold = 150, WeightDecay = 1e-4 };
    private static readonly EcdSepOptions EcdSepOpts = new() { Lr = 0.01, Eta = 2, Nu = 1e-3, Gamma = 0.5, DeltaEn = 0.5 };
    private static readonly EcdSepOptions EcdSepMlpOpts = new() { Lr = 0.02, Eta = 1.5, Nu = 1e-3, Gamma = 1, WeightDecay = 1e-4, F0Tuning = true };
    private static readonly GdmOptions GdmOpts = new() { Lr = 1e-5, Momentum = 0.9 };
    private static readonly GdmOptions GdmNesterovOpts = new() { Lr = 0.05, Momentum = 0.8, Nesterov = true, WeightDecay = 1e-3 };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var opt in new[] { "bbi", "ecdsep", "gdm" })
            foreach (var problem in new[] { "zakharov", "ackley", "mlp" })
                data.Add(opt, problem);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_trajectory_as_the_core(string optimizer, string problem)
    {
        using var coreProblem = Problem.Create(problem);
        using var torchProblem = Problem.Create(problem);
        bool mlp = problem == "mlp";
        (IOptimizer<double> core, EcdOptimizer torch) = optimizer switch
        {
            "bbi" => ((IOptimizer<double>)new Bbi<double>(mlp ? BbiMlpOpts : BbiOpts),
                (EcdOptimizer)new Bbi(torchProblem.Parameters, mlp ? BbiMlpOpts : BbiOpts, Seed)),
            "ecdsep" => (new EcdSep<double>(mlp ? EcdSepMlpOpts : EcdSepOpts),
                new EcdSep(torchProblem.Parameters, mlp ? EcdSepMlpOpts : EcdSepOpts, Seed)),
            "gdm" => (new Gdm<double>(mlp ? GdmNesterovOpts : GdmOpts), new Gdm(torchProblem.Parameters, mlp ? GdmNesterovOpts : GdmOpts)),
            _ => throw new ArgumentException(optimizer),
        };
        using var _ = torch;
        var expected = Runs.Core(core, coreProblem, Seed, Steps);
        var actual = Runs.Torch(torch, torchProblem, Steps);

        double rel = Runs.MaxRelativeDifference(actual, expected);
        double reportRel = 0;
        for (int i = 0; i < Steps; i++)
        {
            var (a, e) = (actual.Reports[i], expected.Reports[i]);
            Assert.Equal(e.Step, a.Step);
            Assert.Equal(e.Status, a.Status);
            Assert.Equal(e.Events, a.Events);
            foreach (var (x, y) in new[] { (a.Loss, e.Loss), (a.Potential, e.Potential), (a.Kinetic, e.Kinetic), (a.Energy, e.Energy),
                (a.MomentumNorm, e.MomentumNorm), (a.GradientNorm, e.GradientNorm) })
                reportRel = Math.Max(reportRel, Runs.Relative(x, y));
        }
        int bounces = expected.Reports.Count(r => r.Status == StepStatus.Bounced);
        string draws = optimizer switch
        {
            "bbi" => $"{bounces} bounces",
            "ecdsep" => "a generalized bounce (random rotation) every step",
            _ => "no random draws",
        };
        output.WriteLine($"{optimizer} on {problem}: max relative θ difference {rel:E2}, reports {reportRel:E2}, " +
            $"{draws}, final loss {expected.Reports[^1].Loss:E4} (from {expected.Reports[0].Loss:E4})");
        Assert.True(rel <= 1e-10, $"θ differs by {rel:E3} (relative)");
        Assert.True(reportRel <= 1e-10, $"reports differ by {reportRel:E3} (relative)");
        if (optimizer == "bbi")
            Assert.True(bounces >= 3, $"only {bounces} bounces: the test does not exercise them");
        Assert.True(expected.Reports[^1].Loss < expected.Reports[0].Loss || optimizer != "gdm");
    }

    [Fact]
    public void Float32_bbi_matches_the_float32_core()
    {
        using var coreProblem = Problem.Create("mlp", ScalarType.Float32);
        using var torchProblem = Problem.Create("mlp", ScalarType.Float32);
        using var torch = new Bbi(torchProblem.Parameters, BbiMlpOpts, Seed);
        var expected = Runs.Core(new Bbi<float>(BbiMlpOpts), coreProblem, Seed, 300);
        var actual = Runs.Torch(torch, torchProblem, 300);
        double rel = Runs.MaxRelativeDifference(actual, expected);
        output.WriteLine($"float32 bbi on mlp: max relative θ difference {rel:E2}");
        Assert.True(rel <= 1e-5, $"θ differs by {rel:E3} (relative)");
        Assert.Equal(expected.Reports.Select(r => r.Events), actual.Reports.Select(r => r.Events));
    }

    [Fact]
    public void Same_seed_same_bounces_different_seed_different_bounces()
    {
        double[] Run(ulong seed)
        {
            using var problem = Problem.Create("zakharov");
            using var opt = new Bbi(problem.Parameters, BbiOpts, seed);
            Runs.Torch(opt, problem, 150);
            return problem.Theta();
        }
        Assert.Equal(Run(7), Run(7));
        Assert.NotEqual(Run(7), Run(8));
    }
}
