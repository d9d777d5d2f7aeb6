namespace Pde.Torch

open System
open TorchSharp
open Ecd.Core.Engine
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.Torch.Networks
open Pde.Torch.Loss

/// <summary>
/// The TorchSharp backend of <c>Objective.buildOn</c> / <c>lossOn</c> and <c>TrainingOptions.Backend</c> (and the
/// TorchSharp optimizers for <c>Optimize.runOn</c>): the
/// engine's network becomes a <see cref="NetworkModule{T}"/> (same layout, so the same θ₀ and the same loss), and
/// the loss a <see cref="TorchPinnLoss{T}"/> on it. Training then runs the core's optimizers (BBI, ECDSep, GDM, Adam,
/// L-BFGS) on the module's θ in the one run loop, with checkpoints and traces. libtorch's intra-op threads follow
/// the worker pool's thread count on the evaluating thread.
/// </summary>
[<RequireQualifiedAccess>]
module TorchBackend =
    /// The loss of a discretized problem over the engine's network as a TorchSharp module.
    let loss<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (d: Discretization)
        (network: Network<'T>)
        (weightDecay: float)
        (threads: int)
        : TorchPinnLoss<'T> =
        let m = new NetworkModule<'T>(network)

        try
            new TorchPinnLoss<'T>(
                d,
                m,
                weightDecay,
                Some(fun seed -> network.NewParameters seed),
                threads,
                Some(m :> IDisposable)
            )
        with _ ->
            m.Dispose()
            reraise ()

    /// The backend: the built-in architectures as TorchSharp modules; its training stages may also use torch's own
    /// optimizers, torch-adam (torch-adamw) and torch-lbfgs (Ecd.Core.TorchSharp.TorchOptim), on the module's tensors.
    let create () =
        { new ILossBackend with
            member _.Name = "torch"

            member _.Loss<'T
                when 'T: unmanaged
                and 'T: struct
                and 'T: (new: unit -> 'T)
                and 'T :> ValueType
                and 'T :> Numerics.IFloatingPointIeee754<'T>>
                (d, network: Network<'T>, weightDecay, pool)
                =
                let threads = pool |> Option.map (fun p -> p.Threads) |> Option.defaultValue 0
                loss<'T> d network weightDecay threads :> IPinnLoss<'T>
          interface IBackendOptimizers with
              member _.Names = [ "torch-adam"; "torch-adamw"; "torch-lbfgs" ]

              member _.Create<'T
                  when 'T: unmanaged
                  and 'T: struct
                  and 'T: (new: unit -> 'T)
                  and 'T :> ValueType
                  and 'T :> Numerics.IFloatingPointIeee754<'T>>
                  (name, settings)
                  : Ecd.Core.Optimizers.IOptimizer<'T> =
                  Ecd.Core.TorchSharp.TorchOptim<'T>.Create(
                      name,
                      settings |> List.map Collections.Generic.KeyValuePair
                  )
        }

    /// The TorchSharp optimizers (BBI, ECDSep, GDM of Ecd.Core.TorchSharp) as the optimizers of a run of the one run
    /// loop (Optimize.runOn: `ecdpde optimize --backend torch`), with the core's hyperparameter keys and errors.
    let optimizers =
        { new EcdPde.Runs.Optimize.IOptimizerSource with
            member _.Name = "torch"

            member _.Create<'T
                when 'T: unmanaged
                and 'T: struct
                and 'T: (new: unit -> 'T)
                and 'T :> ValueType
                and 'T :> Numerics.IFloatingPointIeee754<'T>>
                (name, settings)
                : Ecd.Core.Optimizers.IOptimizer<'T> =
                Ecd.Core.TorchSharp.TorchOptimizerRun<'T>.Create(
                    name,
                    settings |> List.map Collections.Generic.KeyValuePair
                )
        }
