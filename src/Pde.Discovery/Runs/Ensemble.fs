/// An ensemble of trainings of one problem: same initialization, different bounce seeds (the paper's protocol),
/// run in parallel (or as the tasks of a Slurm array: the settings' executor), each checkpointed, each leaving a trace
/// and a measured candidate. Resumable: finished runs (with a result file) are not redone, interrupted ones continue
/// from their checkpoint.
module Pde.Discovery.Ensemble

open System
open System.IO
open System.Text.Json
open System.Threading
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Randomness
open Ecd.Core.Running
open EcdPde.Runs
open Pde.Discovery.Solutions

/// What a problem measures of a trained θ.
type FieldMeasurement =
    {
        /// The weights measured.
        Theta: float[]
        Values: float[]
        ResidualL2: float
        ResidualMax: float
        ResidualScale: float
        BoundaryMax: float
        BoundaryScale: float
        Probes: (float * float * float) list
    }

/// A candidate's measurement (what the checks during training see of a field).
let measurementOf (c: Candidate) =
    {
        Theta = c.Theta
        Values = c.Values
        ResidualL2 = c.ResidualL2
        ResidualMax = c.ResidualMax
        ResidualScale = c.ResidualScale
        BoundaryMax = c.BoundaryMax
        BoundaryScale = c.BoundaryScale
        Probes = c.Probes
    }

/// A problem as the ensemble sees it.
type EnsembleProblem =
    {
        Name: string
        Parameters: (string * float) list
        /// The starting point of run i (the same θ for every run in the paper's protocol).
        InitialTheta: int -> float[]
        /// A fresh objective for run i (runs execute in parallel, so each gets its own).
        Objective: int -> IObjective<float>
        /// Measures a trained θ on the evaluation grid.
        Measure: float[] -> FieldMeasurement
        /// Quadrature weights of the evaluation grid.
        Weights: float[]
        /// Whether trained θ is converged (Some reason: e.g. it passes the gates away from the known solutions);
        /// asked at the end of every block of the stall rule (of every block without progress when the rule is
        /// `UntilFlat`: runs on fresh points), it ends the run.
        Converged: float[] -> string option
        /// Whether run i's θ after the steps it took is done whatever its loss still does (Some reason: e.g. a warm
        /// start meeting the gates within the threshold of its target); asked before the first step (a start that is
        /// done takes no step) and at the end of every block of the stall rule, even under `UntilFlat`, before
        /// `Converged`, it ends the run.
        Reached: int -> int64 -> float[] -> string option
    }

/// How to run the ensemble.
type EnsembleSettings =
    {
        Runs: int
        Steps: int64
        Optimizer: string
        Settings: (string * string) list
        Seed: uint64
        /// The discovery round these runs belong to (their RunId's round).
        Round: int
        /// Runs at a time (default: the number of cores).
        Parallel: int
        OutDir: string
        CheckpointEvery: int64
        /// Where the unfinished runs execute: threads of this process (TaskBatch.inProcess) or Slurm array tasks.
        Executor: TaskBatch.Executor
        /// Stop every run on a stall of its loss (Steps is then the maximum budget); None: every run takes Steps.
        Stall: Stall.Rule option
    }

/// Progress of the ensemble (for a live display).
type EnsembleProgress =
    {
        RunsDone: int
        RunsTotal: int
        /// The run's index within its round.
        Run: int
        Report: StepReport
    }

let private runDir (s: EnsembleSettings) (i: int) = RunFolders.runFolder s.OutDir i

/// The files of a run in its folder: `state.json` (checkpoint) and `trace.csv`.
let private runFiles (dir: string) : RunLoop.RunFiles =
    {
        Checkpoint = Some(Path.Combine(dir, "state.json"))
        Trace = Some(Path.Combine(dir, "trace.csv"))
    }

