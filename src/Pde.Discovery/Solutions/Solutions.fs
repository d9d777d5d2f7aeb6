/// From the fields that an ensemble of runs ended with to distinct solutions: quality gates first (unconverged runs
/// are reported as unconverged, never as solutions), then deduplication by relative L² distance on an evaluation grid.
module Pde.Discovery.Solutions

open System

/// A run of a discovery: its round (0 = the first ensemble, k = the k-th deflation round) and its index within the
/// round. Ordered by round, then index (the order runs were made in).
type RunId =
    {
        Round: int
        Index: int
    }

    /// "round 1, run 2".
    override r.ToString() =
        sprintf "round %d, run %d" r.Round r.Index

/// What one finished run left behind, measured on the problem's evaluation grid.
type Candidate =
    {
        /// Which run it was.
        Run: RunId
        /// The run's seed.
        Seed: uint64
        /// Field values on the evaluation grid (several fields concatenated).
        Values: float[]
        /// L² norm of the PDE residual (on the evaluation points; every equation).
        ResidualL2: float
        /// max |residual|.
        ResidualMax: float
        /// The size the residual is judged against: the L² norms of the equations' additive terms at this field (or
        /// at the zero field, whichever is larger) — see Gates.
        ResidualScale: float
        /// max |boundary error| over every boundary condition.
        BoundaryMax: float
        /// The size the boundary error is judged against: the field's root mean square over the domain, or the
        /// boundary conditions' own terms on the boundary, whichever is larger — see Gates.
        BoundaryScale: float
        /// Final training loss.
        FinalLoss: float
        /// Probe values (x, y, u) for the report.
        Probes: (float * float * float) list
        /// The trained parameters θ (the saved model; empty when not kept).
        Theta: float[]
    }

/// Thresholds a run must meet to count as a solution. The rule (no tuning per problem): the residual's L² norm is at
/// most `RelativeResidual` times the candidate's residual scale, and the largest boundary error at most
/// `RelativeBoundary` times its boundary scale (see Candidate); an absolute bound, when given, replaces the rule.
type QualityGates =
    {
        RelativeResidual: float
        RelativeBoundary: float
        /// An absolute bound on the residual's L² norm instead of the rule.
        MaxResidualL2: float option
        /// An absolute bound on the largest boundary error instead of the rule.
        MaxBoundary: float option
    }

    /// Residual at most 5% of the equations' terms, boundary error at most 10% of the field's size.
    static member Default =
        {
            RelativeResidual = 0.05
            RelativeBoundary = 0.1
            MaxResidualL2 = None
            MaxBoundary = None
        }

    /// The residual bound for a residual scale (a candidate's, or a field's measured during training).
    member g.ResidualBoundAt(scale: float) =
        defaultArg g.MaxResidualL2 (g.RelativeResidual * scale)

    /// The boundary bound for a boundary scale.
    member g.BoundaryBoundAt(scale: float) =
        defaultArg g.MaxBoundary (g.RelativeBoundary * scale)

    /// The residual bound for a candidate.
    member g.ResidualBound(c: Candidate) = g.ResidualBoundAt c.ResidualScale

    /// The boundary bound for a candidate.
    member g.BoundaryBound(c: Candidate) = g.BoundaryBoundAt c.BoundaryScale

/// Why a run is not a solution.
type GateVerdict =
    | Accepted
    | Unconverged of reason: string

/// Applies the gates (NaN fails).
let judge (gates: QualityGates) (c: Candidate) =
    let residual = gates.ResidualBound c
    let boundary = gates.BoundaryBound c

    if not (c.ResidualL2 <= residual) then
        Unconverged(sprintf "residual L2 %.3g above the gate %.3g" c.ResidualL2 residual)
    elif not (c.BoundaryMax <= boundary) then
        Unconverged(sprintf "boundary error %.3g above the gate %.3g" c.BoundaryMax boundary)
    else
        Accepted

/// The largest |v| of a field's values (0 for none): the max norm solutions are listed by.
let maxAbs (v: float[]) =
    v |> Array.fold (fun m x -> max m (abs x)) 0.0

/// Weighted L² norm on the evaluation grid (the classical solvers' discrete L² norm).
let normL2 (weights: float[]) (v: float[]) =
    Pde.FSharp.Classical.Newton.norm weights v

