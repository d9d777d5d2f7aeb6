using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ecd.Core.Engine;

/// <summary>
/// A SIMD register of <typeparamref name="T"/> as an operator struct (the TensorPrimitives pattern): kernels are
/// written once against this interface and the JIT specialises them for 512-bit, 256-bit or scalar registers.
/// </summary>
internal interface ISimd<TSelf, T>
    where TSelf : struct, ISimd<TSelf, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract int Count { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Broadcast(T value);
    static abstract TSelf Load(ref T source, nuint offset);
    static abstract void Store(TSelf value, ref T destination, nuint offset);
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Add(TSelf a, TSelf b);
    static abstract TSelf Multiply(TSelf a, TSelf b);
    static abstract T Sum(TSelf a);
    static abstract TSelf Subtract(TSelf a, TSelf b);
    static abstract TSelf Divide(TSelf a, TSelf b);
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Abs(TSelf a);
    static abstract TSelf Exp(TSelf a);
    static abstract TSelf Log(TSelf a);
    static abstract TSelf Sin(TSelf a);
    static abstract TSelf Cos(TSelf a);
}

internal struct V512<T> : ISimd<V512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public Vector512<T> V;
    public static int Count => Vector512<T>.Count;
    public static V512<T> Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Broadcast(T value) => new() { V = Vector512.Create(value) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Load(ref T source, nuint offset) => new() { V = Vector512.LoadUnsafe(ref source, offset) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V512<T> value, ref T destination, nuint offset) => value.V.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Fma(V512<T> a, V512<T> b, V512<T> c) => new() { V = Fused(a.V, b.V, c.V) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Add(V512<T> a, V512<T> b) => new() { V = a.V + b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Multiply(V512<T> a, V512<T> b) => new() { V = a.V * b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(V512<T> a) => Vector512.Sum(a.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Subtract(V512<T> a, V512<T> b) => new() { V = a.V - b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Divide(V512<T> a, V512<T> b) => new() { V = a.V / b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Max(V512<T> a, V512<T> b) => new() { V = Vector512.Max(a.V, b.V) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Abs(V512<T> a) => new() { V = Vector512.Abs(a.V) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Exp(V512<T> a) => new() { V = typeof(T) == typeof(float) ? FastExp.Exp(a.V.As<T, float>()).As<float, T>() : FastExp.Exp(a.V.As<T, double>()).As<double, T>() };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Log(V512<T> a) => new() { V = typeof(T) == typeof(float) ? Vector512.Log(a.V.As<T, float>()).As<float, T>() : Vector512.Log(a.V.As<T, double>()).As<double, T>() };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Sin(V512<T> a) => new() { V = typeof(T) == typeof(float) ? Vector512.Sin(a.V.As<T, float>()).As<float, T>() : Vector512.Sin(a.V.As<T, double>()).As<double, T>() };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512<T> Cos(V512<T> a) => new() { V = typeof(T) == typeof(float) ? Vector512.Cos(a.V.As<T, float>()).As<float, T>() : Vector512.Cos(a.V.As<T, double>()).As<double, T>() };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Fused(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return a * b + c;
    }
}

internal struct V256<T> : ISimd<V256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public Vector256<T> V;
    public static int Count => Vector256<T>.Count;
    public static V256<T> Zero => default;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Broadcast(T value) => new() { V = Vector256.Create(value) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Load(ref T source, nuint offset) => new() { V = Vector256.LoadUnsafe(ref source, offset) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(V256<T> value, ref T destination, nuint offset) => value.V.StoreUnsafe(ref destination, offset);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Fma(V256<T> a, V256<T> b, V256<T> c) => new() { V = Fused(a.V, b.V, c.V) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Add(V256<T> a, V256<T> b) => new() { V = a.V + b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Multiply(V256<T> a, V256<T> b) => new() { V = a.V * b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(V256<T> a) => Vector256.Sum(a.V);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Subtract(V256<T> a, V256<T> b) => new() { V = a.V - b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Divide(V256<T> a, V256<T> b) => new() { V = a.V / b.V };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Max(V256<T> a, V256<T> b) => new() { V = Vector256.Max(a.V, b.V) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Abs(V256<T> a) => new() { V = Vector256.Abs(a.V) };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Exp(V256<T> a) => new() { V = typeof(T) == typeof(float) ? FastExp.Exp(a.V.As<T, float>()).As<float, T>() : FastExp.Exp(a.V.As<T, double>()).As<double, T>() };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Log(V256<T> a) => new() { V = typeof(T) == typeof(float) ? Vector256.Log(a.V.As<T, float>()).As<float, T>() : Vector256.Log(a.V.As<T, double>()).As<double, T>() };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Sin(V256<T> a) => new() { V = typeof(T) == typeof(float) ? Vector256.Sin(a.V.As<T, float>()).As<float, T>() : Vector256.Sin(a.V.As<T, double>()).As<double, T>() };
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256<T> Cos(V256<T> a) => new() { V = typeof(T) == typeof(float) ? Vector256.Cos(a.V.As<T, float>()).As<float, T>() : Vector256.Cos(a.V.As<T, double>()).As<double, T>() };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fused(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector256.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return a * b + c;
    }
}

internal struct VScalar<T> : ISimd<VScalar<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T V;
    public static int Count => 1;
    public static VScalar<T> Zero => default;
    public static VScalar<T> Broadcast(T value) => new() { V = value };
    public static VScalar<T> Load(ref T source, nuint offset) => new() { V = Unsafe.Add(ref source, offset) };
    public static void Store(VScalar<T> value, ref T destination, nuint offset) => Unsafe.Add(ref destination, offset) = value.V;
    public static VScalar<T> Fma(VScalar<T> a, VScalar<T> b, VScalar<T> c) => new() { V = T.FusedMultiplyAdd(a.V, b.V, c.V) };
    public static VScalar<T> Add(VScalar<T> a, VScalar<T> b) => new() { V = a.V + b.V };
    public static VScalar<T> Multiply(VScalar<T> a, VScalar<T> b) => new() { V = a.V * b.V };
    public static T Sum(VScalar<T> a) => a.V;
    public static VScalar<T> Subtract(VScalar<T> a, VScalar<T> b) => new() { V = a.V - b.V };
    public static VScalar<T> Divide(VScalar<T> a, VScalar<T> b) => new() { V = a.V / b.V };
    public static VScalar<T> Max(VScalar<T> a, VScalar<T> b) => new() { V = T.Max(a.V, b.V) };
    public static VScalar<T> Abs(VScalar<T> a) => new() { V = T.Abs(a.V) };
    public static VScalar<T> Exp(VScalar<T> a) => new() { V = T.Exp(a.V) };
    public static VScalar<T> Log(VScalar<T> a) => new() { V = T.Log(a.V) };
    public static VScalar<T> Sin(VScalar<T> a) => new() { V = T.Sin(a.V) };
    public static VScalar<T> Cos(VScalar<T> a) => new() { V = T.Cos(a.V) };
}

/// <summary>Which register width the kernels use on this machine (or as forced for tests and benchmarks).</summary>
public enum SimdWidth
{
    /// <summary>The widest accelerated: 512 bits where available, else 256, else scalar.</summary>
    Auto,
    /// <summary>Vector512.</summary>
    Bits512,
    /// <summary>Vector256.</summary>
    Bits256,
    /// <summary>One element at a time.</summary>
    Scalar,
}

internal static class SimdSelect
{
    public static SimdWidth Resolve(SimdWidth requested) => requested switch
    {
        SimdWidth.Auto => Vector512.IsHardwareAccelerated ? SimdWidth.Bits512
            : Vector256.IsHardwareAccelerated ? SimdWidth.Bits256 : SimdWidth.Scalar,
        _ => requested,
    };
}
