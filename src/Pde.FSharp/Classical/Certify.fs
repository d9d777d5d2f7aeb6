/// <summary>
/// Classical certification of a solution found by a network: the problem is compiled into finite differences
/// (<see cref="FdCompile"/>), Newton starts from the network's fields on a coarse grid, the converged solution is
/// refined on a fine grid, and the discretization error is estimated by Richardson extrapolation. The result says
/// whether Newton stayed near the network's field (Certified), converged to a solution far from it (Moved), or
/// could not run or converge (NotCertified). <see cref="Completion"/> searches for further solutions by deflated
/// Newton from scalings of the known ones and from given seeds.
/// </summary>
module Pde.FSharp.Classical.Certify

open System
open Pde.FSharp.Geometry
open Pde.FSharp.Problems

/// Settings of a certification.
type CertifyOptions =
    {
        /// Nodes across the domain's longest extent on the coarse grid (see DomainGrid.ofDomain).
        Resolution: int
        /// Nodes across on the fine grid (Richardson needs FineResolution > Resolution).
        FineResolution: int
        /// Newton's settings (tolerances, iterations, deflation power and shift).
        Newton: Newton.NewtonOptions
        /// The relative L² distance (see `distance`) under which Newton "stayed near" its start.
        NearDistance: float
        /// The floor of the distance's denominator, as a root-mean-square field value: fields smaller than this
        /// are compared in absolute terms.
        DistanceFloor: float
        /// Values of the problem's trainable parameters (inverse problems); empty when it has none.
        Parameters: Map<string, float>
    }

/// A solution of the finite-difference system on the fine grid.
[<NoEquality; NoComparison>]
type ClassicalSolution =
    {
        /// The fields, in the problem's order.
        Fields: string list
        /// The fine-grid solution interpolated (cubic, in grid coordinates) at any points of the domain.
        Values: string -> float[][] -> float[]
        /// Richardson estimate of the fine grid's discretization error, relative L²: ‖u_f − u_c‖/(ρ² − 1) over
        /// max(‖u_f‖, floor), ρ the ratio of the grid spacings.
        ErrorEstimate: float
        /// Newton iterations on the fine grid.
        Iterations: int
        /// Weighted L² norm of the fine grid's residual at the end.
        ResidualNorm: float
        /// The fine grid's resolution (nodes across).
        Resolution: int
        /// The fine grid's nodes: where `Values` are the solution's own, not interpolated (and where a field is judged
        /// against it, `distance`).
        Nodes: float[][]
    }

/// The outcome of a certification.
[<NoEquality; NoComparison>]
type Certification =
    /// Newton converged near the network's field (distance ≤ NearDistance).
    | Certified of ClassicalSolution * distance: float
    /// Newton converged to a solution far from the network's field.
    | Moved of ClassicalSolution * distance: float
    /// Unsupported domain or operator, no convergence, …
    | NotCertified of reason: string

/// The default settings of a problem. Rule (ResolutionRule.cells): the coarse grid has m + 1 nodes across the
/// domain's longest extent with m = m₀ = round(32/F^¾) cells for F fields (at least 12), so that the banded LU's cost
/// (∝ F³m⁴) stays that of one field on 33 nodes — doubled while the problem's data (the sources of its equations, see
/// FdCompile.data) are not resolved at m (interpolated to a grid of 2m + 1 cells they differ by more than
/// ResolutionRule.dataTolerance, 5%) and the doubled fine grid's band LU fits in ResolutionRule.maxFactorDoubles
/// (1 GiB); the fine grid has 2m + 1 nodes (twice finer, for Richardson). Why this test: cubic interpolation of a wave
/// e^{iκx} errs by at most ≈ 3(κh)⁴/128 (at the midpoints), so data within 5% have κh ≲ 1.2 on the coarse grid, and a
/// solution oscillating like them has a second-order error ≈ (κh/2)²/12 ≲ 3% on the fine grid, a third of
/// NearDistance. Disks and annuli use the same count across their diameter (DomainGrid.ofDomain), rectangles across
/// their longer side. Newton: NewtonOptions.Default; near: a relative distance of 0.1; floor: an RMS of 0.1;
/// parameters: the problem's declared values.
let defaults (problem: Problem) : CertifyOptions =
    let parameters = problem.Parameters |> Map.ofList
    let cells = ResolutionRule.cells problem parameters

    {
        Resolution = cells + 1
        FineResolution = 2 * cells + 1
        Newton = Newton.NewtonOptions.Default
        NearDistance = 0.1
        DistanceFloor = 0.1
        Parameters = parameters
    }

