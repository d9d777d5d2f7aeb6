using Ecd.Core.Engine;
using Ecd.Core.Randomness;

namespace Ecd.Core.Tests.Engine;

public class JetEngineTests
{
    private const double ReferenceTolerance = 1e-11;   // same arithmetic, different order
    private const double JetFiniteDifferenceTolerance = 2e-6;
    private const double GradientFiniteDifferenceTolerance = 1e-6;
    private const double SecondDifferenceTolerance = 1e-6;  // Richardson-extrapolated second differences, h = 2e-3

    public static IEnumerable<object[]> Cases() =>
    [
        ["mlp-tanh-laplacian"], ["residual-sigmoid-hessian"], ["softplus-3d"], ["sin-1d"], ["fourier-tanh"],
    ];

    private static (NetworkSpec Spec, JetRequest Request) Case(string name) => name switch
    {
        "mlp-tanh-laplacian" => (NetworkSpec.Mlp(2, [8, 8], 1, Activation.Tanh), JetRequest.WithLaplacian),
        "residual-sigmoid-hessian" => (NetworkSpec.ResidualNet(2, 8, 2, 2, Activation.Sigmoid),
            new JetRequest { Laplacian = true, SecondDerivatives = [(0, 0), (0, 1), (1, 1)] }),
        "softplus-3d" => (NetworkSpec.Mlp(3, [6, 5], 1, Activation.Softplus),
            new JetRequest { Gradient = true, SecondDerivatives = [(0, 2), (1, 1)], Laplacian = true }),
        "sin-1d" => (NetworkSpec.Mlp(1, [7], 1, Activation.Sin), new JetRequest { Gradient = true }),
        "fourier-tanh" => (new NetworkSpec(2, [new FourierFeatures(3, 1.0), new Dense(8, Activation.Tanh), new Residual(Activation.Tanh)], 1),
            JetRequest.WithLaplacian),
        _ => throw new ArgumentException(name),
    };

    private static double[] Points(int n, int d, ulong seed)
    {
        var r = Xoshiro256.FromSeed(seed);
        return Enumerable.Range(0, n * d).Select(_ => r.NextUniform(-1, 1)).ToArray();
    }

    private static EngineOptions Options(int threads = 2, SimdWidth width = SimdWidth.Auto) =>
        new() { Threads = threads, BlockSize = 32, Width = width };

