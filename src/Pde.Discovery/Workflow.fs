/// The discovery workflow: an ensemble of trainings from one initialization with different bounce seeds, then
/// rounds of deflated trainings (every solution found so far deflated) until a round finds nothing new; quality
/// gates and deduplication on an evaluation grid; an independent classical check of every distinct solution;
/// `solutions.json` (with the evaluation grid and the collocation points), per-run traces, checkpoints and results on
/// disk. Resumable: finished runs are read back.
module Pde.Discovery.Workflow

open System
open System.IO
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
type DiscoverySettings =
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
        Executor: EcdPde.Runs.TaskBatch.Executor
    }

/// The result.
type DiscoveryOutcome =
    {
        Found: ClassicalCheck.Found list
        Rejected: (Candidate * string) list
        Candidates: Candidate list
        Path: string
    }

/// Progress (for a live display).
type DiscoveryProgress =
    {
        Round: int
        Ensemble: Ensemble.EnsembleProgress
    }

/// One discovery in progress: the problem compiled once (network, θ₀, discretization, measurement) and how every run
/// started (for solutions.json).
type private DiscoverySearch(example: Example, s: DiscoverySettings, progress: DiscoveryProgress -> unit) =
    let cores =
        if s.Threads <= 0 then
            Environment.ProcessorCount
        else
            s.Threads

    let spec = Objective.spec example.Problem example.Architecture
    let network = Objective.network<float> spec s.Seed
    let theta0 = Objective.start network example.Problem s.Seed
    let discretization = Discretize.run example.Points example.Problem
    let boundary = boundaryPoints discretization
    let gridPoints = example.Grid |> Array.collect id
    let measure = measure example spec s.Seed boundary
    let starts = Collections.Generic.Dictionary<RunId, string>()

    /// The deflated loss of one run on its own pool (the factor over `deflate`, values on the grid).
    let objective (engineThreads: int) (deflate: float[] list) () : IObjective<float> =
        let pool = new WorkerPool(engineThreads)
        let loss = Objective.loss discretization network example.WeightDecay (Some pool)

        let deflated =
            new Deflation.DeflatedObjective(loss, network, gridPoints, deflate, 2.0, 1.0, 0, Some pool)

        new Deflation.OwnedObjective(deflated, [ deflated; loss; pool ])

    /// Cores used (all when the settings say 0).
    member _.Cores = cores
    member _.Theta0 = theta0
    member _.Network = network
    member _.Discretization = discretization
    member _.Boundary = boundary

    /// The model of trained weights θ.
    member _.Model(theta: float[]) = model example spec s.Seed theta

    /// How run `id` started.
    member _.Started(id: RunId) =
        match starts.TryGetValue id with
        | true, d -> d
        | _ -> "unknown"

    /// Records how run `id` started.
    member _.Start(id: RunId, description: string) = starts[id] <- description

    /// One ensemble: `runs` runs from `start i`, on the loss deflated by `deflate` (values on the grid), in `dir`.
    member _.Ensemble
        (
            round: int,
            dir: string,
            runs: int,
            start: int -> float[],
            deflate: float[] list,
            steps: int64,
            (optimizer: string, settings: (string * string) list)
        ) =
        let atOnce = max 1 (min runs cores)

        let problem: Ensemble.EnsembleProblem =
            {
                Name = example.Name
                Parameters = example.Parameters
                InitialTheta = start
                Objective = objective (max 1 (cores / atOnce)) deflate
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
                Round = round
                OutDir = Path.Combine(s.OutDir, dir)
                CheckpointEvery = 1000L
                Executor = s.Executor
            }

        Ensemble.run problem settings (fun p -> progress { Round = round; Ensemble = p })

    /// A fresh initialization for run i of a round (seeded).
    member _.Fresh(round: int, i: int) =
        Objective.start
            network
            example.Problem
            (Xoshiro256.DeriveSeed(s.Seed, 7919UL * uint64 (round + 1) + uint64 i))

    /// The start of run i of a round without deflation: the shared initialization or its own.
    member this.Initial (round: int) (i: int) =
        match s.Initialization with
        | Shared -> theta0
        | PerRun -> this.Fresh(round, i)

