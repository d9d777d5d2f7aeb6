/// Runs (or resumes) the multi-solution study: every (problem, PINN strategy, seed) is a measured workflow in its own
/// folder at the largest budget; the budgets are tallied from the runs in run order; the classical strategies run
/// deflated Newton once.
module EcdPde.Studies.MultiSolutionRun

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open Pde.Discovery
open EcdPde.Studies.PdeProblem
open Pde.Discovery.Solutions
open EcdPde.Studies.MultiSolution

/// The workflow settings of a PINN strategy at the largest budget.
let workflowSettings
    (e: Example)
    (st: Strategy)
    (maxBudget: int)
    (steps: int64)
    (seed: int)
    (dir: string)
    : DiscoverySettings =
    let common: DiscoverySettings =
        { e.Settings with
            Runs = maxBudget
            Steps = steps
            DeflationSteps = steps
            PolishOptimizer = DiscoverySettings.polishOptimizer
            Seed = uint64 seed
            Initialization = Shared
            Threads = 1
            OutDir = Some dir
            DeflationRounds = 0
            Threshold = 0.1
            Executor = EcdPde.Runs.TaskBatch.inProcess
            // the study's budgets are fixed per strategy: no stall stop, no growth, no warm starts
            Budget = FixedSteps
            CapacityGrowths = 0
            WarmStarts = false
        }

    // the study gives every run its budget of steps: the bounce and restart runs are not polished after it (discovery
    // polishes every run; here the polish belongs to the deflation strategy only, as it was measured)
    match st with
    | Bounces -> { common with PolishSteps = 0L }
    | BouncesDeflation ->
        { common with
            Runs = 1
            DeflationRounds = maxBudget - 1
        }
    | Restarts(optimizer, settings) ->
        { common with
            Optimizer = optimizer
            OptimizerSettings =
                if settings.IsEmpty && optimizer = e.Settings.Optimizer then
                    e.Settings.OptimizerSettings
                else
                    settings
            Initialization = PerRun
            PolishSteps = 0L
        }
    | ClassicalNewton _ -> invalidArg "strategy" "the classical strategy is not a workflow"

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

/// One workflow of the study: a PINN strategy on a problem for one seed, in its own folder.
type private Job =
    {
        Problem: ProblemSpec
        Example: Example
        Strategy: StrategySpec
        Seed: int
        Workflow: DiscoverySettings
    }

/// The examples of the study's problems, with their classical solutions computed once.
let private examples (settings: MultiSolutionSettings) =
    settings.Problems
    |> List.map (fun p ->
        let e = PdeProblem.example p.Function
        let classical = lazy (e.Classical())

        p,
        { e with
            Classical = fun () -> classical.Force()
        })

/// Every workflow of the study, longest first (so that the cores stay busy to the end).
let private jobs (settings: MultiSolutionSettings) (dir: string) (examples: (ProblemSpec * Example) list) =
    let maxBudget = List.max settings.Budgets

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

                        {
                            Problem = p
                            Example = e
                            Strategy = st
                            Seed = seed
                            Workflow =
                                { workflowSettings e s maxBudget p.StepsPerRun seed folder with
                                    Threshold = settings.Threshold
                                }
                        }
    ]
    |> List.sortByDescending (fun j -> j.Problem.StepsPerRun)

/// Runs the workflows, `atOnce` at a time; returns each job with its candidates and run costs (in completion order).
let private runJobs (jobs: Job list) (atOnce: int) (progress: string -> unit) =
    let finished =
        ConcurrentBag<Job * (Candidate list * Map<RunId, RunCosts.RunCost>)>()

    let mutable done' = 0

    let source: Partitioner<_> =
        Partitioner.Create(jobs, EnumerablePartitionerOptions.NoBuffering)

    Threading.Tasks.Parallel.ForEach(
        source,
        Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = atOnce),
        Action<_>(fun (j: Job) ->
            let name =
                sprintf "%s / %s / seed %d" (problemLabel j.Example) j.Strategy.Label j.Seed

            progress (sprintf "%s: started" name)
            let r = RunCosts.measure j.Example j.Workflow
            finished.Add((j, r))
            let k = Threading.Interlocked.Increment(&done')
            progress (sprintf "%s: done (%d/%d)" name k jobs.Length))
    )
    |> ignore

    List.ofSeq finished

/// The row of a classical strategy: deflated Newton from its guesses, once.
let private newtonRow
    (settings: MultiSolutionSettings)
    (e: Example)
    classical
    (st: StrategySpec)
    (guesses: float list)
    : Row =
    let found, evaluations, seconds = NewtonStrategy.runNewton e guesses
    let near = found |> List.map (nearest e.Weights classical)

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

/// The rows of a PINN strategy: one per seed and budget, tallied from the seed's workflow.
let private workflowRows
    (settings: MultiSolutionSettings)
    (finished: (Job * (Candidate list * Map<RunId, RunCosts.RunCost>)) list)
    (p: ProblemSpec, e: Example)
    classical
    (st: StrategySpec)
    =
    [
        for seed in 0 .. settings.Seeds - 1 do
            let _, (candidates, costs) =
                finished
                |> List.find (fun (j, _) ->
                    j.Problem.Function = p.Function && j.Strategy.Label = st.Label && j.Seed = seed)

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

/// Runs (or resumes) the study in `dir`: every (problem, PINN strategy, seed) is a workflow in
/// `dir/PROBLEM/STRATEGY/seed-K/`, `parallelism` of them at a time (0 = all cores), each on one core.
let run (settings: MultiSolutionSettings) (dir: string) (parallelism: int) (progress: string -> unit) =
    // one writer per folder, and a folder of other settings is refused naming them
    use _lock = EcdPde.Runs.FolderLock.acquire dir

    EcdPde.Runs.FolderIdentity.claim
        MultiSolutionFile.folderFormat
        dir
        MultiSolutionFile.folderName
        (MultiSolutionFile.folderOf settings)

    let settings = validate settings
    let clock = Stopwatch.StartNew()
    let examples = examples settings
    let jobs = jobs settings dir examples

    let atOnce =
        if parallelism <= 0 then
            Environment.ProcessorCount
        else
            parallelism

    let finished = runJobs jobs atOnce progress

    let rows =
        [
            for p, e in examples do
                let classical = e.Classical()

                for st in settings.Strategies do
                    match st.Strategy with
                    | ClassicalNewton guesses -> yield newtonRow settings e classical st guesses
                    | _ -> yield! workflowRows settings finished (p, e) classical st
        ]

    {
        Settings = settings
        Classical =
            examples
            |> List.map (fun (_, e) -> problemLabel e, e.Classical() |> List.map fst)
        Rows = rows
        Seconds = clock.Elapsed.TotalSeconds
    }
