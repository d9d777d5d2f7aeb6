/// An ensemble of trainings of one problem: same initialization, different bounce seeds (the paper's protocol),
/// run in parallel, each checkpointed, each leaving a trace and a measured candidate. Resumable: finished runs
/// (with a result file) are not redone, interrupted ones continue from their checkpoint.
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
type Measurement =
    {
        Values: float[]
        ResidualL2: float
        ResidualMax: float
        BoundaryMax: float
        Probes: (float * float * float) list
    }

/// A problem as the ensemble sees it.
type EnsembleProblem =
    {
        Name: string
        Parameters: (string * float) list
        /// The starting point of run i (the same θ for every run in the paper's protocol).
        InitialTheta: int -> float[]
        /// A fresh objective for one run (runs execute in parallel, so each gets its own).
        Objective: unit -> IObjective<float>
        /// Measures a trained θ on the evaluation grid.
        Measure: float[] -> Measurement
        /// Quadrature weights of the evaluation grid.
        Weights: float[]
    }

/// How to run the ensemble.
type EnsembleSettings =
    {
        Runs: int
        Steps: int64
        Optimizer: string
        Settings: (string * string) list
        Seed: uint64
        /// Runs at a time (default: the number of cores).
        Parallel: int
        OutDir: string
        CheckpointEvery: int64
    }

/// Progress of the ensemble (for a live display).
type Progress =
    {
        RunsDone: int
        RunsTotal: int
        Run: int
        Report: StepReport
    }

let private runDir (s: EnsembleSettings) (i: int) =
    Path.Combine(s.OutDir, "runs", sprintf "run-%03d" i)

/// A number, or its text ("NaN", "Infinity") where JSON has no number for it.
let private writeValue (w: Utf8JsonWriter) (x: float) =
    if Double.IsFinite x then
        w.WriteNumberValue x
    else
        w.WriteStringValue(string x)

let private writeNum (w: Utf8JsonWriter) (name: string) (x: float) =
    w.WritePropertyName name
    writeValue w x

let private readNum = EcdPde.Runs.JsonRead.number

let private saveCandidate (path: string) (c: Candidate) =
    let tmp = path + ".tmp"

    do
        use stream = File.Create tmp
        use w = new Utf8JsonWriter(stream)
        w.WriteStartObject()
        w.WriteNumber("run", c.Run)
        w.WriteNumber("seed", c.Seed)
        writeNum w "residual_l2" c.ResidualL2
        writeNum w "residual_max" c.ResidualMax
        writeNum w "boundary_max" c.BoundaryMax
        writeNum w "final_loss" c.FinalLoss
        w.WriteStartArray("values")

        for v in c.Values do
            writeValue w v

        w.WriteEndArray()
        w.WriteStartArray("probes")

        for x, y, u in c.Probes do
            w.WriteStartArray()
            w.WriteNumberValue x
            w.WriteNumberValue y

            writeValue w u
            w.WriteEndArray()

        w.WriteEndArray()
        w.WriteStartArray("theta")

        for v in c.Theta do
            writeValue w v

        w.WriteEndArray()
        w.WriteEndObject()

    File.Move(tmp, path, true)

let private loadCandidate (path: string) =
    use doc = JsonDocument.Parse(File.ReadAllText path)
    let o = doc.RootElement

    {
        Run = o.GetProperty("run").GetInt32()
        Seed = o.GetProperty("seed").GetUInt64()
        ResidualL2 = readNum (o.GetProperty "residual_l2")
        ResidualMax = readNum (o.GetProperty "residual_max")
        BoundaryMax = readNum (o.GetProperty "boundary_max")
        FinalLoss = readNum (o.GetProperty "final_loss")
        Values = o.GetProperty("values").EnumerateArray() |> Seq.map readNum |> Array.ofSeq
        Probes =
            o.GetProperty("probes").EnumerateArray()
            |> Seq.map (fun p -> readNum p[0], readNum p[1], readNum p[2])
            |> List.ofSeq
        Theta =
            match o.TryGetProperty "theta" with
            | true, t -> t.EnumerateArray() |> Seq.map readNum |> Array.ofSeq
            | _ -> [||]
    }

/// One run: resume from its checkpoint if there is one, write its trace and final state, measure the result.
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
        loadCandidate resultPath
    else
        let seed = Xoshiro256.DeriveSeed(s.Seed, uint64 i)

        let optimizer =
            OptimizerCatalog.Create<float>(
                s.Optimizer,
                s.Settings |> List.map Collections.Generic.KeyValuePair
            )

        let objective = problem.Objective()
        let statePath = Path.Combine(dir, "state.json")
        let tracePath = Path.Combine(dir, "trace.csv")

        let state =
            if File.Exists statePath then
                let st = Checkpoint.load optimizer statePath
                Trace.truncateFrom tracePath st.Steps
                st
            else
                optimizer.Init(ReadOnlySpan(problem.InitialTheta i), seed)

        use trace = new Trace.TraceWriter(tracePath, File.Exists statePath)

        let observe (r: StepReport) =
            trace.Write r
            progress i r

            if s.CheckpointEvery > 0L && state.Steps % s.CheckpointEvery = 0L then
                trace.Flush()
                Checkpoint.save optimizer state statePath

        let result =
            OptimizationRun.Execute(optimizer, objective, state, max 0L (s.Steps - state.Steps), observe)

        trace.Write result.Final
        trace.Flush()
        Checkpoint.save optimizer state statePath

        match box objective with
        | :? IDisposable as d -> d.Dispose()
        | _ -> ()

        let m = problem.Measure state.Theta

        let c =
            {
                Run = i
                Seed = seed
                Values = m.Values
                ResidualL2 = m.ResidualL2
                ResidualMax = m.ResidualMax
                BoundaryMax = m.BoundaryMax
                FinalLoss = result.Final.Loss
                Probes = m.Probes
                Theta = Array.copy state.Theta
            }

        saveCandidate resultPath c
        c

/// Runs (or resumes) the whole ensemble; returns the candidates in run order.
let run (problem: EnsembleProblem) (s: EnsembleSettings) (progress: Progress -> unit) =
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
    let results = Array.zeroCreate s.Runs

    Threading.Tasks.Parallel.For(
        0,
        s.Runs,
        options,
        fun i ->
            results[i] <- runOne problem s i report
            Interlocked.Increment(&finished) |> ignore
    )
    |> ignore

    List.ofArray results
