/// The automatic classical certification of discovered solutions (finite differences of the problem itself + damped
/// Newton started from each network's field, refined on a finer grid with a Richardson error estimate), and the
/// classical completion (deflated Newton seeded by the certified solutions and by the runs that did not converge):
/// what it finds that no network reached is reported apart, never mixed with the networks' solutions.
module Pde.Discovery.Certification

open Pde.FSharp.Language
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery.Solutions
open Pde.Discovery.Subject

/// The certification settings of a subject: the classical grids of Certify.defaults; "near" is the discovery's own
/// distinctness threshold and the distance floor its own (`floor`, an L² norm on the grid: the largest solution's, at
/// least the reference's), so that a certified solution and a network solution are "the same" by one rule.
let options (subject: Subject) (floor: float) =
    let area = Array.sum subject.GridWeights
    let fields = float subject.Fields.Length

    { Certify.defaults subject.Problem with
        NearDistance = subject.Threshold
        DistanceFloor = floor / sqrt (area * fields)
    }

/// The network's fields of weights θ as functions of points (what Newton starts from).
let fieldsOf (subject: Subject) (spec: Ecd.Core.Engine.NetworkSpec) (seed: uint64) (theta: float[]) =
    let m = model subject spec seed theta
    fun (name: string) (points: float[][]) -> Model.evaluate m (Field name) points

/// Newton from the field of network weights θ, not yet judged (Certify.solve): one solve per run, judged against
/// any distance floor by `Certify.judge (options subject floor)`.
let solveNetwork
    (subject: Subject)
    (spec: Ecd.Core.Engine.NetworkSpec)
    (seed: uint64)
    (options: Certify.CertifyOptions)
    (theta: float[])
    =
    Certify.solve subject.Problem options (fieldsOf subject spec seed theta)

/// Newton on the finite-difference problem started from the field of network weights θ: how every network is
/// certified (a solution, a rescued run, a continuation point, a study's run).
let ofNetwork
    (subject: Subject)
    (spec: Ecd.Core.Engine.NetworkSpec)
    (seed: uint64)
    (options: Certify.CertifyOptions)
    (theta: float[])
    =
    match solveNetwork subject spec seed options theta with
    | Ok solved -> Certify.judge options solved
    | Error failure -> Certify.NotCertified failure.Reason

/// A classical solution's fields on the evaluation grid, concatenated like a candidate's values.
let onGrid (subject: Subject) (s: Certify.ClassicalSolution) =
    subject.Problem.Fields
    |> List.map (fun f -> s.Values f subject.Grid)
    |> Array.concat

/// The record of a certification for solutions.json.
let record (subject: Subject) (c: Certify.Certification) : SolutionsFile.CertificationRecord =
    let first (s: Certify.ClassicalSolution) =
        Some(s.Values subject.Problem.Fields.Head subject.Grid)

    match c with
    | Certify.Certified(s, d) ->
        {
            Status = "certified"
            Detail =
                sprintf
                    "Newton on the finite-difference problem (%d nodes across) converged %.2g from the network's field; estimated discretization error %.2g"
                    s.Resolution
                    d
                    s.ErrorEstimate
            Distance = d
            ErrorEstimate = s.ErrorEstimate
            Resolution = s.Resolution
            Classical = first s
        }
    | Certify.Moved(s, d) ->
        {
            Status = "moved"
            Detail =
                sprintf
                    "Newton converged to another solution (max |u| %.4g), %.2g from the network's field: the network's field is not a solution itself"
                    (s.Values subject.Problem.Fields.Head subject.Grid |> maxAbs)
                    d
            Distance = d
            ErrorEstimate = s.ErrorEstimate
            Resolution = s.Resolution
            Classical = first s
        }
    | Certify.NotCertified reason ->
        {
            Status = "not certified"
            Detail = reason
            Distance = nan
            ErrorEstimate = nan
            Resolution = 0
            Classical = None
        }

/// The classical solution of a certification, if Newton converged.
let solutionOf (c: Certify.Certification) =
    match c with
    | Certify.Certified(s, _)
    | Certify.Moved(s, _) -> Some s
    | Certify.NotCertified _ -> None