/// The starts of a deflation round's runs: run 0 from the initialization, the others as `Deflation.startAmplitudes` says.
/// Returns, per run, its description and its θ.
let private deflationStarts (ds: DiscoverySearch) (example: Example) (round: int) (known: Candidate list) =
    // known solutions with kept weights, numbered from 1 as in solutions.json
    let nearZero, scalable =
        known
        |> List.indexed
        |> List.filter (fun (_, c) -> c.Theta.Length = ds.Theta0.Length)
        |> List.partition (fun (_, c) -> normL2 example.Weights c.Values < 0.1 * example.Magnitude)

    let plan =
        Array.ofList (
            (nearZero |> List.map (fun _ -> None))
            @ [
                for a in Deflation.startAmplitudes do
                    for j, c in scalable -> Some(a, j + 1, c.Theta)
            ]
        )

    fun (i: int) ->
        if i = 0 then
            "the initialization", (fun () -> ds.Initial round 0)
        elif i - 1 < plan.Length then
            match plan[i - 1] with
            | Some(a, j, theta) ->
                sprintf "solution %d × %g" j a, (fun () -> Deflation.scaleOutput ds.Network a theta)
            | None -> "a fresh initialization", (fun () -> ds.Fresh(round, i))
        else
            "a fresh initialization", (fun () -> ds.Fresh(round, i))

/// A deflation round: its runs on the loss deflated by every known solution; then every run is polished on the
/// plain loss, so that a minimum the deflation factor made (not a solution) slides back to a known solution instead
/// of being reported.
let private deflationRound
    (search: DiscoverySearch)
    (example: Example)
    (s: DiscoverySettings)
    (round: int)
    (known: Candidate list)
    =
    let startOf = deflationStarts search example round known

    for i in 0 .. s.DeflationRuns - 1 do
        search.Start({ Round = round; Index = i }, sprintf "deflated, from %s" (fst (startOf i)))

    let deflated =
        search.Ensemble(
            round,
            RunFolders.roundFolder round,
            s.DeflationRuns,
            (fun i -> (snd (startOf i)) ()),
            known |> List.map (fun c -> c.Values),
            s.DeflationSteps,
            (s.DeflationOptimizer, s.DeflationOptimizerSettings)
        )

    if
        s.PolishSteps > 0L
        && deflated |> List.forall (fun c -> c.Theta.Length = search.Theta0.Length)
    then
        let byIndex = Array.ofList deflated

        search.Ensemble(
            round,
            Path.Combine(RunFolders.roundFolder round, "polish"),
            byIndex.Length,
            (fun i -> byIndex[i].Theta),
            [],
            s.PolishSteps,
            s.PolishOptimizer
        )
    else
        deflated

/// The bounce ensemble, then deflation rounds until a round finds nothing new (or the round cap); every candidate.
let private searchAll (search: DiscoverySearch) (example: Example) (s: DiscoverySettings) =
    let classify' cands =
        classify example.Gates example.Weights s.Threshold example.Magnitude cands

    for i in 0 .. s.Runs - 1 do
        search.Start(
            { Round = 0; Index = i },
            match s.Initialization with
            | Shared -> "bounces, from the shared initialization"
            | PerRun -> "bounces, from its own initialization"
        )

    let mutable candidates =
        search.Ensemble(
            0,
            RunFolders.roundFolder 0,
            s.Runs,
            search.Initial 0,
            [],
            s.Steps,
            (s.Optimizer, s.OptimizerSettings)
        )

    let mutable solutions, _ = classify' candidates
    let mutable round = 1
    let mutable searching = not solutions.IsEmpty

    while searching && round <= s.DeflationRounds do
        let known = solutions |> List.map (fun x -> x.Representative)
        candidates <- candidates @ deflationRound search example s round known
        let next, _ = classify' candidates

        if next.Length > solutions.Length then
            solutions <- next
            round <- round + 1
        else
            searching <- false

    candidates

