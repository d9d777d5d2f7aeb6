/// Runs one study cell: the solver's stages from the cell's start on the problem's objective (synthetic, in the
/// study's precision, or a PDE problem's PINN loss), until the target is reached or the step budget is spent.
module EcdPde.Studies.CellRun

open System
open System.Diagnostics
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Randomness
open EcdPde.Runs
open EcdPde.Studies.Study
open EcdPde.Studies.StudyCell

/// What a run loop leaves behind.
type private RunSummary =
    {
        Best: float
        Final: float
        Steps: int64
        Evaluations: int64
        Hit: (int64 * int64 * float) option
        History: HistoryPoint[]
    }

/// The running account of a cell across its stages.
type private Account =
    {
        mutable Best: float
        mutable Final: float
        mutable Steps: int64
        mutable Evaluations: int64
        mutable Hit: (int64 * int64 * float) option
        mutable Stop: bool
        History: Collections.Generic.List<HistoryPoint>
    }

let private account () =
    {
        Best = Double.PositiveInfinity
        Final = nan
        Steps = 0L
        Evaluations = 0L
        Hit = None
        Stop = false
        History = Collections.Generic.List<HistoryPoint>()
    }

let private historyPoint (a: Account) : HistoryPoint =
    {
        Step = a.Steps
        Evaluations = a.Evaluations
        BestLoss = a.Best
    }

/// Counts one step: `hitNow steps` asks whether the target is reached; the account stops on a hit, a non-finite or
/// stopped step, or past the study's wall-clock limit.
let private count (study: Study) (every: int64) (clock: Stopwatch) (a: Account) (r: StepReport) hitNow =
    a.Steps <- a.Steps + 1L
    a.Evaluations <- a.Evaluations + int64 r.Evaluations
    a.Final <- r.Loss

    if r.Loss < a.Best then
        a.Best <- r.Loss

    if a.Hit.IsNone && hitNow a.Steps then
        a.Hit <- Some(a.Steps, a.Evaluations, clock.Elapsed.TotalSeconds)

    if a.Steps % every = 0L then
        a.History.Add(historyPoint a)

    if
        a.Hit.IsSome
        || r.Status = StepStatus.NonFinite
        || r.Status = StepStatus.Stopped
        || (study.WallSeconds |> Option.exists (fun w -> clock.Elapsed.TotalSeconds > w))
    then
        a.Stop <- true

/// What the account leaves behind (the history closed with the last step).
let private finish (a: Account) : RunSummary =
    if
        a.Steps > 0L
        && (a.History.Count = 0 || a.History[a.History.Count - 1].Step <> a.Steps)
    then
        a.History.Add(historyPoint a)

    {
        Best = a.Best
        Final = a.Final
        Steps = a.Steps
        Evaluations = a.Evaluations
        Hit = a.Hit
        History = a.History.ToArray()
    }

/// The seed of a cell, derived from the study's seed, the problem, the solver, the start and the seed index.
let private cellSeed (study: Study) (p: StudyProblem) (solver: Solver) (start: int) (seedIndex: int) =
    Xoshiro256.DeriveSeed(
        Xoshiro256.DeriveSeed(study.Seed, stableHash (p.Name + "/" + solver.Label)),
        uint64 (start * 1000 + seedIndex)
    )