/// The record of a classical solution that no network solution is, found as `foundBy` says.
let classicalRecord
    (subject: Subject)
    (foundBy: string)
    (sol: Certify.ClassicalSolution)
    : SolutionsFile.ClassicalOnlyRecord =
    let values = onGrid subject sol

    {
        FoundBy = foundBy
        MaxAbs = maxAbs values
        L2Norm = normL2 subject.Weights values
        ErrorEstimate = sol.ErrorEstimate
        Field = sol.Values subject.Problem.Fields.Head subject.Grid
    }

/// The record of a solution that Newton reached from the field of run `run` (a near miss): no network solution.
let nearMissRecord (subject: Subject) (run: RunId) (sol: Certify.ClassicalSolution) =
    classicalRecord subject (sprintf "Newton from the field of %O (a near miss)" run) sol

/// Seeds of the classical completion from the domain: ± the lowest sine modes sin(mπ(x − x₀)/Lx)·sin(nπ(y − y₀)/Ly),
/// m, n = 1..3, of the evaluation grid's bounding box [x₀, x₀ + Lx] × [y₀, y₀ + Ly] (every field alike), scaled to
/// `amplitude` (the largest known solution's max |u|, 1 when none is known). Solutions of semilinear problems
/// bifurcate from such modes; the scaled known solutions and the runs' fields alone miss the sign-changing ones
/// (measured: Allen–Cahn at ε = 0.1 on the square, 3 of 6 without these seeds). The lowest mode (m = n = 1, of one
/// sign) is seeded at the larger sizes of `Deflation.initializationScales` too: an unknown solution is often larger
/// than the known ones and of one sign (the upper Bratu branch, the paper's bowl) — at the paper's PDE k = 20, plain
/// Newton from −4 × the lowest mode (sin²(20r²) known, max 1) reached the bowl (u(0) −10.20), from ±1 and ±2 × it
/// sin²(20r²) (docs/discovery.md).
let modeSeeds (subject: Subject) (amplitude: float) : (string -> float[][] -> float[]) list =
    let xs = subject.Grid |> Array.map (fun p -> p[0])
    let ys = subject.Grid |> Array.map (fun p -> p[1])
    let x0, y0 = Array.min xs, Array.min ys
    let lx, ly = Array.max xs - x0, Array.max ys - y0

    let a =
        if amplitude > 0.0 && System.Double.IsFinite amplitude then
            amplitude
        else
            1.0

    let mode (m: int) (n: int) (size: float) =
        fun (_: string) (points: float[][]) ->
            points
            |> Array.map (fun p ->
                size
                * sin (float m * System.Math.PI * (p[0] - x0) / lx)
                * sin (float n * System.Math.PI * (p[1] - y0) / ly))

    [
        for m in 1..3 do
            for n in 1..3 do
                for sign in [ 1.0; -1.0 ] -> mode m n (sign * a)
        for scale in Deflation.initializationScales do
            if scale > 1.0 then
                for sign in [ 1.0; -1.0 ] -> mode 1 1 (sign * scale * a)
    ]

/// Classical completion: deflated Newton from the classical solutions (scaled ×2, ×−1, ×½) and from `seeds` (the
/// fields of runs that were not solutions, and of fresh initializations), repeated from what each pass finds until a
/// pass finds nothing new; the new solutions that are also distinct from every network solution, each with its fields
/// on the evaluation grid (every field in turn, like a candidate's values). Its solves on `threads` threads
/// (Completion.complete: the same result as on one).
let complete
    (subject: Subject)
    (options: Certify.CertifyOptions)
    (threads: int)
    (known: Certify.ClassicalSolution list)
    (seeds: (string -> float[][] -> float[]) list)
    (floor: float)
    (networkSolutions: float[] list)
    =
    // passes until one finds nothing new (at most 4): a solution found by one pass seeds the next with its scalings
    let rec passes
        (k: int)
        (known: Certify.ClassicalSolution list)
        (seeds: (string -> float[][] -> float[]) list)
        =
        match Completion.complete subject.Problem options threads known seeds with
        | [] -> []
        | found when k >= 4 -> found
        | found -> found @ passes (k + 1) (known @ found) []

    passes 1 known seeds
    |> List.filter (fun s ->
        let values = onGrid subject s

        networkSolutions
        |> List.forall (fun n -> not (sameSolution subject.Weights floor subject.Threshold values n)))
    |> List.map (fun s ->
        classicalRecord
            subject
            "deflated Newton on the finite-difference problem, seeded by the network runs' solutions and fields"
            s,
        s)
