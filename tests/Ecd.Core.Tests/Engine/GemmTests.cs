using Ecd.Core.Engine;
using Ecd.Core.Randomness;

namespace Ecd.Core.Tests.Engine;

public class GemmTests
{
    public static IEnumerable<object[]> Shapes() =>
        from w in new[] { SimdWidth.Bits512, SimdWidth.Bits256, SimdWidth.Scalar }
        from s in new[] { (1, 32, 7), (8, 64, 64), (13, 96, 5), (200, 64, 200), (3, 40, 2), (9, 33, 17), (16, 200, 300), (9, 24, 129), (8, 0, 3), (4, 16, 0) }
        select new object[] { w, s.Item1, s.Item2, s.Item3 };

    private static double[] Random(int n, ulong seed)
    {
        var r = Xoshiro256.FromSeed(seed);
        return Enumerable.Range(0, n).Select(_ => r.NextUniform(-1, 1)).ToArray();
    }

    [Theory, MemberData(nameof(Shapes))]
    public void MultiplyNN_matches_the_naive_product(SimdWidth width, int m, int n, int k)
    {
        var a = Random(m * k, 1);
        var b = Random(k * n, 2);
        AssertProduct(m, n, k, (i, q) => a[i * k + q], b, (c, acc) => Gemm.MultiplyNN<double>(width, a, k, b, n, c, n, m, n, k, acc));
    }

    [Theory, MemberData(nameof(Shapes))]
    public void MultiplyTN_matches_the_naive_product(SimdWidth width, int m, int n, int k)
    {
        // A is stored k × m with a row stride larger than m (a padded layer), read down its columns.
        int lda = m + 3;
        var a = Random(k * lda, 11);
        var b = Random(k * n, 12);
        AssertProduct(m, n, k, (i, q) => a[q * lda + i], b, (c, acc) => Gemm.MultiplyTN<double>(width, a, lda, b, n, c, n, m, n, k, acc));
    }

