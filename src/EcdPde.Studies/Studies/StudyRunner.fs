/// Runs a study cell by cell (in parallel), stores each finished cell, skips stored cells on a rerun, and
/// summarises: success rates with Wilson intervals, costs to the target with medians, IQRs and bootstrap intervals,
/// performance and data profiles.
module EcdPde.Studies.StudyRunner

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Randomness
open EcdPde.Runs
open EcdPde.Runs.Statistics
open EcdPde.Studies.Study

/// One point of a cell's convergence history.
type HistoryPoint =
    {
        Step: int64
        Evaluations: int64
        /// The best loss seen up to this step.
        BestLoss: float
    }

/// The outcome of one cell.
type CellResult =
    {
        Problem: string
        Solver: string
        Start: int
        SeedIndex: int
        Success: bool
        StepsToTarget: int64 option
        EvaluationsToTarget: int64 option
        SecondsToTarget: float option
        BestLoss: float
        FinalLoss: float
        Steps: int64
        Evaluations: int64
        Seconds: float
        /// Best loss every `historyEvery` steps and at the last step (empty in cells stored by older versions).
        History: HistoryPoint[]
        /// PDE problems: the classical solution reached (None for a failure and for synthetic problems).
        Solution: string option
        /// PDE problems: relative L² distance to the nearest classical solution when the run ended (or reached it).
        Distance: float option
    }

/// Steps between two points of a cell's convergence history: about 100 points per run.
let historyEvery (study: Study) = max 1L (study.Steps / 100L)

/// Steps between two success checks of a PDE cell (a check evaluates the field on the example's grid): 20 per run.
let checkEvery (study: Study) = max 1L (study.Steps / 20L)

let private fileName (r: string) =
    String(
        r
        |> Seq.map (fun c ->
            if Char.IsLetterOrDigit c || c = '-' || c = '.' then
                c
            else
                '_')
        |> Array.ofSeq
    )

let private cellPath (dir: string) (p: Problem) (s: Solver) (start: int) (seed: int) =
    Path.Combine(
        dir,
        "cells",
        sprintf "%s__%s__start%03d__seed%02d.json" (fileName p.Name) (fileName s.Label) start seed
    )

/// What a run loop leaves behind.
type private Run =
    {
        Best: float
        Final: float
        Steps: int64
        Evaluations: int64
        Hit: (int64 * int64 * float) option
        History: HistoryPoint[]
    }

