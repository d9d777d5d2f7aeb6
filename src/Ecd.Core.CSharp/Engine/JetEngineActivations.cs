using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ecd.Core.Engine;

/// <summary>
/// The activation passes of <see cref="JetEngine{T}"/> on the point-major layout: at one point, channel c of unit u
/// sits at row c·B + point, column u, so one register holds a channel of consecutive units and the channel rows of
/// the same units are B·ld apart. The passes run along the units of a row, with the bias as a register.
/// </summary>
public sealed partial class JetEngine<T>
{
    /// <summary>
    /// A layer's activation jets from its jet of z (all channels of one block, rows of <paramref name="ld"/> units),
    /// with the bias added to the value channel. For tanh and sigmoid the value channel of z is overwritten by
    /// σ(z₀ + bias), from which the reverse sweep gets the derivatives without an exp; for the others by z₀ + bias.
    /// A residual layer's input jets (<paramref name="residual"/>, same shape; empty otherwise) are added to every
    /// channel while the point's rows are in L1.
    /// </summary>
    private void ActivationForward<V>(Activation act, ReadOnlySpan<T> bias, Span<T> z, Span<T> a, int ld, ReadOnlySpan<T> residual)
        where V : unmanaged, ISimd<V, T>
    {
        switch (act)
        {
            case Activation.Tanh: ActivationForward<V, TanhKind>(act, bias, z, a, ld, residual); break;
            case Activation.Sigmoid: ActivationForward<V, SigmoidKind>(act, bias, z, a, ld, residual); break;
            default: ActivationForward<V, AnyKind>(act, bias, z, a, ld, residual); break;
        }
    }

    /// <summary><see cref="ActivationForward{V}"/> compiled per activation kind <typeparamref name="K"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActivationForward<V, K>(Activation kind, ReadOnlySpan<T> bias, Span<T> z, Span<T> a, int ld, ReadOnlySpan<T> residual)
        where V : unmanaged, ISimd<V, T>
        where K : struct, IActivationKind
    {
        Activation act = K.Resolve(kind);
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(bias);
        ref T rr = ref MemoryMarshal.GetReference(residual);
        bool keepValue = ActivationRules.DerivativesFromValue(act), add = !residual.IsEmpty;
        nuint cs = (nuint)(_b * ld);
        var shape = new ChannelShape(Channels, cs, cs);
        for (int p = 0; p < _b; p++)
        {
            ref T zp = ref Unsafe.Add(ref zr, p * ld);
            ref T ap = ref Unsafe.Add(ref ar, p * ld);
            for (int u = 0; u < ld; u += V.Count)
                ForwardAt(act, ref Unsafe.Add(ref zp, u), ref Unsafe.Add(ref ap, u), V.Load(ref br, (nuint)u), keepValue, shape);
            if (add)
            {
                ref T rp = ref Unsafe.Add(ref rr, p * ld);
                for (int c = 0; c < _c; c++)
                    for (nuint u = (nuint)c * cs, end = u + (nuint)ld; u < end; u += (nuint)V.Count)
                        V.Store(V.Add(V.Load(ref ap, u), V.Load(ref rp, u)), ref ap, u);
            }
        }
    }

    /// <summary>
    /// The Fourier layer's jets: sin of the frequencies' z into columns [0, count), cos into [count, 2·count) of the
    /// same rows; the units that do not fill a register one at a time.
    /// </summary>
    private void FourierForward<V>(Span<T> z, Span<T> a)
        where V : unmanaged, ISimd<V, T>
    {
        int count = _zRows[0], zld = _zLd[0], ald = _aLd[0];
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T ar = ref MemoryMarshal.GetReference(a);
        var shape = new ChannelShape(Channels, (nuint)(_b * zld), (nuint)(_b * ald));
        for (int p = 0; p < _b; p++)
        {
            ref T zp = ref Unsafe.Add(ref zr, p * zld);
            ref T ap = ref Unsafe.Add(ref ar, p * ald);
            int u = 0;
            for (; u + V.Count <= count; u += V.Count)
            {
                ForwardAt(Activation.Sin, ref Unsafe.Add(ref zp, u), ref Unsafe.Add(ref ap, u), V.Zero, false, shape);
                ForwardAt(Activation.Cos, ref Unsafe.Add(ref zp, u), ref Unsafe.Add(ref ap, count + u), V.Zero, false, shape);
            }
            for (; u < count; u++)
            {
                ForwardAt(Activation.Sin, ref Unsafe.Add(ref zp, u), ref Unsafe.Add(ref ap, u), VScalar<T>.Zero, false, shape);
                ForwardAt(Activation.Cos, ref Unsafe.Add(ref zp, u), ref Unsafe.Add(ref ap, count + u), VScalar<T>.Zero, false, shape);
            }
        }
    }

    /// <summary>The channel layout of a pass and the distances between channel rows in z and in a.</summary>
    private readonly record struct ChannelShape(int Order, int D, int Lap, (int I, int J)[] Second, int SecondStart, nuint Csz, nuint Csa)
    {
        public ChannelShape(ChannelLayout c, nuint csz, nuint csa)
            : this(c.Order, c.FirstDerivatives, c.Laplacian, c.Second, c.SecondStart, csz, csa)
        {
        }
    }

