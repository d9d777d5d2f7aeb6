/// The discovery workflow: an ensemble of trainings from one initialization with different bounce seeds, then
/// rounds of deflated trainings (every solution found so far deflated) until a round finds nothing new; quality
/// gates and deduplication on an evaluation grid; an independent classical check of every distinct solution;
/// `solutions.json`, per-run traces, checkpoints and results on disk. Resumable: finished runs are read back.
module Pde.FSharp.Discovery.Workflow

open System
open System.IO
open System.Text.Json.Nodes
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Ecd.Core.Randomness
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.FSharp.Discovery.Solutions
open Pde.FSharp.Discovery.Examples

/// BBI with the paper's kind of bounce schedule, tuned for the default-size examples (lr 0.002, δE 1, T0 200,
/// N_b 10, T1 2000).
let defaultOptimizer =
    "bbi",
    [
        "lr", "0.002"
        "deltaEn", "1"
        "threshold0", "200"
        "nFixedBounces", "10"
        "threshold", "2000"
    ]

/// Where the runs start.
type Initialization =
    /// Every run from the same network initialization (the paper's protocol: only the bounces differ).
    | Shared
    /// Every run from its own initialization (random restarts).
    | PerRun

/// How to discover.
type Settings =
    {
        Runs: int
        Steps: int64
        Optimizer: string
        OptimizerSettings: (string * string) list
        /// Seed of the initialization(s) and (derived) of every run's bounces.
        Seed: uint64
        Initialization: Initialization
        /// Cores to use (0 = all).
        Threads: int
        OutDir: string
        /// Rounds of deflated runs after the first ensemble.
        DeflationRounds: int
        /// Runs per deflation round.
        DeflationRuns: int
        /// Relative L² distance below which two fields are the same solution.
        Threshold: float
    }

/// A distinct solution with its classical check.
type Found =
    {
        Solution: DistinctSolution
        /// The nearest classical solution and the relative L² distance to it on the grid.
        Classical: string * float
        /// Round in which it was first found (0 = bounces only).
        Round: int
    }

/// The result.
type Outcome =
    {
        Found: Found list
        Rejected: (Candidate * string) list
        Candidates: Candidate list
        Path: string
    }

/// Progress (for a live display).
type Progress =
    {
        Round: int
        Ensemble: Ensemble.Progress
    }

type private OwnedObjective(inner: IObjective<float>, owned: IDisposable list) =
    interface IObjective<float> with
        member _.Dimension = inner.Dimension
        member _.Evaluate(theta, gradient) = inner.Evaluate(theta, gradient)

    interface IDisposable with
        member _.Dispose() =
            for d in owned do
                d.Dispose()

