/// The BBI paper's PDE −Δu + u² = f_k(r) on the unit disk with u = sin²(k) on r = 1, restricted to radial
/// solutions: −(u″ + u′/r) + u² = f_k(r), u′(0) = 0, u(1) = sin²(k). Two independent classical methods:
/// finite differences + (deflated) Newton, and shooting on u(0) with RK4, which finds every radial solution whose
/// centre value lies in a scanned range.
module Pde.FSharp.Classical.RadialPaperPde

open System
open Pde.FSharp.Classical.Newton

/// f_k(r) = ⅛(3 − 4(1 + 16k²r²)cos(2kr²) + cos(4kr²) − 32k·sin(2kr²)), so that u = sin²(kr²) solves the PDE.
let source (k: float) (r: float) =
    let a = 2.0 * k * r * r

    (3.0 - 4.0 * (1.0 + 16.0 * k * k * r * r) * cos a + cos (2.0 * a)
     - 32.0 * k * sin a)
    / 8.0

/// The manufactured solution sin²(k r²).
let manufactured (k: float) (r: float) = sin (k * r * r) ** 2.0

/// Finite differences on r_i = i·h, i = 0…n−1 (h = 1/n; u(1) is the boundary value). At r = 0, u″ + u′/r → 2u″
/// (symmetry). Weights of the disk's L² norm: 2π·r·h (π h²/4 at the centre).
let system (k: float) (n: int) =
    if n < 4 then
        invalidArg "n" (sprintf "need at least 4 radial points (got %d)" n)

    let h = 1.0 / float n
    let h2 = h * h
    let ub = sin k ** 2.0
    let r = Array.init n (fun i -> float i * h)
    let f = r |> Array.map (source k)
    let next (u: float[]) i = if i = n - 1 then ub else u[i + 1]

    let residual (u: float[]) =
        Array.init n (fun i ->
            let lap =
                if i = 0 then
                    4.0 * (u[1] - u[0]) / h2
                else
                    (next u i - 2.0 * u[i] + u[i - 1]) / h2
                    + (next u i - u[i - 1]) / (2.0 * h * r[i])

            -lap + u[i] * u[i] - f[i])

    let jacobian (u: float[]) =
        let m = BandedMatrix(n, 1, 1)
        m[0, 0] <- 4.0 / h2 + 2.0 * u[0]
        m[0, 1] <- -4.0 / h2

        for i in 1 .. n - 1 do
            m[i, i] <- 2.0 / h2 + 2.0 * u[i]
            m[i, i - 1] <- -1.0 / h2 + 1.0 / (2.0 * h * r[i])

            if i < n - 1 then
                m[i, i + 1] <- -1.0 / h2 - 1.0 / (2.0 * h * r[i])

        m.Factor()
        fun (b: float[]) -> m.Solve(Array.copy b)

    let weights =
        Array.init n (fun i ->
            if i = 0 then
                Math.PI * h2 / 4.0
            else
                2.0 * Math.PI * r[i] * h)

    {
        Size = n
        Residual = residual
        Jacobian = jacobian
        Weights = weights
    },
    r

/// Linear interpolation of a radial grid solution (values at r_i = i/n, boundary value at r = 1).
let interpolate (k: float) (u: float[]) (radius: float) =
    let n = u.Length
    let value i = if i >= n then sin k ** 2.0 else u[i]
    let x = Math.Clamp(radius, 0.0, 1.0) * float n
    let i = min (n - 1) (int (floor x))
    let t = x - float i
    (1.0 - t) * value i + t * value (i + 1)

/// The shot from u(0) = a, u′(0) = 0 with `steps` RK4 steps (the first from the series u ≈ a + (a² − f(0)) r²/4
/// at r = h, avoiding the 1/r at the centre): u at r_i = i/steps, i = 0…steps. Stops (NaN after) if u blows up.
let shotProfile (k: float) (steps: int) (a: float) =
    let h = 1.0 / float steps
    let f = source k
    let c = (a * a - f 0.0) / 4.0
    let out = Array.create (steps + 1) nan
    out[0] <- a
    let mutable r = h
    let mutable u = a + c * h * h
    let mutable v = 2.0 * c * h
    out[1] <- u

    let rhs (r: float) (u: float) (v: float) = v, -v / r + u * u - f r

    let mutable ok = true

    for i in 2..steps do
        if ok then
            let k1u, k1v = rhs r u v
            let k2u, k2v = rhs (r + h / 2.0) (u + h / 2.0 * k1u) (v + h / 2.0 * k1v)
            let k3u, k3v = rhs (r + h / 2.0) (u + h / 2.0 * k2u) (v + h / 2.0 * k2v)
            let k4u, k4v = rhs (r + h) (u + h * k3u) (v + h * k3v)
            u <- u + h / 6.0 * (k1u + 2.0 * k2u + 2.0 * k3u + k4u)
            v <- v + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
            r <- r + h

            if not (Double.IsFinite u) || abs u > 1e6 then
                ok <- false
            else
                out[i] <- u

    out

/// u(1) of the shot from u(0) = a (NaN if it blows up).
let shoot (k: float) (steps: int) (a: float) = (shotProfile k steps a)[steps]

/// Every centre value a in [lo, hi] whose shot hits u(1) = sin²(k): scan `samples` points for sign changes of
/// u(1; a) − sin²(k), then bisect each. These are the radial solutions with u(0) in the range.
let shootingRoots (k: float) (steps: int) (lo: float) (hi: float) (samples: int) =
    if not (lo < hi) then
        invalidArg "lo" (sprintf "the scan range must have lo < hi (got [%g, %g])" lo hi)

    let target = sin k ** 2.0
    let g a = shoot k steps a - target

    let grid =
        Array.init (samples + 1) (fun i -> lo + (hi - lo) * float i / float samples)

    let values = grid |> Array.map g

    [
        for i in 0 .. samples - 1 do
            let a, b = grid[i], grid[i + 1]
            let ga, gb = values[i], values[i + 1]

            if Double.IsFinite ga && Double.IsFinite gb && sign ga <> sign gb then
                let mutable x, y, gx = a, b, ga

                for _ in 1..100 do
                    let m = 0.5 * (x + y)
                    let gm = g m

                    if sign gm = sign gx then
                        x <- m
                        gx <- gm
                    else
                        y <- m

                yield 0.5 * (x + y)
    ]
