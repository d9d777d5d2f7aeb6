/// Second-order finite-difference stencils: one-dimensional derivatives (centred in the interior, one-sided at an
/// end of the grid line), the Cartesian jets of a tensor grid as products of them, the Cartesian jets of a polar grid
/// by the chain rule (x = r cos θ, y = r sin θ), and cubic Lagrange weights for interpolation.
module Pde.FSharp.Classical.Stencil

open System.Collections.Generic
open Pde.FSharp.Symbolic

/// Offsets and weights of d^order/ds^order (order 0, 1 or 2) at a node of a grid line with spacing h, second-order
/// accurate: centred when the node has neighbours on both sides, otherwise one-sided into the grid
/// ((−3, 4, −1)/2h and (2, −5, 4, −1)/h²).
let derivative (order: int) (h: float) (hasLeft: bool) (hasRight: bool) : (int * float)[] =
    let h2 = h * h

    match order, hasLeft, hasRight with
    | 0, _, _ -> [| 0, 1.0 |]
    | 1, true, true -> [| -1, -0.5 / h; 1, 0.5 / h |]
    | 1, false, true -> [| 0, -1.5 / h; 1, 2.0 / h; 2, -0.5 / h |]
    | 1, true, false -> [| 0, 1.5 / h; -1, -2.0 / h; -2, 0.5 / h |]
    | 2, true, true -> [| -1, 1.0 / h2; 0, -2.0 / h2; 1, 1.0 / h2 |]
    | 2, false, true -> [| 0, 2.0 / h2; 1, -5.0 / h2; 2, 4.0 / h2; 3, -1.0 / h2 |]
    | 2, true, false -> [| 0, 2.0 / h2; -1, -5.0 / h2; -2, 4.0 / h2; -3, -1.0 / h2 |]
    | _ -> invalidArg "order" (sprintf "no stencil for derivative order %d on a grid line of one node" order)

/// A Cartesian jet channel of a planar field as Σ coefficient·∂^(a+b)u/∂x^a∂y^b, listed as ((a, b), coefficient).
let cartesian (channel: Channel) : ((int * int) * float) list =
    match channel with
    | Value -> [ (0, 0), 1.0 ]
    | First 0 -> [ (1, 0), 1.0 ]
    | First _ -> [ (0, 1), 1.0 ]
    | Second(0, 0) -> [ (2, 0), 1.0 ]
    | Second(1, 1) -> [ (0, 2), 1.0 ]
    | Second _ -> [ (1, 1), 1.0 ]
    | CollapsedLaplacian -> [ (2, 0), 1.0; (0, 2), 1.0 ]

/// A Cartesian jet channel at the point (r cos θ, r sin θ) as Σ coefficient·∂^(a+b)u/∂r^a∂θ^b, listed as
/// ((a, b), coefficient): u_x = c u_r − (s/r) u_θ, u_y = s u_r + (c/r) u_θ and their derivatives by the chain rule
/// (c = cos θ, s = sin θ); the Laplacian is u_rr + u_r/r + u_θθ/r².
let polar (r: float) (theta: float) (channel: Channel) : ((int * int) * float) list =
    let c, s = cos theta, sin theta
    let r2 = r * r

    match channel with
    | Value -> [ (0, 0), 1.0 ]
    | First 0 -> [ (1, 0), c; (0, 1), -s / r ]
    | First _ -> [ (1, 0), s; (0, 1), c / r ]
    | Second(0, 0) ->
        [
            (2, 0), c * c
            (1, 1), -2.0 * c * s / r
            (0, 1), 2.0 * c * s / r2
            (1, 0), s * s / r
            (0, 2), s * s / r2
        ]
    | Second(1, 1) ->
        [
            (2, 0), s * s
            (1, 1), 2.0 * c * s / r
            (0, 1), -2.0 * c * s / r2
            (1, 0), c * c / r
            (0, 2), c * c / r2
        ]
    | Second _ ->
        [
            (2, 0), c * s
            (1, 1), (c * c - s * s) / r
            (0, 1), -(c * c - s * s) / r2
            (1, 0), -c * s / r
            (0, 2), -c * s / r2
        ]
    | CollapsedLaplacian -> [ (2, 0), 1.0; (1, 0), 1.0 / r; (0, 2), 1.0 / r2 ]

/// The tensor product of a stencil along the first grid direction and one along the second, each offset mapped to
/// a node by `node` (offset i, offset j ↦ node index), scaled by `scale`; added into `into`.
let addTensor
    (into: Dictionary<int, float>)
    (scale: float)
    (first: (int * float)[])
    (second: (int * float)[])
    (node: int -> int -> int)
    =
    for (di, wi) in first do
        for (dj, wj) in second do
            let k = node di dj
            let w = scale * wi * wj

            match into.TryGetValue k with
            | true, v -> into[k] <- v + w
            | _ -> into[k] <- w

/// The entries of an accumulated stencil with a nonzero weight, by node index.
let entries (d: Dictionary<int, float>) : (int * float)[] =
    d
    |> Seq.filter (fun kv -> kv.Value <> 0.0)
    |> Seq.map (fun kv -> kv.Key, kv.Value)
    |> Seq.sortBy fst
    |> Array.ofSeq

/// The cubic Lagrange weights at position s of the four nodes 0, 1, 2, 3 (exact for cubics).
let lagrange4 (s: float) : float[] =
    [|
        -(s - 1.0) * (s - 2.0) * (s - 3.0) / 6.0
        s * (s - 2.0) * (s - 3.0) / 2.0
        -s * (s - 1.0) * (s - 3.0) / 2.0
        s * (s - 1.0) * (s - 2.0) / 6.0
    |]

/// The first node of the four-node window around the fractional index f on nodes lo … hi (the window is moved
/// inside the range at the ends), and the position of f in that window.
let window (f: float) (lo: int) (hi: int) =
    let first = min (hi - 3) (max lo (int (floor f) - 1))
    first, f - float first
