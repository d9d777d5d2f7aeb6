namespace Pde.FSharp.Training

open System
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Discretization
open Pde.FSharp.Loss

/// <summary>
/// Where a physics-informed loss is computed: the native Taylor-mode engine (<c>Objective.native</c>, the default) or
/// another backend (Pde.Torch's TorchSharp backend) that compiles the same discretized problem for the same network
/// layout, so that the same θ gives the same loss. Passed to <c>Objective.buildOn</c> and <c>Objective.lossOn</c>
/// (and set in TrainingOptions.Backend); the projects of the native path never reference a backend's libraries.
/// </summary>
type ILossBackend =
    /// The backend's name ("native", "torch"), for logs and checkpoints.
    abstract Name: string

    /// The loss of the discretized problem on `network` with L2 weight `weightDecay`; `pool` is the native engine's
    /// worker pool (other backends read only its thread count).
    abstract Loss<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>> :
        d: Discretization * network: Network<'T> * weightDecay: float * pool: WorkerPool option ->
            IPinnLoss<'T>

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
        /// The backend the loss runs on.
        Backend: ILossBackend
        /// θ ↦ (loss, gradient).
        Loss: IPinnLoss<'T>
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
/// The one place where a network and a physics-informed loss are assembled, on a backend (native by default). The
/// seeding rule, the same for every caller (training, discovery, studies) and every backend: the network's fixed
/// random parts (Fourier features) and its weights θ₀ = <c>Network.NewParameters seed</c> (Xavier) are drawn from
/// the seed (a backend training a module of its own starts from that module's weights); the problem's trainable
/// parameters start at their declared values.
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

    /// θ₀ from network weights: the weights, then the problem's trainable parameters at their declared values.
    let private withParameters (weights: 'T[]) (problem: Pde.FSharp.Problems.Problem) : 'T[] =
        Array.append weights (problem.Parameters |> List.map (snd >> Numeric.ofFloat<'T>) |> Array.ofList)

    /// θ₀ of seed `seed`: the network's weights drawn from it, then the problem's trainable parameters.
    let start (network: Network<'T>) (problem: Pde.FSharp.Problems.Problem) (seed: uint64) : 'T[] =
        withParameters (network.NewParameters seed) problem

    /// The physics-informed loss of the discretized problem on `network`, with L2 weight `weightDecay`, on the
    /// native engine.
    let loss (d: Discretization) (network: Network<'T>) (weightDecay: float) (pool: WorkerPool option) =
        new PinnLoss<'T>(d, network, weightDecay, pool)

    /// The native Taylor-mode engine (PinnLoss): the default backend.
    let native =
        { new ILossBackend with
            member _.Name = "native"

            member _.Loss<'T
                when 'T: unmanaged
                and 'T: struct
                and 'T: (new: unit -> 'T)
                and 'T :> ValueType
                and 'T :> Numerics.IFloatingPointIeee754<'T>>
                (d, network: Network<'T>, weightDecay, pool)
                =
                loss d network weightDecay pool :> IPinnLoss<'T>
        }

    /// The physics-informed loss of the discretized problem on `network` computed by `backend`.
    let lossOn (backend: ILossBackend) (d: Discretization) (network: Network<'T>) weightDecay pool =
        backend.Loss<'T>(d, network, weightDecay, pool)

    /// Problem (discretized) + architecture + seed → the objective and θ₀ on `backend`, on its own pool of
    /// `threads` worker threads (0 = all cores). The same seed gives the same θ₀ whoever calls it.
    let buildOn<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (backend: ILossBackend)
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
            let loss = lossOn backend d network weightDecay (Some pool)

            {
                Spec = spec
                Seed = seed
                Network = network
                Backend = backend
                Loss = loss
                Start = withParameters (loss.InitialWeights seed) d.Problem
                Pool = pool
            }
        with _ ->
            pool.Dispose()
            reraise ()

    /// <c>buildOn</c> the native engine.
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
        buildOn<'T> native d architecture weightDecay threads seed
