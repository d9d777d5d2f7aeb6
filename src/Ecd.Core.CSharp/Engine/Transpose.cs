using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ecd.Core.Engine;

/// <summary>
/// Matrix transposition for the reverse sweep: the weight gradient G += Z̄·Hᵀ runs as an outer-product (NN)
/// product on Hᵀ, which keeps its sums in registers instead of reducing one dot product per weight. With AVX, float
/// matrices move as 8 × 8 tiles and double matrices as 4 × 4 tiles of register shuffles; the rest element by element.
/// Transposition only moves values, so results do not depend on the path taken.
/// </summary>
public static class Transpose
{
    /// <summary>dst[j·ldd + i] = src[i·lds + j] for i &lt; rows, j &lt; cols.</summary>
    public static void Run<T>(ReadOnlySpan<T> src, int lds, Span<T> dst, int ldd, int rows, int cols, bool useSimd = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows < 0 || cols < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), "matrix dimensions must be non-negative");
        if (rows == 0 || cols == 0)
            return;
        if (src.Length < (rows - 1) * lds + cols || dst.Length < (cols - 1) * ldd + rows)
            throw new ArgumentException("a matrix is shorter than its dimensions");
        int ti = 0, tj = 0;
        if (useSimd && Avx.IsSupported)
        {
            if (typeof(T) == typeof(float))
            {
                (ti, tj) = (rows / 8 * 8, cols / 8 * 8);
                Tiles8(MemoryMarshal.Cast<T, float>(src), lds, MemoryMarshal.Cast<T, float>(dst), ldd, ti, tj);
            }
            else if (typeof(T) == typeof(double))
            {
                (ti, tj) = (rows / 4 * 4, cols / 4 * 4);
                Tiles4(MemoryMarshal.Cast<T, double>(src), lds, MemoryMarshal.Cast<T, double>(dst), ldd, ti, tj);
            }
        }
        // What the tiles did not cover: the columns right of them, then the rows below them.
        for (int i = 0; i < ti; i++)
            for (int j = tj; j < cols; j++)
                dst[j * ldd + i] = src[i * lds + j];
        for (int i = ti; i < rows; i++)
            for (int j = 0; j < cols; j++)
                dst[j * ldd + i] = src[i * lds + j];
    }

    private static void Tiles8(ReadOnlySpan<float> src, int lds, Span<float> dst, int ldd, int rows, int cols)
    {
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        for (int i0 = 0; i0 < rows; i0 += 8)
            for (int j0 = 0; j0 < cols; j0 += 8)
            {
                ref float r = ref Unsafe.Add(ref s, i0 * lds + j0);
                var r0 = Vector256.LoadUnsafe(ref r);
                var r1 = Vector256.LoadUnsafe(ref r, (nuint)lds);
                var r2 = Vector256.LoadUnsafe(ref r, (nuint)(2 * lds));
                var r3 = Vector256.LoadUnsafe(ref r, (nuint)(3 * lds));
                var r4 = Vector256.LoadUnsafe(ref r, (nuint)(4 * lds));
                var r5 = Vector256.LoadUnsafe(ref r, (nuint)(5 * lds));
                var r6 = Vector256.LoadUnsafe(ref r, (nuint)(6 * lds));
                var r7 = Vector256.LoadUnsafe(ref r, (nuint)(7 * lds));
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                var t4 = Avx.UnpackLow(r4, r5);
                var t5 = Avx.UnpackHigh(r4, r5);
                var t6 = Avx.UnpackLow(r6, r7);
                var t7 = Avx.UnpackHigh(r6, r7);
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);
                ref float o = ref Unsafe.Add(ref d, j0 * ldd + i0);
                Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref o);
                Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref o, (nuint)ldd);
                Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref o, (nuint)(2 * ldd));
                Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref o, (nuint)(3 * ldd));
                Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref o, (nuint)(4 * ldd));
                Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref o, (nuint)(5 * ldd));
                Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref o, (nuint)(6 * ldd));
                Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref o, (nuint)(7 * ldd));
            }
    }

    private static void Tiles4(ReadOnlySpan<double> src, int lds, Span<double> dst, int ldd, int rows, int cols)
    {
        ref double s = ref MemoryMarshal.GetReference(src);
        ref double d = ref MemoryMarshal.GetReference(dst);
        for (int i0 = 0; i0 < rows; i0 += 4)
            for (int j0 = 0; j0 < cols; j0 += 4)
            {
                ref double r = ref Unsafe.Add(ref s, i0 * lds + j0);
                var r0 = Vector256.LoadUnsafe(ref r);
                var r1 = Vector256.LoadUnsafe(ref r, (nuint)lds);
                var r2 = Vector256.LoadUnsafe(ref r, (nuint)(2 * lds));
                var r3 = Vector256.LoadUnsafe(ref r, (nuint)(3 * lds));
                var t0 = Avx.UnpackLow(r0, r1);
                var t1 = Avx.UnpackHigh(r0, r1);
                var t2 = Avx.UnpackLow(r2, r3);
                var t3 = Avx.UnpackHigh(r2, r3);
                ref double o = ref Unsafe.Add(ref d, j0 * ldd + i0);
                Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref o);
                Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref o, (nuint)ldd);
                Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref o, (nuint)(2 * ldd));
                Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref o, (nuint)(3 * ldd));
            }
    }
}
