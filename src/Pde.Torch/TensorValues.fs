namespace Pde.Torch

open System
open TorchSharp

/// Conversions between host values and tensors of the precision 'T, without the native Scalars that TorchSharp's
/// implicit conversions leave to the finalizer (they fragment the native heap: docs/torchsharp.md, Memory).
[<RequireQualifiedAccess>]
module TensorValues =
    /// The tensor element type of 'T (float → float64, float32 → float32).
    let scalarType<'T> () : torch.ScalarType =
        if typeof<'T> = typeof<float> then
            torch.ScalarType.Float64
        elif typeof<'T> = typeof<float32> then
            torch.ScalarType.Float32
        else
            raise (
                NotSupportedException(
                    sprintf "the TorchSharp backend supports float and float32, not %s" typeof<'T>.Name
                )
            )

    /// A 1-d tensor of host values in the element type `dtype`.
    let ofFloats (values: float[]) (dtype: torch.ScalarType) : torch.Tensor =
        use host = torch.tensor (values, dtype = torch.ScalarType.Float64)
        host.to_type dtype

    /// A 0-d tensor of `value` in `dtype`.
    let constant (value: float) (dtype: torch.ScalarType) : torch.Tensor = torch.tensor (value, dtype = dtype)

    /// The elements of a tensor as float64 host values (row-major).
    let toFloats (t: torch.Tensor) : float[] =
        use host = t.detach().to_type(torch.ScalarType.Float64).cpu().contiguous()
        use flat = host.flatten ()
        flat.data<float>().ToArray()

    /// The value of a one-element tensor.
    let toFloat (t: torch.Tensor) : float = (toFloats t)[0]
