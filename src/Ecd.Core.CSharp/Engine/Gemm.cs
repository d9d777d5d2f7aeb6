using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ecd.Core.Engine;

/// <summary>
/// The matrix products of the engine, on row-major matrices, register-blocked and SIMD:
/// <list type="bullet">
/// <item><see cref="MultiplyNN{T}"/>: C = A·B (or C += A·B), used for layer outputs Hᵀ·Wᵀ and input adjoints Z̄ᵀ·W
/// on the point-major layout;</item>
/// <item><see cref="MultiplyTN{T}"/>: C (+)= Aᵀ·B, the same kernels with A read down its columns, used for weight
/// gradients (Σ over a block's rows of outer products);</item>
/// <item><see cref="AccumulateNT{T}"/>: G += Z·Hᵀ as dot products along rows, used for the forward product of
/// layers with very few units (the output layer).</item>
/// </list>
/// Results are bit-identical for a given register width: every sum runs in a fixed order.
/// </summary>
public static class Gemm
{
    private const int MR = 8;

    /// <summary>
    /// C[m×n] (+)= A[m×k]·B[k×n]; leading dimensions are row strides. <paramref name="prefetch"/>: memory that the
    /// caller will use next, brought into L2 a few lines per register tile while the product runs (a hint).
    /// </summary>
    public static void MultiplyNN<T>(SimdWidth width, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate, ReadOnlySpan<T> prefetch = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckNN(a.Length, lda, b.Length, ldb, c.Length, ldc, m, n, k);
        Product(width, a, lda, 1, b, ldb, c, ldc, m, n, k, accumulate, prefetch);
    }

    /// <summary>
    /// <see cref="MultiplyNN{T}"/> with B given as <see cref="PackPanels{T}"/> made it: for a B that many products use
    /// (a layer's weights in every block), so that no product copies its panels again.
    /// </summary>
    public static void MultiplyNNPacked<T>(SimdWidth width, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> packedB,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate, ReadOnlySpan<T> prefetch = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckNN(a.Length, lda, k * n, n, c.Length, ldc, m, n, k);
        if (n % Lanes<T>(width) != 0 || packedB.Length < k * n)
            throw new ArgumentException("a packed B holds k × n values, n a multiple of the register width", nameof(packedB));
        Product(width, a, lda, 1, packedB, -1, c, ldc, m, n, k, accumulate, prefetch);
    }

    /// <summary>
    /// <see cref="MultiplyTN{T}"/> into a C (m × n) kept in <see cref="PackPanels{T}"/>'s order (read it with
    /// <see cref="PanelOffset{T}"/>): an accumulator that many products add to (a weight gradient over the blocks), whose
    /// register tiles are then contiguous. n must be a whole number of registers.
    /// </summary>
    public static void MultiplyTNIntoPanels<T>(SimdWidth width, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> cPanels, int m, int n, int k, bool accumulate, ReadOnlySpan<T> prefetch = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckNN(0, 0, b.Length, ldb, cPanels.Length, n, m, n, k);
        if (m > 0 && k > 0 && a.Length < (k - 1) * lda + m)
            throw new ArgumentException("a matrix is shorter than its dimensions");
        if (n % Lanes<T>(width) != 0)
            throw new ArgumentException("n must be a multiple of the register width", nameof(n));
        Product(width, a, 1, lda, b, ldb, cPanels, -1, m, n, k, accumulate, prefetch);
    }

    /// <summary>Where entry (i, j) of an m × n matrix sits in <see cref="PackPanels{T}"/>'s order for <paramref name="width"/>.</summary>
    public static int PanelOffset<T>(SimdWidth width, int m, int n, int i, int j)
        where T : unmanaged
    {
        int w = Lanes<T>(width), nr = 2 * w, vectorColumns = n / nr * nr;
        int n0 = j < vectorColumns ? j / nr * nr : vectorColumns, pw = j < vectorColumns ? nr : w;
        return n0 * m + i * pw + (j - n0);
    }

    /// <summary>
    /// B[k×n] (row stride <paramref name="ldb"/>) in the order the kernels of <paramref name="width"/> read it: panels of
    /// two registers of columns (the last one of one register when n is odd in registers), each k rows deep and
    /// contiguous, panel after panel. n must be a whole number of registers.
    /// </summary>
    public static void PackPanels<T>(SimdWidth width, ReadOnlySpan<T> b, int ldb, int k, int n, Span<T> packed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Lanes<T>(width), nr = 2 * w, vectorColumns = n / nr * nr;
        CheckNN(0, 0, b.Length, ldb, 0, 0, 0, n, k);
        if (n % w != 0 || packed.Length < k * n)
            throw new ArgumentException("n must be a multiple of the register width and packed hold k × n values", nameof(packed));
        for (int n0 = 0; n0 < n; n0 += nr)
        {
            int pw = n0 < vectorColumns ? nr : w;
            var dst = packed.Slice(n0 * k, k * pw);
            for (int q = 0; q < k; q++)
                b.Slice(q * ldb + n0, pw).CopyTo(dst.Slice(q * pw, pw));
        }
    }

