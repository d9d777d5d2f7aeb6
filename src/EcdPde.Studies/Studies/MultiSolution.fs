/// The multi-solution study: on PDE examples with several solutions, how many distinct solutions each discovery
/// strategy finds per budget of training steps: bounces only (one shared initialization, different bounce seeds),
/// bounces + deflation, random restarts (an initialization per run) with BBI and with Adam, and the classical deflated
/// Newton method. Every PINN strategy is one resumable `Workflow.run` in its own folder at the largest budget; a smaller
/// budget of N runs is accounted as the first N runs in the order the workflow ran them (a run depends only on the runs
/// before it, so this is what a workflow with that budget would have done).
module EcdPde.Studies.MultiSolution

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Pde.FSharp.Classical
open Pde.Discovery
open Pde.Discovery.Examples
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

/// A labelled strategy.
type StrategySpec = { Label: string; Strategy: Strategy }

/// A problem of the study: a PDE example and the training steps of one run.
type ProblemSpec =
    {
        /// `pde:NAME[:key=value]` (see PdeProblem).
        Function: string
        StepsPerRun: int64
    }

/// The study's settings.
type Settings =
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
    }

/// `--full`: budgets of 1, 2, 4, 8 and 16 runs and three seeds (12 times the default's work, 2.3 million training
/// steps: about 2 hours on 2 idle cores).
let full =
    { defaults with
        Budgets = [ 1; 2; 4; 8; 16 ]
        Seeds = 3
    }

/// Checks the settings; errors name the field.
let validate (s: Settings) =
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

                if optimizer <> e.Defaults.Optimizer then
                    fail (
                        sprintf
                            "strategy '%s': %s has default settings for %s only; give %s its settings"
                            st.Label
                            p.Function
                            e.Defaults.Optimizer
                            optimizer
                    )
        | ClassicalNewton [] ->
            fail (sprintf "strategy '%s': deflated Newton needs at least one guess" st.Label)
        | _ -> ()

    match
        s.Strategies
        |> List.countBy (fun st -> st.Label)
        |> List.tryFind (fun (_, n) -> n > 1)
    with
    | Some(label, _) -> fail (sprintf "two strategies are labelled '%s'" label)
    | None -> ()

    s

/// The cost of one training run as measured while it ran.
type RunCost =
    {
        /// The workflow run.
        Run: RunId
        Seconds: float
        Evaluations: int64
    }

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
    }

/// The nearest classical solution of a field and the relative L² distance to it.
let nearest (weights: float[]) (classical: (string * float[]) list) (values: float[]) =
    classical
    |> List.map (fun (desc, v) -> desc, relativeDistance weights 1e-12 values v)
    |> List.sortBy snd
    |> List.tryHead
    |> Option.defaultValue ("no classical solution", nan)

/// The bookkeeping of one budget: the first `budget` candidates (in run order) through the gates and deduplication,
/// each distinct solution matched to the classical ones, the costs of those runs summed (a run without a recorded
/// cost counts `stepsPerRun` evaluations and unknown seconds).
let tally
    (gates: QualityGates)
    (weights: float[])
    (threshold: float)
    (matchTolerance: float)
    (classical: (string * float[]) list)
    (stepsPerRun: int64)
    (costs: Map<RunId, RunCost>)
    (candidates: Candidate list)
    (budget: int)
    =
    let used = candidates |> List.sortBy (fun c -> c.Run) |> List.truncate budget
    let solutions, rejected = classify gates weights threshold 1.0 used
    // in the order found (classify sorts by how many runs found a solution)
    let solutions =
        solutions
        |> List.sortBy (fun s -> s.Members |> List.map (fun c -> c.Run) |> List.min)

    let near =
        solutions
        |> List.map (fun s -> nearest weights classical s.Representative.Values)

    {
        Problem = ""
        Strategy = ""
        Seed = 0
        BudgetRuns = Some budget
        BudgetSteps = Some(int64 budget * stepsPerRun)
        RunsUsed = used.Length
        Converged = used.Length - rejected.Length
        Distinct = solutions.Length
        Matched =
            near
            |> List.filter (fun (_, d) -> d <= matchTolerance)
            |> List.map fst
            |> List.distinct
        Nearest = near
        Seconds =
            used
            |> List.sumBy (fun c ->
                match costs.TryFind c.Run with
                | Some r -> r.Seconds
                | None -> nan)
        Evaluations =
            used
            |> List.sumBy (fun c ->
                match costs.TryFind c.Run with
                | Some r -> r.Evaluations
                | None -> stepsPerRun)
    }

