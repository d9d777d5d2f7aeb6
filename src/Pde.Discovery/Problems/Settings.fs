namespace Pde.Discovery

open Ecd.Core.Engine
open Pde.FSharp.Training
open Pde.Discovery.Solutions

/// Where the runs start.
type Initialization =
    /// Every run from the same network initialization (the paper's protocol: only the bounces differ).
    | Shared
    /// Every run from its own initialization (random restarts).
    | PerRun

/// How long a training run (of the first ensemble or a deflation round) goes; the polish always takes its steps.
type RunBudget =
    /// Exactly its nominal steps (Steps, DeflationSteps).
    | FixedSteps
    /// Until its loss stalls (EcdPde.Runs.Stall.ofSteps of the nominal steps: blocks of a tenth of them, two without
    /// a 5% decrease of the smoothed loss; not before the last fixed bounce), at most `maxFactor` × the nominal steps.
    | UntilStall of maxFactor: float

/// <summary>
/// How to discover the solutions of a problem: what is recorded about it, the network and points, how candidates are
/// judged, and the search (ensemble, deflation rounds, polish). Start from <c>DiscoverySettings.defaults</c> and
/// change fields with <c>{ DiscoverySettings.defaults with Runs = 4 }</c>; nothing in the defaults is tuned to a
/// particular problem (the gates are relative to the problem's own scales, see <c>QualityGates</c>).
/// </summary>
[<NoEquality; NoComparison>]
type DiscoverySettings =
    {
        /// The problem's name (solutions.json, reports, the default output folder).
        Name: string
        /// Parameters to record with the results (name, value); they do not change the problem.
        Parameters: (string * float) list
        /// Points where the fields are reported; the first is the "u(centre)" column. [] = the domain's centre.
        Probes: (float * float) list
        /// Hidden layers of the network.
        Network: Architecture
        /// Where the loss is computed: the native Taylor-mode engine (Objective.native) or another backend (the
        /// TorchSharp one of Pde.Torch); the same θ gives the same loss.
        Backend: ILossBackend
        /// Interior collocation points shared by the equations.
        InteriorPoints: int
        /// Collocation points of every boundary condition.
        BoundaryPoints: int
        /// Weight given to the boundary conditions that the problem left at weight 1 (a solution must satisfy them
        /// exactly, and the interior residual has many more terms); 1 = keep the problem's weights.
        BoundaryWeight: float
        /// λ of the L2 penalty λ·Σθ² on the network weights.
        WeightDecay: float
        /// Points of the evaluation grid (gates, deduplication, deflation, reports).
        GridPoints: int
        /// Gates a run must pass to count as a solution.
        Gates: QualityGates
        /// Relative L² distance (relative to the largest solution found) below which two fields are one solution.
        Threshold: float
        /// Runs of the first ensemble.
        Runs: int
        Steps: int64
        Optimizer: string
        OptimizerSettings: (string * string) list
        /// Optimizer of the deflated rounds (a deflated loss is stiff near the known solutions: Adam by default). ECDSep
        /// and BBI work too: missing settings are completed by Deflation.optimizerSettings, and BBI runs on the
        /// compressed potential of Deflation.potentialFor (measured in docs/discovery.md: Adam found the most
        /// certified solutions per unit of compute, so it stays the default).
        DeflationOptimizer: string
        DeflationOptimizerSettings: (string * string) list
        /// Steps of every deflated run.
        DeflationSteps: int64
        /// Steps on the plain (undeflated) loss after every run — of the first ensemble and of the deflation rounds —
        /// with PolishOptimizer (0 = none): the bounce dynamics end wherever the trajectory is, a deflated run where
        /// the deflation left it; the polish takes either to the nearest minimum of the plain loss.
        PolishSteps: int64
        PolishOptimizer: string * (string * string) list
        /// Rounds of deflated runs after the first ensemble, at most (stops early when a round finds nothing new). The
        /// default, 4, lets a problem with several solutions that turn up one or two per round be followed: a solution
        /// found in round r has its scaled starts tried only in round r + 1 (measured: an unseen problem on the disk
        /// with 7 solutions stopped at a cap of 2 with the last round still finding one).
        DeflationRounds: int
        /// Runs per deflation round.
        DeflationRuns: int
        Initialization: Initialization
        /// Seed of the initialization(s), the points and (derived) of every run's bounces.
        Seed: uint64
        /// How long each training run goes: its nominal steps, or until its loss stalls.
        Budget: RunBudget
        /// How many times the network may grow when every run of the first ensemble plateaued (stalled) above the
        /// gates without a solution: each time wider (every hidden width doubled) and, for a problem whose data
        /// oscillate across the domain, with Fourier features whose scale comes from the data (see Capacity).
        CapacityGrowths: int
        /// Warm-start networks from the classical solutions that no network reached (fitted to them by least
        /// squares, then trained on the PDE loss), after certification.
        WarmStarts: bool
        /// Cores to use (0 = all).
        Threads: int
        /// Output folder; None = out/discover/NAME.
        OutDir: string option
        /// Where the runs execute: threads of this process (TaskBatch.inProcess) or Slurm array tasks.
        Executor: EcdPde.Runs.TaskBatch.Executor
        /// Certify every solution by an automatic classical solve (finite differences + Newton from the field).
        Certify: bool
        /// The user's own classical solutions, as a function of the evaluation grid (name, values on the grid for
        /// each field in turn); shown beside the automatic certification.
        Classical: (float[][] -> (string * float[]) list) option
    }

