/// One conformance table for the one run loop (Optax's alias_test style): every caller of RunLoop — `optimize`,
/// a training stage, an ensemble run — is crashed mid-run (an exception from its progress callback, then a torn
/// half row appended to its trace, as a kill during a write leaves it) and run again in the same folder; the
/// resumed run must leave files byte-identical to an uninterrupted run's, i.e. resume bit-identically from the
/// checkpoint and rewrite the trace rows after it.
module Pde.Discovery.Tests.RunLoopConformanceTests

open System
open System.IO
open Xunit
open Expecto
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Discovery
open EcdPde.Runs

exception private Crash

/// A caller of the run loop: runs in a folder, calling `hook step` after every step (the hook may throw), and
/// names the files (relative to the folder) that a resume must reproduce.
type private Caller =
    {
        Name: string
        Run: string -> (int64 -> unit) -> unit
        Files: string list
        /// The step at which the crash is injected (after at least one checkpoint).
        CrashAt: int64
    }

let private optimizeCaller =
    {
        Name = "optimize"
        Run =
            fun dir hook ->
                Optimize.run
                    {
                        Optimizer = "bbi"
                        Settings = [ "lr", "0.05"; "nFixedBounces", "3"; "threshold0", "20" ]
                        Function = "ackley"
                        Dim = 3
                        X0 = [ 2.5 ]
                        Steps = 300L
                        Seed = 11UL
                        Precision = Optimize.Float64
                        Trace = Some(Path.Combine(dir, "t.csv"))
                        Checkpoint = Some(Path.Combine(dir, "c.json"))
                        CheckpointEvery = 50L
                        Resume = true
                    }
                    (fun r -> hook r.Step)
                |> ignore
        Files = [ "t.csv"; "c.json" ]
        CrashAt = 137L
    }

let private poisson =
    let u = field "u"

    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (-laplacian u - 2.0 * pi * pi * sin (pi * x) * sin (pi * y))
    |> Problem.dirichlet Boundary.all u (num 0.0)

let private trainingCaller =
    let d =
        Discretize.run
            { PointSettings.defaults with
                Interior = 60
                Boundary = 24
            }
            poisson

    {
        Name = "training stage"
        Run =
            fun dir hook ->
                Train.run
                    { TrainingOptions.defaults with
                        Network = Architecture.mlp [ 6; 6 ] Activation.Tanh
                        Stages = [ Stage.adam 5e-3 30L; Stage.lbfgs 12L ]
                        Seed = 3UL
                        Threads = 1
                        RunDirectory = Some dir
                        CheckpointEvery = 10L
                        OnStep = fun p -> hook (if p.Stage = 0 then p.Report.Step else 1000L + p.Report.Step)
                    }
                    d
                |> ignore
        Files =
            [
                "stage-0-adam.trace.csv"
                "stage-0-adam.checkpoint.json"
                "stage-1-lbfgs.trace.csv"
                "stage-1-lbfgs.checkpoint.json"
            ]
        CrashAt = 1007L
    }

let private ensembleCaller =
    let problem: Ensemble.EnsembleProblem =
        {
            Name = "quadratic"
            Parameters = []
            InitialTheta = fun _ -> [| 1.5; -2.0 |]
            Objective = fun _ -> Quadratic<float>(2, 9.0) :> IObjective<float>
            Measure =
                fun theta ->
                    {
                        Theta = theta
                        Values = Array.copy theta
                        ResidualL2 = 0.0
                        ResidualMax = 0.0
                        ResidualScale = 1.0
                        BoundaryMax = 0.0
                        BoundaryScale = 1.0
                        Probes = []
                    }
            Weights = [| 1.0; 1.0 |]
            Converged = fun _ -> None
            Reached = fun _ _ _ -> None
        }

    {
        Name = "ensemble run"
        Run =
            fun dir hook ->
                Ensemble.run
                    problem
                    {
                        Runs = 1
                        Steps = 200L
                        Optimizer = "gdm"
                        Settings = [ "lr", "0.01"; "momentum", "0.9" ]
                        Seed = 5UL
                        Round = 0
                        Parallel = 1
                        OutDir = dir
                        CheckpointEvery = 40L
                        Executor = EcdPde.Runs.TaskBatch.inProcess
                        Stall = None
                    }
                    (fun p -> hook p.Report.Step)
                |> ignore
        Files =
            [
                "runs/run-000/trace.csv"
                "runs/run-000/state.json"
                "runs/run-000/result.json"
            ]
        CrashAt = 95L
    }

