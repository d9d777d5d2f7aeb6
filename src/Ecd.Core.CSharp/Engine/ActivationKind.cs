namespace Ecd.Core.Engine;

/// <summary>
/// An activation known when a pass is compiled: a pass generic over the kind gets its own machine code per kind, with
/// the per-register switch over activations folded away and their constants kept in registers (with the activation a
/// run-time value, the JIT dispatched through a jump table at every register of units and spilled the pass's values).
/// </summary>
internal interface IActivationKind
{
    /// <summary>The kind's activation (<paramref name="act"/> itself for <see cref="AnyKind"/>).</summary>
    static abstract Activation Resolve(Activation act);
}

/// <summary>tanh, fixed.</summary>
internal readonly struct TanhKind : IActivationKind
{
    public static Activation Resolve(Activation act) => Activation.Tanh;
}

/// <summary>The sigmoid, fixed.</summary>
internal readonly struct SigmoidKind : IActivationKind
{
    public static Activation Resolve(Activation act) => Activation.Sigmoid;
}

/// <summary>Any activation, chosen at run time.</summary>
internal readonly struct AnyKind : IActivationKind
{
    public static Activation Resolve(Activation act) => act;
}
