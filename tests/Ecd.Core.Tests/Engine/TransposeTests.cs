using Ecd.Core.Engine;

namespace Ecd.Core.Tests.Engine;

public class TransposeTests
{
    public static IEnumerable<object[]> Shapes() =>
        from s in new[] { (1, 1), (8, 8), (64, 256), (200, 256), (2, 64), (13, 21), (9, 7), (4, 4), (5, 3) }
        from simd in new[] { true, false }
        select new object[] { s.Item1, s.Item2, simd };

    private static void Check<T>(int rows, int cols, bool simd)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        // Leading dimensions larger than the matrices (padded rows), and guard values that must stay untouched.
        int lds = cols + 3, ldd = rows + 5;
        var src = Enumerable.Range(0, rows * lds).Select(i => T.CreateTruncating(i * 0.5 - 7)).ToArray();
        var dst = Enumerable.Repeat(T.CreateTruncating(-99), cols * ldd).ToArray();
        Transpose.Run<T>(src, lds, dst, ldd, rows, cols, simd);
        for (int j = 0; j < cols; j++)
            for (int i = 0; i < ldd; i++)
                Assert.Equal(i < rows ? src[i * lds + j] : T.CreateTruncating(-99), dst[j * ldd + i]);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Float_matrices_are_transposed_exactly(int rows, int cols, bool simd) => Check<float>(rows, cols, simd);

    [Theory, MemberData(nameof(Shapes))]
    public void Double_matrices_are_transposed_exactly(int rows, int cols, bool simd) => Check<double>(rows, cols, simd);

    [Fact]
    public void Short_buffers_are_rejected() =>
        Assert.Throws<ArgumentException>(() => Transpose.Run<float>(new float[15], 4, new float[16], 4, 4, 4));
}
