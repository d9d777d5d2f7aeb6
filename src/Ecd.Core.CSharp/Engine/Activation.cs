using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ecd.Core.Engine;

/// <summary>Activation functions σ of the engine; each comes with its derivatives up to third order.</summary>
public enum Activation
{
    /// <summary>tanh z.</summary>
    Tanh,
    /// <summary>1/(1 + e^−z).</summary>
    Sigmoid,
    /// <summary>sin z.</summary>
    Sin,
    /// <summary>cos z (used by Fourier feature maps).</summary>
    Cos,
    /// <summary>log(1 + e^z).</summary>
    Softplus,
    /// <summary>z (the linear output layer).</summary>
    Identity,
}

/// <summary>σ and its first three derivatives, scalar (the reference) and vectorised.</summary>
internal static class ActivationRules
{
    /// <summary>Scalar σ, σ′, σ″, σ‴ at z (reference implementation).</summary>
    public static (double S0, double S1, double S2, double S3) Scalar(Activation a, double z)
    {
        switch (a)
        {
            case Activation.Tanh:
                {
                    double t = Math.Tanh(z), u = 1 - t * t;
                    return (t, u, -2 * t * u, -2 * u * (1 - 3 * t * t));
                }
            case Activation.Sigmoid:
                {
                    double s = 1 / (1 + Math.Exp(-z)), d = s * (1 - s);
                    return (s, d, d * (1 - 2 * s), d * (1 - 6 * s + 6 * s * s));
                }
            case Activation.Sin:
                return (Math.Sin(z), Math.Cos(z), -Math.Sin(z), -Math.Cos(z));
            case Activation.Cos:
                return (Math.Cos(z), -Math.Sin(z), -Math.Cos(z), Math.Sin(z));
            case Activation.Softplus:
                {
                    double s = 1 / (1 + Math.Exp(-z)), d = s * (1 - s);
                    return (Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))), s, d, d * (1 - 2 * s));
                }
            default:
                return (z, 1, 0, 0);
        }
    }

    /// <summary>True when σ′, σ″, σ‴ are polynomials in σ (so the reverse sweep needs no transcendental).</summary>
    public static bool DerivativesFromValue(Activation a) => a is Activation.Tanh or Activation.Sigmoid;

    /// <summary>σ′, σ″, σ‴ from the value s = σ(z), for <see cref="DerivativesFromValue"/> activations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FromValue<T, V>(Activation a, V s, out V s1, out V s2, out V s3)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        V one = V.Broadcast(T.One), two = V.Broadcast(T.One + T.One);
        if (a == Activation.Tanh)
        {
            V t2 = V.Multiply(s, s);
            V u = V.Subtract(one, t2);
            s1 = u;
            s2 = V.Multiply(V.Multiply(V.Broadcast(-(T.One + T.One)), s), u);
            s3 = V.Multiply(V.Multiply(V.Broadcast(-(T.One + T.One)), u), V.Subtract(one, V.Multiply(V.Broadcast(T.CreateTruncating(3)), t2)));
        }
        else
        {
            V d = V.Multiply(s, V.Subtract(one, s));
            s1 = d;
            s2 = V.Multiply(d, V.Subtract(one, V.Multiply(two, s)));
            V six = V.Broadcast(T.CreateTruncating(6));
            s3 = V.Multiply(d, V.Add(V.Subtract(one, V.Multiply(six, s)), V.Multiply(six, V.Multiply(s, s))));
        }
    }

    /// <summary>Vectorised σ and derivatives up to <paramref name="order"/> (unrequested ones are left zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Eval<T, V>(Activation a, V z, int order, out V s0, out V s1, out V s2, out V s3)
        where T : unmanaged, IFloatingPointIeee754<T>
        where V : struct, ISimd<V, T>
    {
        V one = V.Broadcast(T.One), two = V.Broadcast(T.One + T.One);
        s1 = s2 = s3 = V.Zero;
        switch (a)
        {
            case Activation.Tanh:
                {
                    // tanh z = 1 − 2/(e^{2z} + 1): exact limits ±1 for large |z|.
                    V t = V.Subtract(one, V.Divide(two, V.Add(V.Exp(V.Add(z, z)), one)));
                    s0 = t;
                    if (order >= 1)
                    {
                        V u = V.Subtract(one, V.Multiply(t, t));
                        s1 = u;
                        V m2t = V.Multiply(V.Broadcast(-(T.One + T.One)), t);
                        s2 = V.Multiply(m2t, u);
                        V three = V.Broadcast(T.CreateTruncating(3));
                        s3 = V.Multiply(V.Multiply(V.Broadcast(-(T.One + T.One)), u), V.Subtract(one, V.Multiply(three, V.Multiply(t, t))));
                    }
                    return;
                }
            case Activation.Sigmoid:
            case Activation.Softplus:
                {
                    V s = V.Divide(one, V.Add(one, V.Exp(V.Subtract(V.Zero, z))));
                    V d = V.Multiply(s, V.Subtract(one, s));
                    V oneMinus2s = V.Subtract(one, V.Multiply(two, s));
                    if (a == Activation.Sigmoid)
                    {
                        s0 = s;
                        s1 = d;
                        s2 = V.Multiply(d, oneMinus2s);
                        V six = V.Broadcast(T.CreateTruncating(6));
                        s3 = V.Multiply(d, V.Add(V.Subtract(one, V.Multiply(six, s)), V.Multiply(six, V.Multiply(s, s))));
                    }
                    else
                    {
                        s0 = V.Add(V.Max(z, V.Zero), V.Log(V.Add(one, V.Exp(V.Subtract(V.Zero, V.Abs(z))))));
                        s1 = s;
                        s2 = d;
                        s3 = V.Multiply(d, oneMinus2s);
                    }
                    return;
                }
            case Activation.Sin:
                {
                    V sn = V.Sin(z), cs = V.Cos(z);
                    s0 = sn;
                    s1 = cs;
                    s2 = V.Subtract(V.Zero, sn);
                    s3 = V.Subtract(V.Zero, cs);
                    return;
                }
            case Activation.Cos:
                {
                    V sn = V.Sin(z), cs = V.Cos(z);
                    s0 = cs;
                    s1 = V.Subtract(V.Zero, sn);
                    s2 = V.Subtract(V.Zero, cs);
                    s3 = sn;
                    return;
                }
            default:
                s0 = z;
                s1 = one;
                return;
        }
    }
}
