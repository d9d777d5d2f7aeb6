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
type Progress =
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
        /// Directory for checkpoints and traces (stage-K-optimizer.checkpoint.json / .trace.csv); None = neither.
        RunDirectory: string option
        /// Checkpoint every this many steps of a stage (0 = only at the end of each stage).
        CheckpointEvery: int64
        /// Continue from the checkpoints in RunDirectory when they exist.
        Resume: bool
        /// Called after every step.
        OnStep: Progress -> unit
    }

/// Default training options.
[<RequireQualifiedAccess>]
module TrainingOptions =
    /// A tanh MLP 32-32, Adam (lr 1e-3) for 2000 steps then L-BFGS for 500, seed 0, float64, no L2, all cores,
    /// no run directory.
    let defaults =
        {
            Network = Architecture.mlp [ 32; 32 ] Activation.Tanh
            Stages = [ Stage.adam 1e-3 2000L; Stage.lbfgs 500L ]
            Seed = 0UL
            Precision = Float64
            WeightDecay = 0.0
            Threads = 0
            RunDirectory = None
            CheckpointEvery = 1000L
            Resume = true
            OnStep = ignore
        }

/// How training ended.
type Outcome =
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
        Outcome: Outcome
        /// One entry per stage that ran.
        Stages: StageResult list
        /// The loss at the final point, on the first draw of the points.
        Loss: float
        /// Its breakdown (every term, then the L2 penalty).
        Terms: TermLoss[]
        /// Wall-clock seconds.
        Seconds: float
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
                    && s.Optimizer.Trim().ToLowerInvariant() = "lbfgs"
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

        let spec =
            Architecture.spec problem.Scope.Coordinates.Length problem.Fields.Length o.Network

        let networkSeed = Xoshiro256.DeriveSeed(o.Seed, 1UL)

        let network =
            try
                Network<'T>(spec, networkSeed)
            with :? ArgumentException as e ->
                raise (ProblemError(sprintf "network: %s" e.Message))

        let optimizers =
            o.Stages
            |> List.mapi (fun k s ->
                try
                    OptimizerCatalog.Create<'T>(
                        s.Optimizer,
                        s.Settings |> List.map Collections.Generic.KeyValuePair
                    )
                with
                | :? HyperparameterException as e ->
                    raise (ProblemError(sprintf "stage %d (%s): %s" k s.Optimizer e.Message))
                | :? ArgumentException as e -> raise (ProblemError(sprintf "stage %d: %s" k e.Message)))

        let initial =
            Array.append
                (network.NewParameters(Xoshiro256.DeriveSeed(o.Seed, 2UL)))
                (problem.Parameters |> List.map (snd >> Numeric.ofFloat<'T>) |> Array.ofList)

        use pool = new WorkerPool(o.Threads)
        use loss = new PinnLoss<'T>(d, network, o.WeightDecay, Some pool)
        let mutable theta = initial
        let mutable outcome = Completed
        let results = Collections.Generic.List<StageResult>()

        for (k, stage), optimizer in List.zip (List.indexed o.Stages) optimizers do
            if outcome = Completed then
                let stageClock = Stopwatch.StartNew()
                let name = optimizer.Name

                let file suffix =
                    o.RunDirectory
                    |> Option.map (fun dir -> Path.Combine(dir, sprintf "stage-%d-%s.%s" k name suffix))

                let checkpointPath = file "checkpoint.json"
                let tracePath = file "trace.csv"

                let resumed =
                    match checkpointPath with
                    | Some p when o.Resume && File.Exists p -> Some(Checkpoint.load optimizer p)
                    | _ -> None

                let state =
                    match resumed with
                    | Some s ->
                        if s.Theta.Length <> loss.Dimension then
                            raise (
                                ProblemError(
                                    sprintf
                                        "the checkpoint %s holds %d parameters; this problem and network need %d"
                                        checkpointPath.Value
                                        s.Theta.Length
                                        loss.Dimension
                                )
                            )

                        s
                    | None ->
                        optimizer.Init(ReadOnlySpan theta, Xoshiro256.DeriveSeed(o.Seed, 100UL + uint64 k))

                loss.Rebind(Discretize.resample (epochOf d k state.Steps) d)

                match tracePath, resumed with
                | Some t, Some s -> Trace.truncateFrom t s.Steps
                | _ -> ()

                let trace =
                    tracePath |> Option.map (fun p -> new Trace.TraceWriter(p, resumed.IsSome))

                use _closeTrace =
                    { new IDisposable with
                        member _.Dispose() =
                            trace |> Option.iter (fun t -> (t :> IDisposable).Dispose())
                    }

                let mutable lastSaved = resumed |> Option.map (fun s -> s.Steps)

                let save (s: OptimizerState<'T>) =
                    checkpointPath
                    |> Option.iter (fun p ->
                        trace |> Option.iter (fun t -> t.Flush())
                        Checkpoint.save optimizer s p
                        lastSaved <- Some s.Steps)

                // θ_k is known finite once step k has evaluated it: keep the last such point and save a checkpoint
                // only after its point has been evaluated finite.
                let mutable good = Array.copy state.Theta
                let mutable candidate = Array.copy state.Theta
                let mutable pending: OptimizerState<'T> option = None

                let observe (r: StepReport) =
                    trace |> Option.iter (fun t -> t.Write r)

                    if r.Status <> StepStatus.NonFinite then
                        good <- candidate
                        pending |> Option.iter save
                        pending <- None
                        candidate <- Array.copy state.Theta

                    o.OnStep
                        {
                            Stage = k
                            Optimizer = name
                            Report = r
                            Terms = loss.LastTerms
                        }

                    if r.Status <> StepStatus.NonFinite then
                        if
                            o.CheckpointEvery > 0L
                            && state.Steps % o.CheckpointEvery = 0L
                            && checkpointPath.IsSome
                        then
                            pending <- Some(optimizer.Copy state)

                        match d.Settings.ResampleEvery with
                        | Some every when state.Steps % int64 every = 0L ->
                            loss.Rebind(Discretize.resample (epochOf d k state.Steps) d)
                        | _ -> ()

                let remaining = max 0L (stage.Steps - state.Steps)
                let run = OptimizationRun.Execute(optimizer, loss, state, remaining, observe)

                let diverged = run.End = RunEnd.NonFinite || run.Final.Status = StepStatus.NonFinite

                if diverged then
                    let where = loss.Diagnose(ReadOnlySpan state.Theta)

                    let kept =
                        match checkpointPath, lastSaved with
                        | Some p, Some s -> sprintf "the last good checkpoint (step %d) is kept in %s" s p
                        | Some _, None -> "no checkpoint had been written in this stage"
                        | None, _ -> "no run directory, so no checkpoint"

                    outcome <-
                        Diverged(
                            sprintf
                                "stage %d (%s), step %d: the loss or its gradient is not finite: %s; %s"
                                k
                                name
                                state.Steps
                                where
                                kept
                        )

                    theta <- good
                else
                    trace |> Option.iter (fun t -> t.Write run.Final)
                    save state
                    theta <- Array.copy state.Theta

                results.Add
                    {
                        Stage = k
                        Optimizer = name
                        Steps = state.Steps
                        Resumed = resumed.IsSome
                        FinalLoss = if diverged then nan else run.Final.Loss
                        End = if diverged then RunEnd.NonFinite else run.End
                        Seconds = stageClock.Elapsed.TotalSeconds
                    }

        loss.Rebind d
        let total, terms = loss.Losses(ReadOnlySpan theta)
        let asFloat = theta |> Array.map Numeric.toFloat<'T>

        let model =
            {
                Problem = problem
                Network = spec
                NetworkSeed = networkSeed
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
