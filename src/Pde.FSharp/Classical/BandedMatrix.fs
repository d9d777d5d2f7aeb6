namespace Pde.FSharp.Classical

open System
open System.Numerics

/// y[yo + i] −= a·x[xo + i] for i &lt; n, with SIMD vectors (the elimination step of the band LU).
module private Axpy =
    let subtract (a: float) (x: float[]) (xo: int) (y: float[]) (yo: int) (n: int) =
        let w = Vector<float>.Count
        let va = Vector<float>(a)
        let mutable i = 0

        while i <= n - w do
            (Vector<float>(y, yo + i) - va * Vector<float>(x, xo + i)).CopyTo(y, yo + i)
            i <- i + w

        while i < n do
            y[yo + i] <- y[yo + i] - a * x[xo + i]
            i <- i + 1

/// A square matrix with `Lower` sub-diagonals and `Upper` super-diagonals (finite-difference Jacobians), with an LU
/// factorisation with partial pivoting (row interchanges widen the upper band by `Lower`, as in LAPACK's gbtrf).
type BandedMatrix(size: int, lower: int, upper: int) =
    do
        if size < 1 then
            invalidArg "size" (sprintf "a banded matrix needs size ≥ 1 (got %d)" size)

        if lower < 0 || upper < 0 then
            invalidArg "lower" "band widths must be ≥ 0"

    let width = 2 * lower + upper + 1
    let data: float[] = Array.zeroCreate (size * width)
    let pivots: int[] = Array.zeroCreate size
    let mutable factored = false

    let index i j = i * width + (j - i + lower)

    /// Number of rows (and columns).
    member _.Size = size
    /// Sub-diagonals.
    member _.Lower = lower
    /// Super-diagonals (before factorisation).
    member _.Upper = upper

    /// Entry (i, j); zero outside the band.
    member _.Item
        with get (i: int, j: int) =
            if j < i - lower || j > i + upper + lower then
                0.0
            else
                data[index i j]
        and set (i: int, j: int) (v: float) =
            if factored then
                invalidOp "the matrix has been factorised"

            if j < i - lower || j > i + upper then
                invalidArg
                    "j"
                    (sprintf "entry (%d, %d) lies outside the band (%d below, %d above)" i j lower upper)

            data[index i j] <- v

    /// Adds v to entry (i, j).
    member m.Add(i: int, j: int, v: float) = m[i, j] <- m[i, j] + v

    /// Factorises in place (PA = LU). Fails with a clear error on an exactly singular pivot.
    member _.Factor() =
        if factored then
            invalidOp "already factorised"

        for k in 0 .. size - 1 do
            let last = min (size - 1) (k + lower)
            let mutable p = k
            let mutable best = abs data[index k k]

            for i in k + 1 .. last do
                let a = abs data[index i k]

                if a > best then
                    best <- a
                    p <- i

            if best = 0.0 then
                raise (ArithmeticException(sprintf "the matrix is singular (zero pivot in column %d)" k))

            pivots[k] <- p
            let right = min (size - 1) (k + upper + lower)

            if p <> k then
                for j in k..right do
                    let a = data[index k j]
                    data[index k j] <- data[index p j]
                    data[index p j] <- a

            let pivot = data[index k k]

            for i in k + 1 .. last do
                let l = data[index i k] / pivot
                data[index i k] <- l

                if l <> 0.0 then
                    // row i, columns k + 1 … right, minus l times row k (rows are contiguous in the band storage)
                    Axpy.subtract l data (index k (k + 1)) data (index i (k + 1)) (right - k)

        factored <- true

    /// Solves A x = b after Factor(); b is overwritten by x and returned.
    member _.Solve(b: float[]) =
        if not factored then
            invalidOp "factorise before solving"

        if b.Length <> size then
            invalidArg "b" (sprintf "right-hand side has length %d, the matrix %d" b.Length size)

        for k in 0 .. size - 1 do
            let p = pivots[k]

            if p <> k then
                let t = b[k]
                b[k] <- b[p]
                b[p] <- t

            for i in k + 1 .. min (size - 1) (k + lower) do
                b[i] <- b[i] - data[index i k] * b[k]

        for k in size - 1 .. -1 .. 0 do
            let mutable s = b[k]

            for j in k + 1 .. min (size - 1) (k + upper + lower) do
                s <- s - data[index k j] * b[j]

            b[k] <- s / data[index k k]

        b
