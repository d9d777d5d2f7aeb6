using System.Text.Json;
using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;

namespace Ecd.Core.Tests.Optimizers;

/// <summary>
/// Trajectories against golden files produced by the reference implementations (tests/golden/generate.py):
/// PyTorch's SGD, Adam, AdamW, LBFGS and the authors' BBI (gbdl/BBI) with bounces off, float64.
/// </summary>
public class ReferenceImplementationTests
{
    /// <summary>
    /// Relative agreement |θ − θ_ref| / |θ_ref| at every step. Summation order differs from PyTorch's, nothing else
    /// should; on Zakharov the first steps (|∇F| ≈ 8·10⁵) amplify round-off to ≈ 2·10⁻⁹, where it stays.
    /// </summary>
    private const double TrajectoryTolerance = 1e-8;

    private static readonly JsonDocument Golden =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "golden", "optimizers.json")));

    public static IEnumerable<object[]> Cases() =>
        Golden.RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("optimizer").GetString() != "lbfgs")
            .Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static JsonElement Case(string name) =>
        Golden.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static IObjective<double> Function(string name, int n) => SyntheticFunctions.Create<double>(name, n);

    private static IEnumerable<KeyValuePair<string, string>> Settings(JsonElement c) =>
        c.GetProperty("settings").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString()!));

    [Theory, MemberData(nameof(Cases))]
    public void Trajectory_matches_the_reference(string name)
    {
        var c = Case(name);
        var x0 = c.GetProperty("x0").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var f = Function(c.GetProperty("function").GetString()!, x0.Length);
        var opt = OptimizerCatalog.Create<double>(c.GetProperty("optimizer").GetString()!, Settings(c));
        var s = opt.Init(x0, 0);
        var losses = c.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var thetas = c.GetProperty("thetas").EnumerateArray()
            .Select(t => t.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        for (int k = 0; k < losses.Length; k++)
        {
            var r = opt.Step(s, f);
            Assert.True(Math.Abs(losses[k] - r.Loss) <= TrajectoryTolerance * Math.Abs(losses[k]) + 1e-25,
                $"{name} step {k}: loss {r.Loss}, reference {losses[k]}");
            double err = Math.Sqrt(thetas[k].Zip(s.Theta, (a, b) => (a - b) * (a - b)).Sum());
            double norm = Math.Sqrt(thetas[k].Sum(a => a * a));
            Assert.True(err <= TrajectoryTolerance * norm,
                $"{name} step {k}: θ = [{string.Join(", ", s.Theta)}], reference [{string.Join(", ", thetas[k])}]");
        }
    }

    [Fact]
    public void Fixed_bounces_happen_at_the_same_steps_as_in_the_authors_code()
    {
        var b = Golden.RootElement.GetProperty("bbiFixedBounceSteps");
        var opt = OptimizerCatalog.Create<double>("bbi", Settings(b));
        var f = Function(b.GetProperty("function").GetString()!, 2);
        var s = opt.Init([-1.2, 1.0], 3);
        var still = new List<long>();
        for (int k = 0; k < b.GetProperty("steps").GetInt32(); k++)
        {
            var r = opt.Step(s, f);
            if (r.Status == StepStatus.Bounced)
            {
                Assert.Equal(StepEvents.FixedBounce, r.Events);
                still.Add(k);
            }
        }
        Assert.Equal(b.GetProperty("stillSteps").EnumerateArray().Select(e => e.GetInt64()), still);
    }

    [Fact]
    public void Lbfgs_reaches_the_same_minimizer_as_pytorch_strong_wolfe()
    {
        var c = Case("lbfgs-strong-wolfe");
        var reference = c.GetProperty("thetas")[0].EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var opt = OptimizerCatalog.Create<double>("lbfgs", Settings(c).Append(new("toleranceGrad", "1e-12")).Append(new("toleranceChange", "1e-15")));
        var s = (LbfgsState<double>)opt.Init([-1.2, 1.0], 0);
        var f = Function("rosenbrock", 2);
        for (int k = 0; k < 200 && s.Exit == LbfgsExit.Running; k++)
            opt.Step(s, f);
        Assert.NotEqual(LbfgsExit.Running, s.Exit);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(1.0, s.Theta[i], 1e-7);
            Assert.Equal(reference[i], s.Theta[i], 1e-7);
        }
        // PyTorch needs about 35 iterations here; a working strong-Wolfe L-BFGS should need well under 100 evaluations.
        Assert.InRange(s.Evaluations, 20, 100);
    }
}