let private costsPath (dir: string) = Path.Combine(dir, "run-costs.json")

/// The format tag of run-costs.json.
let runCostsFormat = "ecdpde-run-costs/1"

/// run-costs.json: the measured cost of every run of a strategy's workflow.
type RunCostsFile = { Format: string; Runs: RunCost list }

let private readCosts (dir: string) =
    let path = costsPath dir

    if File.Exists path then
        (EcdPde.Runs.JsonFile.read<RunCostsFile> runCostsFormat path).Runs
        |> List.map (fun r -> r.Run, r)
        |> Map.ofList
    else
        Map.empty

let private writeCosts (dir: string) (costs: Map<RunId, RunCost>) =
    EcdPde.Runs.JsonFile.write
        (costsPath dir)
        {
            Format = runCostsFormat
            Runs = costs |> Map.toList |> List.map snd
        }

/// The workflow settings of a PINN strategy at the largest budget.
let workflowSettings
    (e: Example)
    (st: Strategy)
    (maxBudget: int)
    (steps: int64)
    (seed: int)
    (dir: string)
    : Workflow.Settings =
    let common: Workflow.Settings =
        {
            Runs = maxBudget
            Steps = steps
            Optimizer = e.Defaults.Optimizer
            OptimizerSettings = e.Defaults.OptimizerSettings
            DeflationOptimizer = e.Defaults.DeflationOptimizer
            DeflationOptimizerSettings = e.Defaults.DeflationOptimizerSettings
            DeflationSteps = steps
            PolishSteps = e.Defaults.PolishSteps
            PolishOptimizer = Examples.polishOptimizer
            Seed = uint64 seed
            Initialization = Workflow.Shared
            Threads = 1
            OutDir = dir
            DeflationRounds = 0
            DeflationRuns = e.Defaults.DeflationRuns
            Threshold = 0.1
        }

    match st with
    | Bounces -> common
    | BouncesDeflation ->
        { common with
            Runs = 1
            DeflationRounds = maxBudget - 1
        }
    | Restarts(optimizer, settings) ->
        { common with
            Optimizer = optimizer
            OptimizerSettings =
                if settings.IsEmpty && optimizer = e.Defaults.Optimizer then
                    e.Defaults.OptimizerSettings
                else
                    settings
            Initialization = Workflow.PerRun
        }
    | ClassicalNewton _ -> invalidArg "strategy" "the classical strategy is not a workflow"

/// Runs (or resumes) one PINN strategy on one example for one seed in `dir` (its runs one after the other: the
/// settings' Threads should be 1); returns the candidates in run order and the measured cost of every run (kept in
/// `dir/run-costs.json` across reruns). A run's seconds are measured from its first progress report to the next
/// run's first report (or the end of the workflow); its evaluations are those of its steps plus the final measurement.
let runWorkflow (example: Example) (ws: Workflow.Settings) =
    let mutable costs = readCosts ws.OutDir
    let clock = Stopwatch.StartNew()
    let mutable current: (RunId * float * int64) option = None

    let close (now: float) =
        match current with
        | Some(id, start, evals) ->
            // a deflated run reports twice (its deflated steps, then its polish on the plain loss): the costs add up
            let before =
                costs.TryFind id
                |> Option.defaultValue
                    {
                        Run = id
                        Seconds = 0.0
                        Evaluations = 0L
                    }

            costs <-
                costs.Add(
                    id,
                    { before with
                        Seconds = before.Seconds + now - start
                        Evaluations = before.Evaluations + evals + 1L
                    }
                )

            writeCosts ws.OutDir costs
        | None -> ()

    let progress (p: Workflow.Progress) =
        let id =
            {
                Round = p.Round
                Index = p.Ensemble.Run
            }

        let now = clock.Elapsed.TotalSeconds

        match current with
        | Some(c, start, evals) when c = id ->
            current <- Some(c, start, evals + int64 p.Ensemble.Report.Evaluations)
        | _ ->
            close now
            current <- Some(id, now, int64 p.Ensemble.Report.Evaluations)

    let outcome = Workflow.run example ws progress
    close clock.Elapsed.TotalSeconds
    outcome.Candidates |> List.sortBy (fun c -> c.Run), costs

