using Ecd.Core.Optimizers;
using Ecd.Core.TorchSharp.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;

namespace Ecd.Core.TorchSharp.Tests;

/// <summary>A long optimizer loop leaves no tensor alive per step (dispose scopes), so resident memory stays flat.</summary>
public class MemoryTests(ITestOutputHelper output)
{
    private static long Rss()
    {
        // VmRSS from /proc (Linux); 0 elsewhere.
        const string status = "/proc/self/status";
        if (!File.Exists(status))
            return 0;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    [Theory]
    [InlineData("bbi")]
    [InlineData("ecdsep")]
    public void No_tensor_outlives_its_step(string name)
    {
        int steps = int.TryParse(Environment.GetEnvironmentVariable("ECD_TORCH_MEMORY_STEPS"), out var n) ? n : 1500;
        using var problem = Problem.Create("mlp");
        using EcdOptimizer opt = name == "bbi"
            ? new Bbi(problem.Parameters, new BbiOptions { Lr = 0.02, Threshold0 = 200, NFixedBounces = 100, Threshold = 300 }, 1)
            : new EcdSep(problem.Parameters, new EcdSepOptions { Lr = 0.01, Eta = 1.5, Nu = 1e-3, Gamma = 0.5 }, 1);
        var closure = problem.Closure(opt);
        var stats = DisposeScopeManager.Statistics;
        for (int i = 0; i < 100; i++)
            opt.step(closure).Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long live0 = stats.ThreadTotalLiveCount, rss0 = Rss();
        var samples = new List<string>();
        for (int i = 1; i <= steps; i++)
        {
            if (i % 2 == 0)
                opt.step(closure).Dispose();   // torch.optim style: step returns the loss
            else
                opt.Step(closure);            // report style
            if (i % Math.Max(1, steps / 5) == 0)
                samples.Add($"{i}: {(Rss() - rss0) / 1048576.0:F1} MiB, {stats.ThreadTotalLiveCount - live0} tensors");
        }
        long live1 = stats.ThreadTotalLiveCount, rss1 = Rss();
        output.WriteLine($"{name}, {steps} steps after 100 warm-up steps: resident memory {rss0 / 1048576.0:F1} → {rss1 / 1048576.0:F1} MiB " +
            $"({(rss1 - rss0) / (double)steps:F0} bytes/step); live tensors {live0} → {live1}; " + string.Join("; ", samples));
        Assert.Equal(live0, live1);
        Assert.Contains(opt.LastReport.Status, new[] { StepStatus.Moved, StepStatus.Bounced });
    }
}
