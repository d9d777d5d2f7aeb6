namespace Pde.Torch.Loss

open System
open TorchSharp
open Pde.FSharp.Discretization
open Pde.Torch

/// The tensors of one point set (coordinates N × d, normals N × d on the boundary, observed values on data sets),
/// made once per binding and kept outside every dispose scope until disposed.
type internal PointTensors(set: PointSet, dtype: torch.ScalarType) =
    let n = int64 set.Samples.Count
    let d = int64 set.Samples.Dimension

    let matrix (values: float[]) =
        use flat = TensorValues.ofFloats values dtype
        flat.reshape(n, d).DetachFromDisposeScope()

    let x = matrix set.Samples.Points

    let normals =
        if set.Samples.Normals.Length = 0 then
            None
        else
            Some(matrix set.Samples.Normals)

    let observed =
        if set.Observed.Length = 0 then
            None
        else
            Some((TensorValues.ofFloats set.Observed dtype).DetachFromDisposeScope())

    /// Number of points.
    member _.Count = n

    /// A fresh leaf copy of the coordinates that requires grad, in the caller's dispose scope (so that gradients
    /// with respect to the points never accumulate across evaluations).
    member _.Leaf() = x.detach().requires_grad_ true

    /// The outward normals, if the set has them.
    member _.Normals = normals

    /// The observed values, if the set has them.
    member _.Observed = observed

    interface IDisposable with
        member _.Dispose() =
            x.Dispose()
            normals |> Option.iter (fun t -> t.Dispose())
            observed |> Option.iter (fun t -> t.Dispose())
