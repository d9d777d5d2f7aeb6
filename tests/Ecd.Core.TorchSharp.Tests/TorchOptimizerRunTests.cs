using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using TorchSharp;

namespace Ecd.Core.TorchSharp.Tests;

/// <summary>
/// <see cref="TorchOptimizerRun{T}"/>: a TorchSharp optimizer as a core <see cref="IOptimizer{T}"/> takes the core
/// optimizer's steps bit for bit, and a state copied through its checkpoint format continues identically.
/// </summary>
public class TorchOptimizerRunTests
{
    private static readonly KeyValuePair<string, string>[] BbiSettings =
        [new("lr", "0.005"), new("threshold0", "40"), new("nFixedBounces", "3"), new("threshold", "60")];

    [Fact]
    public void Steps_equal_the_core_optimizer_and_a_copy_continues_identically()
    {
        torch.set_num_threads(1);
        var f = new Zakharov<double>(6);
        var x0 = Enumerable.Range(0, 6).Select(i => 0.3 + 0.1 * i).ToArray();
        var core = OptimizerCatalog.Create<double>("bbi", BbiSettings);
        var run = TorchOptimizerRun<double>.Create("bbi", BbiSettings);
        var a = core.Init(x0, 7);
        var b = run.Init(x0, 7);
        for (int step = 0; step < 200; step++)
        {
            var ra = core.Step(a, f);
            var rb = run.Step(b, f);
            Assert.Equal(ra, rb);
            Assert.Equal(a.Theta, b.Theta);
        }
        Assert.Equal(a.Steps, b.Steps);

        var copy = run.Copy(b);
        for (int step = 0; step < 100; step++)
        {
            var rb = run.Step(b, f);
            var rc = run.Step(copy, f);
            Assert.Equal(rb, rc);
            Assert.Equal(b.Theta, copy.Theta);
        }
    }

    [Fact]
    public void A_core_checkpoint_or_an_unknown_optimizer_is_refused_with_a_message()
    {
        var core = OptimizerCatalog.Create<double>("bbi", BbiSettings);
        using var saved = new MemoryStream();
        core.Save(core.Init([1.0, 2.0], 1), saved);
        saved.Position = 0;
        var run = TorchOptimizerRun<double>.Create("bbi", BbiSettings);
        Assert.Contains("TorchSharp", Assert.Throws<InvalidDataException>(() => run.Load(saved)).Message);
        Assert.Contains("bbi, ecdsep, gdm", Assert.Throws<ArgumentException>(() => TorchOptimizerRun<double>.Create("adam", [])).Message);
    }
}
