namespace Pde.FSharp.Geometry

open System
open Ecd.Core.Randomness
open Pde.FSharp.Language

/// How collocation points are placed.
type Sampler =
    /// Independent uniform draws (rejection from the bounding box or the boundary's arc length).
    | Uniform
    /// The Halton sequence (bases 2, 3, 5) with a random Cranley–Patterson shift from the seed.
    | Halton
    /// A regular grid of cell centres (the seed is not used); the count is the closest the grid gets to the request.
    | Grid

/// Points (N × d, row-major) and, on the boundary, their outward unit normals (N × d; empty in the interior).
type Samples =
    {
        /// Coordinates per point.
        Dimension: int
        /// N × d coordinates, row-major.
        Points: float[]
        /// N × d outward unit normals (boundary samples), or empty.
        Normals: float[]
    }

    /// Number of points.
    member s.Count = s.Points.Length / s.Dimension

    /// Point i as an array.
    member s.Point(i: int) =
        s.Points[i * s.Dimension .. (i + 1) * s.Dimension - 1]

/// Seeded samplers for the interior and the boundary of a domain: same seed, same points.
[<RequireQualifiedAccess>]
module Sampling =
    let private primes = [| 2; 3; 5; 7 |]

    /// b⁻¹, b⁻², …, b⁻⁶⁴, each the previous one divided by b (as the radical inverse always computed them).
    let private inversePowers (b: int) =
        let powers = Array.zeroCreate 64
        let mutable f = 1.0 / float b

        for j in 0..63 do
            powers[j] <- f
            f <- f / float b

        powers

    /// The digits of n ≥ 0 in base b (least significant first) times `powers`, summed in that order; inlined with a
    /// literal base, the division by it is a multiplication.
    let inline private digitSum (powers: float[]) (b: int) (n0: int) =
        let mutable r = 0.0
        let mutable n = n0
        let mutable j = 0

        while n > 0 do
            let q = n / b
            r <- r + powers[j] * float (n - q * b)
            n <- q
            j <- j + 1

        r

    /// The radical inverse of i in base b with b's `inversePowers`: digit j (least significant first) times b^−(j+1),
    /// summed in that order. Indices below 2³¹ take one 32-bit division per digit (the remainder from the quotient), by
    /// a constant for the bases of the Halton sequence. The same digits, products and sums in the same order as two
    /// 64-bit divisions and a division of the power per digit: the same bits, in a fraction of the time (a fresh draw
    /// of 7 851 points per step at the paper's PDE k = 20; docs/engine.md).
    let private radicalInverseWith (powers: float[]) (b: int) (i: int64) =
        if i <= int64 Int32.MaxValue then
            match b with
            | 2 -> digitSum powers 2 (int i)
            | 3 -> digitSum powers 3 (int i)
            | 5 -> digitSum powers 5 (int i)
            | 7 -> digitSum powers 7 (int i)
            | _ -> digitSum powers b (int i)
        else
            let mutable r = 0.0
            let mutable n = i
            let mutable j = 0

            while n > 0L do
                r <- r + powers[j] * float (n % int64 b)
                n <- n / int64 b
                j <- j + 1

            r

    /// The radical inverse of i in base b (van der Corput).
    let radicalInverse (b: int) (i: int64) =
        radicalInverseWith (inversePowers b) b i

    /// An endless stream of points in [0, 1)^m from `seed` (Uniform or Halton), each written into the array given.
    let private streamInto (sampler: Sampler) (m: int) (seed: uint64) : float[] -> unit =
        let rng = Xoshiro256.FromSeed seed

        match sampler with
        | Halton ->
            let shift = Array.init m (fun _ -> rng.NextDouble())
            let powers = Array.init m (fun k -> inversePowers primes[k])
            let mutable i = 0L

            fun u ->
                i <- i + 1L

                for k in 0 .. m - 1 do
                    let v = radicalInverseWith powers[k] primes[k] i + shift[k]
                    u[k] <- if v >= 1.0 then v - 1.0 else v
        | _ ->
            fun u ->
                for k in 0 .. m - 1 do
                    u[k] <- rng.NextDouble()

    /// An endless stream of points in [0, 1)^m from `seed` (Uniform or Halton), a new array each.
    let private stream (sampler: Sampler) (m: int) (seed: uint64) : unit -> float[] =
        let next = streamInto sampler m seed

        fun () ->
            let u = Array.zeroCreate m
            next u
            u

    let private maxCandidates n = max 200_000 (2000 * n)

    let private checkCount (what: string) (n: int) =
        if n < 1 then
            raise (ProblemError(sprintf "zero points: %s asks for %d points (need at least 1)" what n))

    /// A grid of cell centres of [0, 1)^m with about `target` cells in total, `weights` giving the relative
    /// extent of each direction (cells stay roughly square).
    let private unitGrid (m: int) (target: float) (weights: float[]) =
        let volume = Array.fold (*) 1.0 weights
        let h = (volume / max target 1.0) ** (1.0 / float m)
        let counts = weights |> Array.map (fun w -> max 1 (int (Math.Round(w / h))))
        let total = Array.fold (*) 1 counts

        Array.init total (fun idx ->
            let mutable r = idx

            Array.init m (fun k ->
                let c = r % counts[k]
                r <- r / counts[k]
                (float c + 0.5) / float counts[k]))

    /// Runs `accept` over grids of growing or shrinking size until about `n` cells are accepted; the closest wins.
    let private gridSearch (m: int) (n: int) (weights: float[]) (accept: float[] -> bool) =
        let mutable target = float n
        let mutable best: float[][] = [||]

        for _ in 1..10 do
            let kept = unitGrid m target weights |> Array.filter accept

            if abs (kept.Length - n) < abs (best.Length - n) then
                best <- kept

            if kept.Length > 0 then
                target <- target * float n / float kept.Length
            else
                target <- target * 4.0

        best

    /// `n` points in the interior of `domain` (what: the term's name for messages).
    let interior (domain: Domain) (sampler: Sampler) (n: int) (seed: uint64) (what: string) : Samples =
        checkCount what n
        let lo, hi = Domain.bounds domain
        let d = lo.Length

        let toPoint (u: float[]) =
            Array.init d (fun k -> lo[k] + u[k] * (hi[k] - lo[k]))

        let points =
            match sampler with
            | Grid ->
                let extent = Array.map2 (fun a b -> b - a) lo hi

                gridSearch d n extent (toPoint >> Domain.contains domain)
                |> Array.collect toPoint
            | _ ->
                // one candidate at a time in the same two arrays (a fresh draw every step: no garbage per candidate)
                let next = streamInto sampler d seed
                let u = Array.zeroCreate d
                let p = Array.zeroCreate d
                let kept = ResizeArray<float>(n * d)
                let mutable tried = 0
                let limit = maxCandidates n

                while kept.Count < n * d && tried < limit do
                    next u

                    for k in 0 .. d - 1 do
                        p[k] <- lo[k] + u[k] * (hi[k] - lo[k])

                    tried <- tried + 1

                    if Domain.contains domain p then
                        kept.AddRange p

                if kept.Count < n * d then
                    raise (
                        ProblemError(
                            sprintf
                                "empty or degenerate domain: only %d of %d candidate points of the bounding box fell inside (%s needs %d)"
                                (kept.Count / d)
                                tried
                                what
                                n
                        )
                    )

                kept.ToArray()

        if points.Length = 0 then
            raise (ProblemError(sprintf "empty or degenerate domain: no grid point fell inside (%s)" what))

        {
            Dimension = d
            Points = points
            Normals = [||]
        }

    /// u ∈ [0,1)^m ↦ a candidate on the boundary pieces: u₀ picks the piece by measure and is its first parameter;
    /// the point, its normal and whether the piece keeps it.
    let private locator (pieces: BoundaryPiece[]) (measures: float[]) (total: float) (k: int) =
        let cumulative = Array.scan (+) 0.0 measures

        fun (u: float[]) ->
            let s = u[0] * total
            let mutable i = 0

            while i < pieces.Length - 1 && cumulative[i + 1] <= s do
                i <- i + 1

            let local = min 0.9999999999999999 (max 0.0 ((s - cumulative[i]) / measures[i]))
            let parameters = Array.init k (fun j -> if j = 0 then local else u[j])
            let p, normal = pieces[i].Map parameters
            p, normal, pieces[i].Keep p normal

    /// `n` random boundary points (with normals) drawn from `next` through `locate`, keeping those on the selection.
    let private drawBoundary locate (next: unit -> float[]) (selection: Boundary) (n: int) (what: string) =
        let kept = ResizeArray<float[] * float[]>(n)
        let mutable tried = 0
        let limit = maxCandidates n

        while kept.Count < n && tried < limit do
            let p, normal, keep = locate (next ())
            tried <- tried + 1

            if keep then
                kept.Add((p, normal))

        if kept.Count < n then
            raise (
                ProblemError(
                    sprintf
                        "zero points: only %d of %d candidate points fell on the boundary selection '%s' (%s needs %d)"
                        kept.Count
                        tried
                        selection.Description
                        what
                        n
                )
            )

        kept.ToArray()

    /// `n` points on the selected part of the boundary of `domain`, uniform in arc length (area on a space-time
    /// boundary), with outward normals.
    let boundary
        (domain: Domain)
        (selection: Boundary)
        (sampler: Sampler)
        (n: int)
        (seed: uint64)
        (what: string)
        : Samples =
        checkCount what n
        let d = Domain.dimension domain
        let pieces = Boundary.pieces domain selection |> Array.ofList
        let measures = pieces |> Array.map (fun p -> p.Measure)
        let total = Array.sum measures

        if pieces.Length = 0 || not (total > 0.0) then
            raise (
                ProblemError(
                    sprintf
                        "zero points: the boundary selection '%s' is empty (%s)"
                        selection.Description
                        what
                )
            )

        let k = d - 1
        let m = max 1 k
        let locate = locator pieces measures total k

        let chosen =
            match sampler with
            | Grid ->
                let weights = if m = 1 then [| 1.0 |] else [| 1.0; 1.0 |]

                gridSearch m n weights (fun u ->
                    let _, _, keep = locate u
                    keep)
                |> Array.map (fun u ->
                    let p, normal, _ = locate u
                    p, normal)
            | _ -> drawBoundary locate (stream sampler m seed) selection n what

        if chosen.Length = 0 then
            raise (
                ProblemError(
                    sprintf
                        "zero points: no grid point fell on the boundary selection '%s' (%s)"
                        selection.Description
                        what
                )
            )

        {
            Dimension = d
            Points = chosen |> Array.collect fst
            Normals = chosen |> Array.collect snd
        }

    /// About `n` points of a regular grid in the interior of `domain`, one array per point (for evaluating and
    /// measuring a trained model).
    let grid (domain: Domain) (n: int) : float[][] =
        let s = interior domain Grid n 0UL "the evaluation grid"
        Array.init s.Count s.Point
