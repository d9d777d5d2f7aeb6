/// The multi-solution study: on PDE examples with several solutions, how many distinct solutions each discovery
/// strategy finds per budget of training steps: bounces only (one shared initialization, different bounce seeds),
/// bounces + deflation, random restarts (an initialization per run) with BBI and with Adam, and the classical deflated
/// Newton method. Every PINN strategy is one resumable `Workflow.run` in its own folder at the largest budget; a smaller
/// budget of N runs is accounted as the first N runs in the order the workflow ran them (a run depends only on the runs
/// before it, so this is what a workflow with that budget would have done).
module EcdPde.Studies.MultiSolution

open System
open Pde.Discovery
open EcdPde.Studies.PdeProblem
open Pde.Discovery.Solutions

/// A discovery strategy.
type Strategy =
    /// One shared initialization, `budget` runs with different bounce seeds, no deflation (the BBI paper's protocol).
    | Bounces
    /// One run from the shared initialization, then rounds of deflated runs as in `discover` (every solution found so far deflated)
    /// until a round finds nothing new or the budget is spent.
    | BouncesDeflation
    /// Random restarts: every run from its own initialization with the given optimizer, no deflation.
    /// (no settings: the example's default settings of that optimizer)
    | Restarts of optimizer: string * settings: (string * string) list
    /// Classical deflated Newton (defcon's p = 2, σ = 1) on the example's finite-difference system from the constant
    /// guesses u ≡ c (deterministic: run once, its cost is in Newton residual evaluations, not training steps).
    | ClassicalNewton of guesses: float list
    /// The example's own bounce ensemble (round 0, computed once per problem and seed and shared by every `Deflated`
    /// strategy: only the deflation rounds differ), then the example's deflation rounds with this optimizer (no
    /// settings: those `Deflation.optimizerSettings` completes); all its runs are counted, the budgets do not apply.
    | Deflated of optimizer: string * settings: (string * string) list

/// A labelled strategy.
type StrategySpec = { Label: string; Strategy: Strategy }

/// A size for every problem of a study, instead of the examples' own: a tanh network with these hidden layers, the
/// collocation points (interior, per boundary condition), the evaluation grid, and at most this many runs per
/// deflation round (None: the example's).
type StudySize =
    {
        Hidden: int list
        InteriorPoints: int
        BoundaryPoints: int
        GridPoints: int
        DeflationRuns: int option
    }

/// A problem of the study: a PDE example and the training steps of one run.
type ProblemSpec =
    {
        /// `pde:NAME[:key=value]` (see PdeProblem).
        Function: string
        StepsPerRun: int64
    }

/// The study's settings.
type MultiSolutionSettings =
    {
        Name: string
        Problems: ProblemSpec list
        Strategies: StrategySpec list
        /// Budget levels in runs (a budget of N runs is N × StepsPerRun training steps).
        Budgets: int list
        /// Replicates of the whole study with different workflow seeds 0 … Seeds − 1.
        Seeds: int
        /// Relative L² distance below which two trained fields are the same solution (as `ecdpde discover`).
        Threshold: float
        /// A distinct solution counts as a classical one when its relative L² distance to it is at most this.
        MatchTolerance: float
        /// The examples' own sizes (None) or one reduced size for all.
        Size: StudySize option
    }

/// The default strategies: (a) bounces, (b) bounces + deflation, (c) restarts with BBI and with Adam (lr 0.003, the
/// friction baseline), (d) deflated Newton from u ≡ 0 and from a sweep of constant guesses.
let strategies =
    [
        {
            Label = "bounces"
            Strategy = Bounces
        }
        {
            Label = "bounces+deflation"
            Strategy = BouncesDeflation
        }
        {
            Label = "restarts-bbi"
            Strategy = Restarts("bbi", [])
        }
        {
            Label = "restarts-adam"
            Strategy = Restarts("adam", [ "lr", "0.003" ])
        }
        {
            Label = "newton-u0"
            Strategy = ClassicalNewton [ 0.0 ]
        }
        {
            Label = "newton-sweep"
            Strategy = ClassicalNewton [ 0.0; -5.0; 5.0; -10.0; 10.0 ]
        }
    ]

