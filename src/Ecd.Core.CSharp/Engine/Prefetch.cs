using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Ecd.Core.Engine;

/// <summary>
/// Software prefetches for data that a later pass will read or write: a region of memory spread over the tiles of a
/// matrix product, a few cache lines per tile, so that its DRAM traffic overlaps the product's arithmetic instead of
/// stalling the pass that uses it. A hint only: a prefetch never faults, and without SSE (not x86) it does nothing.
/// </summary>
internal static class Prefetch
{
    /// <summary>Bytes per cache line.</summary>
    public const int Line = 64;

    /// <summary>Prefetches lines [<paramref name="done"/>, done + count) of the region at <paramref name="start"/>
    /// (<paramref name="total"/> lines) into L2, and advances <paramref name="done"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void ToL2(ref byte start, ref nint done, nint count, nint total)
    {
        if (!Sse.IsSupported)
            return;
        nint end = Math.Min(done + count, total);
        for (nint i = done; i < end; i++)
            Sse.Prefetch1(Unsafe.AsPointer(ref Unsafe.Add(ref start, i * Line)));
        done = end;
    }

    /// <summary>Prefetches into L1 the lines of <paramref name="rows"/> rows, <paramref name="stride"/> bytes apart,
    /// each <paramref name="lines"/> lines long from <paramref name="start"/> (a register tile of C before its
    /// kernel stores it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void TileToL1(ref byte start, nint stride, int rows, int lines)
    {
        if (!Sse.IsSupported)
            return;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < lines; j++)
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref start, r * stride + j * Line)));
    }
}
