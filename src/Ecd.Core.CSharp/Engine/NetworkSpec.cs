namespace Ecd.Core.Engine;

/// <summary>A layer of a network (between the input or feature map and the linear output layer).</summary>
public abstract record LayerSpec;

/// <summary>Fully connected layer h ↦ σ(W·h + b) of width <paramref name="Width"/>.</summary>
public sealed record Dense(int Width, Activation Activation) : LayerSpec;

/// <summary>Residual block h ↦ h + σ(W·h + b), width preserved (the BBI paper's architecture).</summary>
public sealed record Residual(Activation Activation) : LayerSpec;

/// <summary>
/// Random Fourier features x ↦ [sin(2π·B·x), cos(2π·B·x)] with a fixed (not trained) matrix B of
/// <paramref name="Count"/> rows drawn from N(0, <paramref name="Scale"/>²) with the network's seed
/// (Tancik et al. 2020). Must be the first layer; its width is 2·Count.
/// </summary>
public sealed record FourierFeatures(int Count, double Scale) : LayerSpec;

/// <summary>Weight initialization (biases start at zero).</summary>
public enum Initialization
{
    /// <summary>Glorot &amp; Bengio 2010, normal: std √(2/(fan_in + fan_out)).</summary>
    XavierNormal,
    /// <summary>Glorot &amp; Bengio 2010, uniform: bound √(6/(fan_in + fan_out)).</summary>
    XavierUniform,
}

/// <summary>
/// A network: input dimension d (1, 2 or 3), hidden layers, and a linear output layer with
/// <paramref name="Outputs"/> outputs (several for systems of PDEs).
/// </summary>
public sealed record NetworkSpec(int InputDimension, IReadOnlyList<LayerSpec> Layers, int Outputs, Initialization Initialization = Initialization.XavierNormal)
{
    /// <summary>An MLP d → widths… → outputs with one activation.</summary>
    public static NetworkSpec Mlp(int inputDimension, IReadOnlyList<int> widths, int outputs, Activation activation) =>
        new(inputDimension, widths.Select(w => (LayerSpec)new Dense(w, activation)).ToList(), outputs);

    /// <summary>The BBI paper's residual net: d → width (σ), then <paramref name="blocks"/> residual blocks, then → outputs.</summary>
    public static NetworkSpec ResidualNet(int inputDimension, int width, int blocks, int outputs, Activation activation) =>
        new(inputDimension,
            new LayerSpec[] { new Dense(width, activation) }.Concat(Enumerable.Repeat<LayerSpec>(new Residual(activation), blocks)).ToList(),
            outputs);
}
