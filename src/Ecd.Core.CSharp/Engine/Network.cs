using System.Numerics;
using Ecd.Core.Randomness;

namespace Ecd.Core.Engine;

/// <summary>How one layer sits in the flat parameter vector.</summary>
/// <param name="Kind">Dense, residual, Fourier or output.</param>
/// <param name="In">Input width.</param>
/// <param name="Out">Output width.</param>
/// <param name="Activation">σ (Identity for the output layer).</param>
/// <param name="WeightOffset">Offset of W (Out × In, row-major) in θ; −1 for the fixed Fourier layer.</param>
/// <param name="BiasOffset">Offset of b (Out) in θ; −1 for the fixed Fourier layer.</param>
public readonly record struct LayerLayout(LayerKind Kind, int In, int Out, Activation Activation, int WeightOffset, int BiasOffset);

/// <summary>Kinds of layers in a <see cref="LayerLayout"/>.</summary>
public enum LayerKind
{
    /// <summary>σ(W·h + b).</summary>
    Dense,
    /// <summary>h + σ(W·h + b).</summary>
    Residual,
    /// <summary>[sin, cos](2π·B·x), fixed.</summary>
    Fourier,
    /// <summary>W·h + b, linear.</summary>
    Output,
}

/// <summary>
/// A network's structure over a flat parameter vector θ (all weights and biases, layer by layer: W then b).
/// Immutable; the same instance can serve many engines and threads.
/// </summary>
public sealed class Network<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _fourier = [];

    /// <summary>Builds the layout; <paramref name="seed"/> fixes the Fourier feature matrix if there is one.</summary>
    public Network(NetworkSpec spec, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.InputDimension is < 1 or > 3)
            throw new ArgumentOutOfRangeException(nameof(spec), spec.InputDimension, "input dimension must be 1, 2 or 3");
        if (spec.Outputs < 1)
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Outputs, "a network needs at least one output");
        Spec = spec;
        var layers = new List<LayerLayout>();
        int width = spec.InputDimension, offset = 0;
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            switch (spec.Layers[i])
            {
                case FourierFeatures f:
                    if (i != 0)
                        throw new ArgumentException("Fourier features must be the first layer", nameof(spec));
                    if (f.Count < 1 || !(f.Scale > 0) || !double.IsFinite(f.Scale))
                        throw new ArgumentException($"Fourier features need Count ≥ 1 and a finite Scale > 0 (got {f.Count}, {f.Scale})", nameof(spec));
                    layers.Add(new LayerLayout(LayerKind.Fourier, width, 2 * f.Count, Activation.Sin, -1, -1));
                    _fourier = new T[f.Count * width];
                    var rng = Xoshiro256.FromSeed(Xoshiro256.DeriveSeed(seed, 0xF0));
                    for (int q = 0; q < _fourier.Length; q++)
                        _fourier[q] = T.CreateTruncating(2 * Math.PI * f.Scale * rng.NextNormal());
                    width = 2 * f.Count;
                    break;
                case Dense d:
                    if (d.Width < 1)
                        throw new ArgumentException($"layer {i}: width must be ≥ 1 (got {d.Width})", nameof(spec));
                    layers.Add(new LayerLayout(LayerKind.Dense, width, d.Width, d.Activation, offset, offset + d.Width * width));
                    offset += d.Width * width + d.Width;
                    width = d.Width;
                    break;
                case Residual r:
                    if (i == 0)
                        throw new ArgumentException("a residual block cannot be the first layer (its input is the coordinates)", nameof(spec));
                    layers.Add(new LayerLayout(LayerKind.Residual, width, width, r.Activation, offset, offset + width * width));
                    offset += width * width + width;
                    break;
                default:
                    throw new ArgumentException($"layer {i}: unknown layer type {spec.Layers[i]?.GetType().Name}", nameof(spec));
            }
        }
        layers.Add(new LayerLayout(LayerKind.Output, width, spec.Outputs, Activation.Identity, offset, offset + spec.Outputs * width));
        offset += spec.Outputs * width + spec.Outputs;
        Layers = layers;
        ParameterCount = offset;
        MaxWidth = layers.Max(l => Math.Max(l.In, l.Out));
    }

    /// <summary>The specification.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>Layers in order, the output layer last.</summary>
    public IReadOnlyList<LayerLayout> Layers { get; }

    /// <summary>Length of θ.</summary>
    public int ParameterCount { get; }

    /// <summary>Input dimension d.</summary>
    public int InputDimension => Spec.InputDimension;

    /// <summary>Number of outputs.</summary>
    public int Outputs => Spec.Outputs;

    /// <summary>Largest layer width (including the input).</summary>
    public int MaxWidth { get; }

    /// <summary>The fixed Fourier matrix 2π·B (Count × d, row-major), empty without a feature map.</summary>
    public ReadOnlySpan<T> FourierMatrix => _fourier;

    /// <summary>Writes a fresh initialization into <paramref name="theta"/> (weights Xavier, biases 0) from <paramref name="seed"/>.</summary>
    public void Initialize(Span<T> theta, ulong seed)
    {
        if (theta.Length != ParameterCount)
            throw new ArgumentException($"θ has length {theta.Length}; this network has {ParameterCount} parameters", nameof(theta));
        var rng = Xoshiro256.FromSeed(seed);
        theta.Clear();
        foreach (var l in Layers)
        {
            if (l.Kind == LayerKind.Fourier)
                continue;
            double fan = l.In + l.Out;
            for (int q = 0; q < l.In * l.Out; q++)
                theta[l.WeightOffset + q] = T.CreateTruncating(Spec.Initialization == Initialization.XavierNormal
                    ? Math.Sqrt(2.0 / fan) * rng.NextNormal()
                    : Math.Sqrt(6.0 / fan) * (2 * rng.NextDouble() - 1));
        }
    }

    /// <summary>A freshly initialised θ.</summary>
    public T[] NewParameters(ulong seed)
    {
        var theta = new T[ParameterCount];
        Initialize(theta, seed);
        return theta;
    }
}