    /// <summary>Values of T in one register of <paramref name="width"/>.</summary>
    internal static int Lanes<T>(SimdWidth width)
        where T : unmanaged =>
        SimdSelect.Resolve(width) switch
        {
            SimdWidth.Bits512 => 64 / Unsafe.SizeOf<T>(),
            SimdWidth.Bits256 => 32 / Unsafe.SizeOf<T>(),
            _ => 1,
        };

    /// <summary>
    /// C[m×n] (+)= Aᵀ·B[k×n] with A stored k × m (row stride <paramref name="lda"/>): the weight gradient of the
    /// point-major layout, Σ over the rows (channel·point) of a block of the outer products of two rows.
    /// </summary>
    public static void MultiplyTN<T>(SimdWidth width, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate, ReadOnlySpan<T> prefetch = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckNN(0, 0, b.Length, ldb, c.Length, ldc, m, n, k);
        if (m > 0 && k > 0 && a.Length < (k - 1) * lda + m)
            throw new ArgumentException("a matrix is shorter than its dimensions");
        Product(width, a, 1, lda, b, ldb, c, ldc, m, n, k, accumulate, prefetch);
    }

    /// <summary>C (+)= A·B with A's entry (i, q) at i·sam + q·sak.</summary>
    private static void Product<T>(SimdWidth width, ReadOnlySpan<T> a, int sam, int sak, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc, int m, int n, int k, bool accumulate, ReadOnlySpan<T> prefetch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (SimdSelect.Resolve(width))
        {
            case SimdWidth.Bits512:
                NN<T, V512<T>>(a, sam, sak, b, ldb, c, ldc, m, n, k, accumulate, prefetch);
                break;
            case SimdWidth.Bits256:
                NN<T, V256<T>>(a, sam, sak, b, ldb, c, ldc, m, n, k, accumulate, prefetch);
                break;
            default:
                NN<T, VScalar<T>>(a, sam, sak, b, ldb, c, ldc, m, n, k, accumulate, prefetch);
                break;
        }
    }

    /// <summary>G[m×p] += Z[m×n]·H[p×n]ᵀ (each entry a dot product of a row of Z with a row of H).</summary>
    public static void AccumulateNT<T>(SimdWidth width, ReadOnlySpan<T> z, int ldz, ReadOnlySpan<T> h, int ldh,
        Span<T> g, int ldg, int m, int p, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckNN(z.Length, ldz, h.Length, ldh, g.Length, ldg, m, p, 0);
        if ((m > 0 && z.Length < (m - 1) * ldz + n) || (p > 0 && h.Length < (p - 1) * ldh + n))
            throw new ArgumentException("a matrix is shorter than its dimensions");
        switch (SimdSelect.Resolve(width))
        {
            case SimdWidth.Bits512:
                NT<T, V512<T>>(z, ldz, h, ldh, g, ldg, m, p, n);
                break;
            case SimdWidth.Bits256:
                NT<T, V256<T>>(z, ldz, h, ldh, g, ldg, m, p, n);
                break;
            default:
                NT<T, VScalar<T>>(z, ldz, h, ldh, g, ldg, m, p, n);
                break;
        }
    }

