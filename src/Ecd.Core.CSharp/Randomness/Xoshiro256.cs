namespace Ecd.Core.Randomness;

/// <summary>
/// xoshiro256** pseudo-random generator (Blackman &amp; Vigna 2018), seeded through SplitMix64.
/// Its whole state is four public words plus the cached second Gaussian, so it serialises with the
/// optimizer state and a restored generator continues the exact same stream.
/// </summary>
public sealed class Xoshiro256
{
    /// <summary>State word 0.</summary>
    public ulong S0 { get; set; }
    /// <summary>State word 1.</summary>
    public ulong S1 { get; set; }
    /// <summary>State word 2.</summary>
    public ulong S2 { get; set; }
    /// <summary>State word 3.</summary>
    public ulong S3 { get; set; }
    /// <summary>Whether <see cref="Spare"/> holds the second normal deviate of the last Box–Muller pair.</summary>
    public bool HasSpare { get; set; }
    /// <summary>The cached second normal deviate.</summary>
    public double Spare { get; set; }

    /// <summary>For deserialisation only; use <see cref="FromSeed"/>.</summary>
    public Xoshiro256() { }

    /// <summary>A generator whose stream is fully determined by <paramref name="seed"/>.</summary>
    public static Xoshiro256 FromSeed(ulong seed)
    {
        var sm = seed;
        return new Xoshiro256 { S0 = SplitMix(ref sm), S1 = SplitMix(ref sm), S2 = SplitMix(ref sm), S3 = SplitMix(ref sm) };
    }

    /// <summary>A deep copy continuing the same stream.</summary>
    public Xoshiro256 Clone() => (Xoshiro256)MemberwiseClone();

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(S1 * 5, 7) * 9;
        ulong t = S1 << 17;
        S2 ^= S0;
        S3 ^= S1;
        S1 ^= S2;
        S0 ^= S3;
        S2 ^= t;
        S3 = ulong.RotateLeft(S3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double NextUniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Standard normal deviate (Box–Muller; the pair's second value is cached in the state).</summary>
    public double NextNormal()
    {
        if (HasSpare)
        {
            HasSpare = false;
            return Spare;
        }
        double u1;
        do
            u1 = NextDouble();
        while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double a = 2.0 * Math.PI * u2;
        Spare = r * Math.Sin(a);
        HasSpare = true;
        return r * Math.Cos(a);
    }

    /// <summary>Derives an independent seed for stream <paramref name="index"/> of a family seeded by <paramref name="seed"/>.</summary>
    public static ulong DeriveSeed(ulong seed, ulong index)
    {
        var sm = seed ^ (0x9E3779B97F4A7C15UL * (index + 1));
        SplitMix(ref sm);
        return SplitMix(ref sm);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
