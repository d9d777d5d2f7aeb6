using System.Numerics;
using Ecd.Core.Objectives;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// A TorchSharp loss as a flat-vector objective for the core's optimizers (<see cref="Optimizers.IOptimizer{T}"/>):
/// θ is the parameters in order (row-major within each), F is the loss and ∇F the gradients by autograd. Each
/// evaluation writes θ into the parameters, clears their gradients, calls <c>loss()</c> and <c>backward()</c>, and
/// reads the gradients back (a parameter the loss does not use has gradient 0). The parameters may live on any
/// device; θ and ∇F travel through host memory.
/// </summary>
/// <typeparam name="T">float for float32 parameters, double for float64 ones.</typeparam>
public sealed class TorchObjective<T> : IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter[] _parameters;
    private readonly Func<Tensor> _loss;

    /// <summary>The objective θ ↦ <paramref name="loss"/>() over <paramref name="parameters"/>.</summary>
    public TorchObjective(IEnumerable<Parameter> parameters, Func<Tensor> loss)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _parameters = parameters.ToArray();
        var want = typeof(T) == typeof(double) ? ScalarType.Float64
            : typeof(T) == typeof(float) ? ScalarType.Float32
            : throw new NotSupportedException($"TorchObjective supports float and double, not {typeof(T).Name}");
        foreach (var p in _parameters)
            if (p.dtype != want)
                throw new ArgumentException($"a parameter is {p.dtype}; TorchObjective<{typeof(T).Name}> needs {want}", nameof(parameters));
        long n = _parameters.Sum(p => p.numel());
        Dimension = n <= int.MaxValue ? (int)n : throw new ArgumentException("more parameters than a flat vector can hold", nameof(parameters));
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>The parameters' current values as a flat vector.</summary>
    public T[] Read()
    {
        var theta = new T[Dimension];
        using var scope = NewDisposeScope();
        int offset = 0;
        foreach (var p in _parameters)
        {
            var host = p.detach().cpu().contiguous().flatten().data<T>().ToArray();
            host.CopyTo(theta, offset);
            offset += host.Length;
        }
        return theta;
    }

    /// <summary>Writes a flat vector into the parameters.</summary>
    public void Write(ReadOnlySpan<T> theta)
    {
        if (theta.Length != Dimension)
            throw new ArgumentException($"θ has length {theta.Length}; the parameters hold {Dimension} values", nameof(theta));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int offset = 0;
        foreach (var p in _parameters)
        {
            int n = (int)p.numel();
            var values = theta.Slice(offset, n).ToArray();
            var host = values is double[] d ? tensor(d, p.shape) : tensor((float[])(object)values, p.shape);
            p.copy_(host);
            offset += n;
        }
    }

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<T> theta, Span<T> gradient)
    {
        if (gradient.Length != Dimension)
            throw new ArgumentException($"the gradient has length {gradient.Length}; the parameters hold {Dimension} values", nameof(gradient));
        Write(theta);
        using var scope = NewDisposeScope();
        foreach (var p in _parameters)
            p.grad?.zero_();
        Tensor loss;
        using (enable_grad())
        {
            loss = _loss();
            loss.backward();
        }
        double value = ParameterSet.Item<double>(loss.detach().to(ScalarType.Float64));
        int offset = 0;
        foreach (var p in _parameters)
        {
            int n = (int)p.numel();
            var grad = p.grad;
            if (grad is null)
                gradient.Slice(offset, n).Clear();
            else
                grad.detach().cpu().contiguous().flatten().data<T>().ToArray().CopyTo(gradient.Slice(offset, n));
            offset += n;
        }
        return value;
    }
}
