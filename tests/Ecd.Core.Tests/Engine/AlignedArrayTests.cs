using Ecd.Core.Engine;

namespace Ecd.Core.Tests.Engine;

public class AlignedArrayTests
{
    public static IEnumerable<object[]> Lengths() => new[] { 0, 1, 7, 16, 1000, 30_001, 100_000 }.Select(n => new object[] { n });

    [Theory, MemberData(nameof(Lengths))]
    public void Float_buffers_start_on_a_cache_line_and_hold_their_length(int length) => Check<float>(length);

    [Theory, MemberData(nameof(Lengths))]
    public void Double_buffers_start_on_a_cache_line_and_hold_their_length(int length) => Check<double>(length);

    private static void Check<T>(int length)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        // Several buffers in a row: the GC places arrays at any multiple of 8 bytes, so one lucky buffer proves little.
        for (int r = 0; r < 8; r++)
        {
            var a = new AlignedArray<T>(length);
            Assert.Equal(0, a.Address % AlignedArray<T>.Alignment);
            Assert.Equal(length, a.Length);
            Assert.Equal(length, a.Span.Length);
            Assert.All(a.Span.ToArray(), x => Assert.Equal(T.Zero, x));
            if (length == 0)
                continue;
            a[length - 1] = T.One;
            Assert.Equal(T.One, a.AsSpan(length - 1, 1)[0]);
            a.Clear();
            Assert.Equal(T.Zero, a[length - 1]);
        }
    }

    [Fact]
    public void A_negative_length_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedArray<float>(-1));
}