let private callers = [ optimizeCaller; trainingCaller; ensembleCaller ]

let private tempDir (name: string) =
    let d = TempFolders.path (sprintf "ecdpde-conformance-%s-" name)

    Directory.CreateDirectory d |> ignore
    d

let private isCrash (e: exn) =
    match e with
    | Crash -> true
    | :? AggregateException as a -> a.InnerExceptions |> Seq.exists (fun i -> i :? Crash)
    | _ -> false

let ``every caller of the run loop resumes a crashed run to byte-identical files`` (name: string) =
    let caller = callers |> List.find (fun c -> c.Name = name)
    let straight, crashed = tempDir "straight", tempDir "crashed"
    caller.Run straight ignore
    let mutable crashedAt = None

    try
        caller.Run crashed (fun step ->
            if step = caller.CrashAt then
                crashedAt <- Some step
                raise Crash)
    with e when isCrash e ->
        ()

    Assert.Equal(Some caller.CrashAt, crashedAt)

    // a kill during a write leaves a torn row at the end of a trace
    for f in caller.Files do
        let path = Path.Combine(crashed, f)

        if f.EndsWith ".csv" && File.Exists path then
            File.AppendAllText(path, "9,0.12")

    caller.Run crashed ignore

    for f in caller.Files do
        let a = File.ReadAllBytes(Path.Combine(straight, f))
        let b = File.ReadAllBytes(Path.Combine(crashed, f))
        Assert.True((a = b), sprintf "%s: %s differs after the resume" caller.Name f)

    Directory.Delete(straight, true)
    Directory.Delete(crashed, true)

let private isInterrupt (e: exn) =
    match e with
    | :? Interrupt.RunInterrupted -> true
    | :? AggregateException as a -> a.InnerExceptions |> Seq.exists (fun i -> i :? Interrupt.RunInterrupted)
    | _ -> false

let ``every caller of the run loop stops at an interrupt with a checkpoint and resumes to byte-identical files``
    (name: string)
    =
    let caller = callers |> List.find (fun c -> c.Name = name)
    let straight, stopped = tempDir "straight", tempDir "interrupted"
    caller.Run straight ignore
    let mutable raised = false

    try
        try
            caller.Run stopped (fun step ->
                if step = caller.CrashAt then
                    Interrupt.request 143)
        with e when isInterrupt e ->
            raised <- true
    finally
        Interrupt.clear ()

    Assert.True(raised, sprintf "%s: the interrupt did not stop the run" caller.Name)
    caller.Run stopped ignore

    for f in caller.Files do
        let a = File.ReadAllBytes(Path.Combine(straight, f))
        let b = File.ReadAllBytes(Path.Combine(stopped, f))
        Assert.True((a = b), sprintf "%s: %s differs after the interrupted run was resumed" caller.Name f)

    Directory.Delete(straight, true)
    Directory.Delete(stopped, true)

[<Tests>]
let tests =
    callers
    |> List.collect (fun c ->
        [
            testCase (sprintf "%s: kill and resume is bit-identical" c.Name) (fun () ->
                ``every caller of the run loop resumes a crashed run to byte-identical files`` c.Name)
            testCase (sprintf "%s: interrupt and resume is bit-identical" c.Name) (fun () ->
                ``every caller of the run loop stops at an interrupt with a checkpoint and resumes to byte-identical files``
                    c.Name)
        ])
    |> testList "conformance of the run loop's callers"
    // alone: the interrupt tests set the process-wide stop request, which every run loop of the process sees
    |> testSequenced
