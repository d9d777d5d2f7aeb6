using System.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>Construction by name (for command lines and run files) and bridges from the core's objectives.</summary>
public static class TorchOptimizers
{
    /// <summary>The optimizers available on TorchSharp (the core's names).</summary>
    public static IReadOnlyList<string> Names { get; } = ["bbi", "ecdsep", "gdm"];

    /// <summary>
    /// The TorchSharp optimizer called <paramref name="name"/> with the core's options record for it
    /// (<see cref="BbiOptions"/>, <see cref="EcdSepOptions"/>, <see cref="GdmOptions"/>, e.g. from
    /// <see cref="HyperparameterBinder.Bind{TOptions}"/>).
    /// </summary>
    public static EcdOptimizer Create(string name, object options, IEnumerable<Parameter> parameters, ulong seed = 0) =>
        (name?.ToLowerInvariant(), options) switch
        {
            ("bbi", BbiOptions o) => new Bbi(parameters, o, seed),
            ("ecdsep", EcdSepOptions o) => new EcdSep(parameters, o, seed),
            ("gdm", GdmOptions o) => new Gdm(parameters, o),
            (var n, _) when n is null || !Names.Contains(n) =>
                throw new ArgumentException($"no TorchSharp optimizer '{name}'; available: {string.Join(", ", Names)}", nameof(name)),
            _ => throw new ArgumentException($"{name} takes {OptionsType(name!).Name}, not {options?.GetType().Name ?? "null"}", nameof(options)),
        };

    /// <summary>The options record type of <paramref name="name"/>.</summary>
    public static Type OptionsType(string name) => name.ToLowerInvariant() switch
    {
        "bbi" => typeof(BbiOptions),
        "ecdsep" => typeof(EcdSepOptions),
        "gdm" => typeof(GdmOptions),
        _ => throw new ArgumentException($"no TorchSharp optimizer '{name}'; available: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>
    /// A torch.optim closure for a core objective over one flat parameter vector <paramref name="theta"/> (1-d, float64
    /// or float32 matching <typeparamref name="T"/>): evaluates the objective on the host at θ, writes ∇F into
    /// <c>theta.grad</c> and returns F as a 0-d float64 tensor. With it the TorchSharp optimizers run the core's
    /// synthetic functions (Zakharov, Ackley, …) on exactly the values the core sees.
    /// </summary>
    public static Func<Tensor> Closure<T>(IObjective<T> objective, Parameter theta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(theta);
        if (theta.dim() != 1 || theta.shape[0] != objective.Dimension)
            throw new ArgumentException(
                $"θ must be a vector of length {objective.Dimension}; it has shape [{string.Join(", ", theta.shape)}]", nameof(theta));
        var want = typeof(T) == typeof(double) ? ScalarType.Float64 : ScalarType.Float32;
        if (theta.dtype != want)
            throw new ArgumentException($"θ is {theta.dtype}; the objective is over {typeof(T).Name}", nameof(theta));
        var gradient = new T[objective.Dimension];
        return () =>
        {
            T[] x;
            using (var scope = NewDisposeScope())
                x = theta.detach().cpu().data<T>().ToArray();
            double value = objective.Evaluate(x, gradient);
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var host = gradient is double[] d ? tensor(d) : tensor((float[])(object)gradient);
                var g = host.to(theta.device);
                var existing = theta.grad;
                if (existing is null)
                    theta.grad = g.DetachFromDisposeScope();
                else
                    existing.copy_(g);
            }
            return tensor(value, ScalarType.Float64, theta.device);
        };
    }
}