/// The relative distance of two grid vectors: ‖a − b‖/max(‖a‖, ‖b‖, floor·√(Σ w)) in the weighted L² norm of the
/// grid (w the quadrature weights of every unknown, so Σ w is the domain's area times the number of fields).
let distanceOnGrid (weights: float[]) (floor: float) (a: float[]) (b: float[]) =
    let norm = Newton.norm weights
    let scale = max (max (norm a) (norm b)) (floor * sqrt (Array.sum weights))
    norm (Array.map2 (-) a b) / scale

let private check (options: CertifyOptions) =
    if options.Resolution < 8 then
        Error(sprintf "CertifyOptions.Resolution must be at least 8 (got %d)" options.Resolution)
    elif options.FineResolution <= options.Resolution then
        Error(
            sprintf
                "CertifyOptions.FineResolution (%d) must exceed Resolution (%d) for the Richardson estimate"
                options.FineResolution
                options.Resolution
        )
    elif not (options.NearDistance > 0.0) || not (options.DistanceFloor > 0.0) then
        Error(
            sprintf
                "CertifyOptions.NearDistance (%g) and DistanceFloor (%g) must be > 0"
                options.NearDistance
                options.DistanceFloor
        )
    else
        Ok()

/// The coarse and fine systems of a problem (or why it cannot be compiled).
let internal systems (problem: Problem) (options: CertifyOptions) =
    check options
    |> Result.bind (fun () -> FdCompile.compile problem options.Parameters options.Resolution)
    |> Result.bind (fun coarse ->
        FdCompile.compile problem options.Parameters options.FineResolution
        |> Result.map (fun fine -> coarse, fine))

/// The relative L² distance between two sets of fields (functions evaluated at points): ‖a − b‖/max(‖a‖, ‖b‖,
/// floor) over every field on the fine grid of the problem (quadrature weights of the grid), with floor =
/// DistanceFloor·√(area·fields). Error when the problem has no grid.
let distance (problem: Problem) (options: CertifyOptions) (a: string -> float[][] -> float[]) b =
    check options
    |> Result.bind (fun () -> FdCompile.compile problem options.Parameters options.FineResolution)
    |> Result.map (fun fine ->
        distanceOnGrid fine.System.Weights options.DistanceFloor (fine.Sample a) (fine.Sample b))

/// Newton on one system; Error names the grid when it does not converge or the Jacobian is singular.
let internal newton (options: CertifyOptions) (known: float[] list) (s: FdSystem) (guess: float[]) =
    if not (Array.forall Double.IsFinite guess) then
        Error(sprintf "the start is not finite at some node of the %s" s.Grid.Description)
    else
        try
            let r = Newton.solve options.Newton known s.System guess

            if r.Converged then
                Ok r
            else
                Error(
                    sprintf
                        "Newton did not converge on the %s: residual %.3g after %d iterations"
                        s.Grid.Description
                        r.ResidualNorm
                        r.Iterations
                )
        with :? ArithmeticException as e ->
            Error(sprintf "the Jacobian on the %s is singular (%s)" s.Grid.Description e.Message)

/// The fields of a grid solution as functions evaluated at points.
let private valuesOf (s: FdSystem) (u: float[]) : string -> float[][] -> float[] =
    let perField = s.Fields |> List.mapi (fun k name -> name, s.Field u k) |> Map.ofList

    fun name points ->
        match perField.TryFind name with
        | Some v -> s.Grid.Interpolate v points
        | None ->
            invalidArg
                "name"
                (sprintf "unknown field '%s' (the solution's fields: %s)" name (String.Join(", ", s.Fields)))

/// A Newton solve from a start before it is judged: the fine solution and the raw norms that the distance and the
/// error estimate divide by a floor, so that one solve is judged against any DistanceFloor (`judge`) exactly as
/// `certify` would with it.
[<NoEquality; NoComparison>]
type Solve =
    {
        /// The solution (its ErrorEstimate at the floor of the options it was solved with).
        Solution: ClassicalSolution
        /// ‖start − solution‖, ‖start‖, ‖solution‖ on the fine grid and Σ w there.
        Difference: float
        StartNorm: float
        SolutionNorm: float
        FineWeights: float
        /// ‖u_f − u_c‖/(ρ² − 1), ‖u_f‖ on the coarse grid's nodes and Σ w there (the Richardson estimate's parts).
        ErrorNorm: float
        CoarseNorm: float
        CoarseWeights: float
    }

