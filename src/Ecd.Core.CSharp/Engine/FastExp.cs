using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ecd.Core.Engine;

/// <summary>
/// Vectorised e^x for the activations (the runtime's Vector512.Exp costs ≈ 4 ns per float here, more than a
/// layer's matrix product per element). Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, Taylor polynomial of
/// degree 7 (float, relative error &lt; 2e-7) or 13 (double, &lt; 3e-16), scaled by 2ⁿ through the exponent bits.
/// Accurate up to the largest finite result (x ≤ 88.72283 float, ≤ 709.782712893384 double); inputs above it give
/// +∞, inputs below −86.98 (float) / −708 (double) give 0 (results there are below 2.3e-38 / 3.3e-308, at the
/// bottom of the normal range or subnormal), NaN gives NaN.
/// </summary>
internal static class FastExp
{
    // The largest inputs whose e^x is finite: ln(float.MaxValue), ln(double.MaxValue) rounded down.
    private const float FLo = -86.98f, FInf = 88.72283f;
    private const double DLo = -708.0, DInf = 709.782712893384;

    // n = round(x·log2(e)) runs up to 128 (1024) below the overflow threshold, one more than the largest exponent of a
    // float (double): the polynomial's coefficients are doubled (so it is 2p, exactly: scaling by 2 commutes with
    // rounding) and the scale is 2ⁿ⁻¹, which the exponent field holds for n from −125 (−1021) — hence FLo (DLo).
    // The product 2p·2ⁿ⁻¹ rounds exactly as p·2ⁿ did, so results below the old clamps are unchanged bit for bit.

    // t = x·log2(e) + 1.5·2²³ (2⁵²) holds n = round(x·log2(e)) in its low mantissa bits, so t's bits minus the
    // shifter's bits are n as an integer: the scale 2ⁿ without a float-to-integer conversion (whose saturating
    // semantics cost four more instructions per register, and which AVX2 has no instruction for at 64 bits).
    private const int FShifterBits = 0x4B400000;
    private const long DShifterBits = 0x4338000000000000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var xc = Vector512.Min(Vector512.Max(x, Vector512.Create(FLo)), Vector512.Create(FInf));
        var shifter = Vector512.Create(12582912f); // 1.5·2²³: adding it rounds to an integer
        var t = Vector512.FusedMultiplyAdd(xc, Vector512.Create(1.44269504088896341f), shifter);
        var n = t - shifter;
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), xc);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(2f / 5040f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2f / 720f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2f / 120f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2f / 24f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2f / 6f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2f));
        var scale = ((t.AsInt32() + Vector512.Create(126 - FShifterBits)) << 23).AsSingle();
        var e = p * scale;
        e = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(FInf)), Vector512.Create(float.PositiveInfinity), e);
        e = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(FLo)), Vector512<float>.Zero, e);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
    {
        var xc = Vector512.Min(Vector512.Max(x, Vector512.Create(DLo)), Vector512.Create(DInf));
        var shifter = Vector512.Create(6755399441055744.0); // 1.5·2⁵²
        var t = Vector512.FusedMultiplyAdd(xc, Vector512.Create(1.4426950408889634), shifter);
        var n = t - shifter;
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.6931471803691238), xc);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.9082149292705877e-10), r);
        var p = Poly13(r);
        var scale = ((t.AsInt64() + Vector512.Create(1022L - DShifterBits)) << 52).AsDouble();
        var e = p * scale;
        e = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(DInf)), Vector512.Create(double.PositiveInfinity), e);
        e = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(DLo)), Vector512<double>.Zero, e);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), e, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(FLo)), Vector256.Create(FInf));
        var shifter = Vector256.Create(12582912f);
        var t = Vector256.FusedMultiplyAdd(xc, Vector256.Create(1.44269504088896341f), shifter);
        var n = t - shifter;
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), xc);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(2f / 5040f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2f / 720f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2f / 120f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2f / 24f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2f / 6f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2f));
        var scale = ((t.AsInt32() + Vector256.Create(126 - FShifterBits)) << 23).AsSingle();
        var e = p * scale;
        e = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(FInf)), Vector256.Create(float.PositiveInfinity), e);
        e = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(FLo)), Vector256<float>.Zero, e);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), e, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(DLo)), Vector256.Create(DInf));
        var shifter = Vector256.Create(6755399441055744.0);
        var t = Vector256.FusedMultiplyAdd(xc, Vector256.Create(1.4426950408889634), shifter);
        var n = t - shifter;
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.6931471803691238), xc);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-1.9082149292705877e-10), r);
        var p = Vector256.Create(2.0 / 6227020800.0);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 479001600.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 39916800.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 3628800.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 362880.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 40320.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 5040.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 720.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 120.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 24.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0 / 6.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(2.0));
        var scale = ((t.AsInt64() + Vector256.Create(1022L - DShifterBits)) << 52).AsDouble();
        var e = p * scale;
        e = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(DInf)), Vector256.Create(double.PositiveInfinity), e);
        e = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(DLo)), Vector256<double>.Zero, e);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), e, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Poly13(Vector512<double> r)
    {
        var p = Vector512.Create(2.0 / 6227020800.0);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 479001600.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 39916800.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 3628800.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 362880.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 40320.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 5040.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 720.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 120.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 24.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0 / 6.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0));
        return Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.0));
    }
}
