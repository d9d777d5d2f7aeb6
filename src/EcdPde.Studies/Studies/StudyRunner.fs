/// Runs a study cell by cell (in parallel), stores each finished cell, skips stored cells on a rerun, and
/// summarises: success rates with Wilson intervals, costs to the target with medians, IQRs and bootstrap intervals,
/// performance and data profiles.
module EcdPde.Studies.StudyRunner

open System
open System.IO
open EcdPde.Runs
open EcdPde.Runs.Statistics
open EcdPde.Studies.Study

/// One point of a cell's convergence history.
type HistoryPoint = StudyCell.HistoryPoint

/// The outcome of one cell.
type CellResult = StudyCell.CellResult

/// Steps between two points of a cell's convergence history: about 100 points per run.
let historyEvery = StudyCell.historyEvery

/// Steps between two success checks of a PDE cell: 20 per run.
let checkEvery = StudyCell.checkEvery

/// Every cell of the study in order: (problem, solver, start, seed); deterministic solvers have one seed per start.
let cells (study: Study) =
    [|
        for p in study.Problems do
            let starts = startPoints study p

            for solver in study.Solvers do
                for si in 0 .. starts.Length - 1 do
                    for seed in 0 .. seedsFor study solver - 1 -> p, solver, si, seed, starts[si]
    |]

/// The cells of the study already stored under `dir` (for a report of a finished or partial study).
let stored (study: Study) (dir: string) =
    cells study
    |> Array.choose (fun (p, solver, si, seed, _) ->
        let path = StudyCell.path dir p solver si seed
        if File.Exists path then Some(StudyCell.read path) else None)
    |> List.ofArray

/// Claims `dir` for the study on `backend` (study.json); a backend other than the native engine needs a PDE problem.
let private claim (backend: Pde.FSharp.Training.ILossBackend) (study: Study) (dir: string) =
    if
        backend.Name <> Pde.FSharp.Training.Objective.native.Name
        && not (study.Problems |> List.exists isPde)
    then
        invalidArg
            "backend"
            (sprintf
                "the %s backend computes PDE losses; study '%s' has no PDE problem (pde:…): run it without --backend"
                backend.Name
                study.Name)

    EcdPde.Runs.FolderIdentity.claim
        StudyFile.format
        dir
        StudyFile.name
        (StudyFile.identity study backend.Name)

/// How the cells of a study are run and kept: a cell's record (`'r`), the file it is kept in, how one is run and how it
/// is written and read back.
[<NoEquality; NoComparison>]
type CellStore<'r> =
    {
        /// The file of a cell: study folder, problem, solver, start, seed.
        Path: string -> StudyProblem -> Solver -> int -> int -> string
        /// Runs a cell: problem, solver, start, seed, start point, and the problem's setup when it is a PDE problem
        /// (built on first use, shared by the problem's cells), with its engine on this many threads.
        Run: StudyProblem -> Solver -> int -> int -> float[] -> PdeProblem.Setup option -> int -> 'r
        Write: string -> 'r -> unit
        Read: string -> 'r
    }

/// The cells of `compare`: CellResult records in StudyCell files; a PDE cell stops once it reaches a classical
/// solution (CellRun.runPde).
let standardCells (backend: Pde.FSharp.Training.ILossBackend) (study: Study) : CellStore<CellResult> =
    {
        Path = StudyCell.path
        Run =
            fun p solver si seed x0 setup threads ->
                match setup with
                | Some setup -> CellRun.runPde backend study p solver si seed setup threads
                | None when study.Precision = "float32" ->
                    CellRun.runTyped<float32> study p solver si seed x0 float32
                | None -> CellRun.runTyped<float> study p solver si seed x0 id
        Write = StudyCell.write
        Read = StudyCell.read
    }

/// The setups of a study's PDE problems by name: one per problem, shared by its cells, built only when one of its cells
/// has to run.
let private pdeSetups (study: Study) =
    study.Problems
    |> List.filter isPde
    |> List.map (fun p -> p.Name, lazy (PdeProblem.setup (PdeProblem.example p.Function)))
    |> dict

