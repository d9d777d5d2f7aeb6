/// The discovery workflow: an ensemble of trainings from one initialization with different bounce seeds, then
/// rounds of deflated trainings (every solution found so far deflated) until a round finds nothing new; quality
/// gates and deduplication on an evaluation grid; an independent classical check of every distinct solution;
/// `solutions.json` (with the evaluation grid and the collocation points), per-run traces, checkpoints and results on
/// disk. Resumable: finished runs are read back.
module Pde.Discovery.Workflow

open System
open System.IO
open System.Text.Json.Nodes
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Ecd.Core.Randomness
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.Discovery.Solutions
open Pde.Discovery.Examples

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
        /// Optimizer of the deflated rounds (a deflated loss is stiff near the known solutions: Adam by default).
        DeflationOptimizer: string
        DeflationOptimizerSettings: (string * string) list
        /// Steps of every deflated run.
        DeflationSteps: int64
        /// Steps on the plain (undeflated) loss after every deflated run (0 = none), with this optimizer.
        PolishSteps: int64
        PolishOptimizer: string * (string * string) list
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

/// Amplitudes of the deflated runs that start from a known solution. Run 0 of a deflation round starts as the first
/// ensemble; runs j ≥ 1 take, in order, a fresh initialization for every known solution near zero (scaling it would
/// stay near zero, where the deflation factor explodes), then every other known solution with its output layer
/// multiplied by 2, then by −1, then by ½ (as classical deflation restarts Newton from the known solutions), then
/// fresh initializations.
let startAmplitudes = [| 2.0; -1.0; 0.5 |]

