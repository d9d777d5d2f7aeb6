namespace Pde.Torch.Networks

open System
open TorchSharp.Modules
open Ecd.Core.TorchSharp

/// A module's parameters as one flat vector θ (parameters in order, each row-major), the layout of the core's
/// optimizers and of the native engine; the copying is TorchObjective's.
[<RequireQualifiedAccess>]
module Weights =
    let private weightsOnly =
        Func<TorchSharp.torch.Tensor>(fun () -> invalidOp "a weight view has no loss")

    /// The parameters' values as θ.
    let read<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (parameters: Parameter seq)
        : 'T[] =
        TorchObjective<'T>(parameters, weightsOnly).Read()

    /// Writes θ into the parameters (its length must be their total element count).
    let write<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (parameters: Parameter seq)
        (theta: 'T[])
        =
        TorchObjective<'T>(parameters, weightsOnly).Write(ReadOnlySpan theta)
