using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ecd.Core.Engine;

/// <summary>
/// A buffer of <typeparamref name="T"/> whose first element starts a 64-byte cache line: an array on the pinned heap
/// (never moved by the GC) with a few spare elements in front. A .NET array's data starts at any multiple of 8 bytes,
/// so a row of 16 floats straddled two cache lines in most runs and every 512-bit load or store of it was split in
/// two; with the engine's rows padded to whole registers, every row of an aligned buffer is aligned.
/// </summary>
internal sealed class AlignedArray<T>
    where T : unmanaged
{
    /// <summary>Alignment in bytes: a cache line, and a 512-bit register.</summary>
    public const int Alignment = 64;

    private readonly T[] _array;
    private readonly int _offset;

    /// <summary>A zeroed buffer of <paramref name="length"/> elements.</summary>
    public AlignedArray(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int spare = Alignment / Unsafe.SizeOf<T>();
        _array = GC.AllocateArray<T>(length + spare, pinned: true);
        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        long address = handle.AddrOfPinnedObject();
        handle.Free(); // the pinned heap does not move its objects
        int misalignment = (int)(address % Alignment);
        _offset = misalignment == 0 ? 0 : (Alignment - misalignment) / Unsafe.SizeOf<T>();
        Length = length;
        HugePages.Advise(address, (long)_array.Length * Unsafe.SizeOf<T>());
    }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>The address of the first element (the array is pinned, so it stays valid).</summary>
    public nint Address => Marshal.UnsafeAddrOfPinnedArrayElement(_array, _offset);

    /// <summary>All elements.</summary>
    public Span<T> Span => _array.AsSpan(_offset, Length);

    /// <summary>Element <paramref name="i"/>.</summary>
    public ref T this[int i] => ref Span[i];

    /// <summary>Elements [start, start + length).</summary>
    public Span<T> AsSpan(int start, int length) => Span.Slice(start, length);

    /// <summary>Elements from <paramref name="start"/> on.</summary>
    public Span<T> AsSpan(int start) => Span.Slice(start);

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Span.Clear();

    public static implicit operator Span<T>(AlignedArray<T> a) => a.Span;

    public static implicit operator ReadOnlySpan<T>(AlignedArray<T> a) => a.Span;
}