/// The stages of `solver` from x0 on f for the study's step budget; `isHit steps report theta` is asked after every
/// step and stops the run when true.
let private optimize<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    (study: Study)
    (p: Problem)
    (solver: Solver)
    (start: int)
    (seedIndex: int)
    (x0: 'T[])
    (f: IObjective<'T>)
    (isHit: int64 -> StepReport -> (unit -> 'T[]) -> bool)
    =
    let clock = Stopwatch.StartNew()
    let mutable theta = x0
    let mutable best = Double.PositiveInfinity
    let mutable final = nan
    let mutable steps = 0L
    let mutable evals = 0L
    let mutable hit: (int64 * int64 * float) option = None
    let mutable stop = false
    let every = historyEvery study
    let history = Collections.Generic.List<HistoryPoint>()

    let cellSeed =
        Xoshiro256.DeriveSeed(
            Xoshiro256.DeriveSeed(study.Seed, stableHash (p.Name + "/" + solver.Label)),
            uint64 (start * 1000 + seedIndex)
        )

    solver.Stages
    |> List.iteri (fun si stage ->
        if not stop then
            let optimizer =
                OptimizerCatalog.Create<'T>(
                    stage.Optimizer,
                    stage.Settings |> List.map Collections.Generic.KeyValuePair
                )

            let budget = int64 (Math.Round(stage.Share * float study.Steps))

            let onStep (state: OptimizerState<'T>) (r: StepReport) =
                steps <- steps + 1L
                evals <- evals + int64 r.Evaluations
                final <- r.Loss

                if r.Loss < best then
                    best <- r.Loss

                if hit.IsNone && isHit steps r (fun () -> state.Theta) then
                    hit <- Some(steps, evals, clock.Elapsed.TotalSeconds)

                if steps % every = 0L then
                    history.Add
                        {
                            Step = steps
                            Evaluations = evals
                            BestLoss = best
                        }

                if
                    hit.IsSome
                    || r.Status = StepStatus.NonFinite
                    || r.Status = StepStatus.Stopped
                    || (study.WallSeconds |> Option.exists (fun w -> clock.Elapsed.TotalSeconds > w))
                then
                    stop <- true

            let outcome =
                RunLoop.execute
                    { RunLoop.create optimizer f theta (Xoshiro256.DeriveSeed(cellSeed, uint64 si)) budget with
                        OnStep = onStep
                        StopWhen = fun _ -> stop
                    }

            let state = outcome.State
            theta <- state.Theta)

    if steps > 0L && (history.Count = 0 || history[history.Count - 1].Step <> steps) then
        history.Add
            {
                Step = steps
                Evaluations = evals
                BestLoss = best
            }

    {
        Best = best
        Final = final
        Steps = steps
        Evaluations = evals
        Hit = hit
        History = history.ToArray()
    },
    theta,
    clock.Elapsed.TotalSeconds

let private result (p: Problem) (solver: Solver) start seedIndex (run: Run) seconds solution distance =
    {
        Problem = p.Name
        Solver = solver.Label
        Start = start
        SeedIndex = seedIndex
        Success = run.Hit.IsSome
        StepsToTarget = run.Hit |> Option.map (fun (s, _, _) -> s)
        EvaluationsToTarget = run.Hit |> Option.map (fun (_, e, _) -> e)
        SecondsToTarget = run.Hit |> Option.map (fun (_, _, t) -> t)
        BestLoss = run.Best
        FinalLoss = run.Final
        Steps = run.Steps
        Evaluations = run.Evaluations
        Seconds = seconds
        History = run.History
        Solution = solution
        Distance = distance
    }

let private runTyped<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    (study: Study)
    (p: Problem)
    (solver: Solver)
    (start: int)
    (seedIndex: int)
    (x0: float[])
    (convert: float -> 'T)
    =
    let f = SyntheticFunctions.Create<'T>(p.Function, p.Dim)

    let run, _, seconds =
        optimize study p solver start seedIndex (x0 |> Array.map convert) f (fun _ r _ -> r.Loss < p.Target)

    result p solver start seedIndex run seconds None None

/// A PDE cell: the example's PINN loss from initialization `start`; every `checkEvery` steps (and at the end) the
/// field is measured on the example's grid, and the run stops once it reaches a classical solution.
let private runPde
    (study: Study)
    (p: Problem)
    (solver: Solver)
    (start: int)
    (seedIndex: int)
    (setup: PdeProblem.Setup)
    threads
    =
    use f = new PdeProblem.PinnObjective(setup, threads)
    let x0 = PdeProblem.initialTheta setup study.Seed (stableHash p.Name) start
    let every = checkEvery study
    let mutable last: PdeProblem.Assessment option = None

    let isHit steps (r: StepReport) (theta: unit -> float[]) =
        if steps % every = 0L && Double.IsFinite r.Loss then
            let a = PdeProblem.assess setup (Array.copy (theta ()))
            last <- Some a
            PdeProblem.reached p.Target a
        else
            false

    let run, theta, seconds = optimize study p solver start seedIndex x0 f isHit

    let final =
        match last with
        | Some a when run.Hit.IsSome -> a
        | _ -> PdeProblem.assess setup theta

    let solution = if run.Hit.IsSome then Some final.Nearest else None

    result p solver start seedIndex run seconds solution (Some final.Distance)

let private jsonOptions =
    JsonSerializerOptions(
        WriteIndented = false,
        NumberHandling = Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals
    )

let private save (path: string) (r: CellResult) =
    AtomicFile.writeText path (JsonSerializer.Serialize(r, jsonOptions))

let private load (path: string) : CellResult =
    match
        JsonSerializer.Deserialize<CellResult>(File.ReadAllText path, jsonOptions)
        |> box
    with
    | :? CellResult as r ->
        // cells stored before histories existed read back with an empty one
        match box r.History with
        | null -> { r with History = [||] }
        | _ -> r
    | _ -> failwithf "cannot read the cell result %s" path

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
        let path = cellPath dir p solver si seed
        if File.Exists path then Some(load path) else None)
    |> List.ofArray

/// Runs every cell not yet stored under `dir`, `parallelism` cells at a time (0 = all cores); returns all cells
/// (stored and new) and how many were run now.
let run (study: Study) (dir: string) (parallelism: int) (progress: int -> int -> unit) =
    let study = validate study
    let cells = cells study

    let atOnce =
        if parallelism <= 0 then
            Environment.ProcessorCount
        else
            parallelism

    // PDE cells share one setup per problem (built only when one of its cells has to run); each runs its engine on
    // one thread, so that its result does not depend on how many cells run at once (the order of floating-point sums
    // changes with the thread count)
    let setups =
        study.Problems
        |> List.filter isPde
        |> List.map (fun p -> p.Name, lazy (PdeProblem.setup (PdeProblem.example p.Function)))
        |> dict

    let engineThreads = 1

    let mutable ran = 0
    let mutable done' = 0
    let gate = obj ()
    let results = Array.zeroCreate cells.Length

    Threading.Tasks.Parallel.For(
        0,
        cells.Length,
        Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = atOnce),
        fun i ->
            let p, solver, si, seed, x0 = cells[i]
            let path = cellPath dir p solver si seed

            let r =
                if File.Exists path then
                    load path
                else
                    let r =
                        if isPde p then
                            runPde study p solver si seed setups[p.Name].Value engineThreads
                        elif study.Precision = "float32" then
                            runTyped<float32> study p solver si seed x0 float32
                        else
                            runTyped<float> study p solver si seed x0 id

                    save path r
                    Threading.Interlocked.Increment(&ran) |> ignore
                    r

            results[i] <- r

            lock gate (fun () ->
                done' <- done' + 1
                progress done' cells.Length)
    )
    |> ignore

    List.ofArray results, ran

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