/// One run: resume from its checkpoint if there is one, write its trace and final state, measure the result; the
/// candidate and how the run ended.
let private runOne
    (problem: EnsembleProblem)
    (s: EnsembleSettings)
    (i: int)
    (progress: int -> StepReport -> unit)
    =
    let dir = runDir s i
    Directory.CreateDirectory dir |> ignore
    let resultPath = Path.Combine(dir, "result.json")

    if File.Exists resultPath then
        RunResultFile.readWithStop resultPath
    else
        let seed = Xoshiro256.DeriveSeed(s.Seed, uint64 i)

        let optimizer =
            OptimizerCatalog.Create<float>(
                s.Optimizer,
                s.Settings |> List.map Collections.Generic.KeyValuePair
            )

        let objective = problem.Objective i

        // fresh points by (seed, step) for the optimizers that follow them: a resumed run rebinds the same (Resampling)
        let pointsIdentity, draw = Resampling.hooks objective s.Optimizer seed

        let outcome =
            RunLoop.execute
                { RunLoop.create optimizer objective (problem.InitialTheta i) seed s.Steps with
                    Files = runFiles dir
                    CheckpointEvery = s.CheckpointEvery
                    Identity = ("problem", problem.Name) :: pointsIdentity
                    OnStart = fun st -> draw st.Steps
                    OnStep =
                        fun st r ->
                            draw st.Steps
                            progress i r
                    Stall = s.Stall
                    Converged = fun st -> problem.Converged st.Theta
                    Reached = fun st -> problem.Reached i st.Steps st.Theta
                }

        let state = outcome.State
        let result = outcome.Result

        match box objective with
        | :? IDisposable as d -> d.Dispose()
        | _ -> ()

        // a diverged run is measured (and polished, and kept) at its last finite point, not at the non-finite state
        let theta = if outcome.Diverged then outcome.LastFinite else state.Theta

        let m = problem.Measure theta

        let c =
            {
                Run = { Round = s.Round; Index = i }
                Seed = seed
                Values = m.Values
                ResidualL2 = m.ResidualL2
                ResidualMax = m.ResidualMax
                ResidualScale = m.ResidualScale
                BoundaryMax = m.BoundaryMax
                BoundaryScale = m.BoundaryScale
                FinalLoss = result.Final.Loss
                Probes = m.Probes
                Theta = Array.copy theta
            }

        let stop: RunResultFile.RunStop =
            {
                Reason = RunLoop.stopReason outcome
                Stalled = outcome.Stall |> Option.exists Stall.plateau
                Steps = state.Steps
            }

        RunResultFile.write resultPath c stop
        c, stop

/// Runs (or resumes) the whole ensemble; returns the candidates in run order, each with how its run ended.
let runWithStops (problem: EnsembleProblem) (s: EnsembleSettings) (progress: EnsembleProgress -> unit) =
    if s.Runs < 1 then
        invalidArg "runs" (sprintf "--runs must be at least 1 (got %d)" s.Runs)

    if s.Steps < 0L then
        invalidArg "steps" (sprintf "--steps must be ≥ 0 (got %d)" s.Steps)

    let parallelism =
        if s.Parallel <= 0 then
            Environment.ProcessorCount
        else
            s.Parallel

    let mutable finished = 0
    let gate = obj ()

    let report i r =
        lock gate (fun () ->
            progress
                {
                    RunsDone = finished
                    RunsTotal = s.Runs
                    Run = i
                    Report = r
                })

    let options = Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = parallelism)
    let results = Array.create s.Runs None

    let runHere (indices: int list) =
        Threading.Tasks.Parallel.ForEach(
            indices,
            options,
            fun i ->
                results[i] <- Some(runOne problem s i report)
                Interlocked.Increment(&finished) |> ignore
        )
        |> ignore

    TaskBatch.execute
        s.Executor
        {
            Folder = s.OutDir
            Count = s.Runs
            ResultFile = fun i -> Path.Combine(runDir s i, "result.json")
            TaskFolder = fun i -> Some(runDir s i)
            RunHere = runHere
        }

    // every run is finished now: those that ran elsewhere (or earlier) are read back
    results
    |> Array.mapi (fun i r -> r |> Option.defaultWith (fun () -> runOne problem s i report))
    |> List.ofArray

/// Runs (or resumes) the whole ensemble; returns the candidates in run order.
let run (problem: EnsembleProblem) (s: EnsembleSettings) (progress: EnsembleProgress -> unit) =
    runWithStops problem s progress |> List.map fst