    [Theory, MemberData(nameof(Cases))]
    public void Jets_match_the_scalar_reference(string name)
    {
        var (spec, request) = Case(name);
        var net = new Network<double>(spec, 4);
        var theta = net.NewParameters(5);
        const int n = 70; // not a multiple of the block: exercises padding
        var x = Points(n, spec.InputDimension, 6);
        using var engine = new JetEngine<double>(net, request, Options());
        var jets = engine.NewJets(n);
        engine.Forward(theta, x, jets);
        var ch = engine.Channels;
        for (int p = 0; p < n; p++)
        {
            var r = ReferenceNetwork.Evaluate(net, theta, x.Skip(p * spec.InputDimension).Take(spec.InputDimension).ToArray());
            for (int o = 0; o < spec.Outputs; o++)
            {
                Near(r.Value[o], jets.Value(o)[p], ReferenceTolerance, $"value p{p}");
                for (int j = 0; j < ch.FirstDerivatives; j++)
                    Near(r.Gradient[o][j], jets.Derivative(j, o)[p], ReferenceTolerance, $"∂{j} p{p}");
                if (ch.Laplacian >= 0)
                    Near(Enumerable.Range(0, spec.InputDimension).Sum(j => r.Hessian[o][j][j]), jets.Laplacian(o)[p], ReferenceTolerance, $"Δ p{p}");
                foreach (var (i, j) in ch.Second)
                    Near(r.Hessian[o][i][j], jets.Second(i, j, o)[p], ReferenceTolerance, $"∂{i}∂{j} p{p}");
            }
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Jets_match_finite_differences_in_the_inputs(string name)
    {
        var (spec, request) = Case(name);
        var net = new Network<double>(spec, 4);
        var theta = net.NewParameters(8);
        int d = spec.InputDimension;
        var x = Points(5, d, 9);
        using var engine = new JetEngine<double>(net, request, Options(1));
        using var values = new JetEngine<double>(net, JetRequest.ValueOnly, Options(1));
        var jets = engine.NewJets(5);
        engine.Forward(theta, x, jets);
        double U(double[] y, int o)
        {
            var j = values.NewJets(1);
            values.Forward(theta, y, j);
            return j.Value(o)[0];
        }
        const double h1 = 1e-5, h2 = 2e-3;
        for (int p = 0; p < 5; p++)
        {
            var xp = x.Skip(p * d).Take(d).ToArray();
            double[] Shift(int i, double di, int k = 0, double dk = 0)
            {
                var y = (double[])xp.Clone();
                y[i] += di;
                y[k] += dk;
                return y;
            }
            for (int o = 0; o < spec.Outputs; o++)
            {
                for (int j = 0; j < engine.Channels.FirstDerivatives; j++)
                    Near((U(Shift(j, h1), o) - U(Shift(j, -h1), o)) / (2 * h1), jets.Derivative(j, o)[p], JetFiniteDifferenceTolerance, $"∂{j}");
                double Raw(int i, int k, double hh) => i == k
                    ? (U(Shift(i, hh), o) - 2 * U(xp, o) + U(Shift(i, -hh), o)) / (hh * hh)
                    : (U(Shift(i, hh, k, hh), o) - U(Shift(i, hh, k, -hh), o) - U(Shift(i, -hh, k, hh), o) + U(Shift(i, -hh, k, -hh), o)) / (4 * hh * hh);
                // Richardson extrapolation of the central second difference: error O(h⁴).
                double Second(int i, int k) => (4 * Raw(i, k, h2 / 2) - Raw(i, k, h2)) / 3;
                if (engine.Channels.Laplacian >= 0)
                    Near(Enumerable.Range(0, d).Sum(i => Second(i, i)), jets.Laplacian(o)[p], SecondDifferenceTolerance, "Δ");
                foreach (var (i, k) in engine.Channels.Second)
                    Near(Second(i, k), jets.Second(i, k, o)[p], SecondDifferenceTolerance, $"∂{i}∂{k}");
            }
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Weight_gradient_matches_central_differences(string name)
    {
        var (spec, request) = Case(name);
        var net = new Network<double>(spec, 4);
        var theta = net.NewParameters(10);
        const int n = 40;
        var x = Points(n, spec.InputDimension, 11);
        using var engine = new JetEngine<double>(net, request, Options());
        var sens = engine.NewJets(n);
        var r = Xoshiro256.FromSeed(12);
        for (int i = 0; i < sens.Data.Length; i++)
            sens.Data[i] = r.NextNormal();
        var jets = engine.NewJets(n);
        double Loss(double[] th)
        {
            engine.Forward(th, x, jets);
            double s = 0;
            for (int i = 0; i < jets.Data.Length; i++)
                s += jets.Data[i] * sens.Data[i];
            return s;
        }
        Loss(theta);
        var grad = new double[net.ParameterCount];
        engine.Backward(sens, grad);
        const double h = 1e-6;
        for (int q = 0; q < net.ParameterCount; q++)
        {
            var tp = (double[])theta.Clone();
            var tm = (double[])theta.Clone();
            tp[q] += h;
            tm[q] -= h;
            double fd = (Loss(tp) - Loss(tm)) / (2 * h);
            Near(fd, grad[q], GradientFiniteDifferenceTolerance, $"θ[{q}]");
        }
    }

    [Theory]
    [InlineData(SimdWidth.Bits256)]
    [InlineData(SimdWidth.Scalar)]
    public void Every_register_width_gives_the_same_jets_and_gradient(SimdWidth width)
    {
        var (spec, request) = Case("residual-sigmoid-hessian");
        var net = new Network<double>(spec, 1);
        var theta = net.NewParameters(2);
        var x = Points(100, 2, 3);
        (double[] Jets, double[] Grad) Run(SimdWidth w)
        {
            using var e = new JetEngine<double>(net, request, Options(2, w));
            var j = e.NewJets(100);
            e.Forward(theta, x, j);
            var s = e.NewJets(100);
            Array.Fill(s.Data, 0.37);
            var g = new double[net.ParameterCount];
            e.Backward(s, g);
            return (j.Data, g);
        }
        var fast = Run(SimdWidth.Auto);
        var other = Run(width);
        for (int i = 0; i < fast.Jets.Length; i++)
            Near(fast.Jets[i], other.Jets[i], ReferenceTolerance, "jet");
        for (int i = 0; i < fast.Grad.Length; i++)
            Near(fast.Grad[i], other.Grad[i], 1e-10, "gradient");
    }

    [Fact]
    public void Results_are_bit_identical_for_a_fixed_thread_count_and_close_across_counts()
    {
        var net = new Network<double>(NetworkSpec.Mlp(2, [16, 16], 1, Activation.Tanh), 1);
        var theta = net.NewParameters(2);
        var x = Points(500, 2, 3);
        double[] Grad(int threads)
        {
            using var e = new JetEngine<double>(net, JetRequest.WithLaplacian, Options(threads));
            var j = e.NewJets(500);
            e.Forward(theta, x, j);
            var s = e.NewJets(500);
            j.Data.CopyTo(s.Data, 0);
            var g = new double[net.ParameterCount];
            e.Backward(s, g);
            return g;
        }
        Assert.Equal(Grad(3), Grad(3));
        var one = Grad(1);
        var three = Grad(3);
        for (int i = 0; i < one.Length; i++)
            Near(one[i], three[i], 1e-12, "threads");
    }

    [Fact]
    public void Float32_agrees_with_float64()
    {
        var spec = NetworkSpec.ResidualNet(2, 16, 2, 1, Activation.Sigmoid);
        var n64 = new Network<double>(spec, 1);
        var n32 = new Network<float>(spec, 1);
        var t64 = n64.NewParameters(2);
        var t32 = t64.Select(v => (float)v).ToArray();
        var x = Points(64, 2, 3);
        using var e64 = new JetEngine<double>(n64, JetRequest.WithLaplacian, Options());
        using var e32 = new JetEngine<float>(n32, JetRequest.WithLaplacian, Options());
        var j64 = e64.NewJets(64);
        var j32 = e32.NewJets(64);
        e64.Forward(t64, x, j64);
        e32.Forward(t32, x.Select(v => (float)v).ToArray(), j32);
        for (int i = 0; i < j64.Data.Length; i++)
            Assert.True(Math.Abs(j64.Data[i] - j32.Data[i]) <= 1e-4 * Math.Max(1, Math.Abs(j64.Data[i])), $"{j64.Data[i]} vs {j32.Data[i]}");
        var s64 = e64.NewJets(64);
        var s32 = e32.NewJets(64);
        Array.Fill(s64.Data, 1.0);
        Array.Fill(s32.Data, 1.0f);
        var g64 = new double[n64.ParameterCount];
        var g32 = new float[n32.ParameterCount];
        e64.Backward(s64, g64);
        e32.Backward(s32, g32);
        double scale = g64.Max(Math.Abs);
        for (int i = 0; i < g64.Length; i++)
            Assert.True(Math.Abs(g64[i] - g32[i]) <= 1e-4 * scale, $"θ[{i}]: {g64[i]} vs {g32[i]}");
    }

    [Fact]
    public void No_allocation_per_pass_after_warm_up()
    {
        var net = new Network<float>(NetworkSpec.Mlp(2, [32, 32], 1, Activation.Tanh), 1);
        var theta = net.NewParameters(2);
        var x = Points(256, 2, 3).Select(v => (float)v).ToArray();
        using var e = new JetEngine<float>(net, JetRequest.WithLaplacian, Options(1));
        var j = e.NewJets(256);
        var s = e.NewJets(256);
        var g = new float[net.ParameterCount];
        // Warm up past the runtime's tiering thresholds, whose one-time transitions may allocate on this thread; then
        // a window of passes that allocates nothing. An engine allocating per pass would allocate in every window.
        for (int k = 0; k < 50; k++)
        {
            e.Forward(theta, x, j);
            e.Backward(s, g);
        }
        long fewest = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 5; k++)
            {
                e.Forward(theta, x, j);
                e.Backward(s, g);
            }
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, fewest);
    }

    [Fact]
    public void Bad_shapes_are_rejected_with_clear_errors()
    {
        var net = new Network<double>(NetworkSpec.Mlp(2, [4], 1, Activation.Tanh));
        using var e = new JetEngine<double>(net, JetRequest.WithLaplacian, Options(1));
        var theta = net.NewParameters(0);
        Assert.Throws<ArgumentException>(() => e.Forward(theta, new double[5], e.NewJets(2)));
        Assert.Throws<ArgumentException>(() => e.Forward(new double[3], new double[4], e.NewJets(2)));
        Assert.Throws<ArgumentException>(() => e.Forward(theta, new double[4], e.NewJets(3)));
        Assert.Throws<InvalidOperationException>(() => e.Backward(e.NewJets(2), new double[net.ParameterCount]));
        Assert.Throws<ArgumentException>(() => new ChannelLayout(2, new JetRequest { SecondDerivatives = [(0, 2)] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Network<double>(NetworkSpec.Mlp(4, [4], 1, Activation.Tanh)));
        Assert.Throws<ArgumentException>(() => new Network<double>(new NetworkSpec(2, [new Residual(Activation.Tanh)], 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JetEngine<double>(net, JetRequest.ValueOnly, new EngineOptions { BlockSize = 48 }));
    }

    [Fact]
    public void Xavier_initialization_has_the_right_spread_and_is_seeded()
    {
        var net = new Network<double>(NetworkSpec.Mlp(2, [200, 200], 1, Activation.Tanh));
        var a = net.NewParameters(1);
        Assert.Equal(a, net.NewParameters(1));
        Assert.NotEqual(a, net.NewParameters(2));
        var l = net.Layers[1];
        var w = a.AsSpan(l.WeightOffset, l.In * l.Out).ToArray();
        double sd = Math.Sqrt(w.Select(v => v * v).Average());
        Assert.Equal(Math.Sqrt(2.0 / 400), sd, 3e-3);
        Assert.All(a.AsSpan(l.BiasOffset, l.Out).ToArray(), b => Assert.Equal(0.0, b));
        var u = new Network<double>(NetworkSpec.Mlp(2, [200, 200], 1, Activation.Tanh) with { Initialization = Initialization.XavierUniform });
        var wu = u.NewParameters(1).AsSpan(l.WeightOffset, l.In * l.Out).ToArray();
        Assert.True(wu.Max(Math.Abs) <= Math.Sqrt(6.0 / 400));
    }

    private static void Near(double expected, double actual, double tol, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
}
