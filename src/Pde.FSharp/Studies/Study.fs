/// A comparative study as a value: problems × solvers × starts × seeds under a budget, with a success criterion.
/// Each cell (problem, solver, start, seed) is one optimization run; the runner executes cells in parallel, stores
/// every finished cell, and a rerun skips the cells already done.
module Pde.FSharp.Studies.Study

open System

/// One stage of a solver: an optimizer with hyperparameters for a share of the step budget.
type Stage =
    {
        Optimizer: string
        Settings: (string * string) list
        /// Fraction of the study's step budget spent in this stage (stages of a solver sum to 1).
        Share: float
    }

/// A solver: one or more stages run one after the other on the same θ (e.g. Adam → L-BFGS).
type Solver = { Label: string; Stages: Stage list }

/// Where runs start.
type Starts =
    /// Every start at the same point.
    | Fixed of float list
    /// `Count` starts uniform in [Lo, Hi]ⁿ from the study seed.
    | Uniform of lo: float * hi: float * count: int

/// A problem: a synthetic function of the core (PDE problems join once the PDE language provides objectives).
type Problem =
    {
        Name: string
        Function: string
        Dim: int
        Starts: Starts
        /// Success: the best loss seen falls below this.
        Target: float
    }

/// A study.
type Study =
    {
        Name: string
        Problems: Problem list
        Solvers: Solver list
        /// Seeds per start (bounce seeds; deterministic solvers need one).
        Seeds: int
        /// Steps per run (all stages together).
        Steps: int64
        /// Optional wall-clock budget per run in seconds.
        WallSeconds: float option
        /// Float precision of θ: "float32" or "float64".
        Precision: string
        /// Seed of the starts and of every run.
        Seed: uint64
    }

/// The checks a study must pass before anything runs; errors name the problem.
let validate (s: Study) =
    let known = Ecd.Core.Optimizers.OptimizerCatalog.Names

    let fail msg =
        invalidArg "study" (sprintf "study '%s': %s" s.Name msg)

    if s.Problems.IsEmpty then
        fail "it has no problems"

    if s.Solvers.IsEmpty then
        fail "it has no solvers"

    if s.Seeds < 1 then
        fail (sprintf "seeds must be at least 1 (got %d)" s.Seeds)

    if s.Steps < 1L then
        fail (sprintf "the step budget must be positive (got %d)" s.Steps)

    match s.WallSeconds with
    | Some w when not (w > 0.0) -> fail (sprintf "the wall-time budget must be positive (got %g)" w)
    | _ -> ()

    if s.Precision <> "float32" && s.Precision <> "float64" then
        fail (sprintf "precision must be float32 or float64 (got '%s')" s.Precision)

    for solver in s.Solvers do
        if solver.Stages.IsEmpty then
            fail (sprintf "solver '%s' has no stages" solver.Label)

        for st in solver.Stages do
            if not (List.contains (st.Optimizer.ToLowerInvariant()) (List.ofSeq known)) then
                fail (
                    sprintf
                        "solver '%s': unknown optimizer '%s' (known: %s)"
                        solver.Label
                        st.Optimizer
                        (String.Join(", ", known))
                )

            // builds the optimizer once: a bad hyperparameter fails here, naming it
            Ecd.Core.Optimizers.OptimizerCatalog.Create<float>(
                st.Optimizer,
                st.Settings |> List.map Collections.Generic.KeyValuePair
            )
            |> ignore

        let total = solver.Stages |> List.sumBy (fun st -> st.Share)

        if
            abs (total - 1.0) > 1e-9
            || solver.Stages |> List.exists (fun st -> not (st.Share > 0.0))
        then
            fail (
                sprintf "solver '%s': stage shares must be positive and sum to 1 (sum %g)" solver.Label total
            )

    for p in s.Problems do
        Ecd.Core.Objectives.SyntheticFunctions.Create<float>(p.Function, p.Dim)
        |> ignore

        match p.Starts with
        | Fixed xs when xs.Length <> 1 && xs.Length <> p.Dim ->
            fail (sprintf "problem '%s': a fixed start needs 1 or %d values (got %d)" p.Name p.Dim xs.Length)
        | Uniform(lo, hi, count) when not (lo < hi) || count < 1 ->
            fail (
                sprintf
                    "problem '%s': uniform starts need lo < hi and count ≥ 1 (got [%g, %g], %d)"
                    p.Name
                    lo
                    hi
                    count
            )
        | _ -> ()

        if not (p.Target > 0.0) then
            fail (sprintf "problem '%s': the success target must be > 0 (got %g)" p.Name p.Target)

    s

/// A hash of a name that is the same in every process (string.GetHashCode is randomised per process).
let stableHash (text: string) =
    let mutable h = 14695981039346656037UL

    for c in text do
        h <- (h ^^^ uint64 c) * 1099511628211UL

    h

/// The starting points of a problem (deterministic for the study seed).
let startPoints (s: Study) (p: Problem) =
    match p.Starts with
    | Fixed [ v ] -> [| Array.create p.Dim v |]
    | Fixed xs -> [| Array.ofList xs |]
    | Uniform(lo, hi, count) ->
        let rng =
            Ecd.Core.Randomness.Xoshiro256.FromSeed(
                Ecd.Core.Randomness.Xoshiro256.DeriveSeed(s.Seed, stableHash p.Name)
            )

        Array.init count (fun _ -> Array.init p.Dim (fun _ -> rng.NextUniform(lo, hi)))
