namespace Pde.FSharp.Training

open System
open System.Collections.Generic
open Ecd.Core.Optimizers

/// <summary>
/// A loss backend that brings optimizers of its own, chosen by name in a training stage: the torch backend's
/// <c>torch-adam</c> and <c>torch-lbfgs</c> (torch.optim's Adam and L-BFGS stepping the module's tensors). A backend
/// object that implements it beside <see cref="ILossBackend"/> is asked first for the names it lists.
/// </summary>
type IBackendOptimizers =
    /// The stage names the backend creates (lower case).
    abstract Names: string list

    /// The optimizer `name` with hyperparameters by their documented keys.
    abstract Create<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>> :
        name: string * settings: (string * string) list -> IOptimizer<'T>

/// The optimizer of a training stage: the backend's own (IBackendOptimizers) or the core's catalog.
[<RequireQualifiedAccess>]
module BackendOptimizers =
    /// The optimizer `name` for a stage trained on `backend`; a torch.optim name on another backend is refused with
    /// the backend it needs.
    let create<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (backend: ILossBackend)
        (name: string)
        (settings: (string * string) list)
        : IOptimizer<'T> =
        let key = name.Trim().ToLowerInvariant()

        match backend with
        | :? IBackendOptimizers as own when List.contains key own.Names -> own.Create<'T>(key, settings)
        | _ when key.StartsWith "torch-" ->
            raise (
                ArgumentException(
                    sprintf
                        "%s is torch's own optimizer: it trains on the torch backend only (--backend torch, or TrainingOptions.Backend = TorchBackend.create ()), not on the %s backend"
                        name
                        backend.Name
                )
            )
        | _ -> OptimizerCatalog.Create<'T>(name, settings |> List.map KeyValuePair)