/// The default settings and the optimizer presets.
[<RequireQualifiedAccess>]
module DiscoverySettings =
    /// BBI with the BBI paper's kind of bounce schedule (δE 1, T0 200, N_b 10, T1 2000) at learning rate `lr`.
    let bbi (lr: float) =
        "bbi",
        [
            "lr", string lr
            "deltaEn", "1"
            "threshold0", "200"
            "nFixedBounces", "10"
            "threshold", "2000"
        ]

    /// The optimizer that polishes deflated runs on the plain loss: L-BFGS without stopping tolerances.
    let polishOptimizer = "lbfgs", [ "toleranceChange", "0"; "toleranceGrad", "0" ]

    /// Sizes that finish in minutes on 2 cores for a 2-D problem: a tanh 32-32-32 network, 1000 interior and 200
    /// points per boundary condition (boundary weight 100), a 2000-point grid; 2 BBI runs of 4000 steps with bounces
    /// from one initialization, then up to 2 rounds of 2 deflated Adam runs (4000 steps, 300 L-BFGS polish steps);
    /// the relative gates of QualityGates.Default, threshold 0.1, seed 0, all cores, certification on.
    let defaults =
        {
            Name = "problem"
            Parameters = []
            Probes = []
            Network = Architecture.mlp [ 32; 32; 32 ] Activation.Tanh
            Backend = Objective.native
            InteriorPoints = 1000
            BoundaryPoints = 200
            BoundaryWeight = 100.0
            WeightDecay = 0.0
            GridPoints = 2000
            Gates = QualityGates.Default
            Threshold = 0.1
            Runs = 2
            Steps = 4000L
            Optimizer = fst (bbi 0.002)
            OptimizerSettings = snd (bbi 0.002)
            DeflationOptimizer = "adam"
            DeflationOptimizerSettings = [ "lr", "0.001" ]
            DeflationSteps = 4000L
            PolishSteps = 300L
            PolishOptimizer = polishOptimizer
            DeflationRounds = 4
            DeflationRuns = 2
            Initialization = Shared
            Seed = 0UL
            Budget = UntilStall 3.0
            CapacityGrowths = 1
            WarmStarts = true
            Threads = 0
            OutDir = None
            Executor = EcdPde.Runs.TaskBatch.inProcess
            Certify = true
            Classical = None
        }

    /// The output folder: OutDir, or out/discover/NAME.
    let outDir (s: DiscoverySettings) =
        defaultArg s.OutDir (System.IO.Path.Combine("out", "discover", s.Name))

    /// Checks the counts; raises ArgumentException naming the setting.
    let validate (s: DiscoverySettings) =
        let atLeast (name: string) (least: int64) (value: int64) =
            if value < least then
                invalidArg name (sprintf "%s must be at least %d (got %d)" name least value)

        atLeast "Runs" 1L (int64 s.Runs)
        atLeast "Steps" 1L s.Steps
        atLeast "DeflationSteps" 1L s.DeflationSteps
        atLeast "PolishSteps" 0L s.PolishSteps
        atLeast "DeflationRounds" 0L (int64 s.DeflationRounds)
        atLeast "DeflationRuns" 1L (int64 s.DeflationRuns)
        atLeast "InteriorPoints" 1L (int64 s.InteriorPoints)
        atLeast "BoundaryPoints" 1L (int64 s.BoundaryPoints)
        atLeast "GridPoints" 16L (int64 s.GridPoints)
        atLeast "CapacityGrowths" 0L (int64 s.CapacityGrowths)

        match s.Budget with
        | UntilStall f when not (f >= 1.0) ->
            invalidArg
                "Budget"
                (sprintf
                    "the maximum budget of UntilStall must be at least the nominal steps (factor ≥ 1, got %g)"
                    f)
        | _ -> ()

        if not (s.Threshold > 0.0) then
            invalidArg "Threshold" (sprintf "Threshold must be > 0 (got %g)" s.Threshold)

        if not (s.BoundaryWeight > 0.0) then
            invalidArg "BoundaryWeight" (sprintf "BoundaryWeight must be > 0 (got %g)" s.BoundaryWeight)

        if not (s.Gates.RelativeResidual > 0.0 && s.Gates.RelativeBoundary > 0.0) then
            invalidArg "Gates" "the relative gates must be > 0"
