/// A comparative study as a value: problems × solvers × starts × seeds under a budget, with a success criterion.
/// Each cell (problem, solver, start, seed) is one optimization run; the runner executes cells in parallel, stores
/// every finished cell, and a rerun skips the cells already done.
module EcdPde.Studies.Study

open System

/// One stage of a solver: an optimizer with hyperparameters for a share of the step budget.
type SolverStage =
    {
        Optimizer: string
        Settings: (string * string) list
        /// Fraction of the study's step budget spent in this stage (stages of a solver sum to 1).
        Share: float
    }

/// A solver: one or more stages run one after the other on the same θ (e.g. Adam → L-BFGS).
type Solver =
    {
        Label: string
        Stages: SolverStage list
    }

/// Where runs start.
type Starts =
    /// Every start at the same point.
    | Fixed of float list
    /// `Count` starts uniform in [Lo, Hi]ⁿ from the study seed.
    | Uniform of lo: float * hi: float * count: int
    /// `Count` network initializations drawn from the study seed (the starts of a PDE problem).
    | Initializations of count: int

/// A problem: a synthetic function of the core, or a PDE discovery example (`pde:paper-pde:k=2`,
/// `pde:bratu:lambda=6`) whose objective is its PINN loss.
type StudyProblem =
    {
        Name: string
        /// A synthetic function (`ecdpde list`) or `pde:NAME[:key=value]` (see PdeProblem).
        Function: string
        /// Number of variables of a synthetic function (ignored for a PDE example: its network fixes it).
        Dim: int
        /// Fixed or Uniform points for a synthetic function, Initializations for a PDE example.
        Starts: Starts
        /// Success. Synthetic: the best loss seen falls below this. PDE example: the trained field passes the
        /// example's quality gates and its relative L² distance to one of the example's classical solutions is at
        /// most this (checked every few steps, see StudyRunner).
        Target: float
    }

/// A study.
type Study =
    {
        Name: string
        Problems: StudyProblem list
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

/// A PDE problem: the example `func` (`pde:NAME[:key=value]`) from `initializations` network initializations,
/// success within relative L² distance `tolerance` of a classical solution.
let pdeProblem (name: string) (func: string) (initializations: int) (tolerance: float) =
    {
        Name = name
        Function = func
        Dim = 0
        Starts = Initializations initializations
        Target = tolerance
    }

/// Optimizers that draw no random numbers: from the same start they give the same run for every seed.
let deterministicOptimizers = [ "gdm"; "adam"; "adamw"; "lbfgs" ]

/// True when every stage of the solver uses a deterministic optimizer (then one run per start suffices).
let isDeterministic (solver: Solver) =
    solver.Stages
    |> List.forall (fun st -> List.contains (st.Optimizer.Trim().ToLowerInvariant()) deterministicOptimizers)

/// Seeds run per start for a solver: the study's seeds, or one for a deterministic solver (its other seeds would
/// repeat the same run).
let seedsFor (s: Study) (solver: Solver) =
    if isDeterministic solver then 1 else s.Seeds

/// True when the problem is a PDE example.
let isPde (p: StudyProblem) = PdeProblem.isPde p.Function

/// Stops validation of study `s` with `msg`.
let private fail (s: Study) msg : 'a =
    invalidArg "study" (sprintf "study '%s': %s" s.Name msg)

/// The study-wide checks: something to run, seeds, budgets, precision.
let private validateBudget (s: Study) =
    let fail = fail s

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

/// A solver: stages with known optimizers, valid hyperparameters, positive shares summing to 1.
let private validateSolver (s: Study) (solver: Solver) =
    let known = Ecd.Core.Optimizers.OptimizerCatalog.Names
    let fail = fail s

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
        fail (sprintf "solver '%s': stage shares must be positive and sum to 1 (sum %g)" solver.Label total)

/// A PDE problem: a known example in float64, from network initializations, with a positive distance tolerance.
let private validatePdeProblem (s: Study) (p: StudyProblem) =
    let fail = fail s

    try
        PdeProblem.example p.Function |> ignore
    with :? ArgumentException as e ->
        fail (sprintf "problem '%s': %s" p.Name e.Message)

    if s.Precision <> "float64" then
        fail (sprintf "problem '%s': PDE examples run in float64 (the study asks for %s)" p.Name s.Precision)

    match p.Starts with
    | Initializations n when n >= 1 -> ()
    | Initializations n -> fail (sprintf "problem '%s': needs at least 1 initialization (got %d)" p.Name n)
    | _ ->
        fail (
            sprintf
                "problem '%s': a PDE example starts from network initializations ({ \"initializations\": N }), not from points"
                p.Name
        )

    if not (p.Target > 0.0) then
        fail (sprintf "problem '%s': the distance tolerance must be > 0 (got %g)" p.Name p.Target)

/// A synthetic problem: a known function of the core in its dimension.
let private validateSyntheticProblem (s: Study) (p: StudyProblem) =
    try
        Ecd.Core.Objectives.SyntheticFunctions.Create<float>(p.Function, p.Dim)
        |> ignore
    with :? ArgumentException as e ->
        fail
            s
            (sprintf
                "problem '%s': %s (or a PDE example: pde:paper-pde:k=2, pde:bratu:lambda=6)"
                p.Name
                e.Message)

/// A problem's starts and success target.
let private validateStarts (s: Study) (p: StudyProblem) =
    let fail = fail s

    match p.Starts with
    | Initializations _ when not (isPde p) ->
        fail (sprintf "problem '%s': network initializations are the starts of PDE examples only" p.Name)
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

/// The checks a study must pass before anything runs; errors name the problem.
let validate (s: Study) =
    validateBudget s

    for solver in s.Solvers do
        validateSolver s solver

    match
        s.Problems
        |> List.countBy (fun p -> p.Name)
        |> List.tryFind (fun (_, n) -> n > 1)
    with
    | Some(name, _) -> fail s (sprintf "two problems are named '%s'" name)
    | None -> ()

    for p in s.Problems do
        if isPde p then
            validatePdeProblem s p
        else
            validateSyntheticProblem s p

        validateStarts s p

    s

/// A hash of a name that is the same in every process (string.GetHashCode is randomised per process).
let stableHash (text: string) =
    let mutable h = 14695981039346656037UL

    for c in text do
        h <- (h ^^^ uint64 c) * 1099511628211UL

    h

/// Number of starts of a problem.
let startCount (p: StudyProblem) =
    match p.Starts with
    | Fixed _ -> 1
    | Uniform(_, _, count)
    | Initializations count -> count

/// The starting points of a problem (deterministic for the study seed); a PDE problem's starts are initialization
/// indices, given here as empty points.
let startPoints (s: Study) (p: StudyProblem) =
    match p.Starts with
    | Initializations count -> Array.init count (fun _ -> [||])
    | Fixed [ v ] -> [| Array.create p.Dim v |]
    | Fixed xs -> [| Array.ofList xs |]
    | Uniform(lo, hi, count) ->
        let rng =
            Ecd.Core.Randomness.Xoshiro256.FromSeed(
                Ecd.Core.Randomness.Xoshiro256.DeriveSeed(s.Seed, stableHash p.Name)
            )

        Array.init count (fun _ -> Array.init p.Dim (fun _ -> rng.NextUniform(lo, hi)))