/// θ of `network` with its (linear) output layer multiplied by `factor`, so that every output is multiplied by it.
let scaleOutput (network: Network<float>) (factor: float) (theta: float[]) =
    let scaled = Array.copy theta
    let last = network.Layers[network.Layers.Count - 1]

    for i in last.WeightOffset .. last.WeightOffset + last.In * last.Out - 1 do
        scaled[i] <- factor * scaled[i]

    for i in last.BiasOffset .. last.BiasOffset + last.Out - 1 do
        scaled[i] <- factor * scaled[i]

    scaled

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

    let boundary = boundaryPoints discretization
    let gridPoints = example.Grid |> Array.collect id

    let model = model example spec
    let measure = measure example spec boundary

    /// One ensemble: `runs` runs from `start i`, on the loss deflated by `deflate` (values on the grid), in `dir`.
    let ensemble
        (round: int)
        (dir: string)
        (runs: int)
        (start: int -> float[])
        (deflate: float[] list)
        (steps: int64)
        (optimizer: string, settings: (string * string) list)
        =
        let atOnce = max 1 (min runs cores)
        let engineThreads = max 1 (cores / atOnce)

        let problem: Ensemble.EnsembleProblem =
            {
                Name = example.Name
                Parameters = example.Parameters
                InitialTheta = start
                Objective =
                    fun () ->
                        let pool = new WorkerPool(engineThreads)

                        let loss =
                            new PinnLoss<float>(discretization, network, example.WeightDecay, Some pool)

                        let deflated =
                            new Deflation.DeflatedObjective(
                                loss,
                                network,
                                gridPoints,
                                deflate,
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
                Steps = steps
                Optimizer = optimizer
                Settings = settings
                Seed = Xoshiro256.DeriveSeed(s.Seed, uint64 (round + 1))
                Parallel = atOnce
                OutDir = Path.Combine(s.OutDir, dir)
                CheckpointEvery = 1000L
            }

        Ensemble.run problem settings (fun p -> progress { Round = round; Ensemble = p })
        |> List.map (fun c -> { c with Run = round * 1000 + c.Run })

    /// A fresh initialization for run i of a round (seeded).
    let fresh (round: int) (i: int) =
        network.NewParameters(Xoshiro256.DeriveSeed(s.Seed, 7919UL * uint64 (round + 1) + uint64 i))

    let initial (round: int) (i: int) =
        match s.Initialization with
        | Shared -> theta0
        | PerRun -> fresh round i

    /// How every run started (by run id), for solutions.json.
    let starts = Collections.Generic.Dictionary<int, string>()

    /// A deflation round: run 0 from the initialization, the others as `startAmplitudes` says; then every run is
    /// polished on the plain loss, so that a minimum the deflation factor made (not a solution) slides back to a
    /// known solution instead of being reported.
    let deflationRound (round: int) (known: Candidate list) =
        // known solutions with kept weights, numbered from 1 as in solutions.json
        let nearZero, scalable =
            known
            |> List.indexed
            |> List.filter (fun (_, c) -> c.Theta.Length = theta0.Length)
            |> List.partition (fun (_, c) -> normL2 example.Weights c.Values < 0.1 * example.Magnitude)

        let plan =
            Array.ofList (
                (nearZero |> List.map (fun _ -> None))
                @ [
                    for a in startAmplitudes do
                        for j, c in scalable -> Some(a, j + 1, c.Theta)
                ]
            )

        let startOf i =
            if i = 0 then
                "the initialization", (fun () -> initial round 0)
            elif i - 1 < plan.Length then
                match plan[i - 1] with
                | Some(a, j, theta) -> sprintf "solution %d × %g" j a, (fun () -> scaleOutput network a theta)
                | None -> "a fresh initialization", (fun () -> fresh round i)
            else
                "a fresh initialization", (fun () -> fresh round i)

        for i in 0 .. s.DeflationRuns - 1 do
            starts[round * 1000 + i] <- sprintf "deflated, from %s" (fst (startOf i))

        let start i = (snd (startOf i)) ()

        let deflationOptimizer = s.DeflationOptimizer, s.DeflationOptimizerSettings

        let deflated =
            ensemble
                round
                (sprintf "round-%d" round)
                s.DeflationRuns
                start
                (known |> List.map (fun c -> c.Values))
                s.DeflationSteps
                deflationOptimizer

        if
            s.PolishSteps > 0L
            && deflated |> List.forall (fun c -> c.Theta.Length = theta0.Length)
        then
            let byIndex = Array.ofList deflated

            ensemble
                round
                (Path.Combine(sprintf "round-%d" round, "polish"))
                byIndex.Length
                (fun i -> byIndex[i].Theta)
                []
                s.PolishSteps
                s.PolishOptimizer
        else
            deflated

    let classify' cands =
        classify example.Gates example.Weights s.Threshold example.Magnitude cands

    for i in 0 .. s.Runs - 1 do
        starts[i] <-
            match s.Initialization with
            | Shared -> "bounces, from the shared initialization"
            | PerRun -> "bounces, from its own initialization"

    let mutable candidates =
        ensemble 0 "round-0" s.Runs (initial 0) [] s.Steps (s.Optimizer, s.OptimizerSettings)

    let mutable solutions, _ = classify' candidates
    let mutable round = 1
    let mutable searching = not solutions.IsEmpty

    while searching && round <= s.DeflationRounds do
        let known = solutions |> List.map (fun x -> x.Representative)
        candidates <- candidates @ deflationRound round known
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
                    desc,
                    relativeDistance example.Weights example.Magnitude sol.Representative.Values values)
                |> List.sortBy snd
                |> List.tryHead
                |> Option.defaultValue ("no classical solution", nan)

            let firstRun = sol.Members |> List.map (fun c -> c.Run) |> List.min

            {
                Solution = sol
                Classical = check
                Round = firstRun / 1000
            })

    /// The PDE residual of a run's final network on the grid (for the residual map); None when its weights were not
    /// kept (result files written before they were).
    let residualOf (c: Candidate) =
        if c.Theta.Length = theta0.Length then
            Some(Model.evaluate (model c.Theta) example.Residual example.Grid)
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

                let runStarts = JsonArray()

                for c in f.Solution.Members do
                    runStarts.Add(
                        match starts.TryGetValue c.Run with
                        | true, d -> d
                        | _ -> "unknown"
                    )

                o["run_starts"] <- runStarts

                o["field"] <-
                    JsonArray(
                        f.Solution.Representative.Values
                        |> Array.map (fun v -> JsonValue.Create v :> JsonNode)
                    )

                residualOf f.Solution.Representative
                |> Option.iter (fun r ->
                    o["residual"] <- JsonArray(r |> Array.map (fun v -> JsonValue.Create v :> JsonNode)))
            | _ -> ())
    | _ -> ()

    let settingsNode = JsonObject()
    settingsNode["optimizer"] <- JsonValue.Create s.Optimizer

    for key, value in s.OptimizerSettings do
        settingsNode[key] <- JsonValue.Create value

    let optimizerNode (name: string) (settings: (string * string) list) =
        let node = JsonObject()
        node["optimizer"] <- JsonValue.Create name

        for key, value in settings do
            node[key] <- JsonValue.Create value

        node

    settingsNode["deflation_optimizer"] <- optimizerNode s.DeflationOptimizer s.DeflationOptimizerSettings

    settingsNode["runs"] <- JsonValue.Create s.Runs
    settingsNode["steps"] <- JsonValue.Create s.Steps
    settingsNode["seed"] <- JsonValue.Create s.Seed

    settingsNode["initialization"] <-
        JsonValue.Create(
            match s.Initialization with
            | Shared -> "shared"
            | PerRun -> "per-run"
        )

    settingsNode["deflation_steps"] <- JsonValue.Create s.DeflationSteps
    settingsNode["polish_steps"] <- JsonValue.Create s.PolishSteps
    settingsNode["polish_optimizer"] <- optimizerNode (fst s.PolishOptimizer) (snd s.PolishOptimizer)
    settingsNode["deflation_rounds"] <- JsonValue.Create s.DeflationRounds
    settingsNode["deflation_runs"] <- JsonValue.Create s.DeflationRuns
    settingsNode["distinct_threshold"] <- JsonValue.Create s.Threshold
    doc["settings"] <- settingsNode

    let tool = JsonObject()
    tool["version"] <- JsonValue.Create EcdPde.Runs.ToolVersion.informational
    tool["dotnet"] <- JsonValue.Create EcdPde.Runs.ToolVersion.runtime
    doc["tool"] <- tool

    doc["grid"] <-
        JsonArray(
            example.Grid
            |> Array.map (fun p ->
                JsonArray(p |> Array.map (fun c -> JsonValue.Create c :> JsonNode)) :> JsonNode)
        )

    doc["collocation"] <- SolutionsJson.collocation (interiorPoints discretization) boundary

    let path = SolutionsJson.write s.OutDir doc

    {
        Found = found
        Rejected = rejected
        Candidates = candidates
        Path = path
    }
