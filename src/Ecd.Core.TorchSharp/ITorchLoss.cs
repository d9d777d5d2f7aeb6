using System.Numerics;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// A loss that TorchSharp computes over trainable tensors, seen by the core as θ = the tensors in order (each
/// row-major). torch.optim's own optimizers step those tensors directly (<see cref="TorchOptim{T}"/>); the PDE
/// language's TorchSharp loss (<c>Pde.Torch.Loss.TorchPinnLoss</c>) is one.
/// </summary>
/// <typeparam name="T">float for float32 tensors, double for float64 ones.</typeparam>
public interface ITorchLoss<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The trainable tensors in the order of θ.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The loss tensor at the tensors' current values, built in the caller's dispose scope, with a graph for
    /// <c>backward()</c>.</summary>
    Tensor Forward();

    /// <summary>θ as the tensors hold it now.</summary>
    T[] Read();

    /// <summary>Writes θ into the tensors.</summary>
    void Write(ReadOnlySpan<T> theta);
}