/// The classical finite-difference system of an example, its unknowns' count and the map of a solution to the
/// example's grid.
let classicalSystem (e: Example) =
    let parameter name =
        e.Parameters |> List.find (fun (k, _) -> k = name) |> snd

    match e.Name with
    | "paper-pde" ->
        let k = parameter "k"
        let n = 800
        let system, _ = RadialPaperPde.system k n

        system,
        n,
        fun (u: float[]) ->
            e.Grid
            |> Array.map (fun p -> RadialPaperPde.interpolate k u (sqrt (p[0] * p[0] + p[1] * p[1])))
    | "bratu" ->
        let n = 63
        let system = Bratu.system2D (parameter "lambda") n
        system, n * n, fun (u: float[]) -> e.Grid |> Array.map (fun p -> Semilinear.interpolate n u p[0] p[1])
    | other -> invalidArg "example" (sprintf "no classical system for the example '%s'" other)

/// Deflated Newton from the constant guesses: the distinct solutions on the example's grid, the residual
/// evaluations and the seconds.
let runNewton (e: Example) (guesses: float list) =
    let clock = Stopwatch.StartNew()
    let system, n, toGrid = classicalSystem e

    let found, evaluations =
        Newton.deflate Newton.NewtonOptions.Default 8 system (guesses |> List.map (fun c -> Array.create n c))

    found |> List.map toGrid, int64 evaluations, clock.Elapsed.TotalSeconds

