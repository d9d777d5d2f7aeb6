namespace Pde.FSharp.Loss

open System
open Ecd.Core.Objectives
open Pde.FSharp.Discretization

/// <summary>
/// A physics-informed loss of a discretized problem on some backend (the native Taylor-mode engine,
/// <see cref="PinnLoss{T}"/>, or another one such as TorchSharp): θ ↦ F(θ) = Σ_terms w·mean(r²) + λ·Σ θ_net², θ holding
/// the network weights followed by the problem's trainable parameters. Training, checkpoints and diagnostics see a
/// loss only through this interface, so every backend runs in the same run loop.
/// </summary>
type IPinnLoss<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>> =
    inherit IObjective<'T>
    inherit IDisposable

    /// Number of network weights (the first entries of θ).
    abstract NetworkSize: int

    /// The network weights θ₀ of seed `seed` in this backend's layout.
    abstract InitialWeights: seed: uint64 -> 'T[]

    /// The breakdown of the most recent evaluation: one entry per term, then the L2 penalty.
    abstract LastTerms: TermLoss[]

    /// The discretization currently bound.
    abstract Discretization: Discretization

    /// Binds a new draw of the points (same problem and terms; from Discretize.resample).
    abstract Rebind: Discretization -> unit

    /// The loss and its breakdown at θ, without the gradient.
    abstract Losses: theta: ReadOnlySpan<'T> -> float * TermLoss[]

    /// The residual values of every term at its points at θ: (term, point set, residuals).
    abstract Residuals: theta: ReadOnlySpan<'T> -> (Term * PointSet * float[])[]

    /// Why the loss or its gradient is not finite at θ (a weight, a parameter, or the first term and point).
    abstract Diagnose: theta: ReadOnlySpan<'T> -> string
