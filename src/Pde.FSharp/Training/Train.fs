namespace Pde.FSharp.Training

open System
open System.Diagnostics
open System.IO
open Ecd.Core.Engine
open Ecd.Core.Optimizers
open Ecd.Core.Randomness
open Ecd.Core.Running
open Pde.FSharp.Language
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open EcdPde.Runs
open EcdPde.Runs.Optimize

/// What a progress callback sees after every optimizer step.
type TrainingProgress =
    {
        /// Index of the stage (0-based).
        Stage: int
        /// The stage's optimizer.
        Optimizer: string
        /// The optimizer's report (its Step counts within the stage).
        Report: StepReport
        /// The loss breakdown of the most recent evaluation (for every optimizer but L-BFGS that is the point the
        /// report refers to; L-BFGS's last evaluation is its line search's last trial point).
        Terms: TermLoss[]
    }

/// How to train.
[<NoEquality; NoComparison>]
type TrainingOptions =
    {
        /// Hidden layers (inputs and outputs come from the problem).
        Network: Architecture
        /// Optimizer stages, run in order (e.g. Adam then L-BFGS).
        Stages: Stage list
        /// Seed of the network initialization and the optimizers' random draws.
        Seed: uint64
        /// float32 or float64 arithmetic in the engine and the optimizer.
        Precision: Precision
        /// λ of the L2 penalty λ·Σθ² on the network weights (the BBI paper uses 2e-4); 0 = none.
        WeightDecay: float
        /// Engine worker threads; 0 = all cores.
        Threads: int
        /// Where the loss is computed: Objective.native (the Taylor-mode engine) or another backend (Pde.Torch's
        /// TorchBackend.create). Every backend trains with the core's optimizers in the same run loop.
        Backend: ILossBackend
        /// Directory for checkpoints and traces (stage-K-optimizer.checkpoint.json / .trace.csv); None = neither.
        RunDirectory: string option
        /// Checkpoint every this many steps of a stage (0 = only at the end of each stage).
        CheckpointEvery: int64
        /// Continue from the checkpoints in RunDirectory when they exist.
        Resume: bool
        /// Called after every step.
        OnStep: TrainingProgress -> unit
    }

/// Default training options.
[<RequireQualifiedAccess>]
module TrainingOptions =
    /// A tanh MLP 32-32, Adam (lr 1e-3) for 2000 steps then L-BFGS for 500, seed 0, float64, no L2, all cores,
    /// the native engine, no run directory.
    let defaults =
        {
            Network = Architecture.mlp [ 32; 32 ] Activation.Tanh
            Stages = [ Stage.adam 1e-3 2000L; Stage.lbfgs 500L ]
            Seed = 0UL
            Precision = Float64
            WeightDecay = 0.0
            Threads = 0
            Backend = Objective.native
            RunDirectory = None
            CheckpointEvery = 1000L
            Resume = true
            OnStep = ignore
        }

/// How training ended.
type TrainingOutcome =
    /// Every stage ran to its end (or its optimizer stopped by itself).
    | Completed
    /// A NaN or infinite loss or gradient stopped the run; the model holds the last finite point and the last
    /// checkpoint (written only for finite points) is kept.
    | Diverged of diagnostic: string

/// What one stage did.
type StageResult =
    {
        /// Index of the stage.
        Stage: int
        /// Its optimizer.
        Optimizer: string
        /// Steps of the stage completed (including those before a resume).
        Steps: int64
        /// Whether it continued from a checkpoint.
        Resumed: bool
        /// The loss at its final point.
        FinalLoss: float
        /// Why it ended.
        End: RunEnd
        /// Wall-clock seconds of this run of the stage.
        Seconds: float
    }

/// The result of training.
[<NoEquality; NoComparison>]
type TrainingResult =
    {
        /// The trained model.
        Model: Model
        /// How training ended.
        Outcome: TrainingOutcome
        /// One entry per stage that ran.
        Stages: StageResult list
        /// The loss at the final point, on the first draw of the points.
        Loss: float
        /// Its breakdown (every term, then the L2 penalty).
        Terms: TermLoss[]
        /// Wall-clock seconds.
        Seconds: float
        /// What is suspicious about the problem although it trained (Validate.warnings: no boundary condition, …).
        Warnings: string list
    }