/// Why a solve gave no solution: the problem cannot be compiled (domain, operator, options), or Newton did not
/// converge from the start (no solution near it that Newton reaches).
type SolveFailure =
    | Unsupported of reason: string
    | NotConverged of reason: string

    member f.Reason =
        match f with
        | Unsupported r
        | NotConverged r -> r

/// Refines a coarse solution on the fine grid and estimates the discretization error by Richardson; the raw parts.
let internal refine (options: CertifyOptions) (coarse: FdSystem) (fine: FdSystem) (uc: float[]) =
    let coarseValues = valuesOf coarse uc

    newton options [] fine (fine.Sample coarseValues)
    |> Result.map (fun r ->
        let fineValues = valuesOf fine r.Solution
        // both solutions on the coarse grid's nodes, where the coarse one needs no interpolation
        let onCoarse = coarse.Sample fineValues
        let ratio = coarse.Grid.Spacing / fine.Grid.Spacing
        let w = coarse.System.Weights
        let coarseNorm = Newton.norm w onCoarse
        let errorNorm = Newton.norm w (Array.map2 (-) onCoarse uc) / (ratio * ratio - 1.0)
        let scale = max coarseNorm (options.DistanceFloor * sqrt (Array.sum w))

        {
            Fields = fine.Fields
            Values = fineValues
            ErrorEstimate = errorNorm / scale
            Iterations = r.Iterations
            ResidualNorm = r.ResidualNorm
            Resolution = options.FineResolution
            Nodes = fine.Grid.Points
        },
        errorNorm,
        coarseNorm,
        Array.sum w)

/// Newton from the fields `start` on the coarse grid, then on the fine grid from the coarse solution, with the norms
/// `judge` needs; Unsupported when the problem cannot be compiled, NotConverged when Newton does not converge.
let solve (problem: Problem) (options: CertifyOptions) (start: string -> float[][] -> float[]) =
    systems problem options
    |> Result.mapError Unsupported
    |> Result.bind (fun (coarse, fine) ->
        newton options [] coarse (coarse.Sample start)
        |> Result.bind (fun r -> refine options coarse fine r.Solution)
        |> Result.mapError NotConverged
        |> Result.map (fun (solution, errorNorm, coarseNorm, coarseWeights) ->
            let a = fine.Sample start
            let b = fine.Sample solution.Values
            let norm = Newton.norm fine.System.Weights

            {
                Solution = solution
                Difference = norm (Array.map2 (-) a b)
                StartNorm = norm a
                SolutionNorm = norm b
                FineWeights = Array.sum fine.System.Weights
                ErrorNorm = errorNorm
                CoarseNorm = coarseNorm
                CoarseWeights = coarseWeights
            }))

/// A solve judged with `options`' NearDistance and DistanceFloor: Certified when the solution lies within NearDistance
/// of the start (relative distance as `distanceOnGrid`), Moved otherwise; the error estimate over the same floor.
let judge (options: CertifyOptions) (s: Solve) =
    let d =
        s.Difference
        / max (max s.StartNorm s.SolutionNorm) (options.DistanceFloor * sqrt s.FineWeights)

    let solution =
        { s.Solution with
            ErrorEstimate = s.ErrorNorm / max s.CoarseNorm (options.DistanceFloor * sqrt s.CoarseWeights)
        }

    if d <= options.NearDistance then
        Certified(solution, d)
    else
        Moved(solution, d)

/// Certifies the network's fields `start`: Newton from them on the coarse grid, then on the fine grid from the
/// coarse solution; Certified when the fine solution lies within NearDistance of the start (`distance`), Moved
/// otherwise, NotCertified (with the reason) when the problem cannot be compiled or Newton does not converge.
let certify
    (problem: Problem)
    (options: CertifyOptions)
    (start: string -> float[][] -> float[])
    : Certification =
    match solve problem options start with
    | Ok s -> judge options s
    | Error failure -> NotCertified failure.Reason
