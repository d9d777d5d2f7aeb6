using Ecd.Core.Optimizers;
using Ecd.Core.TorchSharp.Tests.Support;

namespace Ecd.Core.TorchSharp.Tests;

/// <summary>state_dict / load_state_dict: a run stopped, saved, restored into fresh objects and continued is bit-identical to the uninterrupted run.</summary>
public class StateDictTests
{
    private static EcdOptimizer Make(string name, Problem problem) => name switch
    {
        "bbi" => new Bbi(problem.Parameters, new BbiOptions { Lr = 0.01, Threshold0 = 40, NFixedBounces = 5, Threshold = 60, DeltaEn = 0.1 }, 3),
        "ecdsep" => new EcdSep(problem.Parameters, new EcdSepOptions { Lr = 0.01, Eta = 2, Nu = 1e-2, Gamma = 0.5, DeltaEn = 0.5 }, 3),
        "gdm" => new Gdm(problem.Parameters, new GdmOptions { Lr = 1e-5, Momentum = 0.9 }),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("bbi", "zakharov")]
    [InlineData("ecdsep", "ackley")]
    [InlineData("gdm", "zakharov")]
    [InlineData("bbi", "mlp")]
    [InlineData("ecdsep", "mlp")]
    public void Resume_through_a_stream_is_bit_identical(string optimizer, string problemName)
    {
        const int before = 100, after = 100;
        using var problem = Problem.Create(problemName);
        using var opt = Make(optimizer, problem);
        Runs.Torch(opt, problem, before);

        // Checkpoint: the module's parameters and the optimizer's state.
        var theta = problem.Theta();
        using var checkpoint = new MemoryStream();
        opt.save_state_dict(checkpoint);

        var uninterrupted = Runs.Torch(opt, problem, after);

        using var restoredProblem = Problem.Create(problemName);
        using var restored = Make(optimizer, restoredProblem);
        new TorchObjective<double>(restoredProblem.Parameters, restoredProblem.Loss).Write(theta);
        checkpoint.Position = 0;
        restored.load_state_dict(checkpoint);
        Assert.Equal(before, restored.Steps);
        var resumed = Runs.Torch(restored, restoredProblem, after);

        for (int i = 0; i < after; i++)
        {
            Assert.Equal(uninterrupted.Theta[i], resumed.Theta[i]);
            Assert.Equal(uninterrupted.Reports[i], resumed.Reports[i]);
        }
        if (optimizer == "bbi")
            Assert.Contains(resumed.Reports, r => r.Status == StepStatus.Bounced);
    }

    [Fact]
    public void In_memory_state_dict_is_a_deep_copy()
    {
        using var problem = Problem.Create("zakharov");
        using var opt = Make("bbi", problem);
        Runs.Torch(opt, problem, 10);
        var theta = problem.Theta();
        using var sd = opt.state_dict();
        var continued = Runs.Torch(opt, problem, 50);   // changes the optimizer's momenta in place

        using var again = Problem.Create("zakharov");
        using var fresh = Make("bbi", again);
        new TorchObjective<double>(again.Parameters, again.Loss).Write(theta);
        fresh.load_state_dict(sd);
        var resumed = Runs.Torch(fresh, again, 50);
        Assert.Equal(continued.Theta[^1], resumed.Theta[^1]);
    }

    [Fact]
    public void Load_checks_kind_and_shapes()
    {
        using var zak = Problem.Create("zakharov");
        using var mlp = Problem.Create("mlp");
        using var bbi = Make("bbi", zak);
        using var ecd = Make("ecdsep", zak);
        Runs.Torch(bbi, zak, 3);
        using var sd = bbi.state_dict();
        var e = Assert.Throws<InvalidDataException>(() => ecd.load_state_dict(sd));
        Assert.Contains("bbi", e.Message);
        using var bbiMlp = Make("bbi", mlp);
        Assert.Throws<InvalidDataException>(() => bbiMlp.load_state_dict(sd));
        Assert.Throws<InvalidDataException>(() => bbi.load_state_dict(new MemoryStream([1, 2, 3])));
    }

    [Fact]
    public void File_round_trip_keeps_group_learning_rates()
    {
        using var problem = Problem.Create("mlp");
        var ps = problem.Parameters;
        var groups = new[] { new EcdParamGroup(ps.Take(2), lr: 0.02), new EcdParamGroup(ps.Skip(2), weightDecay: 1e-3) };
        using var opt = new Bbi(groups, new BbiOptions { Lr = 0.01 }, 1);
        Runs.Torch(opt, problem, 5);
        groups[0].LearningRate = 0.005;   // as a scheduler would
        string path = Path.Combine(Path.GetTempPath(), $"ecd-torch-{Guid.NewGuid():N}.state");
        try
        {
            opt.save_state_dict(path);
            var groups2 = new[] { new EcdParamGroup(ps.Take(2)), new EcdParamGroup(ps.Skip(2)) };
            using var opt2 = new Bbi(groups2, new BbiOptions { Lr = 0.01 }, 1);
            opt2.load_state_dict(path);
            Assert.Equal(0.005, groups2[0].LearningRate);
            Assert.Equal(0.01, groups2[1].LearningRate);
            Assert.Equal(1e-3, groups2[1].Options.WeightDecay);
            Assert.Equal(opt.Energy, opt2.Energy);
            Assert.Equal(opt.Rng.S0, opt2.Rng.S0);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