/// Relative L² distance ‖a − b‖ / max(‖a‖, ‖b‖, floor): 0 for equal fields, up to 2 for opposite ones.
let relativeDistance (weights: float[]) (floor: float) (a: float[]) (b: float[]) =
    let d = normL2 weights (Array.map2 (-) a b)
    d / (max floor (max (normL2 weights a) (normL2 weights b)))

/// Whether two fields on the grid are one solution: their relative L² distance (over max(‖a‖, ‖b‖, `floor`)) is below
/// `threshold`. The one test of sameness every stage uses (deduplication, certification, rounds, continuation).
let sameSolution (weights: float[]) (floor: float) (threshold: float) (a: float[]) (b: float[]) =
    relativeDistance weights floor a b < threshold

/// One distinct solution and the runs that found it.
type DistinctSolution =
    {
        /// The run whose residual is smallest (its field stands for the solution).
        Representative: Candidate
        /// Every run that ended here, in run order.
        Members: Candidate list
        /// max |u| on the grid.
        MaxAbs: float
        /// ‖u‖ (weighted L² on the grid).
        L2Norm: float
    }

/// Groups accepted candidates greedily in run order: a candidate joins the first solution whose representative is
/// within `threshold` relative L² distance (relative to max(‖a‖, ‖b‖, `floor`): the floor, the field's typical
/// magnitude, keeps two small fields near the zero solution from counting as distinct), else it founds a new one.
/// Deterministic for a given input order.
let deduplicate (weights: float[]) (threshold: float) (floor: float) (accepted: Candidate list) =
    if not (threshold > 0.0) then
        invalidArg "threshold" (sprintf "the distinctness threshold must be > 0 (got %g)" threshold)

    if not (floor > 0.0) then
        invalidArg "floor" (sprintf "the distance floor must be > 0 (got %g)" floor)

    let groups =
        accepted
        |> List.fold
            (fun (groups: Candidate list list) c ->
                match
                    groups
                    |> List.tryFindIndex (fun g ->
                        sameSolution weights floor threshold (List.head g).Values c.Values)
                with
                | Some i -> groups |> List.mapi (fun j g -> if j = i then g @ [ c ] else g)
                | None -> groups @ [ [ c ] ])
            []

    groups
    |> List.map (fun members ->
        let best = members |> List.minBy (fun c -> c.ResidualL2)

        {
            Representative = best
            Members = members
            MaxAbs = maxAbs best.Values
            L2Norm = normL2 weights best.Values
        })

/// The distance floor of a set of fields: the largest of their L² norms (so that two fields are the same solution
/// when they differ by less than the threshold times the largest solution's size: scale-free, and fields near the zero
/// solution are compared absolutely), at least `least` (and 1e-12, when every field is zero).
let floorOf (weights: float[]) (least: float) (fields: float[] list) =
    fields |> List.fold (fun m v -> max m (normL2 weights v)) (max least 1e-12)

/// Gates, then deduplication (distance floor: `floorOf` the accepted fields, at least `minFloor`): the distinct
/// solutions (most-found first) and the unconverged runs with reasons. `review` has the last word on the gates'
/// verdict of each run (discovery: a classical solve from its field, DiscoverySearch.Review).
let classifyWith
    (review: Candidate -> GateVerdict -> GateVerdict)
    (gates: QualityGates)
    (weights: float[])
    (threshold: float)
    (minFloor: float)
    (candidates: Candidate list)
    =
    let judged = candidates |> List.map (fun c -> c, review c (judge gates c))

    let accepted =
        judged |> List.choose (fun (c, v) -> if v = Accepted then Some c else None)

    let rejected =
        judged
        |> List.choose (fun (c, v) ->
            match v with
            | Unconverged r -> Some(c, r)
            | Accepted -> None)

    let floor = floorOf weights minFloor (accepted |> List.map (fun c -> c.Values))

    let solutions =
        deduplicate weights threshold floor accepted
        |> List.sortBy (fun s -> -s.Members.Length, s.Representative.Run)

    solutions, rejected

/// Gates, then deduplication: classifyWith no review.
let classify
    (gates: QualityGates)
    (weights: float[])
    (threshold: float)
    (minFloor: float)
    (candidates: Candidate list)
    =
    classifyWith (fun _ verdict -> verdict) gates weights threshold minFloor candidates
