using Ecd.Core.Objectives;
using Ecd.Core.Randomness;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp.Tests.Support;

/// <summary>A problem both sides can run: a module (parameters at θ₀) and a closure computing the loss and gradients.</summary>
public sealed class Problem : IDisposable
{
    private Problem(string name, nn.Module module, Func<Problem, Tensor> loss, IDisposable? data = null, object? core = null)
    {
        Name = name;
        Module = module;
        _loss = loss;
        _data = data;
        _core = core;
    }

    private readonly object? _core;


    /// <summary>The same objective for the flat-vector core: the core's own function, or the module's loss through <see cref="TorchObjective{T}"/>.</summary>
    public IObjective<T> CoreObjective<T>()
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        _core as IObjective<T> ?? new TorchObjective<T>(Parameters, Loss);

    private readonly Func<Problem, Tensor> _loss;
    private readonly IDisposable? _data;

    public string Name { get; }
    public nn.Module Module { get; }
    public Parameter[] Parameters => Module.parameters().ToArray();

    /// <summary>F at the current parameters with gradients in p.grad (no zero_grad: the caller does it).</summary>
    public Tensor Loss() => _loss(this);

    /// <summary>torch.optim's closure: clear the gradients, compute the loss, backward.</summary>
    public Func<Tensor> Closure(torch.optim.Optimizer optimizer) => () =>
    {
        optimizer.zero_grad();
        var loss = Loss();
        if (loss.requires_grad)
            loss.backward();
        return loss;
    };

    public static Problem Create(string name, ScalarType dtype = ScalarType.Float64)
    {
        // One intra-op thread (OpenMP's setting is per calling thread, so set it on the test's thread): the tensors
        // are tiny, and on a shared 2-core machine two spinning OpenMP threads made each step ~10 times slower.
        // Both sides of a comparison run on the same thread, so equivalence does not depend on it.
        torch.set_num_threads(1);
        return Make(name, dtype);
    }

    private static Problem Make(string name, ScalarType dtype) => name switch
    {
        "zakharov" => Synthetic(name, new Zakharov<double>(10), Start(10, 0.7, 11)),
        "ackley" => Synthetic(name, new Ackley<double>(10), Start(10, 2.5, 12)),
        "mlp" => Mlp(dtype),
        _ => throw new ArgumentException(name),
    };

    private static double[] Start(int n, double scale, ulong seed)
    {
        var rng = Xoshiro256.FromSeed(seed);
        return Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();
    }

    /// <summary>The core's own synthetic function, evaluated on the host and fed to p.grad (<see cref="TorchOptimizers.Closure{T}"/>).</summary>
    private static Problem Synthetic(string name, SyntheticFunction<double> f, double[] x0)
    {
        var module = new Vector(x0);
        var closure = TorchOptimizers.Closure<double>(f, module.parameters().Single());
        return new Problem(name, module, _ => closure(), core: f);
    }

    /// <summary>A 2 → 8 → 8 → 1 tanh network fitting sin(πx)cos(πy) at 32 points (mean squared error).</summary>
    private static Problem Mlp(ScalarType dtype)
    {
        var net = nn.Sequential(
            ("l1", nn.Linear(2, 8, dtype: dtype)), ("a1", nn.Tanh()),
            ("l2", nn.Linear(8, 8, dtype: dtype)), ("a2", nn.Tanh()),
            ("l3", nn.Linear(8, 1, dtype: dtype)));
        var rng = Xoshiro256.FromSeed(5);
        using (no_grad())
        {
            foreach (var p in net.parameters())
            {
                var values = Enumerable.Range(0, (int)p.numel()).Select(_ => 0.8 * (2 * rng.NextDouble() - 1)).ToArray();
                p.copy_(tensor(values, p.shape).to(dtype));
            }
        }
        var pts = Enumerable.Range(0, 64).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
        var x = tensor(pts, [32, 2]).to(dtype).DetachFromDisposeScope();
        var y = (sin(Math.PI * x[.., 0]) * cos(Math.PI * x[.., 1])).unsqueeze(1).DetachFromDisposeScope();
        var data = new Data(x, y);
        return new Problem("mlp", net, _ => nn.functional.mse_loss(net.forward(x), y), data);
    }

    private sealed record Data(Tensor X, Tensor Y) : IDisposable
    {
        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
        }
    }

    /// <summary>A module holding one parameter vector.</summary>
    private sealed class Vector : nn.Module
    {
        public Vector(double[] x0)
            : base("vector")
        {
            x = nn.Parameter(tensor(x0));
            RegisterComponents();
        }

        private readonly Parameter x;
    }

    /// <summary>The parameters as one flat float64 vector (the core's θ).</summary>
    public double[] Theta()
    {
        using var scope = NewDisposeScope();
        return Parameters.SelectMany(p => p.detach().to(ScalarType.Float64).cpu().flatten().data<double>().ToArray()).ToArray();
    }

    public void Dispose()
    {
        Module.Dispose();
        _data?.Dispose();
    }
}
