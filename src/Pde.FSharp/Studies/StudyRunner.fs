/// Runs a study cell by cell (in parallel), stores each finished cell, skips stored cells on a rerun, and
/// summarises: success rates with Wilson intervals, costs to the target with medians, IQRs and bootstrap intervals,
/// performance and data profiles.
module Pde.FSharp.Studies.StudyRunner

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Randomness
open Pde.FSharp.Statistics
open Pde.FSharp.Studies.Study

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
    }

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
    let clock = Stopwatch.StartNew()
    let mutable theta = x0 |> Array.map convert
    let mutable best = Double.PositiveInfinity
    let mutable final = nan
    let mutable steps = 0L
    let mutable evals = 0L
    let mutable hit: (int64 * int64 * float) option = None
    let mutable stop = false

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

            let state =
                optimizer.Init(ReadOnlySpan theta, Xoshiro256.DeriveSeed(cellSeed, uint64 si))

            let budget = int64 (Math.Round(stage.Share * float study.Steps))
            let mutable k = 0L

            while not stop && k < budget do
                let r = optimizer.Step(state, f)
                k <- k + 1L
                steps <- steps + 1L
                evals <- evals + int64 r.Evaluations
                final <- r.Loss

                if r.Loss < best then
                    best <- r.Loss

                if hit.IsNone && r.Loss < p.Target then
                    hit <- Some(steps, evals, clock.Elapsed.TotalSeconds)

                if
                    hit.IsSome
                    || r.Status = StepStatus.NonFinite
                    || r.Status = StepStatus.Stopped
                    || (study.WallSeconds |> Option.exists (fun w -> clock.Elapsed.TotalSeconds > w))
                then
                    stop <- true

            theta <- state.Theta)

    {
        Problem = p.Name
        Solver = solver.Label
        Start = start
        SeedIndex = seedIndex
        Success = hit.IsSome
        StepsToTarget = hit |> Option.map (fun (s, _, _) -> s)
        EvaluationsToTarget = hit |> Option.map (fun (_, e, _) -> e)
        SecondsToTarget = hit |> Option.map (fun (_, _, t) -> t)
        BestLoss = best
        FinalLoss = final
        Steps = steps
        Evaluations = evals
        Seconds = clock.Elapsed.TotalSeconds
    }

let private jsonOptions =
    JsonSerializerOptions(
        WriteIndented = false,
        NumberHandling = Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals
    )

let private save (path: string) (r: CellResult) =
    Directory.CreateDirectory(Path.GetDirectoryName path |> Option.ofObj |> Option.defaultValue ".")
    |> ignore

    let tmp = path + ".tmp"
    File.WriteAllText(tmp, JsonSerializer.Serialize(r, jsonOptions))
    File.Move(tmp, path, true)

let private load (path: string) : CellResult =
    match
        JsonSerializer.Deserialize<CellResult>(File.ReadAllText path, jsonOptions)
        |> box
    with
    | :? CellResult as r -> r
    | _ -> failwithf "cannot read the cell result %s" path

/// Runs every cell not yet stored under `dir`; returns all cells (stored and new) and how many were run now.
let run (study: Study) (dir: string) (parallelism: int) (progress: int -> int -> unit) =
    let study = validate study

    let cells =
        [
            for p in study.Problems do
                let starts = startPoints study p

                for solver in study.Solvers do
                    for si in 0 .. starts.Length - 1 do
                        for seed in 0 .. study.Seeds - 1 -> p, solver, si, seed, starts[si]
        ]
        |> Array.ofList

    let mutable ran = 0
    let mutable done' = 0
    let gate = obj ()

    let results =
        cells
        |> Array.Parallel.map (fun (p, solver, si, seed, x0) ->
            let path = cellPath dir p solver si seed

            let r =
                if File.Exists path then
                    load path
                else
                    let r =
                        if study.Precision = "float32" then
                            runTyped<float32> study p solver si seed x0 float32
                        else
                            runTyped<float> study p solver si seed x0 id

                    save path r
                    Threading.Interlocked.Increment(&ran) |> ignore
                    r

            lock gate (fun () ->
                done' <- done' + 1
                progress done' cells.Length)

            r)

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
    }

/// Summaries per (problem, solver), in study order.
let summarise (study: Study) (results: CellResult list) =
    [
        for p in study.Problems do
            for s in study.Solvers do
                let cells =
                    results |> List.filter (fun r -> r.Problem = p.Name && r.Solver = s.Label)

                let wins = cells |> List.filter (fun r -> r.Success)
                let lo, hi = Proportion.wilson wins.Length cells.Length

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
