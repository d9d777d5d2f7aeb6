/// Semilinear problems Δu + g(u) = 0 on the unit square with u = 0 on the boundary (Bratu: g = λe^u; Allen–Cahn:
/// g = (u − u³)/ε²), by second-order finite differences: 5-point Laplacian on n × n interior points, banded Jacobian.
module Pde.FSharp.Classical.Semilinear

open System
open Pde.FSharp.Classical.Newton

/// The system −Δ_h u − g(u) = 0 on n × n interior points (h = 1/(n + 1)), natural ordering k = i + n·j; `dg` is g′.
let square (g: float -> float) (dg: float -> float) (n: int) =
    if n < 2 then
        invalidArg "n" (sprintf "need at least 2 interior points per side (got %d)" n)

    let h = 1.0 / float (n + 1)
    let h2 = h * h
    let size = n * n

    let at (u: float[]) i j =
        if i < 0 || j < 0 || i >= n || j >= n then
            0.0
        else
            u[i + n * j]

    let residual (u: float[]) =
        Array.init size (fun k ->
            let i, j = k % n, k / n

            (4.0 * u[k] - at u (i - 1) j - at u (i + 1) j - at u i (j - 1) - at u i (j + 1))
            / h2
            - g u[k])

    let jacobian (u: float[]) =
        let m = BandedMatrix(size, n, n)

        for k in 0 .. size - 1 do
            let i, j = k % n, k / n
            m[k, k] <- 4.0 / h2 - dg u[k]

            if i > 0 then
                m[k, k - 1] <- -1.0 / h2

            if i < n - 1 then
                m[k, k + 1] <- -1.0 / h2

            if j > 0 then
                m[k, k - n] <- -1.0 / h2

            if j < n - 1 then
                m[k, k + n] <- -1.0 / h2

        m.Factor()
        fun (b: float[]) -> m.Solve(Array.copy b)

    {
        Size = size
        Residual = residual
        Jacobian = jacobian
        Weights = Array.create size h2
    }

/// The interior point (x, y) of unknown k.
let point (n: int) (k: int) =
    let h = 1.0 / float (n + 1)
    float (k % n + 1) * h, float (k / n + 1) * h

/// Bilinear interpolation of a grid solution (zero boundary) at (x, y) in the unit square.
let interpolate (n: int) (u: float[]) (x: float) (y: float) =
    let h = 1.0 / float (n + 1)

    let value i j =
        if i <= 0 || j <= 0 || i > n || j > n then
            0.0
        else
            u[(i - 1) + n * (j - 1)]

    let fx = Math.Clamp(x / h, 0.0, float (n + 1))
    let fy = Math.Clamp(y / h, 0.0, float (n + 1))
    let i0 = min n (int (floor fx))
    let j0 = min n (int (floor fy))
    let tx, ty = fx - float i0, fy - float j0

    (1.0 - tx) * (1.0 - ty) * value i0 j0
    + tx * (1.0 - ty) * value (i0 + 1) j0
    + (1.0 - tx) * ty * value i0 (j0 + 1)
    + tx * ty * value (i0 + 1) (j0 + 1)

/// Allen–Cahn ε²Δu + u − u³ = 0 (g(u) = (u − u³)/ε²) on n × n interior points.
let allenCahn (epsilon: float) (n: int) =
    let e2 = epsilon * epsilon
    square (fun u -> (u - u * u * u) / e2) (fun u -> (1.0 - 3.0 * u * u) / e2) n

/// The sine mode c·sin(aπx)·sin(bπy) on the n × n interior points (an initial guess for Newton).
let sineMode (n: int) (a: float) (b: float) (c: float) =
    Array.init (n * n) (fun k ->
        let x, y = point n k
        c * sin (a * Math.PI * x) * sin (b * Math.PI * y))