/// Default size (805 s of CPU time measured: about 8 minutes on 2 idle cores): the paper's PDE at k = 2 (4000 steps
/// per run) and Bratu at λ = 6 (8000 steps per run; BBI needs them to pass the gates), budgets of 1, 2 and 4 runs,
/// one seed.
let defaults =
    {
        Name = "multi-solution"
        Problems =
            [
                {
                    Function = "pde:paper-pde:k=2"
                    StepsPerRun = 4000L
                }
                {
                    Function = "pde:bratu:lambda=6"
                    StepsPerRun = 6000L
                }
            ]
        Strategies = strategies
        Budgets = [ 1; 2; 4 ]
        Seeds = 1
        Threshold = 0.1
        MatchTolerance = 0.1
        Size = None
    }

/// `--full`: budgets of 1, 2, 4, 8 and 16 runs and three seeds (12 times the default's work, 2.3 million training
/// steps: about 2 hours on 2 idle cores).
let full =
    { defaults with
        Budgets = [ 1; 2; 4; 8; 16 ]
        Seeds = 3
    }

/// Checks the settings; errors name the field.
let validate (s: MultiSolutionSettings) =
    let fail msg =
        invalidArg "settings" (sprintf "multi-solution study '%s': %s" s.Name msg)

    if s.Problems.IsEmpty then
        fail "it has no problems"

    if s.Strategies.IsEmpty then
        fail "it has no strategies"

    if s.Budgets.IsEmpty || s.Budgets |> List.exists (fun b -> b < 1) then
        fail (sprintf "budgets must be run counts ≥ 1 (got %A)" s.Budgets)

    if s.Seeds < 1 then
        fail (sprintf "seeds must be at least 1 (got %d)" s.Seeds)

    if not (s.Threshold > 0.0) || not (s.MatchTolerance > 0.0) then
        fail "the distinctness threshold and the match tolerance must be > 0"

    match s.Size with
    | Some z when
        z.Hidden.IsEmpty
        || z.Hidden |> List.exists (fun w -> w < 1)
        || z.InteriorPoints < 1
        || z.BoundaryPoints < 1
        || z.GridPoints < 16
        || (z.DeflationRuns |> Option.exists (fun r -> r < 1))
        ->
        fail (sprintf "the size needs hidden widths ≥ 1, points ≥ 1 and a grid of ≥ 16 points (got %A)" z)
    | _ -> ()

    for p in s.Problems do
        PdeProblem.example p.Function |> ignore

        if p.StepsPerRun < 1L then
            fail (sprintf "%s: steps per run must be ≥ 1 (got %d)" p.Function p.StepsPerRun)

    for st in s.Strategies do
        match st.Strategy with
        | Restarts(optimizer, settings) when not settings.IsEmpty ->
            Ecd.Core.Optimizers.OptimizerCatalog.Create<float>(
                optimizer,
                settings |> List.map Collections.Generic.KeyValuePair
            )
            |> ignore
        | Restarts(optimizer, _) ->
            // no settings: the example's defaults, which exist only for the example's own optimizer
            for p in s.Problems do
                let e = PdeProblem.example p.Function

                if optimizer <> e.Settings.Optimizer then
                    fail (
                        sprintf
                            "strategy '%s': %s has default settings for %s only; give %s its settings"
                            st.Label
                            p.Function
                            e.Settings.Optimizer
                            optimizer
                    )
        | ClassicalNewton [] ->
            fail (sprintf "strategy '%s': deflated Newton needs at least one guess" st.Label)
        | Deflated(optimizer, settings) ->
            Ecd.Core.Optimizers.OptimizerCatalog.Create<float>(
                optimizer,
                Deflation.optimizerSettings optimizer 100 settings
                |> List.map Collections.Generic.KeyValuePair
            )
            |> ignore
        | _ -> ()

    match
        s.Strategies
        |> List.countBy (fun st -> st.Label)
        |> List.tryFind (fun (_, n) -> n > 1)
    with
    | Some(label, _) -> fail (sprintf "two strategies are labelled '%s'" label)
    | None -> ()

    s

