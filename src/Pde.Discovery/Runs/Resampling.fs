/// Fresh collocation points during training (issue 14). A network whose features oscillate at the data's scale (the
/// Fourier features a capacity growth puts in front) can fit
/// its fixed points and do anything between them (measured, the paper's PDE at k = 10: 12 545 weights on 5 591 points,
/// residual 0.60 on the points and 854 on the grid). Drawing fresh points every step (interior and boundary; data
/// points stay), the network never sees the same points twice: each step's loss and gradient are unbiased estimates of
/// the integral ones, the training loss estimates the residual between points too, and the cost of a step is that of
/// the points it has. The draws come from the run's seed and the step's block index (`epoch`), so a resumed run
/// rebinds exactly the points an uninterrupted one has at that step: bit-identical.
///
/// Only friction optimizers (Adam, AdamW, GDM) resample: BBI's and ECDSep's conserved energy is defined on one fixed
/// loss (its level F(θ₀) sets the bounces' energy and ECDSep's potential log(F − F0)); a resample moves F(θ) at fixed
/// θ by its sampling error, which the dynamics would take for energy gained or lost — re-basing the energy at every
/// step would undo what they conserve — and L-BFGS's line search and curvature pairs assume one function. Those keep the
/// fixed points (the first draw).
module Pde.Discovery.Resampling

open System
open Ecd.Core.Objectives
open Ecd.Core.Randomness
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training

/// Steps between fresh draws when resampling is on: every step (the network never sees the same points twice).
let every = 1

/// Whether an architecture oscillates at the data's scale by construction (it has Fourier features). A tanh network
/// without them did not interpolate its points (measured at k = 10: 2 241 weights on 1 000 points, residual 503 on the
/// points and 546 on the grid): its smooth features cannot turn between neighbouring points.
let oscillates (a: Architecture) =
    a.Layers |> List.exists (fun l -> l :? Ecd.Core.Engine.FourierFeatures)

/// The rule (from the network, nothing else): fresh points every `every` steps when the network oscillates (Fourier
/// features); None (fixed points) otherwise. Not only when its weights outnumber half its points: measured on the
/// paper's PDE, Fourier networks on fixed points fit them and not the field at 0.45 points per weight (k = 10: residual
/// 0.60 on the points, 854 on the grid), at 2.4 (k = 20: 1 128 on the points, 3 590 on a lattice, rising while the loss
/// fell) and were at the edge at 2.0 (Fourier features 16 + tanh 32³ on 6 400 points: ratio 1.87).
let rule (a: Architecture) =
    if oscillates a then Some every else None

/// The point settings with the rule applied for `a`.
let apply (a: Architecture) (points: PointSettings) = { points with ResampleEvery = rule a }

/// Whether an optimizer follows a loss whose points change under it (friction optimizers; see the module).
let tolerates (optimizer: string) =
    match optimizer.Trim().ToLowerInvariant() with
    | "adam"
    | "adamw"
    | "gdm" -> true
    | _ -> false

/// The draw of the points a run of seed `runSeed` trains on after `steps` steps, drawing every `every` steps: 0 (the
/// discretization's own points, shared by every run) for the first block, then one derived from the run's seed and
/// the block's index.
let epoch (runSeed: uint64) (every: int) (steps: int64) =
    if every < 1 then
        invalidArg "every" (sprintf "resampling every %d steps: must be ≥ 1" every)

    let block = steps / int64 every

    if block = 0L then
        0UL
    else
        match Xoshiro256.DeriveSeed(runSeed, uint64 block) with
        | 0UL -> 1UL
        | e -> e

/// What a run's identity records of its points.
let describe (every: int) =
    sprintf
        "fresh interior and boundary points every %d step(s), drawn from the run's seed and the block index"
        every

/// An objective whose loss can be given fresh points: the objective a run minimizes (`inner`: the loss or a deflated
/// loss over it), the loss whose points change, its first draw, and the owned parts disposed with it.
type ResampledObjective
    (
        inner: IObjective<float>,
        loss: IPinnLoss<float>,
        first: Discretization,
        every: int,
        owned: IDisposable list
    ) =
    inherit OwnedObjective(inner, owned)

    /// Steps between draws.
    member _.Every = every

    /// Binds the points of the run of seed `runSeed` at step `steps` (see `epoch`).
    member _.Draw(runSeed: uint64, steps: int64) =
        let e = epoch runSeed every steps

        if loss.Discretization.Epoch <> e then
            loss.Rebind(Discretize.resample e first)

/// The run loop's part of the points of a run of seed `seed` by `optimizer` on `objective`: what the run's identity
/// records of them, and the draw for a step count (nothing on fixed points, or for an optimizer that keeps them).
let hooks (objective: IObjective<float>) (optimizer: string) (seed: uint64) =
    match box objective with
    | :? ResampledObjective as r when tolerates optimizer ->
        [ "points", describe r.Every ], (fun (steps: int64) -> r.Draw(seed, steps))
    | _ -> [], ignore
