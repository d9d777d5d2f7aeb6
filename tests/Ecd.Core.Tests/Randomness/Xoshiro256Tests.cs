using Ecd.Core.Randomness;

namespace Ecd.Core.Tests.Randomness;

public class Xoshiro256Tests
{
    [Fact]
    public void Same_seed_same_stream_and_different_seeds_differ()
    {
        var a = Xoshiro256.FromSeed(42);
        var b = Xoshiro256.FromSeed(42);
        var c = Xoshiro256.FromSeed(43);
        var sa = Enumerable.Range(0, 100).Select(_ => a.NextUInt64()).ToArray();
        Assert.Equal(sa, Enumerable.Range(0, 100).Select(_ => b.NextUInt64()));
        Assert.NotEqual(sa, Enumerable.Range(0, 100).Select(_ => c.NextUInt64()));
    }

    [Fact]
    public void A_clone_taken_between_a_normal_pair_continues_identically()
    {
        var a = Xoshiro256.FromSeed(5);
        a.NextNormal(); // leaves the spare cached
        var b = a.Clone();
        Assert.Equal(Enumerable.Range(0, 50).Select(_ => a.NextNormal()), Enumerable.Range(0, 50).Select(_ => b.NextNormal()));
    }

    [Fact]
    public void Uniform_and_normal_moments_are_right()
    {
        var r = Xoshiro256.FromSeed(1);
        const int n = 200_000;
        var u = Enumerable.Range(0, n).Select(_ => r.NextDouble()).ToArray();
        Assert.All(u, x => Assert.InRange(x, 0.0, 1.0 - 1e-17));
        Assert.Equal(0.5, u.Average(), 0.005);
        var z = Enumerable.Range(0, n).Select(_ => r.NextNormal()).ToArray();
        double mean = z.Average();
        double variance = z.Select(x => (x - mean) * (x - mean)).Average();
        // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance; allow 5σ.
        Assert.Equal(0.0, mean, 0.012);
        Assert.Equal(1.0, variance, 0.016);
    }

    [Fact]
    public void Derived_seeds_are_distinct()
    {
        var seeds = Enumerable.Range(0, 1000).Select(i => Xoshiro256.DeriveSeed(9, (ulong)i)).ToHashSet();
        Assert.Equal(1000, seeds.Count);
    }
}