    /// <summary>C += A·B, then C = A·B, against the naive sums (A given entry by entry, B k × n).</summary>
    private static void AssertProduct(int m, int n, int k, Func<int, int, double> aAt, double[] b, Action<double[], bool> multiply)
    {
        var c = Random(m * n, 3);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = c[i * n + j];
                for (int q = 0; q < k; q++)
                    s += aAt(i, q) * b[q * n + j];
                expected[i * n + j] = s;
            }
        multiply(c, true);
        for (int i = 0; i < c.Length; i++)
            Assert.Equal(expected[i], c[i], 1e-12);
        multiply(c, false);
        var c0 = Random(m * n, 3);
        for (int i = 0; i < c.Length; i++)
            Assert.Equal(expected[i] - c0[i], c[i], 1e-12);
    }

    [Theory]
    [InlineData(SimdWidth.Bits512)]
    [InlineData(SimdWidth.Bits256)]
    [InlineData(SimdWidth.Scalar)]
    public void MultiplyNN_in_float_matches_the_double_product_on_a_padded_weight_gradient_shape(SimdWidth width)
    {
        // The weight gradient of a width-200 layer: Z̄ (200 × 256) · Hᵀ (256 × 208, rows padded to whole registers).
        const int m = 200, n = 208, k = 256;
        var a = Random(m * k, 7);
        var b = Random(k * n, 8);
        var c = new float[m * n];
        Gemm.MultiplyNN<float>(width, a.Select(x => (float)x).ToArray(), k, b.Select(x => (float)x).ToArray(), n, c, n, m, n, k, accumulate: false);
        for (int i = 0; i < m; i += 7)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int q = 0; q < k; q++)
                    s += a[i * k + q] * b[q * n + j];
                Assert.Equal(s, c[i * n + j], 2e-4 * Math.Sqrt(k));
            }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void AccumulateNT_matches_the_naive_product(SimdWidth width, int m, int n, int p)
    {
        var z = Random(m * n, 4);
        var h = Random(p * n, 5);
        var g = Random(m * p, 6);
        var expected = (double[])g.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < p; j++)
                for (int q = 0; q < n; q++)
                    expected[i * p + j] += z[i * n + q] * h[j * n + q];
        Gemm.AccumulateNT<double>(width, z, n, h, n, g, p, m, p, n);
        for (int i = 0; i < g.Length; i++)
            Assert.Equal(expected[i], g[i], 1e-12);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void A_prefetch_region_leaves_products_and_the_region_unchanged(SimdWidth width, int m, int n, int k)
    {
        // The region is read (prefetched) while the product runs: of any length, including one longer than the
        // product has tiles for, it changes neither the result (bit for bit) nor itself.
        var a = Random(m * k, 21);
        var b = Random(k * n, 22);
        foreach (int length in new[] { 1, 1000, 100_000 })
        {
            var region = Random(length, 23);
            var plain = Random(m * n, 24);
            var hinted = (double[])plain.Clone();
            Gemm.MultiplyNN<double>(width, a, k, b, n, plain, n, m, n, k, accumulate: true);
            Gemm.MultiplyNN<double>(width, a, k, b, n, hinted, n, m, n, k, accumulate: true, prefetch: region);
            Assert.Equal(plain, hinted);
            Gemm.MultiplyTN<double>(width, a, m, b, n, plain, n, m, n, Math.Min(k, m == 0 ? 0 : k), accumulate: false);
            Gemm.MultiplyTN<double>(width, a, m, b, n, hinted, n, m, n, Math.Min(k, m == 0 ? 0 : k), accumulate: false, prefetch: region);
            Assert.Equal(plain, hinted);
            Assert.Equal(Random(length, 23), region);
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void MultiplyNN_with_B_packed_once_is_bit_identical(SimdWidth width, int m, int n, int k)
    {
        // B packed in advance (a layer's weights, once per pass): the same sums in the same order as packing per
        // product, for one pass over k and for several (k = 300), with B's rows padded (ldb > n).
        int lanes = width switch { SimdWidth.Bits512 => 8, SimdWidth.Bits256 => 4, _ => 1 };
        if (n % lanes != 0)
            return;
        int ldb = n + 8;
        var a = Random(m * k, 31);
        var b = Random(k * ldb, 32);
        var packed = new double[k * n];
        Gemm.PackPanels<double>(width, b, ldb, k, n, packed);
        foreach (bool acc in new[] { false, true })
        {
            var plain = Random(m * n, 33);
            var fromPacked = (double[])plain.Clone();
            Gemm.MultiplyNN<double>(width, a, k, b, ldb, plain, n, m, n, k, acc);
            Gemm.MultiplyNNPacked<double>(width, a, k, packed, fromPacked, n, m, n, k, acc);
            Assert.Equal(plain, fromPacked);
        }
    }

    [Theory, MemberData(nameof(Shapes))]
    public void MultiplyTN_into_panels_is_bit_identical(SimdWidth width, int m, int n, int k)
    {
        // C kept in panel order (a weight gradient accumulated over blocks): the same sums as the row-major product.
        int lanes = width switch { SimdWidth.Bits512 => 8, SimdWidth.Bits256 => 4, _ => 1 };
        if (n % lanes != 0)
            return;
        var a = Random(k * m, 41);
        var b = Random(k * n, 42);
        var start = Random(m * n, 43);
        var rowMajor = (double[])start.Clone();
        var panels = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                panels[Gemm.PanelOffset<double>(width, m, n, i, j)] = start[i * n + j];
        for (int pass = 0; pass < 2; pass++)
        {
            Gemm.MultiplyTN<double>(width, a, m, b, n, rowMajor, n, m, n, k, accumulate: true);
            Gemm.MultiplyTNIntoPanels<double>(width, a, m, b, n, panels, m, n, k, accumulate: true);
        }
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(rowMajor[i * n + j], panels[Gemm.PanelOffset<double>(width, m, n, i, j)]);
    }

    [Fact]
    public void Short_buffers_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyNN<double>(SimdWidth.Auto, new double[3], 2, new double[4], 2, new double[4], 2, 2, 2, 2, false));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTN<double>(SimdWidth.Auto, new double[3], 2, new double[4], 2, new double[4], 2, 2, 2, 2, false));
        Assert.Throws<ArgumentException>(() => Gemm.AccumulateNT<double>(SimdWidth.Auto, new double[3], 2, new double[4], 2, new double[4], 2, 2, 2, 2));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyNNPacked<double>(SimdWidth.Bits512, new double[4], 2, new double[3], new double[4], 2, 2, 2, 2, false));
        Assert.Throws<ArgumentException>(() => Gemm.PackPanels<double>(SimdWidth.Bits512, new double[12], 6, 2, 6, new double[12]));
    }
}
