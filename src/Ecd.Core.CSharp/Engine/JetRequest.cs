namespace Ecd.Core.Engine;

/// <summary>
/// Which derivatives of the outputs with respect to the inputs a pass computes, besides the value.
/// First derivatives are propagated whenever any second-order channel is requested (they are needed).
/// </summary>
public sealed record JetRequest
{
    /// <summary>∂u/∂x_j for every input j.</summary>
    public bool Gradient { get; init; }

    /// <summary>Δu = Σ_j ∂²u/∂x_j² as one collapsed channel ("forward Laplacian").</summary>
    public bool Laplacian { get; init; }

    /// <summary>Individual second derivatives ∂²u/∂x_i∂x_j (pairs of input indices, 0-based).</summary>
    public IReadOnlyList<(int I, int J)> SecondDerivatives { get; init; } = [];

    /// <summary>Values only.</summary>
    public static JetRequest ValueOnly { get; } = new();

    /// <summary>Value, gradient and Laplacian.</summary>
    public static JetRequest WithLaplacian { get; } = new() { Gradient = true, Laplacian = true };
}

/// <summary>
/// The channels of a pass, in storage order: value; ∂_0 … ∂_{d−1} (if any derivative is needed); the Laplacian
/// (if requested); the requested second derivatives in request order.
/// </summary>
public sealed class ChannelLayout
{
    /// <summary>Builds the layout for input dimension <paramref name="d"/>; rejects out-of-range derivative indices.</summary>
    public ChannelLayout(int d, JetRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Dimension = d;
        foreach (var (i, j) in request.SecondDerivatives)
            if (i < 0 || j < 0 || i >= d || j >= d)
                throw new ArgumentException($"second derivative ∂{i}∂{j} asked of a network with {d} inputs");
        Order = request.SecondDerivatives.Count > 0 || request.Laplacian ? 2 : request.Gradient ? 1 : 0;
        int c = 1;
        FirstDerivatives = Order >= 1 ? d : 0;
        c += FirstDerivatives;
        Laplacian = request.Laplacian ? c++ : -1;
        SecondStart = c;
        Second = request.SecondDerivatives.Select(p => (Math.Min(p.I, p.J), Math.Max(p.I, p.J))).ToArray();
        Count = c + Second.Length;
    }

    /// <summary>Input dimension.</summary>
    public int Dimension { get; }
    /// <summary>0 (values), 1 (first derivatives) or 2 (second-order channels present).</summary>
    public int Order { get; }
    /// <summary>Number of channels.</summary>
    public int Count { get; }
    /// <summary>Number of first-derivative channels (0 or d); they occupy channels 1…d.</summary>
    public int FirstDerivatives { get; }
    /// <summary>Channel of the Laplacian, or −1.</summary>
    public int Laplacian { get; }
    /// <summary>Channel of the first individual second derivative.</summary>
    public int SecondStart { get; }
    /// <summary>The individual second derivatives (i ≤ j), in channel order from <see cref="SecondStart"/>.</summary>
    public (int I, int J)[] Second { get; }

    /// <summary>Channel of ∂u/∂x_j.</summary>
    public int Derivative(int j) => FirstDerivatives > 0 && j >= 0 && j < Dimension
        ? 1 + j : throw new ArgumentException($"∂/∂x{j} was not requested (or is out of range)");

    /// <summary>Channel of ∂²u/∂x_i∂x_j.</summary>
    public int SecondDerivative(int i, int j)
    {
        var key = (Math.Min(i, j), Math.Max(i, j));
        int k = Array.IndexOf(Second, key);
        return k >= 0 ? SecondStart + k : throw new ArgumentException($"∂²/∂x{i}∂x{j} was not requested");
    }
}

/// <summary>Per-point channels of every output: value, derivatives (layout [output][channel][point]); also used for sensitivities.</summary>
public sealed class Jets<T>
    where T : unmanaged
{
    /// <summary>Storage for <paramref name="outputs"/> outputs at <paramref name="points"/> points.</summary>
    public Jets(ChannelLayout channels, int outputs, int points)
    {
        Channels = channels;
        Outputs = outputs;
        Points = points;
        Data = new T[outputs * channels.Count * points];
    }

    /// <summary>The channel layout.</summary>
    public ChannelLayout Channels { get; }
    /// <summary>Number of outputs.</summary>
    public int Outputs { get; }
    /// <summary>Number of points.</summary>
    public int Points { get; }
    /// <summary>All values, [output][channel][point].</summary>
    public T[] Data { get; }

    /// <summary>One channel of one output at every point.</summary>
    public Span<T> Channel(int output, int channel) =>
        Data.AsSpan((output * Channels.Count + channel) * Points, Points);

    /// <summary>u at every point.</summary>
    public Span<T> Value(int output = 0) => Channel(output, 0);

    /// <summary>Δu at every point.</summary>
    public Span<T> Laplacian(int output = 0) => Channel(output, Channels.Laplacian >= 0 ? Channels.Laplacian
        : throw new InvalidOperationException("the Laplacian was not requested"));

    /// <summary>∂u/∂x_j at every point.</summary>
    public Span<T> Derivative(int j, int output = 0) => Channel(output, Channels.Derivative(j));

    /// <summary>∂²u/∂x_i∂x_j at every point.</summary>
    public Span<T> Second(int i, int j, int output = 0) => Channel(output, Channels.SecondDerivative(i, j));

    /// <summary>Sets every entry to zero.</summary>
    public void Clear() => Array.Clear(Data);
}
