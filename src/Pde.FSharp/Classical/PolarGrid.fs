/// Polar grids of disks and annuli: rings of nodes at radii r_i, M nodes per ring at θ_j = 2πj/M (M a multiple of
/// 4), ring by ring with θ fastest so that the θ-periodicity and the coupling across the centre stay within a band
/// of about 2M nodes. Derivatives in r and θ are second-order differences (periodic in θ; one-sided at a boundary
/// circle), converted to Cartesian jets by the chain rule (Stencil.polar).
///
/// The disk has no node at the centre: r_i = (i + ½)h, i = 0 … N − 1, with r_{N−1} = R. The radial difference at
/// the innermost ring reaches across the origin: the value at radius −r on the ray θ is the value at r on the ray
/// θ + π, so the grid function extends smoothly to negative radii and the centred stencils stay second order.
module Pde.FSharp.Classical.PolarGrid

open System
open System.Collections.Generic

/// Ring i (negative: the ring −i − 1 across the centre, disk only), ray j (periodic) ↦ node index.
let private nodeOf (rays: int) (i: int) (j: int) =
    let wrap j = ((j % rays) + rays) % rays

    if i < 0 then
        (-i - 1) * rays + wrap (j + rays / 2)
    else
        i * rays + wrap j

/// Cubic Lagrange interpolation in (r, θ) of node values (periodic in θ; across the centre on the disk).
let private interpolator
    (cx: float, cy: float)
    (radii: float[])
    (h: float)
    (rays: int)
    (throughCentre: bool)
    =
    let rings = radii.Length
    let count = rings * rays
    let dTheta = 2.0 * Math.PI / float rays
    let node = nodeOf rays

    fun (values: float[]) (at: float[][]) ->
        if values.Length <> count then
            invalidArg "values" (sprintf "%d node values for a grid of %d nodes" values.Length count)

        at
        |> Array.map (fun p ->
            let dx, dy = p[0] - cx, p[1] - cy
            let r = sqrt (dx * dx + dy * dy)
            let t = Math.Atan2(dy, dx)
            let t = if t < 0.0 then t + 2.0 * Math.PI else t

            let i0, si =
                Stencil.window ((r - radii[0]) / h) (if throughCentre then -2 else 0) (rings - 1)

            let fj = t / dTheta
            let j0 = int (floor fj) - 1
            let wi, wj = Stencil.lagrange4 si, Stencil.lagrange4 (fj - float j0)
            let mutable s = 0.0

            for a in 0..3 do
                for b in 0..3 do
                    s <- s + wi[a] * wj[b] * values[node (i0 + a) (j0 + b)]

            s)

/// The grid: `radii` (increasing, equally spaced by h), `rays` nodes per ring, `throughCentre` for the disk,
/// boundary rings with their part names and outward radial sign.
let private create
    (cx: float, cy: float)
    (radii: float[])
    (h: float)
    (rays: int)
    (throughCentre: bool)
    (boundary: (int * string * float) list)
    (inner: float, outer: float)
    (description: string)
    : FdGrid =
    let rings = radii.Length
    let count = rings * rays
    let dTheta = 2.0 * Math.PI / float rays
    let theta j = float j * dTheta
    let node = nodeOf rays

    let points =
        Array.init count (fun k ->
            let r, t = radii[k / rays], theta (k % rays)
            [| cx + r * cos t; cy + r * sin t |])

    let weights =
        Array.init count (fun k ->
            let r = radii[k / rays]
            let a, b = max inner (r - 0.5 * h), min outer (r + 0.5 * h)
            0.5 * (b * b - a * a) * dTheta)

    let parts =
        Array.init count (fun k ->
            let i, t = k / rays, theta (k % rays)

            boundary
            |> List.filter (fun (ring, _, _) -> ring = i)
            |> List.map (fun (_, name, sign) -> name, [| sign * cos t; sign * sin t |]))

    let jet (k: int) channel =
        let i, j = k / rays, k % rays
        let acc = Dictionary<int, float>()

        for ((a, b), c) in Stencil.polar radii[i] (theta j) channel do
            let sr = Stencil.derivative a h (throughCentre || i > 0) (i < rings - 1)
            let st = Stencil.derivative b dTheta true true
            Stencil.addTensor acc c sr st (fun di dj -> node (i + di) (j + dj))

        Stencil.entries acc

    let interpolate = interpolator (cx, cy) radii h rays throughCentre

    {
        Description = description
        Points = points
        Weights = weights
        Parts = parts
        Jet = jet
        Interpolate = interpolate
        Spacing = h
    }

let private checkRays (rays: int) =
    if rays < 8 || rays % 4 <> 0 then
        invalidArg
            "rays"
            (sprintf "a polar grid needs a multiple of 4, at least 8, nodes per ring (got %d)" rays)

/// The disk of radius R around (cx, cy): `rings` rings at r_i = (i + ½)h with h = R/(rings − ½) (the last on
/// the circle, part "circle"), `rays` nodes per ring.
let disk (cx: float, cy: float, radius: float) (rings: int) (rays: int) : FdGrid =
    if rings < 4 then
        invalidArg "rings" (sprintf "a disk grid needs at least 4 rings (got %d)" rings)

    checkRays rays
    let h = radius / (float rings - 0.5)

    let radii =
        Array.init rings (fun i -> if i = rings - 1 then radius else (float i + 0.5) * h)

    create
        (cx, cy)
        radii
        h
        rays
        true
        [ rings - 1, "circle", 1.0 ]
        (0.0, radius)
        (sprintf "disk grid %d rings × %d rays" rings rays)

/// The annulus r_in ≤ r ≤ r_out around (cx, cy): `rings` rings equally spaced from the inner circle (part
/// "inner", normal pointing to the centre) to the outer one (part "outer"), `rays` nodes per ring.
let annulus (cx: float, cy: float, inner: float, outer: float) (rings: int) (rays: int) : FdGrid =
    if rings < 4 then
        invalidArg "rings" (sprintf "an annulus grid needs at least 4 rings (got %d)" rings)

    checkRays rays
    let h = (outer - inner) / float (rings - 1)

    let radii =
        Array.init rings (fun i -> if i = rings - 1 then outer else inner + float i * h)

    create
        (cx, cy)
        radii
        h
        rays
        false
        [ 0, "inner", -1.0; rings - 1, "outer", 1.0 ]
        (inner, outer)
        (sprintf "annulus grid %d rings × %d rays" rings rays)