    /// <summary>One register of units at one point: σ and its derivative channels from the jet of z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardAt<V>(Activation act, ref T z, ref T a, V bias, bool keepValue, in ChannelShape shape)
        where V : unmanaged, ISimd<V, T>
    {
        V z0 = V.Add(V.Load(ref z, 0), bias);
        ActivationRules.Eval<T, V>(act, z0, shape.Order, out var s0, out var s1, out var s2, out _);
        V.Store(s0, ref a, 0);
        // the reverse sweep derives σ′, σ″, σ‴ from σ(z₀) for tanh and sigmoid, from z₀ for the others
        V.Store(keepValue ? s0 : z0, ref z, 0);
        if (shape.Order > 0)
            DerivativeChannels(ref z, ref a, s1, s2, shape);
    }

    /// <summary>
    /// Layer l's activation jets of block b, for a layer whose jets the forward pass did not keep: recomputed from the
    /// stored jet of z (value row σ) with the same operations as the forward pass, so bit-identical to it.
    /// </summary>
    private ReadOnlySpan<T> Recompute<V>(int l, int b, AlignedArray<T> buffer)
        where V : unmanaged, ISimd<V, T> =>
        _net.Layers[l].Activation == Activation.Tanh ? Recompute<V, TanhKind>(l, b, buffer) : Recompute<V, SigmoidKind>(l, b, buffer);

    /// <summary><see cref="Recompute{V}"/> compiled per activation kind <typeparamref name="K"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<T> Recompute<V, K>(int l, int b, AlignedArray<T> buffer)
        where V : unmanaged, ISimd<V, T>
        where K : struct, IActivationKind
    {
        var act = K.Resolve(_net.Layers[l].Activation);
        int ld = _aLd[l];
        var z = Z(l, b);
        var a = buffer.AsSpan(0, _cb * ld);
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T ar = ref MemoryMarshal.GetReference(a);
        var shape = new ChannelShape(Channels, (nuint)(_b * ld), (nuint)(_b * ld));
        for (int o = 0, end = _b * ld; o < end; o += V.Count)
        {
            ref T zo = ref Unsafe.Add(ref zr, o);
            ref T ao = ref Unsafe.Add(ref ar, o);
            V s0 = V.Load(ref zo, 0);
            V.Store(s0, ref ao, 0);
            if (shape.Order == 0)
                continue;
            ActivationRules.FromValue<T, V>(act, s0, out var s1, out var s2, out _);
            DerivativeChannels(ref zo, ref ao, s1, s2, shape);
        }
        return a;
    }