/// One line of the result: a strategy on a problem, for one seed and one budget.
type Row =
    {
        Problem: string
        Strategy: string
        Seed: int
        /// Budget in runs and in training steps (None for the classical strategies).
        BudgetRuns: int option
        BudgetSteps: int64 option
        /// Runs done within the budget (the deflation strategy stops by itself when a round finds nothing new).
        RunsUsed: int
        /// Runs that passed the quality gates.
        Converged: int
        /// Distinct solutions (gated, deduplicated fields).
        Distinct: int
        /// The classical solutions among them (each within the match tolerance), in the order found.
        Matched: string list
        /// For each distinct solution: the nearest classical solution and the relative L² distance to it.
        Nearest: (string * float) list
        /// Seconds of the runs (or of the Newton solves) within the budget, one core each.
        Seconds: float
        /// Gradient evaluations (Newton: residual evaluations) within the budget.
        Evaluations: int64
        /// Distinct classical solutions certified from the runs within the budget: Newton on the finite-difference
        /// problem from a run's field converged within the distinctness threshold of it (gates or not).
        Certified: int
        /// CPU seconds of the runs within the budget (each run's own thread; see RunCosts.measure).
        CpuSeconds: float
    }

/// The result of the study.
type MultiSolutionOutcome =
    {
        Settings: MultiSolutionSettings
        /// Per problem (label = example name and parameters): the classical solutions used for matching.
        Classical: (string * string list) list
        Rows: Row list
        Seconds: float
    }

/// The label of a problem: the example's name and parameters (`paper-pde k=2`).
let problemLabel (e: Example) =
    e.Name
    + (e.Parameters
       |> List.map (fun (k, v) -> sprintf " %s=%g" k v)
       |> String.concat "")

/// One aggregated line per (problem, strategy, budget): over the seeds, the mean, least and most classical solutions
/// matched, every classical solution matched by some seed, the mean distinct solutions, seconds and evaluations.
type Aggregate =
    {
        Problem: string
        Strategy: string
        BudgetRuns: int option
        BudgetSteps: int64 option
        Seeds: int
        MeanMatched: float
        MinMatched: int
        MaxMatched: int
        MeanDistinct: float
        AnyMatched: string list
        MeanRunsUsed: float
        MeanSeconds: float
        MeanEvaluations: float
    }

/// Aggregates the rows over seeds, in row order.
let aggregate (rows: Row list) =
    rows
    |> List.groupBy (fun r -> r.Problem, r.Strategy, r.BudgetRuns)
    |> List.map (fun ((problem, strategy, budget), rs) ->
        let matched = rs |> List.map (fun r -> r.Matched.Length)

        {
            Problem = problem
            Strategy = strategy
            BudgetRuns = budget
            BudgetSteps = rs.Head.BudgetSteps
            Seeds = rs.Length
            MeanMatched = matched |> List.averageBy float
            MinMatched = List.min matched
            MaxMatched = List.max matched
            MeanDistinct = rs |> List.averageBy (fun r -> float r.Distinct)
            AnyMatched = rs |> List.collect (fun r -> r.Matched) |> List.distinct
            MeanRunsUsed = rs |> List.averageBy (fun r -> float r.RunsUsed)
            MeanSeconds = rs |> List.averageBy (fun r -> r.Seconds)
            MeanEvaluations = rs |> List.averageBy (fun r -> float r.Evaluations)
        })

/// The CSV of every row.
let csv (rows: Row list) =
    let b =
        Text.StringBuilder(
            "problem,strategy,seed,budget_runs,budget_steps,runs_used,converged,distinct,matched_count,matched,seconds,evaluations,certified,cpu_seconds\n"
        )

    let quote (s: string) = "\"" + s.Replace("\"", "\"\"") + "\""

    for r in rows do
        b.AppendLine(
            String.Join(
                ",",
                [
                    quote r.Problem
                    quote r.Strategy
                    string r.Seed
                    r.BudgetRuns |> Option.map string |> Option.defaultValue ""
                    r.BudgetSteps |> Option.map string |> Option.defaultValue ""
                    string r.RunsUsed
                    string r.Converged
                    string r.Distinct
                    string r.Matched.Length
                    quote (String.Join("; ", r.Matched))
                    r.Seconds.ToString("R", Globalization.CultureInfo.InvariantCulture)
                    string r.Evaluations
                    string r.Certified
                    r.CpuSeconds.ToString("R", Globalization.CultureInfo.InvariantCulture)
                ]
            )
        )
        |> ignore

    b.ToString()
