namespace Pde.FSharp.Classical

open System
open System.Numerics
open System.Runtime.InteropServices
open System.Runtime.Intrinsics

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

/// The deferred update of a block of the band LU: rows minus Σ_s l_s·u_s over the block's s < count columns, l the
/// row's pending multipliers (`pending`, nb per row), u_s the block's row s right of the block (`block`, `span` per
/// row, zero past its band), over the `columns` columns right of the block; element by element in the order s = 0,
/// 1, … with the same SIMD vectors as Axpy.subtract (no fused multiply-add), so the rounding is that of the
/// column-by-column elimination.
type private PendingRows(data: float[], pending: float[], block: float[], nb: int, span: int, columns: int) =
    /// Row at data[row …] (its first column right of the block), pending row `p`, the first `count` multipliers, over
    /// `n` columns.
    member _.UpdateRow (row: int) (p: int) (count: int) (n: int) =
        let w = Vector<float>.Count
        let mutable c = 0

        while c <= n - w do
            let mutable acc = Vector<float>(data, row + c)

            for s in 0 .. count - 1 do
                acc <- acc - Vector<float>(pending[p * nb + s]) * Vector<float>(block, s * span + c)

            acc.CopyTo(data, row + c)
            c <- c + w

        while c < n do
            let mutable a = data[row + c]

            for s in 0 .. count - 1 do
                a <- a - pending[p * nb + s] * block[s * span + c]

            data[row + c] <- a
            c <- c + 1

    /// Four consecutive rows (data[row + r·stride …], pending rows p … p + 3) over every column: each u_s is loaded
    /// once for the four rows.
    member r.UpdateFour (row: int) (stride: int) (p: int) (count: int) =
        let w = Vector<float>.Count
        let mutable c = 0

        while c <= columns - w do
            let mutable a0 = Vector<float>(data, row + c)
            let mutable a1 = Vector<float>(data, row + stride + c)
            let mutable a2 = Vector<float>(data, row + 2 * stride + c)
            let mutable a3 = Vector<float>(data, row + 3 * stride + c)

            for s in 0 .. count - 1 do
                let u = Vector<float>(block, s * span + c)
                a0 <- a0 - Vector<float>(pending[p * nb + s]) * u
                a1 <- a1 - Vector<float>(pending[(p + 1) * nb + s]) * u
                a2 <- a2 - Vector<float>(pending[(p + 2) * nb + s]) * u
                a3 <- a3 - Vector<float>(pending[(p + 3) * nb + s]) * u

            a0.CopyTo(data, row + c)
            a1.CopyTo(data, row + stride + c)
            a2.CopyTo(data, row + 2 * stride + c)
            a3.CopyTo(data, row + 3 * stride + c)
            c <- c + w

        if c < columns then
            for q in 0..3 do
                r.UpdateTail (row + q * stride) (p + q) count c

    /// UpdateFour with 512-bit vectors (where the processor has them: twice Vector<float>'s width here) and eight
    /// accumulators (two vectors of each row, so that eight subtractions are in flight); unchecked loads and stores
    /// after one check of the whole range.
    member r.UpdateFourWide (row: int) (stride: int) (p: int) (count: int) =
        if
            row < 0
            || row + 3 * stride + columns > data.Length
            || (p + 4) * nb > pending.Length
        then
            invalidArg "row" "the rows lie outside the band storage"

        if count > nb || (count - 1) * span + columns > block.Length then
            invalidArg "count" "the block's rows lie outside their buffer"

        let d = &MemoryMarshal.GetArrayDataReference(data)
        let u = &MemoryMarshal.GetArrayDataReference(block)
        let at (i: int) = unativeint i
        let mutable c = 0

        while c <= columns - 16 do
            let mutable a0 = Vector512.LoadUnsafe(&d, at (row + c))
            let mutable b0 = Vector512.LoadUnsafe(&d, at (row + c + 8))
            let mutable a1 = Vector512.LoadUnsafe(&d, at (row + stride + c))
            let mutable b1 = Vector512.LoadUnsafe(&d, at (row + stride + c + 8))
            let mutable a2 = Vector512.LoadUnsafe(&d, at (row + 2 * stride + c))
            let mutable b2 = Vector512.LoadUnsafe(&d, at (row + 2 * stride + c + 8))
            let mutable a3 = Vector512.LoadUnsafe(&d, at (row + 3 * stride + c))
            let mutable b3 = Vector512.LoadUnsafe(&d, at (row + 3 * stride + c + 8))

            for s in 0 .. count - 1 do
                let ua = Vector512.LoadUnsafe(&u, at (s * span + c))
                let ub = Vector512.LoadUnsafe(&u, at (s * span + c + 8))
                let l0 = Vector512.Create(pending[p * nb + s])
                let l1 = Vector512.Create(pending[(p + 1) * nb + s])
                let l2 = Vector512.Create(pending[(p + 2) * nb + s])
                let l3 = Vector512.Create(pending[(p + 3) * nb + s])
                a0 <- a0 - l0 * ua
                b0 <- b0 - l0 * ub
                a1 <- a1 - l1 * ua
                b1 <- b1 - l1 * ub
                a2 <- a2 - l2 * ua
                b2 <- b2 - l2 * ub
                a3 <- a3 - l3 * ua
                b3 <- b3 - l3 * ub

            Vector512.StoreUnsafe(a0, &d, at (row + c))
            Vector512.StoreUnsafe(b0, &d, at (row + c + 8))
            Vector512.StoreUnsafe(a1, &d, at (row + stride + c))
            Vector512.StoreUnsafe(b1, &d, at (row + stride + c + 8))
            Vector512.StoreUnsafe(a2, &d, at (row + 2 * stride + c))
            Vector512.StoreUnsafe(b2, &d, at (row + 2 * stride + c + 8))
            Vector512.StoreUnsafe(a3, &d, at (row + 3 * stride + c))
            Vector512.StoreUnsafe(b3, &d, at (row + 3 * stride + c + 8))
            c <- c + 16

        if c < columns then
            for q in 0..3 do
                r.UpdateTail (row + q * stride) (p + q) count c

    /// Columns from `c` to the end of one row, scalar.
    member _.UpdateTail (row: int) (p: int) (count: int) (from: int) =
        for c in from .. columns - 1 do
            let mutable a = data[row + c]

            for s in 0 .. count - 1 do
                a <- a - pending[p * nb + s] * block[s * span + c]

            data[row + c] <- a

    /// Copies the block's row s (data[row …], `inBand` columns within its band) into the buffer, zeros after.
    member _.Keep (s: int) (row: int) (inBand: int) =
        for c in 0 .. columns - 1 do
            block[s * span + c] <- if c < inBand then data[row + c] else 0.0