    /// <summary>The derivative channels of σ(z) at one register: a_j = σ′z_j, Δa, a_ij.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DerivativeChannels<V>(ref T z, ref T a, V s1, V s2, in ChannelShape shape)
        where V : unmanaged, ISimd<V, T>
    {
        nuint cz = shape.Csz, ca = shape.Csa;
        int d = shape.D;
        // d ≤ 3: the first-derivative channels live in registers.
        V z1 = V.Load(ref z, cz), z2 = default, z3 = default;
        V.Store(V.Multiply(s1, z1), ref a, ca);
        V sq = V.Multiply(z1, z1);
        if (d >= 2)
        {
            z2 = V.Load(ref z, 2 * cz);
            V.Store(V.Multiply(s1, z2), ref a, 2 * ca);
            sq = V.Fma(z2, z2, sq);
        }
        if (d >= 3)
        {
            z3 = V.Load(ref z, 3 * cz);
            V.Store(V.Multiply(s1, z3), ref a, 3 * ca);
            sq = V.Fma(z3, z3, sq);
        }
        if (shape.Order < 2)
            return;
        if (shape.Lap >= 0)
        {
            nuint l = (nuint)shape.Lap;
            V.Store(V.Fma(s2, sq, V.Multiply(s1, V.Load(ref z, l * cz))), ref a, l * ca);
        }
        var second = shape.Second;
        for (int k = 0; k < second.Length; k++)
        {
            nuint c = (nuint)(shape.SecondStart + k);
            var (i, j) = second[k];
            V.Store(V.Fma(s2, V.Multiply(Pick(i, z1, z2, z3), Pick(j, z1, z2, z3)), V.Multiply(s1, V.Load(ref z, c * cz))), ref a, c * ca);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Pick<V>(int i, V a, V b, V c) => i == 0 ? a : i == 1 ? b : c;

    /// <summary>
    /// A layer's z̄ (all channels of one block) from ā and the stored jet of z; the value channel's rows are the
    /// contiguous first B·ld entries, and channel c of the entry at o is at o + c·B·ld.
    /// </summary>
    private void ActivationBackward<V>(Activation act, ReadOnlySpan<T> aBar, ReadOnlySpan<T> z, Span<T> zBar, int ld)
        where V : unmanaged, ISimd<V, T>
    {
        switch (act)
        {
            case Activation.Tanh: ActivationBackward<V, TanhKind>(act, aBar, z, zBar, ld); break;
            case Activation.Sigmoid: ActivationBackward<V, SigmoidKind>(act, aBar, z, zBar, ld); break;
            default: ActivationBackward<V, AnyKind>(act, aBar, z, zBar, ld); break;
        }
    }

    /// <summary><see cref="ActivationBackward{V}"/> compiled per activation kind <typeparamref name="K"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActivationBackward<V, K>(Activation kind, ReadOnlySpan<T> aBar, ReadOnlySpan<T> z, Span<T> zBar, int ld)
        where V : unmanaged, ISimd<V, T>
        where K : struct, IActivationKind
    {
        Activation act = K.Resolve(kind);
        ref T abr = ref MemoryMarshal.GetReference(aBar);
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T zbr = ref MemoryMarshal.GetReference(zBar);
        bool fromValue = ActivationRules.DerivativesFromValue(act);
        int order = Channels.Order, d = Channels.FirstDerivatives, lap = Channels.Laplacian;
        var second = Channels.Second;
        int ss = Channels.SecondStart;
        nuint cs = (nuint)(_b * ld), end = (nuint)(_b * ld);
        V two = V.Broadcast(T.One + T.One);
        for (nuint o = 0; o < end; o += (nuint)V.Count)
        {
            V s1, s2, s3;
            if (fromValue)
                ActivationRules.FromValue<T, V>(act, V.Load(ref zr, o), out s1, out s2, out s3);
            else
                ActivationRules.Eval<T, V>(act, V.Load(ref zr, o), order + 1, out _, out s1, out s2, out s3);
            V zb0 = V.Multiply(V.Load(ref abr, o), s1);
            if (order >= 1)
            {
                // d ≤ 3: channels and their adjoints in registers.
                nuint o1 = o + cs, o2 = o + 2 * cs, o3 = o + 3 * cs;
                V z1 = V.Load(ref zr, o1), z2 = default, z3 = default;
                V ab1 = V.Load(ref abr, o1);
                V zb1 = V.Multiply(ab1, s1), zb2 = default, zb3 = default;
                zb0 = V.Fma(V.Multiply(ab1, s2), z1, zb0);
                V sq = V.Multiply(z1, z1);
                if (d >= 2)
                {
                    z2 = V.Load(ref zr, o2);
                    V ab2 = V.Load(ref abr, o2);
                    zb2 = V.Multiply(ab2, s1);
                    zb0 = V.Fma(V.Multiply(ab2, s2), z2, zb0);
                    sq = V.Fma(z2, z2, sq);
                }
                if (d >= 3)
                {
                    z3 = V.Load(ref zr, o3);
                    V ab3 = V.Load(ref abr, o3);
                    zb3 = V.Multiply(ab3, s1);
                    zb0 = V.Fma(V.Multiply(ab3, s2), z3, zb0);
                    sq = V.Fma(z3, z3, sq);
                }
                if (order >= 2)
                {
                    if (lap >= 0)
                    {
                        nuint ol = o + (nuint)lap * cs;
                        V ab = V.Load(ref abr, ol);
                        V.Store(V.Multiply(ab, s1), ref zbr, ol);
                        zb0 = V.Fma(ab, V.Fma(s3, sq, V.Multiply(s2, V.Load(ref zr, ol))), zb0);
                        V k2 = V.Multiply(V.Multiply(ab, s2), two);
                        zb1 = V.Fma(k2, z1, zb1);
                        zb2 = V.Fma(k2, z2, zb2);
                        zb3 = V.Fma(k2, z3, zb3);
                    }
                    for (int k = 0; k < second.Length; k++)
                    {
                        nuint os = o + (nuint)(ss + k) * cs;
                        var (i, j) = second[k];
                        V zi = Pick(i, z1, z2, z3), zjv = Pick(j, z1, z2, z3);
                        V ab = V.Load(ref abr, os);
                        V.Store(V.Multiply(ab, s1), ref zbr, os);
                        zb0 = V.Fma(ab, V.Fma(s3, V.Multiply(zi, zjv), V.Multiply(s2, V.Load(ref zr, os))), zb0);
                        V k2 = V.Multiply(ab, s2);
                        // ∂(zᵢ zⱼ) adds k2·zⱼ to z̄ᵢ and k2·zᵢ to z̄ⱼ (both to z̄ᵢ when i = j)
                        V addI = V.Multiply(k2, zjv), addJ = V.Multiply(k2, zi);
                        if (i == 0) zb1 = V.Add(zb1, addI); else if (i == 1) zb2 = V.Add(zb2, addI); else zb3 = V.Add(zb3, addI);
                        if (j == 0) zb1 = V.Add(zb1, addJ); else if (j == 1) zb2 = V.Add(zb2, addJ); else zb3 = V.Add(zb3, addJ);
                    }
                }
                V.Store(zb1, ref zbr, o1);
                if (d >= 2)
                    V.Store(zb2, ref zbr, o2);
                if (d >= 3)
                    V.Store(zb3, ref zbr, o3);
            }
            V.Store(zb0, ref zbr, o);
        }
    }
}
