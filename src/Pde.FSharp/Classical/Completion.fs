/// <summary>
/// Classical completion: further solutions of a problem by deflated Newton (Farrell, Birkisson &amp; Funke 2015) on
/// the coarse grid of <see cref="Certify"/>, from scalings of the known solutions and from given seeds, each new one
/// refined on the fine grid. The solves of independent starts run side by side on a given number of threads with the
/// same result as one after the other.
/// </summary>
module Pde.FSharp.Classical.Completion

open System.Threading.Tasks
open Pde.FSharp.Problems
open Pde.FSharp.Classical.Certify

/// Newton from `guesses[i]` for each i of `indices`, deflating `deflated`, side by side: worker w (its own compiled
/// system `systems[w]`: a system's tapes hold buffers, so one per thread) takes every `systems.Length`-th index.
let private solveEach
    (systems: FdSystem[])
    (options: CertifyOptions)
    (deflated: float[] list)
    (guesses: float[][])
    (indices: int[])
    =
    let results = Array.zeroCreate indices.Length

    Parallel.For(
        0,
        systems.Length,
        ParallelOptions(MaxDegreeOfParallelism = systems.Length),
        fun w ->
            let mutable k = w

            while k < indices.Length do
                results[k] <- newton options deflated systems[w] guesses[indices[k]]
                k <- k + systems.Length
    )
    |> ignore

    results

/// What a completion has found so far: the new solutions, the coarse solutions it deflates (the known ones first, the
/// set only grows), and the coarse solutions it refined.
type private Found(options: CertifyOptions, coarse: FdSystem, fine: FdSystem, known: ClassicalSolution list) =
    let mutable deflated = known |> List.map (fun s -> coarse.Sample s.Values)
    let mutable onFine = known |> List.map (fun s -> fine.Sample s.Values)
    let found = ResizeArray<ClassicalSolution>()

    // the coarse solutions refined so far: Newton from many starts lands on the same few, and refining one again
    // (Newton on the fine grid, the costly part: 354 of the 561 s of a k = 20 discovery's certification) gives the
    // same verdict — new ones were added to onFine, the others were not new or did not refine
    let mutable refined: float[] list = []

    let isNew (u: float[]) =
        onFine
        |> List.forall (fun k ->
            distanceOnGrid fine.System.Weights options.DistanceFloor u k > options.NearDistance)

    let seen (u: float[]) =
        refined
        |> List.exists (fun v -> distanceOnGrid coarse.System.Weights options.DistanceFloor u v <= 1e-8)

    member _.Deflated = deflated
    member _.Solutions = List.ofSeq found
    member _.Count = found.Count

    /// Deflates a coarse solution from now on.
    member _.Deflate(u: float[]) = deflated <- deflated @ [ u ]

    /// Refines a coarse solution not refined before; true (and the solution found) when it is new.
    member _.RefineNew(u: float[]) =
        if seen u then
            false
        else
            refined <- u :: refined

            match refine options coarse fine u |> Result.map (fun (s, _, _, _) -> s) with
            | Ok s when isNew (fine.Sample s.Values) ->
                found.Add s
                onFine <- onFine @ [ fine.Sample s.Values ]
                true
            | _ -> false

/// Classical completion: deflated Newton (p and σ from options.Newton; defcon's p = 2, σ = 1 by default) on the
/// coarse grid from every known solution scaled by 2, −1 and ½ and from every seed — each start first by plain Newton
/// (kept when it converges to a new solution), then deflating every known solution and every one found so far; from
/// each start it solves again after each converged solve (as Newton.deflate), at most `known + seeds + 8` times, up to
/// that many new solutions in all. Each new coarse solution is refined on the fine grid (once: a coarse solution
/// within 1e-8 of one refined before is not refined again); the result lists only the solutions farther than
/// NearDistance from every known and earlier one. Empty when the problem cannot be compiled.
///
/// On `threads` threads: the plain solves of every start at once (they depend on nothing found), and each start's
/// first deflated solve together with the next starts' against the set deflated so far — kept for a later start only
/// if nothing was added to that set before its turn (else solved again), so the result is the one-thread result. At
/// the paper's PDE k = 20 (coarse disk grid 65 × 204) every start's plain solve found a known solution and its first
/// deflated solve failed, 1–14 s each: the whole completion of 29 starts is these two solves per start.
let complete
    (problem: Problem)
    (options: CertifyOptions)
    (threads: int)
    (known: ClassicalSolution list)
    (seeds: (string -> float[][] -> float[]) list)
    : ClassicalSolution list =
    match systems problem options with
    | Error _ -> []
    | Ok(coarse, fine) ->
        let workers =
            Array.append
                [| coarse |]
                (Array.init (max 1 threads - 1) (fun _ ->
                    FdCompile.compile problem options.Parameters options.Resolution
                    |> Result.defaultWith failwith))

        let scaled (factor: float) (s: ClassicalSolution) =
            fun name points -> s.Values name points |> Array.map ((*) factor)

        let guesses =
            (known |> List.collect (fun s -> [ scaled 2.0 s; scaled -1.0 s; scaled 0.5 s ]))
            @ seeds
            |> List.map coarse.Sample
            |> Array.ofList

        let state = Found(options, coarse, fine, known)
        let limit = known.Length + seeds.Length + 8

        let plain = solveEach workers options [] guesses (Array.init guesses.Length id)

        // each start's first deflated solve, with the size of the set it deflated (the set only grows)
        let first = Array.create guesses.Length None

        let firstDeflated (j: int) =
            match first[j] with
            | Some(size, r) when size = state.Deflated.Length -> r
            | _ ->
                let batch = [| j .. min (guesses.Length - 1) (j + workers.Length - 1) |]
                let results = solveEach workers options state.Deflated guesses batch

                batch
                |> Array.iteri (fun k i -> first[i] <- Some(state.Deflated.Length, results[k]))

                results[0]

        for j in 0 .. guesses.Length - 1 do
            // plain Newton first: deflating the known solutions can keep Newton from a solution a start is close to
            // (measured: ± the sine modes on the disk reach 6 solutions plainly, none with 3 known ones deflated)
            match plain[j] with
            | Ok r when state.Count < limit && state.RefineNew r.Solution -> state.Deflate r.Solution
            | _ -> ()

            let mutable go = true
            let mutable tries = 0

            while go && state.Count < limit && tries < limit do
                tries <- tries + 1

                let attempt =
                    if tries = 1 then
                        firstDeflated j
                    else
                        newton options state.Deflated coarse guesses[j]

                match attempt with
                | Error _ -> go <- false
                | Ok r ->
                    state.Deflate r.Solution
                    state.RefineNew r.Solution |> ignore

        state.Solutions
