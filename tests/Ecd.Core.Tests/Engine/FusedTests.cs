using Ecd.Core.Engine;
using Ecd.Core.Randomness;

namespace Ecd.Core.Tests.Engine;

/// <summary>JetEngine.ForwardBackward (forward, sensitivities and reverse sweep per block) against Forward + Backward.</summary>
public class FusedTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["mlp-tanh-laplacian"], ["residual-sigmoid-hessian"], ["fourier-tanh"], ["softplus-3d"],
    ];

    private static (NetworkSpec Spec, JetRequest Request) Case(string name) => name switch
    {
        "mlp-tanh-laplacian" => (NetworkSpec.Mlp(2, [8, 8], 1, Activation.Tanh), JetRequest.WithLaplacian),
        "residual-sigmoid-hessian" => (NetworkSpec.ResidualNet(2, 8, 2, 2, Activation.Sigmoid),
            new JetRequest { Laplacian = true, SecondDerivatives = [(0, 0), (0, 1), (1, 1)] }),
        "fourier-tanh" => (new NetworkSpec(2, [new FourierFeatures(3, 1.0), new Dense(8, Activation.Tanh), new Residual(Activation.Tanh)], 1),
            JetRequest.WithLaplacian),
        "softplus-3d" => (NetworkSpec.Mlp(3, [6, 5], 1, Activation.Softplus),
            new JetRequest { Gradient = true, SecondDerivatives = [(0, 2), (1, 1)], Laplacian = true }),
        _ => throw new ArgumentException(name),
    };

    private static double[] Points(int n, int d, ulong seed)
    {
        var r = Xoshiro256.FromSeed(seed);
        return Enumerable.Range(0, n * d).Select(_ => r.NextUniform(-1, 1)).ToArray();
    }

    private static EngineOptions Options(int threads, SimdWidth width = SimdWidth.Auto) =>
        new() { Threads = threads, BlockSize = 32, Width = width };

    /// <summary>
    /// A pointwise-local loss L = Σ_p Σ_(o,c) (w_oc·jet_oc(p) + q_p·jet_oc(p)²/2), so ∂L/∂jet_oc(p) = w_oc + q_p·jet_oc(p):
    /// per-channel weights and a per-point weight q_p, a function of that point only.
    /// </summary>
    private readonly struct Quadratic(double[] channelWeight, double[] pointWeight, double[] partial) : IBlockSensitivity<double>
    {
        public void Sensitivities(int worker, int first, int count, Jets<double> jets, Jets<double> sensitivities)
        {
            int channels = jets.Channels.Count;
            double sum = 0;
            for (int o = 0; o < jets.Outputs; o++)
                for (int c = 0; c < channels; c++)
                {
                    var j = jets.Channel(o, c);
                    var s = sensitivities.Channel(o, c);
                    double w = channelWeight[o * channels + c];
                    for (int p = 0; p < count; p++)
                    {
                        double q = pointWeight[first + p];
                        s[p] = w + q * j[p];
                        sum += w * j[p] + q * j[p] * j[p] / 2;
                    }
                }
            partial[worker] += sum;
        }
    }

    private sealed class Problem(string name, int n)
    {
        public readonly Network<double> Net = new(Case(name).Spec, 4);
        public readonly JetRequest Request = Case(name).Request;
        public readonly double[] X = Points(n, Case(name).Spec.InputDimension, 11);
        public readonly int N = n;
        public double[] Theta => Net.NewParameters(10);

        public Quadratic Loss(JetEngine<double> e, double[] partial)
        {
            var r = Xoshiro256.FromSeed(12);
            var cw = Enumerable.Range(0, Net.Outputs * e.Channels.Count).Select(_ => r.NextNormal()).ToArray();
            var pw = Enumerable.Range(0, N).Select(_ => r.NextUniform(0.5, 1.5)).ToArray();
            return new Quadratic(cw, pw, partial);
        }

        public (double[] Grad, double Loss) Fused(int threads, SimdWidth width = SimdWidth.Auto)
        {
            using var e = new JetEngine<double>(Net, Request, Options(threads, width));
            var partial = new double[threads];
            var loss = Loss(e, partial);
            var g = new double[Net.ParameterCount];
            e.ForwardBackward(Theta, X, ref loss, g);
            return (g, partial.Sum());
        }

        public (double[] Grad, double Loss) TwoPass(int threads, SimdWidth width = SimdWidth.Auto)
        {
            using var e = new JetEngine<double>(Net, Request, Options(threads, width));
            var partial = new double[1];
            var loss = Loss(e, partial);
            var jets = e.NewJets(N);
            var sens = e.NewJets(N);
            e.Forward(Theta, X, jets);
            loss.Sensitivities(0, 0, N, jets, sens);
            var g = new double[Net.ParameterCount];
            e.Backward(sens, g);
            return (g, partial[0]);
        }
    }

    private static void Near(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"{what} [{i}]: {expected[i]} vs {actual[i]}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Fused_gradient_is_bit_identical_to_forward_and_backward(string name)
    {
        var problem = new Problem(name, 100); // 4 blocks of 32, the last one partial
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var fused = problem.Fused(threads);
            var two = problem.TwoPass(threads);
            Assert.Equal(two.Grad, fused.Grad);
            Assert.True(Math.Abs(two.Loss - fused.Loss) <= 1e-12 * Math.Abs(two.Loss), $"loss {two.Loss} vs {fused.Loss}");
        }
    }

    [Theory]
    [InlineData(SimdWidth.Bits512)]
    [InlineData(SimdWidth.Bits256)]
    [InlineData(SimdWidth.Scalar)]
    public void Every_register_width_gives_the_two_pass_gradient(SimdWidth width)
    {
        var problem = new Problem("residual-sigmoid-hessian", 100);
        var reference = problem.TwoPass(2);
        Near(reference.Grad, problem.Fused(2, width).Grad, 1e-12, $"{width}");
        Assert.Equal(problem.TwoPass(2, width).Grad, problem.Fused(2, width).Grad);
    }

    [Fact]
    public void Thread_counts_agree_and_a_fixed_count_repeats_exactly()
    {
        var problem = new Problem("mlp-tanh-laplacian", 500);
        Assert.Equal(problem.Fused(3).Grad, problem.Fused(3).Grad);
        Near(problem.Fused(1).Grad, problem.Fused(3).Grad, 1e-12, "1 vs 3 threads");
        Near(problem.Fused(1).Grad, problem.Fused(2).Grad, 1e-12, "1 vs 2 threads");
    }

    [Fact]
    public void Two_pass_and_fused_calls_mix_on_one_engine()
    {
        var problem = new Problem("fourier-tanh", 100);
        using var e = new JetEngine<double>(problem.Net, problem.Request, Options(2));
        var theta = problem.Theta;
        var partial = new double[2];
        var loss = problem.Loss(e, partial);
        var fused = new double[problem.Net.ParameterCount];
        e.ForwardBackward(theta, problem.X, ref loss, fused);
        Assert.Throws<InvalidOperationException>(() => e.Backward(e.NewJets(100), new double[problem.Net.ParameterCount]));
        var jets = e.NewJets(100);
        var sens = e.NewJets(100);
        e.Forward(theta, problem.X, jets);
        loss.Sensitivities(0, 0, 100, jets, sens);
        var two = new double[problem.Net.ParameterCount];
        e.Backward(sens, two);
        Assert.Equal(two, fused);
        var again = new double[problem.Net.ParameterCount];
        e.ForwardBackward(theta, problem.X, ref loss, again);
        Assert.Equal(fused, again);
    }

    private struct Constant : IBlockSensitivity<float>
    {
        public int Calls;

        public void Sensitivities(int worker, int first, int count, Jets<float> jets, Jets<float> sensitivities)
        {
            sensitivities.Value().Slice(0, count).Fill(1f);
            Calls++;
        }
    }

    [Fact]
    public void No_allocation_per_call_after_warm_up_and_the_callback_comes_back()
    {
        var net = new Network<float>(NetworkSpec.Mlp(2, [32, 32], 1, Activation.Tanh), 1);
        var theta = net.NewParameters(2);
        var x = Points(256, 2, 3).Select(v => (float)v).ToArray();
        using var e = new JetEngine<float>(net, JetRequest.WithLaplacian, new EngineOptions { Threads = 1, BlockSize = 32 });
        var g = new float[net.ParameterCount];
        var callback = new Constant();
        for (int k = 0; k < 50; k++)
            e.ForwardBackward(theta, x, ref callback, g);
        Assert.Equal(50 * 256 / 32, callback.Calls); // the struct's state is copied back to the caller
        long fewest = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 5; k++)
                e.ForwardBackward(theta, x, ref callback, g);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, fewest);
    }
}
