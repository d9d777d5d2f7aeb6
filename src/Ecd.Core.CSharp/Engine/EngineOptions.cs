namespace Ecd.Core.Engine;

/// <summary>Execution settings of a <see cref="JetEngine{T}"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>Worker threads; 0 (default) = all cores. Results are bit-identical for a fixed count.</summary>
    public int Threads { get; init; }

    /// <summary>Points per block, a multiple of 32. Default 64.</summary>
    public int BlockSize { get; init; } = 64;

    /// <summary>SIMD register width. Default: the widest the machine accelerates.</summary>
    public SimdWidth Width { get; init; } = SimdWidth.Auto;
}
