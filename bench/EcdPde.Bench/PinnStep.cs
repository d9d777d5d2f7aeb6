using System.Numerics;
using Ecd.Core.Engine;
using Ecd.Core.Objectives;
using Ecd.Core.Randomness;

namespace EcdPde.Bench;

/// <summary>A reference PINN configuration of the issue (and of anchors/torch_pinn_bench.py).</summary>
public sealed record PinnConfig(string Name, NetworkSpec Spec, int Interior, int Boundary)
{
    public static PinnConfig Get(string name) => name switch
    {
        "small" => new("small", NetworkSpec.Mlp(2, [64, 64, 64], 1, Activation.Tanh), 4096, 512),
        "paper" => new("paper", NetworkSpec.ResidualNet(2, 200, 3, 1, Activation.Sigmoid), 10_000, 1_000),
        _ => throw new ArgumentException($"unknown config '{name}' (small or paper)"),
    };
}

/// <summary>
/// The benchmark loss: interior residual r = −Δu + u² − 1, loss mean(r²) + 100·mean((u − 0.5)²) on the boundary
/// points, points uniform in [−1, 1]². Value, gradient and Laplacian channels on the interior, values on the boundary.
/// </summary>
public sealed class PinnObjective<T> : IObjective<T>, IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly JetEngine<T> _interior, _boundary;
    private readonly WorkerPool _pool;
    private readonly T[] _xi, _xb;
    private readonly Jets<T> _ji, _si, _jb, _sb;
    // The fused path's per-worker partial losses (interior, boundary).
    private readonly T[] _partialI, _partialB;

    public PinnObjective(PinnConfig config, int threads, ulong seed, int blockSize = 64, bool twoPass = false)
    {
        TwoPass = twoPass;
        _partialI = new T[threads];
        _partialB = new T[threads];
        Network = new Network<T>(config.Spec, seed);
        _pool = new WorkerPool(threads);
        var options = new EngineOptions { Threads = threads, BlockSize = blockSize };
        _interior = new JetEngine<T>(Network, JetRequest.WithLaplacian, options, _pool);
        _boundary = new JetEngine<T>(Network, JetRequest.ValueOnly, options, _pool);
        var r = Xoshiro256.FromSeed(seed + 1);
        _xi = Enumerable.Range(0, 2 * config.Interior).Select(_ => T.CreateTruncating(r.NextUniform(-1, 1))).ToArray();
        _xb = Enumerable.Range(0, 2 * config.Boundary).Select(_ => T.CreateTruncating(r.NextUniform(-1, 1))).ToArray();
        _ji = _interior.NewJets(config.Interior);
        _si = _interior.NewJets(config.Interior);
        _jb = _boundary.NewJets(config.Boundary);
        _sb = _boundary.NewJets(config.Boundary);
        Config = config;
    }

    public PinnConfig Config { get; }
    /// <summary>Evaluate by Forward, the loss over all points, then Backward (else the fused ForwardBackward).</summary>
    public bool TwoPass { get; }
    public Network<T> Network { get; }
    public int Dimension => Network.ParameterCount;

    /// <summary>Floating-point operations of the matrix products of one evaluation (forward and reverse).</summary>
    public double MatrixFlops
    {
        get
        {
            double f = 0;
            foreach (var (n, c) in new[] { (Config.Interior, _interior.Channels.Count), (Config.Boundary, 1) })
                for (int l = 0; l < Network.Layers.Count; l++)
                {
                    var L = Network.Layers[l];
                    double layer = 2.0 * L.In * L.Out * c * n;
                    f += layer * (l == 0 ? 2 : 3); // forward, weight gradient, input adjoint (not for the first layer)
                }
            return f;
        }
    }

    public double Evaluate(ReadOnlySpan<T> theta, Span<T> gradient)
    {
        if (TwoPass)
            return EvaluateTwoPass(theta, gradient);
        gradient.Clear();
        Array.Clear(_partialI);
        Array.Clear(_partialB);
        var interior = new InteriorLoss(_partialI, T.CreateTruncating(_ji.Points));
        var boundary = new BoundaryLoss(_partialB, T.CreateTruncating(_jb.Points));
        _interior.ForwardBackward(theta, _xi, ref interior, gradient);
        _boundary.ForwardBackward(theta, _xb, ref boundary, gradient);
        T li = T.Zero, lb = T.Zero;
        for (int w = 0; w < _partialI.Length; w++)
        {
            li += _partialI[w];
            lb += _partialB[w];
        }
        return double.CreateTruncating(li + lb);
    }

    /// <summary>The interior term per block: r = −Δu + u² − 1, mean(r²); a worker's share added to its partial loss.</summary>
    private readonly struct InteriorLoss(T[] partial, T n) : IBlockSensitivity<T>
    {
        public void Sensitivities(int worker, int first, int count, Jets<T> jets, Jets<T> sensitivities)
        {
            var u = jets.Value();
            var lap = jets.Laplacian();
            var su = sensitivities.Value();
            var sl = sensitivities.Laplacian();
            T two = T.CreateTruncating(2), sum = T.Zero;
            for (int p = 0; p < count; p++)
            {
                T r = -lap[p] + u[p] * u[p] - T.One;
                sum += r * r;
                su[p] = two * r * two * u[p] / n;
                sl[p] = -two * r / n;
            }
            partial[worker] += sum / n;
        }
    }

    /// <summary>The boundary term per block: 100·mean((u − 0.5)²).</summary>
    private readonly struct BoundaryLoss(T[] partial, T n) : IBlockSensitivity<T>
    {
        public void Sensitivities(int worker, int first, int count, Jets<T> jets, Jets<T> sensitivities)
        {
            var ub = jets.Value();
            var sb = sensitivities.Value();
            T two = T.CreateTruncating(2), w = T.CreateTruncating(100), sum = T.Zero;
            for (int p = 0; p < count; p++)
            {
                T e = ub[p] - T.CreateTruncating(0.5);
                sum += e * e;
                sb[p] = w * two * e / n;
            }
            partial[worker] += w * sum / n;
        }
    }

    private double EvaluateTwoPass(ReadOnlySpan<T> theta, Span<T> gradient)
    {
        _interior.Forward(theta, _xi, _ji);
        _boundary.Forward(theta, _xb, _jb);
        // the same per-point loss as the fused path's, over all points at once (as worker 0)
        Array.Clear(_partialI);
        Array.Clear(_partialB);
        var interior = new InteriorLoss(_partialI, T.CreateTruncating(_ji.Points));
        var boundary = new BoundaryLoss(_partialB, T.CreateTruncating(_jb.Points));
        interior.Sensitivities(0, 0, _ji.Points, _ji, _si);
        boundary.Sensitivities(0, 0, _jb.Points, _jb, _sb);
        gradient.Clear();
        _interior.Backward(_si, gradient);
        _boundary.Backward(_sb, gradient);
        return double.CreateTruncating(_partialI[0] + _partialB[0]);
    }

    /// <summary>
    /// Median CPU milliseconds (the whole process's, so all workers) of the interior forward pass, the interior reverse
    /// sweep, and the boundary pair, after a warm-up of at least 1 s so that the runtime's tiered compilation is done.
    /// </summary>
    public (double Forward, double Backward, double Boundary) Profile(T[] theta, int repeats)
    {
        var g = new T[Dimension];
        long warm = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < 5 || System.Diagnostics.Stopwatch.GetElapsedTime(warm).TotalSeconds < 1; i++)
            Evaluate(theta, g);
        var f = new double[repeats];
        var b = new double[repeats];
        var bc = new double[repeats];
        if (!TwoPass)
            return ProfileFused(theta, g, repeats);
        for (int i = 0; i < repeats; i++)
        {
            double t0 = ProcessCpu.Milliseconds();
            _interior.Forward(theta, _xi, _ji);
            double t1 = ProcessCpu.Milliseconds();
            _interior.Backward(_si, g);
            double t2 = ProcessCpu.Milliseconds();
            _boundary.Forward(theta, _xb, _jb);
            _boundary.Backward(_sb, g);
            double t3 = ProcessCpu.Milliseconds();
            f[i] = t1 - t0;
            b[i] = t2 - t1;
            bc[i] = t3 - t2;
        }
        Array.Sort(f);
        Array.Sort(b);
        Array.Sort(bc);
        return (f[repeats / 2], b[repeats / 2], bc[repeats / 2]);
    }

    /// <summary>The fused path's <see cref="Profile"/>: (interior forward and reverse together, NaN, boundary).</summary>
    private (double, double, double) ProfileFused(T[] theta, T[] g, int repeats)
    {
        var f = new double[repeats];
        var bc = new double[repeats];
        var interior = new InteriorLoss(_partialI, T.CreateTruncating(_ji.Points));
        var boundary = new BoundaryLoss(_partialB, T.CreateTruncating(_jb.Points));
        for (int i = 0; i < repeats; i++)
        {
            double t0 = ProcessCpu.Milliseconds();
            _interior.ForwardBackward(theta, _xi, ref interior, g);
            double t1 = ProcessCpu.Milliseconds();
            _boundary.ForwardBackward(theta, _xb, ref boundary, g);
            double t2 = ProcessCpu.Milliseconds();
            f[i] = t1 - t0;
            bc[i] = t2 - t1;
        }
        Array.Sort(f);
        Array.Sort(bc);
        return (f[repeats / 2], double.NaN, bc[repeats / 2]);
    }

    public void Dispose()
    {
        _interior.Dispose();
        _boundary.Dispose();
        _pool.Dispose();
    }
}