    private static void CheckNN(int aLen, int lda, int bLen, int ldb, int cLen, int ldc, int m, int n, int k)
    {
        // (aLen = lda = 0: A is checked by the caller)
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), "matrix dimensions must be non-negative");
        if ((lda > 0 && m > 0 && k > 0 && aLen < (m - 1) * lda + k) || (k > 0 && n > 0 && bLen < (k - 1) * ldb + n) || (m > 0 && cLen < (m - 1) * ldc + n))
            throw new ArgumentException("a matrix is shorter than its dimensions");
    }

    /// <summary>
    /// Depth of one pass over k: a panel of B (KC rows × two registers of columns, 16 KiB for float at 512 bits)
    /// stays in L1 while every row tile of A sweeps it; deeper products add the passes into C.
    /// </summary>
    private const int KC = 128;

    /// <summary>Products at most this deep run in one pass over k (C written once): a width-200 layer's forward
    /// product and input adjoint, whose packed panel (200 × 16 doubles, 25 KiB) still fits L1.</summary>
    private const int KMax = 224;

    /// <summary>
    /// Each thread's buffer for one packed panel of B: KC rows × two registers (at most 2 × 16 floats). Thread statics
    /// of a non-generic class, one per float type: those of a generic class were read through the runtime's TLS lookup
    /// (`__tls_get_addr`, about 0.5% of a `small` step), these inline.
    /// </summary>
    private static class PackBuffer
    {
        [ThreadStatic]
        private static AlignedArray<float>? t_single;

        [ThreadStatic]
        private static AlignedArray<double>? t_double;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ref T Panel<T>()
            where T : unmanaged
        {
            if (typeof(T) == typeof(float))
                return ref Unsafe.As<float, T>(ref MemoryMarshal.GetReference((t_single ??= new(KMax * 32)).Span));
            if (typeof(T) == typeof(double))
                return ref Unsafe.As<double, T>(ref MemoryMarshal.GetReference((t_double ??= new(KMax * 32)).Span));
            throw new NotSupportedException($"no packing buffer for {typeof(T)}");
        }
    }

    // Its own compilation unit: inlined into a caller, the kernels' register tiles exceeded the JIT's inlining budget
    // and V.Fma stayed a call (5× slower).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void NN<T, V>(ReadOnlySpan<T> a, int sam, int sak, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, int m, int n, int k, bool acc,
        ReadOnlySpan<T> prefetch)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T cr = ref MemoryMarshal.GetReference(c);
        int nr = 2 * V.Count;
        bool packed = ldb < 0; // B as PackPanels left it
        bool packedC = ldc < 0; // C in the same panel order (m rows per panel)
        // 32 registers (AVX-512) hold an 8 × 2 tile of accumulators; with 16 (AVX2, scalar) a 6 × 2 tile fits without
        // spilling (12 accumulators, two registers of B and a broadcast).
        bool wide = V.Count * Unsafe.SizeOf<T>() == 64;
        int vectorColumns = n / nr * nr;
        bool one = vectorColumns + V.Count <= n;
        if (k == 0)
        {
            // An empty sum: C = 0, or C unchanged when accumulating.
            if (!acc && packedC)
                c.Slice(0, m * n).Clear();
            else if (!acc)
                for (int i = 0; i < m; i++)
                    c.Slice(i * ldc, n).Clear();
            return;
        }
        // The caller's prefetch region, spread evenly over the register tiles of the product.
        ref byte pf = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(prefetch));
        nint pfLines = (nint)prefetch.Length * Unsafe.SizeOf<T>() / Prefetch.Line, pfDone = 0;
        int kPass = k <= KMax ? k : KC;
        nint tiles = (nint)((k + kPass - 1) / kPass) * ((n + nr - 1) / nr) * ((m + MR - 1) / MR);
        nint pfPerTile = tiles == 0 ? 0 : (pfLines + tiles - 1) / tiles;
        int cLines = nr * Unsafe.SizeOf<T>() / Prefetch.Line;
        for (int k0 = 0; k0 < k; k0 += kPass)
        {
            int kc = Math.Min(kPass, k - k0);
            bool accPass = acc || k0 > 0;
            ref T ak = ref Unsafe.Add(ref ar, k0 * sak);
            ref T bk = ref Unsafe.Add(ref br, packed ? 0 : k0 * ldb);
            for (int n0 = 0; n0 < vectorColumns; n0 += nr)
            {
                // The panel of B (kc rows × nr columns) is copied into a contiguous buffer when enough row tiles use it:
                // rows of B a power of two apart (ldb = 256 floats) would fall into a few L1 sets and evict each other.
                ref T panel = ref Unsafe.Add(ref bk, n0);
                int ldp = ldb;
                if (packed)
                {
                    panel = ref Unsafe.Add(ref br, n0 * k + k0 * nr);
                    ldp = nr;
                }
                else if (m >= 12)
                {
                    panel = ref PackBuffer.Panel<T>();
                    for (int q = 0; q < kc; q++)
                    {
                        nuint src = (nuint)(q * ldb + n0), dst = (nuint)(q * nr);
                        V.Store(V.Load(ref bk, src), ref panel, dst);
                        V.Store(V.Load(ref bk, src + (nuint)V.Count), ref panel, dst + (nuint)V.Count);
                    }
                    ldp = nr;
                }
                int m0 = 0, ldcp = packedC ? nr : ldc;
                ref T cp = ref packedC ? ref Unsafe.Add(ref cr, n0 * m) : ref Unsafe.Add(ref cr, n0);
                nint cStride = (nint)ldcp * Unsafe.SizeOf<T>();
                if (wide)
                    for (; m0 + MR <= m; m0 += MR)
                    {
                        // the next tile's C (on the first pass a block's fresh jets: a store would wait for the line)
                        if (m0 + 2 * MR <= m)
                            Prefetch.TileToL1(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref cp, (m0 + MR) * ldcp)), cStride, MR, cLines);
                        Kernel8x2<T>(ref Unsafe.Add(ref ak, m0 * sam), sam, sak, ref panel, ldp, ref Unsafe.Add(ref cp, m0 * ldcp), ldcp, kc, accPass);
                        Prefetch.ToL2(ref pf, ref pfDone, pfPerTile, pfLines);
                    }
                else
                {
                    for (; m0 + 6 <= m; m0 += 6)
                        Kernel6x2<T, V>(ref Unsafe.Add(ref ak, m0 * sam), sam, sak, ref panel, ldp, ref Unsafe.Add(ref cp, m0 * ldcp), ldcp, kc, accPass);
                    for (; m0 + 3 <= m; m0 += 3)
                        Kernel3x2<T, V>(ref Unsafe.Add(ref ak, m0 * sam), sam, sak, ref panel, ldp, ref Unsafe.Add(ref cp, m0 * ldcp), ldcp, kc, accPass);
                }
                for (; m0 < m; m0++)
                    Kernel1x2<T, V>(ref Unsafe.Add(ref ak, m0 * sam), sak, ref panel, ldp, ref Unsafe.Add(ref cp, m0 * ldcp), kc, accPass);
            }
            // One register of columns left (e.g. a width of 208 = 6·32 + 16 floats).
            if (one)
            {
                int n0 = vectorColumns, m0 = 0, ldb1 = packed ? V.Count : ldb, ldc1 = packedC ? V.Count : ldc;
                ref T c1 = ref packedC ? ref Unsafe.Add(ref cr, n0 * m) : ref Unsafe.Add(ref cr, n0);
                nint cStride1 = (nint)ldc1 * Unsafe.SizeOf<T>();
                ref T b1 = ref packed ? ref Unsafe.Add(ref br, n0 * k + k0 * V.Count) : ref Unsafe.Add(ref bk, n0);
                if (wide)
                    for (; m0 + MR <= m; m0 += MR)
                    {
                        if (m0 + 2 * MR <= m)
                            Prefetch.TileToL1(ref Unsafe.As<T, byte>(ref Unsafe.Add(ref c1, (m0 + MR) * ldc1)), cStride1, MR, cLines / 2);
                        Kernel8x1<T>(ref Unsafe.Add(ref ak, m0 * sam), sam, sak, ref b1, ldb1, ref Unsafe.Add(ref c1, m0 * ldc1), ldc1, kc, accPass);
                        Prefetch.ToL2(ref pf, ref pfDone, pfPerTile, pfLines);
                    }
                for (; m0 + MR <= m; m0 += MR)
                    Kernel8x1<T, V>(ref Unsafe.Add(ref ak, m0 * sam), sam, sak, ref b1, ldb1, ref Unsafe.Add(ref c1, m0 * ldc1), ldc1, kc, accPass);
                for (; m0 < m; m0++)
                    Kernel1x1<T, V>(ref Unsafe.Add(ref ak, m0 * sam), sak, ref b1, ldb1, ref Unsafe.Add(ref c1, m0 * ldc1), kc, accPass);
            }
        }
        int done = one ? vectorColumns + V.Count : vectorColumns;
        for (int i = 0; i < m; i++)
            for (int j = done; j < n; j++)
            {
                T s = acc ? Unsafe.Add(ref cr, i * ldc + j) : T.Zero;
                for (int q = 0; q < k; q++)
                    s = T.FusedMultiplyAdd(Unsafe.Add(ref ar, i * sam + q * sak), Unsafe.Add(ref br, q * ldb + j), s);
                Unsafe.Add(ref cr, i * ldc + j) = s;
            }
    }

    // AVX-512's 8 × 2 tile on Vector512 locals rather than the operator struct: with the struct the JIT did not see
    // that an FMA's result goes back into its accumulator, wrote it into the broadcast's register and copied it back
    // (8–24 extra moves per iteration). The rows of A are reached from three pointers (rows 0, 3, 6) plus one or two
    // row strides, which x86 addressing folds into the broadcasts: with eight row pointers the JIT spilled four of
    // them to the stack and reloaded them in every iteration.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x2<T>(ref T a, int sam, int sak, ref T b, int ldb, ref T c, int ldc, int k, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        nint r = sam, r2 = 2 * (nint)sam, stepA = sak, stepB = ldb;
        ref T p0 = ref a;
        ref T p3 = ref Unsafe.Add(ref a, 3 * r);
        ref T p6 = ref Unsafe.Add(ref a, 6 * r);
        ref T pb = ref b;
        for (int q = k; q > 0; q--)
        {
            Vector512<T> b0 = Vector512.LoadUnsafe(ref pb), b1 = Vector512.LoadUnsafe(ref pb, (nuint)w);
            Vector512<T> x = Vector512.Create(p0);
            c00 = V512<T>.Fused(x, b0, c00);
            c01 = V512<T>.Fused(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref p0, r));
            c10 = V512<T>.Fused(x, b0, c10);
            c11 = V512<T>.Fused(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref p0, r2));
            c20 = V512<T>.Fused(x, b0, c20);
            c21 = V512<T>.Fused(x, b1, c21);
            x = Vector512.Create(p3);
            c30 = V512<T>.Fused(x, b0, c30);
            c31 = V512<T>.Fused(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref p3, r));
            c40 = V512<T>.Fused(x, b0, c40);
            c41 = V512<T>.Fused(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref p3, r2));
            c50 = V512<T>.Fused(x, b0, c50);
            c51 = V512<T>.Fused(x, b1, c51);
            x = Vector512.Create(p6);
            c60 = V512<T>.Fused(x, b0, c60);
            c61 = V512<T>.Fused(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref p6, r));
            c70 = V512<T>.Fused(x, b0, c70);
            c71 = V512<T>.Fused(x, b1, c71);
            p0 = ref Unsafe.Add(ref p0, stepA);
            p3 = ref Unsafe.Add(ref p3, stepA);
            p6 = ref Unsafe.Add(ref p6, stepA);
            pb = ref Unsafe.Add(ref pb, stepB);
        }
        Store512(ref c, 0, c00, c01, acc);
        Store512(ref c, ldc, c10, c11, acc);
        Store512(ref c, 2 * ldc, c20, c21, acc);
        Store512(ref c, 3 * ldc, c30, c31, acc);
        Store512(ref c, 4 * ldc, c40, c41, acc);
        Store512(ref c, 5 * ldc, c50, c51, acc);
        Store512(ref c, 6 * ldc, c60, c61, acc);
        Store512(ref c, 7 * ldc, c70, c71, acc);
    }

    /// <summary>The 8 × 1 tile of AVX-512 (a last register of columns), written as <see cref="Kernel8x2{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x1<T>(ref T a, int sam, int sak, ref T b, int ldb, ref T c, int ldc, int k, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        nint r = sam, r2 = 2 * (nint)sam, stepA = sak, stepB = ldb;
        ref T p0 = ref a;
        ref T p3 = ref Unsafe.Add(ref a, 3 * r);
        ref T p6 = ref Unsafe.Add(ref a, 6 * r);
        ref T pb = ref b;
        for (int q = k; q > 0; q--)
        {
            Vector512<T> b0 = Vector512.LoadUnsafe(ref pb);
            c0 = V512<T>.Fused(Vector512.Create(p0), b0, c0);
            c1 = V512<T>.Fused(Vector512.Create(Unsafe.Add(ref p0, r)), b0, c1);
            c2 = V512<T>.Fused(Vector512.Create(Unsafe.Add(ref p0, r2)), b0, c2);
            c3 = V512<T>.Fused(Vector512.Create(p3), b0, c3);
            c4 = V512<T>.Fused(Vector512.Create(Unsafe.Add(ref p3, r)), b0, c4);
            c5 = V512<T>.Fused(Vector512.Create(Unsafe.Add(ref p3, r2)), b0, c5);
            c6 = V512<T>.Fused(Vector512.Create(p6), b0, c6);
            c7 = V512<T>.Fused(Vector512.Create(Unsafe.Add(ref p6, r)), b0, c7);
            p0 = ref Unsafe.Add(ref p0, stepA);
            p3 = ref Unsafe.Add(ref p3, stepA);
            p6 = ref Unsafe.Add(ref p6, stepA);
            pb = ref Unsafe.Add(ref pb, stepB);
        }
        Store512(ref c, 0, c0, acc);
        Store512(ref c, ldc, c1, acc);
        Store512(ref c, 2 * ldc, c2, acc);
        Store512(ref c, 3 * ldc, c3, acc);
        Store512(ref c, 4 * ldc, c4, acc);
        Store512(ref c, 5 * ldc, c5, acc);
        Store512(ref c, 6 * ldc, c6, acc);
        Store512(ref c, 7 * ldc, c7, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512<T>(ref T c, int offset, Vector512<T> v, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (acc)
            v += Vector512.LoadUnsafe(ref c, (nuint)offset);
        v.StoreUnsafe(ref c, (nuint)offset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512<T>(ref T c, int offset, Vector512<T> v0, Vector512<T> v1, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        nuint o = (nuint)offset, o1 = o + (nuint)Vector512<T>.Count;
        if (acc)
        {
            v0 += Vector512.LoadUnsafe(ref c, o);
            v1 += Vector512.LoadUnsafe(ref c, o1);
        }
        v0.StoreUnsafe(ref c, o);
        v1.StoreUnsafe(ref c, o1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x2<T, V>(ref T a, int sam, int sak, ref T b, int ldb, ref T c, int ldc, int k, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        int w = V.Count;
        V c00 = V.Zero, c01 = V.Zero, c10 = V.Zero, c11 = V.Zero, c20 = V.Zero, c21 = V.Zero;
        V c30 = V.Zero, c31 = V.Zero, c40 = V.Zero, c41 = V.Zero, c50 = V.Zero, c51 = V.Zero;
        ref T a1 = ref Unsafe.Add(ref a, sam);
        ref T a2 = ref Unsafe.Add(ref a, 2 * sam);
        ref T a3 = ref Unsafe.Add(ref a, 3 * sam);
        ref T a4 = ref Unsafe.Add(ref a, 4 * sam);
        ref T a5 = ref Unsafe.Add(ref a, 5 * sam);
        nuint off = 0, qa = 0;
        for (int q = 0; q < k; q++, off += (nuint)ldb, qa += (nuint)sak)
        {
            V b0 = V.Load(ref b, off), b1 = V.Load(ref b, off + (nuint)w);
            V x = V.Broadcast(Unsafe.Add(ref a, qa));
            c00 = V.Fma(x, b0, c00); c01 = V.Fma(x, b1, c01);
            x = V.Broadcast(Unsafe.Add(ref a1, qa));
            c10 = V.Fma(x, b0, c10); c11 = V.Fma(x, b1, c11);
            x = V.Broadcast(Unsafe.Add(ref a2, qa));
            c20 = V.Fma(x, b0, c20); c21 = V.Fma(x, b1, c21);
            x = V.Broadcast(Unsafe.Add(ref a3, qa));
            c30 = V.Fma(x, b0, c30); c31 = V.Fma(x, b1, c31);
            x = V.Broadcast(Unsafe.Add(ref a4, qa));
            c40 = V.Fma(x, b0, c40); c41 = V.Fma(x, b1, c41);
            x = V.Broadcast(Unsafe.Add(ref a5, qa));
            c50 = V.Fma(x, b0, c50); c51 = V.Fma(x, b1, c51);
        }
        StorePair<T, V>(ref c, 0, c00, c01, acc);
        StorePair<T, V>(ref c, ldc, c10, c11, acc);
        StorePair<T, V>(ref c, 2 * ldc, c20, c21, acc);
        StorePair<T, V>(ref c, 3 * ldc, c30, c31, acc);
        StorePair<T, V>(ref c, 4 * ldc, c40, c41, acc);
        StorePair<T, V>(ref c, 5 * ldc, c50, c51, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel3x2<T, V>(ref T a, int sam, int sak, ref T b, int ldb, ref T c, int ldc, int k, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        int w = V.Count;
        V c00 = V.Zero, c01 = V.Zero, c10 = V.Zero, c11 = V.Zero, c20 = V.Zero, c21 = V.Zero;
        ref T a1 = ref Unsafe.Add(ref a, sam);
        ref T a2 = ref Unsafe.Add(ref a, 2 * sam);
        nuint off = 0, qa = 0;
        for (int q = 0; q < k; q++, off += (nuint)ldb, qa += (nuint)sak)
        {
            V b0 = V.Load(ref b, off), b1 = V.Load(ref b, off + (nuint)w);
            V x = V.Broadcast(Unsafe.Add(ref a, qa));
            c00 = V.Fma(x, b0, c00); c01 = V.Fma(x, b1, c01);
            x = V.Broadcast(Unsafe.Add(ref a1, qa));
            c10 = V.Fma(x, b0, c10); c11 = V.Fma(x, b1, c11);
            x = V.Broadcast(Unsafe.Add(ref a2, qa));
            c20 = V.Fma(x, b0, c20); c21 = V.Fma(x, b1, c21);
        }
        StorePair<T, V>(ref c, 0, c00, c01, acc);
        StorePair<T, V>(ref c, ldc, c10, c11, acc);
        StorePair<T, V>(ref c, 2 * ldc, c20, c21, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x1<T, V>(ref T a, int sam, int sak, ref T b, int ldb, ref T c, int ldc, int k, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        V c0 = V.Zero, c1 = V.Zero, c2 = V.Zero, c3 = V.Zero, c4 = V.Zero, c5 = V.Zero, c6 = V.Zero, c7 = V.Zero;
        ref T a1 = ref Unsafe.Add(ref a, sam);
        ref T a2 = ref Unsafe.Add(ref a, 2 * sam);
        ref T a3 = ref Unsafe.Add(ref a, 3 * sam);
        ref T a4 = ref Unsafe.Add(ref a, 4 * sam);
        ref T a5 = ref Unsafe.Add(ref a, 5 * sam);
        ref T a6 = ref Unsafe.Add(ref a, 6 * sam);
        ref T a7 = ref Unsafe.Add(ref a, 7 * sam);
        nuint off = 0, qa = 0;
        for (int q = 0; q < k; q++, off += (nuint)ldb, qa += (nuint)sak)
        {
            V b0 = V.Load(ref b, off);
            c0 = V.Fma(V.Broadcast(Unsafe.Add(ref a, qa)), b0, c0);
            c1 = V.Fma(V.Broadcast(Unsafe.Add(ref a1, qa)), b0, c1);
            c2 = V.Fma(V.Broadcast(Unsafe.Add(ref a2, qa)), b0, c2);
            c3 = V.Fma(V.Broadcast(Unsafe.Add(ref a3, qa)), b0, c3);
            c4 = V.Fma(V.Broadcast(Unsafe.Add(ref a4, qa)), b0, c4);
            c5 = V.Fma(V.Broadcast(Unsafe.Add(ref a5, qa)), b0, c5);
            c6 = V.Fma(V.Broadcast(Unsafe.Add(ref a6, qa)), b0, c6);
            c7 = V.Fma(V.Broadcast(Unsafe.Add(ref a7, qa)), b0, c7);
        }
        StoreOne<T, V>(ref c, 0, c0, acc);
        StoreOne<T, V>(ref c, ldc, c1, acc);
        StoreOne<T, V>(ref c, 2 * ldc, c2, acc);
        StoreOne<T, V>(ref c, 3 * ldc, c3, acc);
        StoreOne<T, V>(ref c, 4 * ldc, c4, acc);
        StoreOne<T, V>(ref c, 5 * ldc, c5, acc);
        StoreOne<T, V>(ref c, 6 * ldc, c6, acc);
        StoreOne<T, V>(ref c, 7 * ldc, c7, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x1<T, V>(ref T a, int sak, ref T b, int ldb, ref T c, int k, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        V c0 = V.Zero;
        nuint off = 0, qa = 0;
        for (int q = 0; q < k; q++, off += (nuint)ldb, qa += (nuint)sak)
            c0 = V.Fma(V.Broadcast(Unsafe.Add(ref a, qa)), V.Load(ref b, off), c0);
        StoreOne<T, V>(ref c, 0, c0, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne<T, V>(ref T c, int offset, V v, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        nuint o = (nuint)offset;
        if (acc)
            v = V.Add(v, V.Load(ref c, o));
        V.Store(v, ref c, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x2<T, V>(ref T a, int sak, ref T b, int ldb, ref T c, int k, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        int w = V.Count;
        V c0 = V.Zero, c1 = V.Zero;
        nuint off = 0, qa = 0;
        for (int q = 0; q < k; q++, off += (nuint)ldb, qa += (nuint)sak)
        {
            V x = V.Broadcast(Unsafe.Add(ref a, qa));
            c0 = V.Fma(x, V.Load(ref b, off), c0);
            c1 = V.Fma(x, V.Load(ref b, off + (nuint)w), c1);
        }
        StorePair<T, V>(ref c, 0, c0, c1, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair<T, V>(ref T c, int offset, V v0, V v1, bool acc)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        nuint o = (nuint)offset, o1 = o + (nuint)V.Count;
        if (acc)
        {
            v0 = V.Add(v0, V.Load(ref c, o));
            v1 = V.Add(v1, V.Load(ref c, o1));
        }
        V.Store(v0, ref c, o);
        V.Store(v1, ref c, o1);
    }

    private static void NT<T, V>(ReadOnlySpan<T> z, int ldz, ReadOnlySpan<T> h, int ldh, Span<T> g, int ldg, int m, int p, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T hr = ref MemoryMarshal.GetReference(h);
        ref T gr = ref MemoryMarshal.GetReference(g);
        int nv = n / V.Count * V.Count;
        int i0 = 0;
        for (; i0 + 4 <= m; i0 += 4)
        {
            int j0 = 0;
            for (; j0 + 4 <= p; j0 += 4)
                Kernel4x4<T, V>(ref zr, ldz, ref hr, ldh, ref gr, ldg, i0, j0, nv, n);
            for (; j0 < p; j0++)
                for (int i = i0; i < i0 + 4; i++)
                    Unsafe.Add(ref gr, i * ldg + j0) += Dot<T, V>(ref Unsafe.Add(ref zr, i * ldz), ref Unsafe.Add(ref hr, j0 * ldh), nv, n);
        }
        for (; i0 < m; i0++)
            for (int j = 0; j < p; j++)
                Unsafe.Add(ref gr, i0 * ldg + j) += Dot<T, V>(ref Unsafe.Add(ref zr, i0 * ldz), ref Unsafe.Add(ref hr, j * ldh), nv, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Dot<T, V>(ref T x, ref T y, int nv, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        V s = V.Zero;
        T t = T.Zero;
        for (int q = 0; q < nv; q += V.Count)
            s = V.Fma(V.Load(ref x, (nuint)q), V.Load(ref y, (nuint)q), s);
        for (int q = nv; q < n; q++)
            t = T.FusedMultiplyAdd(Unsafe.Add(ref x, q), Unsafe.Add(ref y, q), t);
        return V.Sum(s) + t;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel4x4<T, V>(ref T z, int ldz, ref T h, int ldh, ref T g, int ldg, int i0, int j0, int nv, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        V s00 = V.Zero, s01 = V.Zero, s02 = V.Zero, s03 = V.Zero, s10 = V.Zero, s11 = V.Zero, s12 = V.Zero, s13 = V.Zero;
        V s20 = V.Zero, s21 = V.Zero, s22 = V.Zero, s23 = V.Zero, s30 = V.Zero, s31 = V.Zero, s32 = V.Zero, s33 = V.Zero;
        ref T z0 = ref Unsafe.Add(ref z, i0 * ldz);
        ref T z1 = ref Unsafe.Add(ref z0, ldz);
        ref T z2 = ref Unsafe.Add(ref z0, 2 * ldz);
        ref T z3 = ref Unsafe.Add(ref z0, 3 * ldz);
        ref T h0 = ref Unsafe.Add(ref h, j0 * ldh);
        ref T h1 = ref Unsafe.Add(ref h0, ldh);
        ref T h2 = ref Unsafe.Add(ref h0, 2 * ldh);
        ref T h3 = ref Unsafe.Add(ref h0, 3 * ldh);
        for (int q = 0; q < nv; q += V.Count)
        {
            nuint o = (nuint)q;
            V y0 = V.Load(ref h0, o), y1 = V.Load(ref h1, o), y2 = V.Load(ref h2, o), y3 = V.Load(ref h3, o);
            V x = V.Load(ref z0, o);
            s00 = V.Fma(x, y0, s00); s01 = V.Fma(x, y1, s01); s02 = V.Fma(x, y2, s02); s03 = V.Fma(x, y3, s03);
            x = V.Load(ref z1, o);
            s10 = V.Fma(x, y0, s10); s11 = V.Fma(x, y1, s11); s12 = V.Fma(x, y2, s12); s13 = V.Fma(x, y3, s13);
            x = V.Load(ref z2, o);
            s20 = V.Fma(x, y0, s20); s21 = V.Fma(x, y1, s21); s22 = V.Fma(x, y2, s22); s23 = V.Fma(x, y3, s23);
            x = V.Load(ref z3, o);
            s30 = V.Fma(x, y0, s30); s31 = V.Fma(x, y1, s31); s32 = V.Fma(x, y2, s32); s33 = V.Fma(x, y3, s33);
        }
        ref T g0 = ref Unsafe.Add(ref g, i0 * ldg + j0);
        Put(ref g0, 0, V.Sum(s00), V.Sum(s01), V.Sum(s02), V.Sum(s03));
        Put(ref g0, ldg, V.Sum(s10), V.Sum(s11), V.Sum(s12), V.Sum(s13));
        Put(ref g0, 2 * ldg, V.Sum(s20), V.Sum(s21), V.Sum(s22), V.Sum(s23));
        Put(ref g0, 3 * ldg, V.Sum(s30), V.Sum(s31), V.Sum(s32), V.Sum(s33));
        if (nv < n)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                {
                    T t = T.Zero;
                    for (int q = nv; q < n; q++)
                        t = T.FusedMultiplyAdd(Unsafe.Add(ref z, (i0 + i) * ldz + q), Unsafe.Add(ref h, (j0 + j) * ldh + q), t);
                    Unsafe.Add(ref g, (i0 + i) * ldg + j0 + j) += t;
                }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<T>(ref T row, int offset, T a, T b, T c, T d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T r = ref Unsafe.Add(ref row, offset);
        r += a;
        Unsafe.Add(ref r, 1) += b;
        Unsafe.Add(ref r, 2) += c;
        Unsafe.Add(ref r, 3) += d;
    }
}
