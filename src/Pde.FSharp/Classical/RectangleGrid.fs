/// The tensor grid of a rectangle: (nx + 1) × (ny + 1) nodes including the boundary, x fastest, with centred
/// stencils inside and one-sided second-order stencils on the sides (parts bottom, right, top, left).
module Pde.FSharp.Classical.RectangleGrid

open System.Collections.Generic

/// The grid of [x0, x1] × [y0, y1] with nx × ny cells (each ≥ 3, so that every one-sided stencil fits).
let create (x0: float, x1: float, y0: float, y1: float) (nx: int) (ny: int) : FdGrid =
    if nx < 3 || ny < 3 then
        invalidArg "nx" (sprintf "a rectangle grid needs at least 3 cells per side (got %d × %d)" nx ny)

    let hx, hy = (x1 - x0) / float nx, (y1 - y0) / float ny
    let stride = nx + 1
    let node i j = i + stride * j
    let count = stride * (ny + 1)

    let xAt i =
        if i = nx then x1 else x0 + float i * hx

    let yAt j =
        if j = ny then y1 else y0 + float j * hy

    let points = Array.init count (fun k -> [| xAt (k % stride); yAt (k / stride) |])

    let weights =
        Array.init count (fun k ->
            let i, j = k % stride, k / stride
            let wx = if i = 0 || i = nx then 0.5 * hx else hx
            let wy = if j = 0 || j = ny then 0.5 * hy else hy
            wx * wy)

    let parts =
        Array.init count (fun k ->
            let i, j = k % stride, k / stride

            [
                if j = 0 then
                    yield "bottom", [| 0.0; -1.0 |]
                if i = nx then
                    yield "right", [| 1.0; 0.0 |]
                if j = ny then
                    yield "top", [| 0.0; 1.0 |]
                if i = 0 then
                    yield "left", [| -1.0; 0.0 |]
            ])

    let jet (k: int) channel =
        let i, j = k % stride, k / stride
        let acc = Dictionary<int, float>()

        for ((a, b), c) in Stencil.cartesian channel do
            let sx = Stencil.derivative a hx (i > 0) (i < nx)
            let sy = Stencil.derivative b hy (j > 0) (j < ny)
            Stencil.addTensor acc c sx sy (fun di dj -> node (i + di) (j + dj))

        Stencil.entries acc

    let interpolate (values: float[]) (at: float[][]) =
        if values.Length <> count then
            invalidArg "values" (sprintf "%d node values for a grid of %d nodes" values.Length count)

        at
        |> Array.map (fun p ->
            let i0, si = Stencil.window ((p[0] - x0) / hx) 0 nx
            let j0, sj = Stencil.window ((p[1] - y0) / hy) 0 ny
            let wi, wj = Stencil.lagrange4 si, Stencil.lagrange4 sj
            let mutable s = 0.0

            for a in 0..3 do
                for b in 0..3 do
                    s <- s + wi[a] * wj[b] * values[node (i0 + a) (j0 + b)]

            s)

    {
        Description = sprintf "rectangle grid %d × %d" (nx + 1) (ny + 1)
        Points = points
        Weights = weights
        Parts = parts
        Jet = jet
        Interpolate = interpolate
        Spacing = max hx hy
    }
