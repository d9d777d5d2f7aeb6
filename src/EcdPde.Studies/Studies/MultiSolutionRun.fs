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
open EcdPde.Studies.MultiSolutionTally
open EcdPde.Studies.MultiSolutionWorkflow

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
        /// The folder of the round 0 this job shares with the other jobs of its problem and seed (Deflated only).
        SharedRound0: string option
    }

/// The examples of the study's problems, with their classical solutions computed once.
let private examples (settings: MultiSolutionSettings) =
    settings.Problems
    |> List.map (fun p ->
        let e = PdeProblem.example p.Function |> resized settings.Size
        let classical = lazy (e.Classical())

        p,
        { e with
            Classical = fun () -> classical.Force()
        })

/// Every workflow of the study, longest first (so that the cores stay busy to the end), its losses on `backend`.
let private jobs
    (settings: MultiSolutionSettings)
    (backend: Pde.FSharp.Training.ILossBackend)
    (dir: string)
    (examples: (ProblemSpec * Example) list)
    =
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
                                    Backend = backend
                                }
                            SharedRound0 =
                                match s with
                                | Deflated _ ->
                                    Some(
                                        Path.Combine(
                                            dir,
                                            folderName (problemLabel e),
                                            "shared-round-0",
                                            sprintf "seed-%d" seed
                                        )
                                    )
                                | _ -> None
                        }
    ]
    |> List.sortByDescending (fun j -> j.Problem.StepsPerRun)

/// Runs the round 0 that job `j` shares with the other Deflated jobs of its problem and seed, in the shared folder.
let private runRound0 (j: Job) (shared: string) =
    SharedRound0.run j.Example j.Workflow shared

/// Gives a job the shared round 0 of its problem and seed (Deflated jobs only).
let private shareRound0 (j: Job) =
    j.SharedRound0
    |> Option.iter (fun shared -> SharedRound0.share shared (DiscoverySettings.outDir j.Workflow))

/// The shared round 0s of `jobs` (Deflated jobs of one problem and seed share one), each with the first job that has it.
let private sharedRound0s (jobs: Job[]) =
    jobs
    |> Array.choose (fun j -> j.SharedRound0 |> Option.map (fun f -> f, j))
    |> Array.distinctBy fst

/// The file whose existence means a job's workflow is finished.
let private workflowResult (j: Job) =
    Path.Combine(DiscoverySettings.outDir j.Workflow, "solutions.json")

/// Runs the workflows `indices` of `jobs`, `atOnce` at a time; records each one's candidates and run costs in
/// `finished`.
let private runJobs
    (jobs: Job[])
    (indices: int list)
    (atOnce: int)
    (progress: string -> unit)
    (finished: ConcurrentDictionary<int, Candidate list * Map<RunId, RunCosts.RunCost>>)
    =
    let mutable done' = 0

    let source: Partitioner<_> =
        Partitioner.Create(indices, EnumerablePartitionerOptions.NoBuffering)

    Threading.Tasks.Parallel.ForEach(
        source,
        Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = atOnce),
        Action<_>(fun (i: int) ->
            let j = jobs[i]

            let name =
                sprintf "%s / %s / seed %d" (problemLabel j.Example) j.Strategy.Label j.Seed

            progress (sprintf "%s: started" name)
            shareRound0 j
            finished[i] <- RunCosts.measure j.Example j.Workflow
            let k = Threading.Interlocked.Increment(&done')
            progress (sprintf "%s: done (%d/%d)" name k indices.Length))
    )
    |> ignore

