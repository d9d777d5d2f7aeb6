/// Bratu's problem Δu + λ·e^u = 0 with u = 0 on the boundary, by second-order finite differences:
/// on [0, 1] (closed form known) and on the unit square (5-point Laplacian, banded Jacobian).
module Pde.FSharp.Classical.Bratu

open System
open Pde.FSharp.Classical.Newton

/// The 1-D problem on n interior points of [0, 1] (h = 1/(n + 1)).
let system1D (lambda: float) (n: int) =
    if n < 2 then
        invalidArg "n" (sprintf "need at least 2 interior points (got %d)" n)

    let h = 1.0 / float (n + 1)
    let h2 = h * h

    let residual (u: float[]) =
        Array.init n (fun i ->
            let left = if i = 0 then 0.0 else u[i - 1]
            let right = if i = n - 1 then 0.0 else u[i + 1]
            (-left + 2.0 * u[i] - right) / h2 - lambda * exp u[i])

    let jacobian (u: float[]) =
        let m = BandedMatrix(n, 1, 1)

        for i in 0 .. n - 1 do
            m[i, i] <- 2.0 / h2 - lambda * exp u[i]

            if i > 0 then
                m[i, i - 1] <- -1.0 / h2

            if i < n - 1 then
                m[i, i + 1] <- -1.0 / h2

        m.Factor()
        fun (b: float[]) -> m.Solve(Array.copy b)

    {
        Size = n
        Residual = residual
        Jacobian = jacobian
        Weights = Array.create n h
    }

/// The interior grid points of the 1-D problem.
let grid1D (n: int) =
    Array.init n (fun i -> float (i + 1) / float (n + 1))

/// θ of the closed form: the roots of θ = √(2λ)·cosh(θ/4) (two for 0 < λ < λc ≈ 3.5138), by bisection.
let closedFormThetas (lambda: float) =
    let g t =
        t - sqrt (2.0 * lambda) * cosh (t / 4.0)

    let bisect a b =
        let mutable lo, hi = a, b

        for _ in 1..200 do
            let mid = 0.5 * (lo + hi)
            if sign (g mid) = sign (g lo) then lo <- mid else hi <- mid

        0.5 * (lo + hi)

    // g is concave: scan for sign changes on a fine grid.
    let ts = [ for i in 0..4000 -> float i * 0.005 ]

    ts
    |> List.pairwise
    |> List.filter (fun (a, b) -> sign (g a) <> sign (g b))
    |> List.map (fun (a, b) -> bisect a b)

/// The closed-form solution u(x) = −2 ln[cosh((x − ½)θ/2) / cosh(θ/4)].
let closedForm (theta: float) (x: float) =
    -2.0 * log (cosh ((x - 0.5) * theta / 2.0) / cosh (theta / 4.0))

/// The 2-D problem on the unit square with n × n interior points (see `Semilinear.square`).
let system2D (lambda: float) (n: int) =
    Semilinear.square (fun u -> lambda * exp u) (fun u -> lambda * exp u) n
