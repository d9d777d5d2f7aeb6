namespace Pde.FSharp.Training

open System
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Discretization
open Pde.FSharp.Loss

/// <summary>
/// A problem compiled into an objective on a network: the network, its physics-informed loss and the starting
/// point θ₀ (network weights, then the problem's trainable parameters). Built only by <c>Objective.build</c>;
/// disposing it releases the loss and its worker pool.
/// </summary>
[<NoEquality; NoComparison>]
type PinnObjective<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>> =
    {
        /// The network's layout.
        Spec: NetworkSpec
        /// The seed the network and θ₀ were drawn from.
        Seed: uint64
        Network: Network<'T>
        /// θ ↦ (loss, gradient).
        Loss: PinnLoss<'T>
        /// The starting point drawn from Seed.
        Start: 'T[]
        /// The worker pool the loss runs on (owned: disposed with the objective).
        Pool: WorkerPool
    }

    interface IDisposable with
        member o.Dispose() =
            (o.Loss :> IDisposable).Dispose()
            o.Pool.Dispose()

/// <summary>
/// The one place where a network and a physics-informed loss are assembled. The seeding rule, the same for every
/// caller (training, discovery, studies): the network's fixed random parts (Fourier features) and its weights
/// θ₀ = <c>Network.NewParameters seed</c> (Xavier) are drawn from the seed; the problem's trainable parameters
/// start at their declared values.
/// </summary>
[<RequireQualifiedAccess>]
module Objective =
    /// The network layout of an architecture for a problem (inputs: its coordinates, outputs: its fields).
    let spec (problem: Pde.FSharp.Problems.Problem) (architecture: Architecture) =
        Architecture.spec problem.Scope.Coordinates.Length problem.Fields.Length architecture

    /// The network of `spec` whose fixed random parts are drawn from `seed`.
    let network<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (spec: NetworkSpec)
        (seed: uint64)
        =
        try
            Network<'T>(spec, seed)
        with :? ArgumentException as e ->
            raise (ProblemError(sprintf "network: %s" e.Message))

    /// θ₀ of seed `seed`: the network's weights drawn from it, then the problem's trainable parameters.
    let start (network: Network<'T>) (problem: Pde.FSharp.Problems.Problem) (seed: uint64) : 'T[] =
        Array.append
            (network.NewParameters seed)
            (problem.Parameters |> List.map (snd >> Numeric.ofFloat<'T>) |> Array.ofList)

    /// The physics-informed loss of the discretized problem on `network`, with L2 weight `weightDecay`.
    let loss (d: Discretization) (network: Network<'T>) (weightDecay: float) (pool: WorkerPool option) =
        new PinnLoss<'T>(d, network, weightDecay, pool)

    /// Problem (discretized) + architecture + seed → the objective and θ₀, on its own pool of `threads` worker
    /// threads (0 = all cores). The same seed gives the same θ₀ whoever calls it.
    let build<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (d: Discretization)
        (architecture: Architecture)
        (weightDecay: float)
        (threads: int)
        (seed: uint64)
        : PinnObjective<'T> =
        let spec = spec d.Problem architecture
        let network = network<'T> spec seed
        let pool = new WorkerPool(threads)

        try
            {
                Spec = spec
                Seed = seed
                Network = network
                Loss = loss d network weightDecay (Some pool)
                Start = start network d.Problem seed
                Pool = pool
            }
        with _ ->
            pool.Dispose()
            reraise ()