/// The search settings as recorded in solutions.json.
let private settingsRecord (s: DiscoverySettings) : SolutionsFile.SearchSettings =
    {
        Optimizer = SolutionsFile.optimizer s.Optimizer s.OptimizerSettings
        DeflationOptimizer = SolutionsFile.optimizer s.DeflationOptimizer s.DeflationOptimizerSettings
        PolishOptimizer = SolutionsFile.optimizer (fst s.PolishOptimizer) (snd s.PolishOptimizer)
        Runs = s.Runs
        Steps = s.Steps
        Seed = s.Seed
        Initialization =
            match s.Initialization with
            | Shared -> "shared"
            | PerRun -> "per-run"
        DeflationRounds = s.DeflationRounds
        DeflationRuns = s.DeflationRuns
        DeflationSteps = s.DeflationSteps
        PolishSteps = s.PolishSteps
        DistinctThreshold = s.Threshold
    }

/// solutions.json of a finished search.
let private solutionsFile
    (search: DiscoverySearch)
    (example: Example)
    (s: DiscoverySettings)
    (found: ClassicalCheck.Found list)
    rejected
    : SolutionsFile.Solutions =
    // the PDE residual of a run's final network on the grid (for the residual map); None when its weights were not
    // kept (result files written before they were)
    let residualOf (c: Candidate) =
        if c.Theta.Length = search.Theta0.Length then
            Some(Model.evaluate (search.Model c.Theta) example.Residual example.Grid)
        else
            None

    {
        Format = SolutionsFile.format
        Problem =
            {
                Name = example.Name
                Parameters = Map.ofList example.Parameters
            }
        Settings = settingsRecord s
        Tool = SolutionsFile.tool ()
        Solutions =
            found
            |> List.map (fun f ->
                SolutionsFile.solution
                    f.Classical
                    f.Round
                    search.Started
                    (residualOf f.Solution.Representative)
                    f.Solution)
        Unconverged = rejected |> List.map SolutionsFile.unconverged
        Grid = example.Grid
        Collocation =
            {
                Interior = interiorPoints search.Discretization
                Boundary = search.Boundary
            }
    }

let private folderRecord
    (search: DiscoverySearch)
    (example: Example)
    (s: DiscoverySettings)
    : DiscoveryFolderFile.DiscoveryFolder =
    {
        Format = DiscoveryFolderFile.format
        Problem =
            {
                Name = example.Name
                Parameters = Map.ofList example.Parameters
            }
        Settings = settingsRecord s
        Threads = search.Cores
        Start = EcdPde.Runs.Checkpoint.hashOf search.Theta0
        Points = sprintf "%A" example.Points
    }

/// Runs (or resumes) the discovery of `example`.
let run (example: Example) (s: DiscoverySettings) (progress: DiscoveryProgress -> unit) =
    if s.Runs < 1 then
        invalidArg "runs" (sprintf "--runs must be at least 1 (got %d)" s.Runs)

    if s.DeflationRounds < 0 || s.DeflationRuns < 1 then
        invalidArg "deflation" "deflation rounds must be ≥ 0 and runs per round ≥ 1"

    Directory.CreateDirectory s.OutDir |> ignore
    use _lock = EcdPde.Runs.TaskBatch.lockFolder s.Executor s.OutDir
    let search = DiscoverySearch(example, s, progress)

    EcdPde.Runs.FolderIdentity.claim
        DiscoveryFolderFile.format
        s.OutDir
        DiscoveryFolderFile.name
        (folderRecord search example s)

    let candidates = searchAll search example s

    let solutions, rejected =
        classify example.Gates example.Weights s.Threshold example.Magnitude candidates

    let found = ClassicalCheck.checkAll example solutions

    let path =
        SolutionsFile.write s.OutDir (solutionsFile search example s found rejected)

    {
        Found = found
        Rejected = rejected
        Candidates = candidates
        Path = path
    }