/// Runs (or resumes) the discovery of `example`.
let run (example: Example) (s: Settings) (progress: Progress -> unit) =
    if s.Runs < 1 then
        invalidArg "runs" (sprintf "--runs must be at least 1 (got %d)" s.Runs)

    if s.DeflationRounds < 0 || s.DeflationRuns < 1 then
        invalidArg "deflation" "deflation rounds must be ≥ 0 and runs per round ≥ 1"

    let cores =
        if s.Threads <= 0 then
            Environment.ProcessorCount
        else
            s.Threads

    let d = example.Problem.Scope.Coordinates.Length
    let spec = Architecture.spec d example.Problem.Fields.Length example.Architecture
    let network = Network<float>(spec, 0UL)
    let theta0 = network.NewParameters s.Seed
    let discretization = Discretize.run example.Points example.Problem

    let boundary =
        discretization.Sets
        |> Array.filter (fun set -> set.Samples.Normals.Length > 0)
        |> Array.collect (fun set -> Array.init set.Samples.Count set.Samples.Point)

    let gridPoints = example.Grid |> Array.collect id

    let model theta =
        {
            Problem = example.Problem
            Network = spec
            NetworkSeed = 0UL
            Weights = theta
            Parameters = []
        }

    let measure (theta: float[]) : Ensemble.Measurement =
        let m = model theta
        let values = Model.evaluate m example.Field example.Grid
        let residual = Model.evaluate m example.Residual example.Grid
        let onBoundary = Model.evaluate m example.Field boundary

        let probes =
            Model.evaluate
                m
                example.Field
                (example.Probes |> List.map (fun (px, py) -> [| px; py |]) |> Array.ofList)

        {
            Values = values
            ResidualL2 = normL2 example.Weights residual
            ResidualMax = residual |> Array.fold (fun a v -> max a (abs v)) 0.0
            BoundaryMax =
                onBoundary
                |> Array.fold (fun a v -> max a (abs (v - example.BoundaryValue))) 0.0
            Probes = List.mapi (fun i (px, py) -> px, py, probes[i]) example.Probes
        }

    let ensemble (round: int) (runs: int) (known: float[] list) =
        let atOnce = max 1 (min runs cores)
        let engineThreads = max 1 (cores / atOnce)

        let problem: Ensemble.EnsembleProblem =
            {
                Name = example.Name
                Parameters = example.Parameters
                InitialTheta =
                    match s.Initialization with
                    | Shared -> fun _ -> theta0
                    | PerRun ->
                        fun i ->
                            network.NewParameters(
                                Xoshiro256.DeriveSeed(s.Seed, 7919UL * uint64 (round + 1) + uint64 i)
                            )
                Objective =
                    fun () ->
                        let pool = new WorkerPool(engineThreads)
                        let loss = new PinnLoss<float>(discretization, network, 0.0, Some pool)

                        let deflated =
                            new Deflation.DeflatedObjective(
                                loss,
                                network,
                                gridPoints,
                                known,
                                2.0,
                                1.0,
                                0,
                                Some pool
                            )

                        new OwnedObjective(deflated, [ deflated; loss; pool ])
                Measure = measure
                Weights = example.Weights
            }

        let settings: Ensemble.EnsembleSettings =
            {
                Runs = runs
                Steps = s.Steps
                Optimizer = s.Optimizer
                Settings = s.OptimizerSettings
                Seed = Xoshiro256.DeriveSeed(s.Seed, uint64 (round + 1))
                Parallel = atOnce
                OutDir = Path.Combine(s.OutDir, sprintf "round-%d" round)
                CheckpointEvery = 1000L
            }

        Ensemble.run problem settings (fun p -> progress { Round = round; Ensemble = p })
        |> List.map (fun c -> { c with Run = round * 1000 + c.Run })

    let classify' cands =
        classify example.Gates example.Weights s.Threshold cands

    let mutable candidates = ensemble 0 s.Runs []
    let mutable solutions, _ = classify' candidates
    let mutable round = 1
    let mutable searching = not solutions.IsEmpty

    while searching && round <= s.DeflationRounds do
        let known = solutions |> List.map (fun x -> x.Representative.Values)
        candidates <- candidates @ ensemble round s.DeflationRuns known
        let next, _ = classify' candidates

        if next.Length > solutions.Length then
            solutions <- next
            round <- round + 1
        else
            searching <- false

    let solutions, rejected = classify' candidates
    let classical = example.Classical()

    let found =
        solutions
        |> List.map (fun sol ->
            let check =
                classical
                |> List.map (fun (desc, values) ->
                    desc, relativeDistance example.Weights 1e-12 sol.Representative.Values values)
                |> List.sortBy snd
                |> List.tryHead
                |> Option.defaultValue ("no classical solution", nan)

            let firstRun = sol.Members |> List.map (fun c -> c.Run) |> List.min

            {
                Solution = sol
                Classical = check
                Round = firstRun / 1000
            })

    // The PDE residual of a run's final network on the evaluation grid, from the run's last checkpoint (so that
    // runs read back on a resume have it too); None when the checkpoint is missing.
    let residualOf (run: int) =
        let state =
            Path.Combine(
                s.OutDir,
                sprintf "round-%d" (run / 1000),
                "runs",
                sprintf "run-%03d" (run % 1000),
                "state.json"
            )

        if File.Exists state then
            let optimizer =
                Ecd.Core.Optimizers.OptimizerCatalog.Create<float>(
                    s.Optimizer,
                    s.OptimizerSettings |> List.map Collections.Generic.KeyValuePair
                )

            let theta = (Pde.FSharp.Runs.Checkpoint.load optimizer state).Theta
            Some(Model.evaluate (model theta) example.Residual example.Grid)
        else
            None

    let doc = SolutionsJson.document example.Name example.Parameters solutions rejected

    match doc["solutions"] with
    | :? JsonArray as arr ->
        found
        |> List.iteri (fun i f ->
            match arr[i] with
            | :? JsonObject as o ->
                let c = JsonObject()
                c["nearest"] <- JsonValue.Create(fst f.Classical)
                c["relative_l2_distance"] <- JsonValue.Create(snd f.Classical)
                o["classical_check"] <- c
                o["first_found_in_round"] <- JsonValue.Create f.Round

                o["field"] <-
                    JsonArray(
                        f.Solution.Representative.Values
                        |> Array.map (fun v -> JsonValue.Create v :> JsonNode)
                    )

                residualOf f.Solution.Representative.Run
                |> Option.iter (fun r ->
                    o["residual"] <- JsonArray(r |> Array.map (fun v -> JsonValue.Create v :> JsonNode)))
            | _ -> ())
    | _ -> ()

    let settingsNode = JsonObject()
    settingsNode["optimizer"] <- JsonValue.Create s.Optimizer

    for key, value in s.OptimizerSettings do
        settingsNode[key] <- JsonValue.Create value

    settingsNode["runs"] <- JsonValue.Create s.Runs
    settingsNode["steps"] <- JsonValue.Create s.Steps
    settingsNode["seed"] <- JsonValue.Create s.Seed

    settingsNode["initialization"] <-
        JsonValue.Create(
            match s.Initialization with
            | Shared -> "shared"
            | PerRun -> "per-run"
        )

    settingsNode["deflation_rounds"] <- JsonValue.Create s.DeflationRounds
    settingsNode["deflation_runs"] <- JsonValue.Create s.DeflationRuns
    settingsNode["distinct_threshold"] <- JsonValue.Create s.Threshold
    doc["settings"] <- settingsNode

    let tool = JsonObject()
    tool["version"] <- JsonValue.Create Pde.FSharp.Runs.ToolVersion.informational
    tool["dotnet"] <- JsonValue.Create Pde.FSharp.Runs.ToolVersion.runtime
    doc["tool"] <- tool

    doc["grid"] <-
        JsonArray(
            example.Grid
            |> Array.map (fun p ->
                JsonArray(p |> Array.map (fun c -> JsonValue.Create c :> JsonNode)) :> JsonNode)
        )

    let path = SolutionsJson.write s.OutDir doc

    {
        Found = found
        Rejected = rejected
        Candidates = candidates
        Path = path
    }