/// Runs every cell not yet stored under `dir` by `store` with `executor` (in this process, `parallelism` cells at a
/// time, 0 = all cores; or as the tasks of a Slurm array, the batch `cells`); returns all cells (stored and new) and how
/// many were run by this process. Takes the folder's lock (FolderLock, through the executor) and claims the folder for
/// the study (`dir/study.json`, FolderIdentity): a folder held by another process, or of another study, is refused.
let runStored
    (backend: Pde.FSharp.Training.ILossBackend)
    (store: CellStore<'r>)
    (executor: TaskBatch.Executor)
    (study: Study)
    (dir: string)
    (parallelism: int)
    (progress: int -> int -> unit)
    =
    let study = validate study
    // one writer per folder (an array task locks only what its executor takes); the study and the backend are the
    // folder's identity (study.json): a folder of another study, or of the same study on another backend, is refused
    use _lock = TaskBatch.lockFolder executor dir
    claim backend study dir
    let cells = cells study

    let atOnce =
        if parallelism <= 0 then
            Environment.ProcessorCount
        else
            parallelism

    let setups = pdeSetups study
    // each PDE cell runs its engine on one thread, so that its result does not depend on how many cells run at once
    // (the order of floating-point sums changes with the thread count)
    let engineThreads = 1

    let pathOf i =
        let p, solver, si, seed, _ = cells[i]
        store.Path dir p solver si seed

    let mutable ran = 0
    // cells stored by an earlier run count as done
    let mutable done' =
        [ 0 .. cells.Length - 1 ] |> List.filter (pathOf >> File.Exists) |> List.length

    let gate = obj ()

    let runCell i =
        let p, solver, si, seed, x0 = cells[i]

        let setup = if isPde p then Some setups[p.Name].Value else None

        store.Write (pathOf i) (store.Run p solver si seed x0 setup engineThreads)
        Threading.Interlocked.Increment(&ran) |> ignore

        lock gate (fun () ->
            done' <- done' + 1
            progress done' cells.Length)

    TaskBatch.execute
        executor
        {
            Folder = Path.Combine(dir, "cells")
            Count = cells.Length
            ResultFile = pathOf
            TaskFolder = fun _ -> None
            RunHere =
                fun indices ->
                    // seed by seed: a study stopped early has every (problem, solver) at about as many seeds
                    let bySeed =
                        indices
                        |> List.sortBy (fun i ->
                            let _, _, si, seed, _ = cells[i]
                            seed, si, i)

                    Threading.Tasks.Parallel.ForEach(
                        bySeed,
                        Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = atOnce),
                        runCell
                    )
                    |> ignore
        }

    List.init cells.Length (pathOf >> store.Read), ran

/// Runs every cell not yet stored under `dir` with `executor` (see runStored; the cells of `compare`), the PDE cells'
/// losses computed by `backend`.
let runWithOn
    (backend: Pde.FSharp.Training.ILossBackend)
    (executor: TaskBatch.Executor)
    (study: Study)
    (dir: string)
    (parallelism: int)
    (progress: int -> int -> unit)
    =
    runStored backend (standardCells backend study) executor study dir parallelism progress

/// `runWithOn` the native engine.
let runWith
    (executor: TaskBatch.Executor)
    (study: Study)
    (dir: string)
    (parallelism: int)
    (progress: int -> int -> unit)
    =
    runWithOn Pde.FSharp.Training.Objective.native executor study dir parallelism progress

/// Runs every cell not yet stored under `dir` in this process, `parallelism` cells at a time (0 = all cores); returns
/// all cells (stored and new) and how many were run now.
let run (study: Study) (dir: string) (parallelism: int) (progress: int -> int -> unit) =
    runWith TaskBatch.inProcess study dir parallelism progress

/// Summary of one (problem, solver) pair.
type PairSummary =
    {
        Problem: string
        Solver: string
        Cells: int
        Successes: int
        SuccessLow: float
        SuccessHigh: float
        /// Starts on which at least one seed succeeded (the authors' "up to N tries").
        StartsSolved: int
        Starts: int
        MedianSteps: float
        StepsIqr: float
        MedianStepsInterval: float * float
        MedianEvaluations: float
        MedianSeconds: float
        MedianBestLoss: float
        /// The solver is deterministic: one run per start (its seeds would repeat it).
        Deterministic: bool
        /// PDE problems: how many cells reached each classical solution.
        Solutions: (string * int) list
    }

/// Summaries per (problem, solver), in study order.
let summarise (study: Study) (results: CellResult list) =
    [
        for p in study.Problems do
            for s in study.Solvers do
                let cells =
                    results |> List.filter (fun r -> r.Problem = p.Name && r.Solver = s.Label)

                let wins = cells |> List.filter (fun r -> r.Success)

                let lo, hi =
                    if cells.IsEmpty then
                        nan, nan
                    else
                        Proportion.wilson wins.Length cells.Length

                let steps =
                    wins |> List.choose (fun r -> r.StepsToTarget) |> List.map float |> Array.ofList

                let interval =
                    if steps.Length >= 2 then
                        Bootstrap.interval Summary.median 0.95 2000 study.Seed steps
                    else
                        nan, nan

                {
                    Problem = p.Name
                    Solver = s.Label
                    Cells = cells.Length
                    Successes = wins.Length
                    SuccessLow = lo
                    SuccessHigh = hi
                    StartsSolved = wins |> List.map (fun r -> r.Start) |> List.distinct |> List.length
                    Starts = cells |> List.map (fun r -> r.Start) |> List.distinct |> List.length
                    MedianSteps = Summary.median steps
                    StepsIqr = (if steps.Length > 0 then Bootstrap.iqr steps else nan)
                    MedianStepsInterval = interval
                    MedianEvaluations =
                        wins
                        |> List.choose (fun r -> r.EvaluationsToTarget)
                        |> List.map float
                        |> Array.ofList
                        |> Summary.median
                    MedianSeconds =
                        wins
                        |> List.choose (fun r -> r.SecondsToTarget)
                        |> Array.ofList
                        |> Summary.median
                    MedianBestLoss = cells |> List.map (fun r -> r.BestLoss) |> Array.ofList |> Summary.median
                    Deterministic = isDeterministic s
                    Solutions = wins |> List.choose (fun r -> r.Solution) |> List.countBy id
                }
    ]

/// Cost of a solver on a problem for the profiles: the median evaluations to the target over all cells, a failure
/// counting as +∞ (so a solver that fails on more than half the cells has infinite cost).
let profileCosts (study: Study) (results: CellResult list) =
    study.Problems
    |> List.map (fun p ->
        study.Solvers
        |> List.map (fun s ->
            results
            |> List.filter (fun r -> r.Problem = p.Name && r.Solver = s.Label)
            |> List.map (fun r -> r.EvaluationsToTarget |> Option.map float |> Option.defaultValue infinity)
            |> Array.ofList
            |> Summary.median)
        |> Array.ofList)
    |> Array.ofList

/// Costs for the profiles per instance (problem, start, seed), one row per instance and one column per solver: the
/// evaluations to the target (+∞ when never reached). A deterministic solver's single run of a start stands for
/// every seed of that start. Rows are ordered by problem, start, seed; `instances` names them.
let instanceCosts (study: Study) (results: CellResult list) =
    let seeds = study.Solvers |> List.map (seedsFor study) |> List.fold max 1

    let byKey =
        results
        |> List.map (fun r -> (r.Problem, r.Solver, r.Start, r.SeedIndex), r)
        |> dict

    let rows =
        [|
            for p in study.Problems do
                for si in 0 .. startCount p - 1 do
                    for seed in 0 .. seeds - 1 ->
                        (p.Name, si, seed),
                        study.Solvers
                        |> List.map (fun s ->
                            let key = p.Name, s.Label, si, (if isDeterministic s then 0 else seed)

                            match byKey.TryGetValue key with
                            | true, r ->
                                r.EvaluationsToTarget |> Option.map float |> Option.defaultValue infinity
                            | _ -> nan)
                        |> Array.ofList
        |]
        // instances some solver has not run yet (a partial study) are left out
        |> Array.filter (fun (_, row) -> row |> Array.forall (fun c -> not (Double.IsNaN c)))

    Array.map fst rows, Array.map snd rows

/// The best loss against steps over the cells of (problem, solver): at every history step, the median, first and
/// third quartile over the cells of the best loss seen so far (a cell that stopped early keeps its last value).
let convergence (study: Study) (results: CellResult list) (problem: string) (solver: string) =
    let cells =
        results
        |> List.filter (fun r -> r.Problem = problem && r.Solver = solver && r.History.Length > 0)

    if cells.IsEmpty then
        [||]
    else
        let every = historyEvery study

        let steps =
            cells |> List.map (fun r -> r.History[r.History.Length - 1].Step) |> List.max

        let grid =
            [| every..every..steps |]
            |> fun g ->
                if g.Length > 0 && g[g.Length - 1] = steps then
                    g
                else
                    Array.append g [| steps |]

        grid
        |> Array.choose (fun step ->
            let values =
                cells
                |> List.choose (fun r ->
                    r.History
                    |> Array.takeWhile (fun h -> h.Step <= step)
                    |> Array.tryLast
                    |> Option.map (fun h -> h.BestLoss))
                |> List.filter Double.IsFinite
                |> Array.ofList

            if values.Length = 0 then
                None
            else
                Some(
                    step,
                    Summary.median values,
                    Bootstrap.quantile 0.25 values,
                    Bootstrap.quantile 0.75 values
                ))
