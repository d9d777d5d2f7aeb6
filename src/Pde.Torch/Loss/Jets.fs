namespace Pde.Torch.Loss

open System.Collections.Generic
open TorchSharp
open Pde.FSharp.Symbolic

/// <summary>
/// The jet channels of a module's outputs by reverse-mode autograd: ∂u_o/∂x_j as the gradient of Σ_points u_o
/// (rows are independent points, so the sum's gradient holds each point's own derivative), ∂²u_o/∂x_i∂x_j as the
/// gradient of Σ_points ∂u_o/∂x_i, the collapsed Laplacian as Σ_j ∂²u_o/∂x_j² over every input. Every <c>grad</c>
/// passes <c>create_graph</c> and <c>retain_graph</c> (TorchSharp does not default the second to the first), so
/// the loss built from the channels differentiates once more for the weights.
/// </summary>
type internal Jets(x: torch.Tensor, u: torch.Tensor, one: Scalar) =
    let inputs = int x.shape[1]
    let firsts = Dictionary<int, torch.Tensor>()
    let seconds = Dictionary<struct (int * int), torch.Tensor>()

    // ∂(Σ y)/∂x (N × d). THSAutograd_grad aborts the process on a C++ error instead of raising, so the call is made
    // only when y is in a graph; an x that y does not depend on (allow_unused) gives an undefined result: zeros.
    let gradient (y: torch.Tensor) : torch.Tensor =
        if not y.requires_grad then
            torch.zeros_like x
        else
            let g =
                torch.autograd.grad (
                    [| y.sum () |],
                    [| x |],
                    retain_graph = true,
                    create_graph = true,
                    allow_unused = true
                )

            if g.Count <> 1 || g[0].IsInvalid then
                torch.zeros_like x
            else
                g[0]

    let first (o: int) : torch.Tensor =
        match firsts.TryGetValue o with
        | true, g -> g
        | _ ->
            let g = gradient (u.select (1L, int64 o))
            firsts[o] <- g
            g

    // Row i of the Hessian of output o: ∂/∂x (∂u_o/∂x_i), N × d.
    let second (o: int) (i: int) : torch.Tensor =
        match seconds.TryGetValue(struct (o, i)) with
        | true, h -> h
        | _ ->
            let h = gradient ((first o).select(1L, int64 i))
            seconds[struct (o, i)] <- h
            h

    /// The values (N) of channel `c` of output `o`.
    member _.Channel(o: int, c: Channel) : torch.Tensor =
        match c with
        | Value -> u.select (1L, int64 o)
        | First j -> (first o).select(1L, int64 j)
        | Second(i, j) -> (second o i).select(1L, int64 j)
        | CollapsedLaplacian ->
            [ 0 .. inputs - 1 ]
            |> List.map (fun j -> (second o j).select(1L, int64 j))
            |> List.reduce (fun a b -> a.add (b, one))