/// Training a discretized problem.
[<RequireQualifiedAccess>]
module Train =
    let private problemsOf (o: TrainingOptions) (d: Discretization) =
        [
            if o.Stages.IsEmpty then
                yield "no training stages"
            for (k, s) in List.indexed o.Stages do
                if s.Steps < 0L then
                    yield sprintf "stage %d (%s): steps must be ≥ 0 (got %d)" k s.Optimizer s.Steps

                if
                    d.Settings.ResampleEvery.IsSome
                    && List.contains (s.Optimizer.Trim().ToLowerInvariant()) [ "lbfgs"; "torch-lbfgs" ]
                then
                    yield
                        sprintf
                            "stage %d uses L-BFGS, which needs fixed points, but ResampleEvery = %d; resample in the other stages only (train twice) or turn resampling off"
                            k
                            d.Settings.ResampleEvery.Value
            if o.CheckpointEvery < 0L then
                yield sprintf "CheckpointEvery must be ≥ 0 (got %d)" o.CheckpointEvery
            if o.Threads < 0 then
                yield sprintf "Threads must be ≥ 0 (got %d)" o.Threads
            if not (Double.IsFinite o.WeightDecay) || o.WeightDecay < 0.0 then
                yield sprintf "WeightDecay must be finite and ≥ 0 (got %g)" o.WeightDecay
        ]

    /// The points of stage k after `steps` steps: the first draw until the first resampling.
    let private epochOf (d: Discretization) (stage: int) (steps: int64) =
        match d.Settings.ResampleEvery with
        | Some every when steps >= int64 every -> (uint64 (stage + 1) <<< 40) ||| uint64 (steps / int64 every)
        | _ -> 0UL

    /// The optimizer of every stage (hyperparameter errors as ProblemError naming the stage).
    let private optimizersOf<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (o: TrainingOptions)
        =
        o.Stages
        |> List.mapi (fun k s ->
            try
                BackendOptimizers.create<'T> o.Backend s.Optimizer s.Settings
            with
            | :? HyperparameterException as e ->
                raise (ProblemError(sprintf "stage %d (%s): %s" k s.Optimizer e.Message))
            | :? ArgumentException as e -> raise (ProblemError(sprintf "stage %d: %s" k e.Message)))

    /// Why stage k stopped at a non-finite loss or gradient, and which checkpoint is kept.
    let private divergence
        (k: int)
        (name: string)
        (where: string)
        (files: RunLoop.RunFiles)
        (run: RunLoop.RunOutcome<'T>)
        =
        let kept =
            match files.Checkpoint, run.LastSaved with
            | Some p, Some s -> sprintf "the last good checkpoint (step %d) is kept in %s" s p
            | Some _, None -> "no checkpoint had been written in this stage"
            | None, _ -> "no run directory, so no checkpoint"

        Diverged(
            sprintf
                "stage %d (%s), step %d: the loss or its gradient is not finite: %s; %s"
                k
                name
                run.State.Steps
                where
                kept
        )

    /// Stage k from θ: one run of the run loop (files stage-k-optimizer.* in the run directory), resampling the
    /// points every ResampleEvery steps. Returns the stage's result, the point to continue from and the outcome.
    let private runStage
        (o: TrainingOptions)
        (d: Discretization)
        (loss: IPinnLoss<'T>)
        (k: int, stage: Stage)
        (optimizer: IOptimizer<'T>)
        (theta: 'T[])
        =
        let clock = Stopwatch.StartNew()
        let name = optimizer.Name

        let files =
            match o.RunDirectory with
            | Some dir -> RunLoop.RunFiles.inFolder dir (sprintf "stage-%d-%s" k name)
            | None -> RunLoop.RunFiles.none

        let checkResumed (s: OptimizerState<'T>) =
            if s.Theta.Length <> loss.Dimension then
                raise (
                    ProblemError(
                        sprintf
                            "the checkpoint %s holds %d parameters; this problem and network need %d"
                            files.Checkpoint.Value
                            s.Theta.Length
                            loss.Dimension
                    )
                )

        let onStep (state: OptimizerState<'T>) (r: StepReport) =
            o.OnStep
                {
                    Stage = k
                    Optimizer = name
                    Report = r
                    Terms = loss.LastTerms
                }

            if r.Status <> StepStatus.NonFinite then
                match d.Settings.ResampleEvery with
                | Some every when state.Steps % int64 every = 0L ->
                    loss.Rebind(Discretize.resample (epochOf d k state.Steps) d)
                | _ -> ()

        let run =
            RunLoop.execute
                { RunLoop.create
                      optimizer
                      (loss :> Ecd.Core.Objectives.IObjective<'T>)
                      theta
                      (Xoshiro256.DeriveSeed(o.Seed, 100UL + uint64 k))
                      stage.Steps with
                    Files = files
                    CheckpointEvery = o.CheckpointEvery
                    Resume = o.Resume
                    Identity = [ "stage", sprintf "%d (%s)" k name ]
                    CheckResumed = checkResumed
                    OnStart = fun state -> loss.Rebind(Discretize.resample (epochOf d k state.Steps) d)
                    OnStep = onStep
                }

        let outcome =
            if run.Diverged then
                divergence k name (loss.Diagnose(ReadOnlySpan run.State.Theta)) files run
            else
                Completed

        {
            Stage = k
            Optimizer = name
            Steps = run.State.Steps
            Resumed = run.Resumed
            FinalLoss = if run.Diverged then nan else run.Result.Final.Loss
            End = if run.Diverged then RunEnd.NonFinite else run.Result.End
            Seconds = clock.Elapsed.TotalSeconds
        },
        Array.copy run.LastFinite,
        outcome

    let private runTyped<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (o: TrainingOptions)
        (d: Discretization)
        =
        let clock = Stopwatch.StartNew()
        let problem = d.Problem
        let optimizers = optimizersOf<'T> o

        use objective =
            Objective.buildOn<'T> o.Backend d o.Network o.WeightDecay o.Threads o.Seed

        let loss = objective.Loss
        let mutable theta = objective.Start
        let mutable outcome = Completed
        let results = Collections.Generic.List<StageResult>()

        for stage, optimizer in List.zip (List.indexed o.Stages) optimizers do
            if outcome = Completed then
                let result, next, stageOutcome = runStage o d loss stage optimizer theta
                results.Add result
                theta <- next
                outcome <- stageOutcome

        loss.Rebind d
        let total, terms = loss.Losses(ReadOnlySpan theta)
        let asFloat = theta |> Array.map Numeric.toFloat<'T>

        let model =
            {
                Problem = problem
                Network = objective.Spec
                NetworkSeed = objective.Seed
                Weights = asFloat[.. loss.NetworkSize - 1]
                Parameters =
                    List.zip (problem.Parameters |> List.map fst) (List.ofArray asFloat[loss.NetworkSize ..])
            }

        {
            Model = model
            Outcome = outcome
            Stages = List.ofSeq results
            Loss = total
            Terms = terms
            Seconds = clock.Elapsed.TotalSeconds
            Warnings = Pde.FSharp.Problems.Validate.warnings problem
        }

    /// Trains the network (and the trainable parameters) on the discretized problem. Checks the options first
    /// (ProblemError naming every problem). With a run directory it writes each stage's trace and checkpoints and,
    /// with Resume, continues a crashed run exactly where its last checkpoint left it.
    let run (options: TrainingOptions) (d: Discretization) : TrainingResult =
        match problemsOf options d with
        | [] -> ()
        | ps -> raise (ProblemError ps)

        match options.Precision with
        | Float64 -> runTyped<float> options d
        | Float32 -> runTyped<float32> options d

    /// Discretizes with `points`, then trains with `options`: the whole path in one call.
    let solve (points: PointSettings) (options: TrainingOptions) (problem: Pde.FSharp.Problems.Problem) =
        Discretize.run points problem |> run options