/// Runs the workflows not finished yet with `executor` (here, `atOnce` at a time, or as the tasks of a Slurm array:
/// the batch `workflows`, one task per workflow; a workflow is finished when its folder has solutions.json), after the
/// round 0s that Deflated workflows share (the batch `shared-round-0`, one task per problem and seed); returns
/// every job with its candidates and run costs (the workflows finished earlier, or by array tasks, read back).
let private executeJobs
    (executor: EcdPde.Runs.TaskBatch.Executor)
    (dir: string)
    (jobs: Job[])
    atOnce
    progress
    =
    let finished =
        ConcurrentDictionary<int, Candidate list * Map<RunId, RunCosts.RunCost>>()

    // the shared round 0s first, each once (its own batch: on Slurm an array whose tasks the workflows' array follows)
    let shared = sharedRound0s jobs

    EcdPde.Runs.TaskBatch.execute
        executor
        {
            Folder = Path.Combine(dir, "shared-round-0")
            Count = shared.Length
            ResultFile = fun i -> SharedRound0.resultFile (fst shared[i])
            // the round-0 workflow takes its own folder's lock
            TaskFolder = fun _ -> None
            RunHere =
                fun indices ->
                    Threading.Tasks.Parallel.ForEach(
                        indices,
                        Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = atOnce),
                        fun (i: int) ->
                            let folder, j = shared[i]

                            progress (
                                sprintf
                                    "%s / shared round 0 / seed %d: started"
                                    (problemLabel j.Example)
                                    j.Seed
                            )

                            runRound0 j folder
                    )
                    |> ignore
        }

    EcdPde.Runs.TaskBatch.execute
        executor
        {
            Folder = Path.Combine(dir, "workflows")
            Count = jobs.Length
            ResultFile = fun i -> workflowResult jobs[i]
            // a workflow takes its own folder's lock
            TaskFolder = fun _ -> None
            RunHere = fun indices -> runJobs jobs indices atOnce progress finished
        }

    [
        for i, j in Array.indexed jobs ->
            match finished.TryGetValue i with
            | true, r -> j, r
            | _ -> j, RunCosts.measure j.Example j.Workflow
    ]

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
        // deflated Newton's solutions are classical ones: certified by construction
        Certified = found.Length
        CpuSeconds = seconds
    }

/// The rows of a PINN strategy: one per seed and budget, tallied from the seed's workflow (a Deflated strategy: one
/// row per seed, all its runs).
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

            let budgets =
                match st.Strategy with
                | Deflated _ -> [ candidates.Length ]
                | _ -> settings.Budgets

            let certify = certifier e classical seed

            for b in budgets ->
                { tally
                      certify
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
/// `dir/PROBLEM/STRATEGY/seed-K/` with its losses on `backend`, run by `executor`: here, `parallelism` of them at a
/// time (0 = all cores), each on one core, or as the tasks of a Slurm array (the batch `workflows`).
let runWith
    (executor: EcdPde.Runs.TaskBatch.Executor)
    (backend: Pde.FSharp.Training.ILossBackend)
    (settings: MultiSolutionSettings)
    (dir: string)
    (parallelism: int)
    (progress: string -> unit)
    =
    // one writer per folder (an array task: its workflow's folder), and a folder of other settings or another
    // backend is refused naming them
    use _lock = EcdPde.Runs.TaskBatch.lockFolder executor dir

    EcdPde.Runs.FolderIdentity.claim
        MultiSolutionFile.folderFormat
        dir
        MultiSolutionFile.folderName
        (MultiSolutionFile.folderOf settings backend.Name)

    let settings = validate settings
    let clock = Stopwatch.StartNew()
    let examples = examples settings
    let jobs = jobs settings backend dir examples |> Array.ofList

    let atOnce =
        if parallelism <= 0 then
            Environment.ProcessorCount
        else
            parallelism

    let finished = executeJobs executor dir jobs atOnce progress

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

/// The study's batches in `dir` in the order they run, each with its tasks' result files (relative to `dir`):
/// `shared-round-0` (the round 0s of the Deflated strategies) and `workflows`. What `ecdpde status` counts in a folder
/// run without Slurm.
let batches (settings: MultiSolutionSettings) (dir: string) =
    let jobs =
        jobs settings Pde.FSharp.Training.Objective.native dir (examples settings)
        |> Array.ofList

    let relative (f: string) = Path.GetRelativePath(dir, f)

    [
        "shared-round-0",
        sharedRound0s jobs
        |> Array.map (fst >> SharedRound0.resultFile >> relative)
        |> List.ofArray
        "workflows", jobs |> Array.map (workflowResult >> relative) |> List.ofArray
    ]

/// Runs (or resumes) the study in `dir` in this process on the native engine (see runWith).
let run (settings: MultiSolutionSettings) (dir: string) (parallelism: int) (progress: string -> unit) =
    runWith
        EcdPde.Runs.TaskBatch.inProcess
        Pde.FSharp.Training.Objective.native
        settings
        dir
        parallelism
        progress