/// The stages of `solver` from x0 on f for the study's step budget; `isHit steps report theta` is asked after every
/// step and stops the run when true; `stageEnd stage steps theta` is told when a stage ends (after its budget, or
/// earlier when the run stopped in it).
let private optimize<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    (study: Study)
    (p: StudyProblem)
    (solver: Solver)
    (start: int)
    (seedIndex: int)
    (x0: 'T[])
    (f: IObjective<'T>)
    (isHit: int64 -> StepReport -> (unit -> 'T[]) -> bool)
    (stageEnd: int -> int64 -> 'T[] -> unit)
    =
    let clock = Stopwatch.StartNew()
    let mutable theta = x0
    let a = account ()
    let every = historyEvery study
    let cellSeed = cellSeed study p solver start seedIndex

    solver.Stages
    |> List.iteri (fun si stage ->
        if not a.Stop then
            let optimizer =
                OptimizerCatalog.Create<'T>(
                    stage.Optimizer,
                    stage.Settings |> List.map Collections.Generic.KeyValuePair
                )

            let budget = int64 (Math.Round(stage.Share * float study.Steps))

            let onStep (state: OptimizerState<'T>) (r: StepReport) =
                count study every clock a r (fun steps -> isHit steps r (fun () -> state.Theta))

            let outcome =
                RunLoop.execute
                    { RunLoop.create optimizer f theta (Xoshiro256.DeriveSeed(cellSeed, uint64 si)) budget with
                        OnStep = onStep
                        StopWhen = fun _ -> a.Stop
                    }

            let state = outcome.State
            theta <- state.Theta
            stageEnd si a.Steps theta)

    finish a, theta, clock.Elapsed.TotalSeconds

let private result
    (p: StudyProblem)
    (solver: Solver)
    start
    seedIndex
    (run: RunSummary)
    seconds
    solution
    distance
    =
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

/// A synthetic cell in precision 'T.
let runTyped<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    (study: Study)
    (p: StudyProblem)
    (solver: Solver)
    (start: int)
    (seedIndex: int)
    (x0: float[])
    (convert: float -> 'T)
    =
    let f = SyntheticFunctions.Create<'T>(p.Function, p.Dim)

    let run, _, seconds =
        optimize
            study
            p
            solver
            start
            seedIndex
            (x0 |> Array.map convert)
            f
            (fun _ r _ -> r.Loss < p.Target)
            (fun _ _ _ -> ())

    result p solver start seedIndex run seconds None None

/// A PDE cell: the example's PINN loss (computed by `backend`) from initialization `start`; every `checkEvery` steps
/// (and at the end) the field is measured on the example's grid, and the run stops once it reaches a classical
/// solution.
let runPde
    (backend: Pde.FSharp.Training.ILossBackend)
    (study: Study)
    (p: StudyProblem)
    (solver: Solver)
    (start: int)
    (seedIndex: int)
    (setup: PdeProblem.Setup)
    threads
    =
    use f = new PdeProblem.CellObjective(setup, threads, backend)
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

    let run, theta, seconds =
        optimize study p solver start seedIndex x0 f isHit (fun _ _ _ -> ())

    let final =
        match last with
        | Some a when run.Hit.IsSome -> a
        | _ -> PdeProblem.assess setup theta

    let solution = if run.Hit.IsSome then Some final.Nearest else None

    result p solver start seedIndex run seconds solution (Some final.Distance)

/// A PDE cell run to its end: no stop when a classical solution is reached on the way. The field is assessed at the
/// end of every stage (with that stage's steps and bounces); the cell succeeds when the field at the end of the last
/// stage reaches a classical solution (gates passing, relative L² distance ≤ the problem's target), and its Solution
/// and Distance are that field's.
let runPdeToEnd
    (backend: Pde.FSharp.Training.ILossBackend)
    (study: Study)
    (p: StudyProblem)
    (solver: Solver)
    (start: int)
    (seedIndex: int)
    (setup: PdeProblem.Setup)
    threads
    =
    use f = new PdeProblem.CellObjective(setup, threads, backend)
    let x0 = PdeProblem.initialTheta setup study.Seed (stableHash p.Name) start
    let ends = Collections.Generic.List<StageEnd>()
    let mutable bounces = 0L
    let mutable loss = nan

    let onStep _ (r: StepReport) _ =
        loss <- r.Loss

        if r.Status = StepStatus.Bounced then
            bounces <- bounces + 1L

        false

    let stageEnd stage steps (theta: float[]) =
        ends.Add
            {
                Stage = stage
                Optimizer = solver.Stages[stage].Optimizer
                Steps = steps
                Bounces = bounces
                Loss = loss
                Assessment = PdeProblem.assess setup (Array.copy theta)
            }

        bounces <- 0L

    let run, _, seconds = optimize study p solver start seedIndex x0 f onStep stageEnd
    let final = ends[ends.Count - 1].Assessment
    let reached = PdeProblem.reached p.Target final

    let hit =
        if reached then
            Some(run.Steps, run.Evaluations, seconds)
        else
            None

    let solution = if reached then Some final.Nearest else None

    let cell =
        result p solver start seedIndex { run with Hit = hit } seconds solution (Some final.Distance)

    cell, List.ofSeq ends