/// The result of the study.
type Outcome =
    {
        Settings: Settings
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

let private folderName (text: string) =
    String(
        text
        |> Seq.map (fun c ->
            if Char.IsLetterOrDigit c || c = '-' || c = '.' || c = '+' || c = '=' then
                c
            else
                '_')
        |> Array.ofSeq
    )

/// Runs (or resumes) the study in `dir`: every (problem, PINN strategy, seed) is a workflow in
/// `dir/PROBLEM/STRATEGY/seed-K/`, `parallelism` of them at a time (0 = all cores), each on one core.
let run (settings: Settings) (dir: string) (parallelism: int) (progress: string -> unit) =
    let settings = validate settings
    let clock = Stopwatch.StartNew()
    let maxBudget = List.max settings.Budgets

    // the examples, with their classical solutions computed once
    let examples =
        settings.Problems
        |> List.map (fun p ->
            let e = PdeProblem.example p.Function
            let classical = lazy (e.Classical())

            p,
            { e with
                Classical = fun () -> classical.Force()
            })

    let jobs =
        [
            for p, e in examples do
                for st in settings.Strategies do
                    match st.Strategy with
                    | ClassicalNewton _ -> ()
                    | s ->
                        for seed in 0 .. settings.Seeds - 1 ->
                            let folder =
                                Path.Combine(
                                    dir,
                                    folderName (problemLabel e),
                                    folderName st.Label,
                                    sprintf "seed-%d" seed
                                )

                            p,
                            e,
                            st,
                            seed,
                            { workflowSettings e s maxBudget p.StepsPerRun seed folder with
                                Threshold = settings.Threshold
                            }
        ]
        // longest first, so that the cores stay busy to the end
        |> List.sortByDescending (fun (p, _, _, _, _) -> p.StepsPerRun)

    let atOnce =
        if parallelism <= 0 then
            Environment.ProcessorCount
        else
            parallelism

    let finished =
        ConcurrentBag<ProblemSpec * Example * StrategySpec * int * (Candidate list * Map<RunId, RunCost>)>()

    let mutable done' = 0

    let source: Partitioner<_> =
        Partitioner.Create(jobs, EnumerablePartitionerOptions.NoBuffering)

    Threading.Tasks.Parallel.ForEach(
        source,
        Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = atOnce),
        Action<_>(fun (p, e, st, seed, ws) ->
            progress (sprintf "%s / %s / seed %d: started" (problemLabel e) st.Label seed)
            let r = runWorkflow e ws
            finished.Add((p, e, st, seed, r))
            let k = Threading.Interlocked.Increment(&done')
            progress (sprintf "%s / %s / seed %d: done (%d/%d)" (problemLabel e) st.Label seed k jobs.Length))
    )
    |> ignore

    let rows =
        [
            for p, e in examples do
                let classical = e.Classical()

                for st in settings.Strategies do
                    match st.Strategy with
                    | ClassicalNewton guesses ->
                        let found, evaluations, seconds = runNewton e guesses
                        let near = found |> List.map (nearest e.Weights classical)

                        yield
                            {
                                Problem = problemLabel e
                                Strategy = st.Label
                                Seed = 0
                                BudgetRuns = None
                                BudgetSteps = None
                                RunsUsed = guesses.Length
                                Converged = found.Length
                                Distinct = found.Length
                                Matched =
                                    near
                                    |> List.filter (fun (_, d) -> d <= settings.MatchTolerance)
                                    |> List.map fst
                                    |> List.distinct
                                Nearest = near
                                Seconds = seconds
                                Evaluations = evaluations
                            }
                    | _ ->
                        for seed in 0 .. settings.Seeds - 1 do
                            let _, _, _, _, (candidates, costs) =
                                finished
                                |> Seq.find (fun (p', _, st', seed', _) ->
                                    p'.Function = p.Function && st'.Label = st.Label && seed' = seed)

                            for b in settings.Budgets ->
                                { tally
                                      e.Gates
                                      e.Weights
                                      settings.Threshold
                                      settings.MatchTolerance
                                      classical
                                      p.StepsPerRun
                                      costs
                                      candidates
                                      b with
                                    Problem = problemLabel e
                                    Strategy = st.Label
                                    Seed = seed
                                }
        ]

    {
        Settings = settings
        Classical =
            examples
            |> List.map (fun (_, e) -> problemLabel e, e.Classical() |> List.map fst)
        Rows = rows
        Seconds = clock.Elapsed.TotalSeconds
    }

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

// ---------------------------------------------------------------------------------------------
// Files

let private num (x: float) : JsonNode | null =
    if Double.IsFinite x then
        JsonValue.Create x
    else
        JsonValue.Create(string x)

let private optional (x: int64 option) : JsonNode | null =
    match x with
    | Some v -> JsonValue.Create v
    | None -> null

let private strings (xs: string list) =
    JsonArray(
        xs
        |> List.map (fun x -> nonNull (JsonValue.Create x) :> JsonNode)
        |> Array.ofList
    )

let private strategyNode (st: StrategySpec) =
    let o = JsonObject()
    o["label"] <- JsonValue.Create st.Label

    match st.Strategy with
    | Bounces -> o["kind"] <- JsonValue.Create "bounces"
    | BouncesDeflation -> o["kind"] <- JsonValue.Create "bounces+deflation"
    | Restarts(optimizer, settings) ->
        o["kind"] <- JsonValue.Create "restarts"
        o["optimizer"] <- JsonValue.Create optimizer
        let s = JsonObject()

        for k, v in settings do
            s[k] <- JsonValue.Create v

        o["settings"] <- s
    | ClassicalNewton guesses ->
        o["kind"] <- JsonValue.Create "classical-newton"

        o["guesses"] <-
            JsonArray(guesses |> List.map (fun g -> JsonValue.Create g :> JsonNode) |> Array.ofList)

    o

/// The result as JSON (`multi-solution.json`).
let toJson (o: Outcome) =
    let root = JsonObject()
    root["kind"] <- JsonValue.Create "multi-solution"
    root["name"] <- JsonValue.Create o.Settings.Name
    let s = JsonObject()

    s["problems"] <-
        JsonArray(
            o.Settings.Problems
            |> List.map (fun p ->
                let n = JsonObject()
                n["function"] <- JsonValue.Create p.Function
                n["steps_per_run"] <- JsonValue.Create p.StepsPerRun
                n :> JsonNode)
            |> Array.ofList
        )

    s["strategies"] <-
        JsonArray(
            o.Settings.Strategies
            |> List.map (fun st -> strategyNode st :> JsonNode)
            |> Array.ofList
        )

    s["budgets_runs"] <-
        JsonArray(
            o.Settings.Budgets
            |> List.map (fun b -> JsonValue.Create b :> JsonNode)
            |> Array.ofList
        )

    s["seeds"] <- JsonValue.Create o.Settings.Seeds
    s["distinct_threshold"] <- JsonValue.Create o.Settings.Threshold
    s["match_tolerance"] <- JsonValue.Create o.Settings.MatchTolerance
    root["settings"] <- s

    root["classical"] <-
        JsonArray(
            o.Classical
            |> List.map (fun (problem, names) ->
                let n = JsonObject()
                n["problem"] <- JsonValue.Create problem
                n["solutions"] <- strings names
                n :> JsonNode)
            |> Array.ofList
        )

    root["rows"] <-
        JsonArray(
            o.Rows
            |> List.map (fun r ->
                let n = JsonObject()
                n["problem"] <- JsonValue.Create r.Problem
                n["strategy"] <- JsonValue.Create r.Strategy
                n["seed"] <- JsonValue.Create r.Seed

                n["budget_runs"] <- optional (r.BudgetRuns |> Option.map int64)
                n["budget_steps"] <- optional r.BudgetSteps

                n["runs_used"] <- JsonValue.Create r.RunsUsed
                n["converged"] <- JsonValue.Create r.Converged
                n["distinct"] <- JsonValue.Create r.Distinct

                n["matched"] <- strings r.Matched

                n["nearest"] <-
                    JsonArray(
                        r.Nearest
                        |> List.map (fun (name, d) ->
                            let m = JsonObject()
                            m["classical"] <- JsonValue.Create name
                            m["relative_l2_distance"] <- num d
                            m :> JsonNode)
                        |> Array.ofList
                    )

                n["seconds"] <- num r.Seconds
                n["evaluations"] <- JsonValue.Create r.Evaluations
                n :> JsonNode)
            |> Array.ofList
        )

    root["seconds"] <- num o.Seconds
    root

let private readNum = EcdPde.Runs.JsonRead.number

let private text (e: JsonElement) =
    e.GetString() |> Option.ofObj |> Option.defaultValue ""

/// Reads the rows and the classical solutions back from `multi-solution.json`.
let read (path: string) =
    use doc = JsonDocument.Parse(File.ReadAllText path)
    let root = doc.RootElement

    let optional (e: JsonElement) (name: string) (get: JsonElement -> 'a) =
        match e.TryGetProperty name with
        | true, v when v.ValueKind <> JsonValueKind.Null -> Some(get v)
        | _ -> None

    let classical =
        [
            for c in root.GetProperty("classical").EnumerateArray() ->
                text (c.GetProperty "problem"),
                [ for s in c.GetProperty("solutions").EnumerateArray() -> text s ]
        ]

    let rows =
        [
            for r in root.GetProperty("rows").EnumerateArray() ->
                {
                    Problem = text (r.GetProperty "problem")
                    Strategy = text (r.GetProperty "strategy")
                    Seed = r.GetProperty("seed").GetInt32()
                    BudgetRuns = optional r "budget_runs" (fun v -> v.GetInt32())
                    BudgetSteps = optional r "budget_steps" (fun v -> v.GetInt64())
                    RunsUsed = r.GetProperty("runs_used").GetInt32()
                    Converged = r.GetProperty("converged").GetInt32()
                    Distinct = r.GetProperty("distinct").GetInt32()
                    Matched = [ for m in r.GetProperty("matched").EnumerateArray() -> text m ]
                    Nearest =
                        [
                            for m in r.GetProperty("nearest").EnumerateArray() ->
                                text (m.GetProperty "classical"),
                                readNum (m.GetProperty "relative_l2_distance")
                        ]
                    Seconds = readNum (r.GetProperty "seconds")
                    Evaluations = r.GetProperty("evaluations").GetInt64()
                }
        ]

    classical, rows

/// The CSV of every row.
let csv (rows: Row list) =
    let b =
        Text.StringBuilder(
            "problem,strategy,seed,budget_runs,budget_steps,runs_used,converged,distinct,matched_count,matched,seconds,evaluations\n"
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
                ]
            )
        )
        |> ignore

    b.ToString()