/// A square matrix with `Lower` sub-diagonals and `Upper` super-diagonals (finite-difference Jacobians), with an LU
/// factorisation with partial pivoting (row interchanges widen the upper band by `Lower`, as in LAPACK's gbtrf),
/// blocked (`Factor`) or column by column (`FactorUnblocked`, the reference), with the same factors bit for bit.
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

    /// Column k of the elimination: the pivot among rows k … k + lower is swapped into row k (columns k … k + upper +
    /// lower, and the block's pending multipliers), the multipliers l are stored in column k (and in `pending` from
    /// row `first` on, when a block defers its trailing update) and l times row k is subtracted from the rows below
    /// in columns k + 1 … `last`.
    let eliminate (k: int) (last: int) (pending: float[]) (first: int) (nb: int) =
        let bottom = min (size - 1) (k + lower)
        let mutable p = k
        let mutable best = abs data[index k k]

        for i in k + 1 .. bottom do
            let a = abs data[index i k]

            if a > best then
                best <- a
                p <- i

        if best = 0.0 then
            raise (ArithmeticException(sprintf "the matrix is singular (zero pivot in column %d)" k))

        pivots[k] <- p

        if p <> k then
            for j in k .. min (size - 1) (k + upper + lower) do
                let a = data[index k j]
                data[index k j] <- data[index p j]
                data[index p j] <- a

            for s in 0 .. nb - 1 do
                let a = pending[(k - first) * nb + s]
                pending[(k - first) * nb + s] <- pending[(p - first) * nb + s]
                pending[(p - first) * nb + s] <- a

        let pivot = data[index k k]

        for i in k + 1 .. bottom do
            let l = data[index i k] / pivot
            data[index i k] <- l

            if nb > 0 then
                pending[(i - first) * nb + (k - first)] <- l

            if l <> 0.0 && last > k then
                // row i, columns k + 1 … last, minus l times row k (rows are contiguous in the band storage)
                Axpy.subtract l data (index k (k + 1)) data (index i (k + 1)) (last - k)

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

    /// Factorises in place (PA = LU) by blocks of `BlockColumns` columns (LAPACK gbtrf's scheme): a block's columns
    /// are eliminated one by one within the block, the rows' parts right of it keep their multipliers pending (swapped
    /// with the rows), then those parts are updated at once — the block's own rows in order (a triangular solve),
    /// the rows below four at a time, each element minus Σ l·u over the block's columns in column order. Every
    /// element receives the same operations in the same order as in `FactorUnblocked`, so the factors agree
    /// bit for bit; the block's rows are read from a small buffer many times instead of the trailing band being
    /// streamed once per column. Fails with a clear error on an exactly singular pivot.
    member _.Factor() =
        if factored then
            invalidOp "already factorised"

        let nb = BandedMatrix.BlockColumns
        let span = upper + lower
        let pending: float[] = Array.zeroCreate ((nb + lower) * nb)
        let block: float[] = Array.zeroCreate (nb * span)
        let mutable k0 = 0

        while k0 < size do
            let next = min size (k0 + nb)
            Array.Clear pending

            for k in k0 .. next - 1 do
                eliminate k (min (next - 1) (min (size - 1) (k + span))) pending k0 nb

            let last = min (size - 1) (next - 1 + span)

            if last >= next then
                let pendingRows = PendingRows(data, pending, block, nb, span, last - next + 1)

                for t in k0 .. next - 1 do
                    let inBand = max 0 (min last (t + span) - next + 1)
                    pendingRows.UpdateRow (index t next) (t - k0) (t - k0) inBand
                    pendingRows.Keep (t - k0) (index t next) inBand

                let bottom = min (size - 1) (next - 1 + lower)
                let mutable i = next

                while i + 3 <= bottom do
                    if Vector512.IsHardwareAccelerated then
                        pendingRows.UpdateFourWide (index i next) (width - 1) (i - k0) (next - k0)
                    else
                        pendingRows.UpdateFour (index i next) (width - 1) (i - k0) (next - k0)

                    i <- i + 4

                while i <= bottom do
                    pendingRows.UpdateRow (index i next) (i - k0) (next - k0) (last - next + 1)
                    i <- i + 1

            k0 <- next

        factored <- true

    /// The same factorisation column by column (each column's multipliers applied to the whole band right of it at
    /// once): the reference `Factor` is tested and timed against.
    member _.FactorUnblocked() =
        if factored then
            invalidOp "already factorised"

        for k in 0 .. size - 1 do
            eliminate k (min (size - 1) (k + upper + lower)) [||] 0 0

        factored <- true

    /// Columns per block of `Factor`: 8 (measured on the paper's PDE at 129 and 257 nodes across, bands 204 and 404:
    /// 8 and 16 equal at the larger, 8 faster at the smaller, 32 and 64 slower at both — the block's own column-by-column
    /// elimination costs more as the block widens).
    static member BlockColumns = 8

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
