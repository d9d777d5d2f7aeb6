/// One optimization run of a synthetic function: what `ecdpde optimize` does.
module EcdPde.Runs.Optimize

open System
open System.Diagnostics
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Running
open EcdPde.Runs

/// Floating-point precision of θ and of the function's arithmetic.
type Precision =
    | Float32
    | Float64

    /// "float32" / "float64".
    override p.ToString() =
        match p with
        | Float32 -> "float32"
        | Float64 -> "float64"

/// Everything that defines a run.
type OptimizeRequest =
    {
        /// bbi, ecdsep, gdm, adam, adamw, lbfgs.
        Optimizer: string
        /// Hyperparameters by their documented names (key, value).
        Settings: (string * string) list
        /// A name from SyntheticFunctions.Catalogue.
        Function: string
        /// Number of variables.
        Dim: int
        /// One value for every coordinate, or one per coordinate.
        X0: float list
        /// Steps to take.
        Steps: int64
        /// Seed of every random draw of the run.
        Seed: uint64
        Precision: Precision
        /// CSV trace file (one row per step, step 0 = the start).
        Trace: string option
        /// Checkpoint file, rewritten every CheckpointEvery steps and at the end.
        Checkpoint: string option
        CheckpointEvery: int64
        /// Continue from the checkpoint file if it exists.
        Resume: bool
    }

/// Result of a run.
type OptimizeOutcome =
    {
        FinalLoss: float
        BestLoss: float
        /// Steps taken by this invocation.
        StepsTaken: int64
        /// The run's step count at the end (a resumed run counts the steps before its checkpoint too).
        TotalSteps: int64
        Bounces: int64
        End: RunEnd
        FinalTheta: float[]
        Final: StepReport
    }

/// Expands --x0 to the dimension (one value is repeated); errors name the problem.
let startingPoint (dim: int) (x0: float list) =
    if dim < 1 then
        invalidArg "dim" (sprintf "--dim must be at least 1 (got %d)" dim)

    match x0 with
    | [ v ] -> Array.create dim v
    | vs when vs.Length = dim -> Array.ofList vs
    | vs ->
        invalidArg
            "x0"
            (sprintf "--x0 has %d values; give one value or exactly --dim = %d values" vs.Length dim)

/// <summary>
/// Where the optimizer of a run comes from: the core's catalog (<c>Optimize.catalog</c>) or another implementation
/// of the same optimizers (the TorchSharp ones, for <c>ecdpde optimize --backend torch</c>), so that every backend
/// runs in the one run loop with the same trace and checkpoint files.
/// </summary>
type IOptimizerSource =
    /// "native", "torch".
    abstract Name: string

    /// The optimizer `name` with hyperparameters by their documented keys.
    abstract Create<'T
        when 'T: unmanaged
        and 'T: struct
        and 'T: (new: unit -> 'T)
        and 'T :> ValueType
        and 'T :> Numerics.IFloatingPointIeee754<'T>> :
        name: string * settings: (string * string) list -> IOptimizer<'T>

/// The core's optimizers (OptimizerCatalog).
let catalog =
    { new IOptimizerSource with
        member _.Name = "native"

        member _.Create<'T
            when 'T: unmanaged
            and 'T: struct
            and 'T: (new: unit -> 'T)
            and 'T :> ValueType
            and 'T :> Numerics.IFloatingPointIeee754<'T>>
            (name, settings)
            : IOptimizer<'T> =
            OptimizerCatalog.Create<'T>(name, settings |> List.map Collections.Generic.KeyValuePair)
    }

let private runTyped<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    (source: IOptimizerSource)
    (req: OptimizeRequest)
    (x0: 'T[])
    (toFloat: 'T -> float)
    (progress: StepReport -> unit)
    =
    let objective = SyntheticFunctions.Create<'T>(req.Function, req.Dim)
    let optimizer = source.Create<'T>(req.Optimizer, req.Settings)

    let outcome =
        RunLoop.execute
            { RunLoop.create optimizer objective x0 req.Seed req.Steps with
                Files =
                    {
                        Checkpoint = req.Checkpoint
                        Trace = req.Trace
                    }
                CheckpointEvery = req.CheckpointEvery
                Resume = req.Resume
                Identity = [ "function", req.Function ]
                CheckResumed =
                    fun state ->
                        if state.Theta.Length <> req.Dim then
                            invalidArg
                                "dim"
                                (sprintf
                                    "the checkpoint holds %d parameters but --dim is %d"
                                    state.Theta.Length
                                    req.Dim)
                OnStep = fun _ r -> progress r
            }

    let result = outcome.Result
    let state = outcome.State

    {
        FinalLoss = result.Final.Loss
        BestLoss = result.BestLoss
        StepsTaken = result.StepsTaken
        TotalSteps = state.Steps
        Bounces = result.Bounces
        End = result.End
        FinalTheta = state.Theta |> Array.map toFloat
        Final = result.Final
    }

/// The settings file of a request (OptimizeSettingsFile) with the run's invocations so far.
let settingsOf
    (req: OptimizeRequest)
    (invocations: OptimizeSettingsFile.Invocation list)
    : OptimizeSettingsFile.OptimizeSettings =
    {
        Format = OptimizeSettingsFile.format
        Command = "optimize"
        Optimizer = req.Optimizer
        Hyperparameters = Map.ofList req.Settings
        Function = req.Function
        Dim = req.Dim
        X0 =
            String.Join(
                ",",
                req.X0
                |> List.map (fun v -> v.ToString("R", Globalization.CultureInfo.InvariantCulture))
            )
        Steps = req.Steps
        Seed = req.Seed
        Precision = string req.Precision
        Trace = req.Trace |> Option.defaultValue ""
        Checkpoint = req.Checkpoint |> Option.defaultValue ""
        ToolVersion = ToolVersion.informational
        Dotnet = ToolVersion.runtime
        Invocations = invocations
    }

/// The whole run, over every invocation (a first run and its resumes), read back from the checkpoint, the trace and
/// the settings file after this invocation.
type WholeRun =
    {
        /// The run's step count (the checkpoint's).
        Steps: int64
        /// Invocations recorded in the settings file, this one included (1 without a settings file).
        Invocations: int
        /// Wall-clock seconds of every recorded invocation (an invocation killed with SIGKILL is not recorded).
        Seconds: float
        /// The best loss and the bounces of every step: from the trace when there is one (FromTrace), else of this
        /// invocation only.
        BestLoss: float
        Bounces: int64
        FromTrace: bool
    }

/// The whole run after `outcome` (this invocation, of `seconds`): steps from the state, time from the invocations,
/// best loss and bounces from the trace's whole rows.
let private wholeRun (req: OptimizeRequest) (outcome: OptimizeOutcome) (invocations: int) (seconds: float) =
    let rows =
        match req.Trace with
        | Some t when IO.File.Exists t -> Some (Trace.read t).Rows
        | _ -> None

    {
        Steps = outcome.TotalSteps
        Invocations = invocations
        Seconds = seconds
        BestLoss =
            match rows with
            | Some rows when rows |> Array.exists (fun r -> Double.IsFinite r.Loss) ->
                rows |> Array.map _.Loss |> Array.filter Double.IsFinite |> Array.min
            | _ -> outcome.BestLoss
        Bounces =
            match rows with
            | Some rows -> rows |> Array.sumBy (fun r -> if r.Events.Contains "Bounce" then 1L else 0L)
            | None -> outcome.Bounces
        FromTrace = rows.IsSome
    }

/// Runs the request with the optimizers of `source`. `progress` sees every step's report. With a trace (or else a
/// checkpoint) file, the request is also written beside it (OptimizeSettingsFile.pathFor) with every invocation of the
/// run: a resume adds one, a fresh run starts the list again; an interrupted invocation is recorded before
/// RunInterrupted goes on.
let runOn (source: IOptimizerSource) (req: OptimizeRequest) (progress: StepReport -> unit) =
    if req.Steps < 0L then
        invalidArg "steps" (sprintf "--steps must be ≥ 0 (got %d)" req.Steps)

    let x0 = startingPoint req.Dim req.X0

    if x0 |> Array.exists (Double.IsFinite >> not) then
        invalidArg "x0" "--x0 contains NaN or infinite values"

    let settingsFile =
        req.Trace
        |> Option.orElse req.Checkpoint
        |> Option.map OptimizeSettingsFile.pathFor

    // the same test as the run loop's: a resume continues the recorded invocations, a fresh run starts anew
    let resuming = req.Resume && req.Checkpoint |> Option.exists IO.File.Exists

    let earlier =
        match settingsFile with
        | Some path when resuming && IO.File.Exists path -> (OptimizeSettingsFile.read path).Invocations
        | _ -> []

    let record (invocations: OptimizeSettingsFile.Invocation list) =
        settingsFile
        |> Option.iter (fun path -> OptimizeSettingsFile.write path (settingsOf req invocations))

    record earlier
    let clock = Stopwatch.StartNew()
    let mutable taken, last = 0L, 0L

    let counted (r: StepReport) =
        taken <- taken + 1L
        last <- r.Step
        progress r

    let this (steps: int64) (endStep: int64) (ended: string) : OptimizeSettingsFile.Invocation =
        {
            Steps = steps
            EndStep = endStep
            Seconds = clock.Elapsed.TotalSeconds
            End = ended
        }

    let outcome =
        try
            match req.Precision with
            | Float64 -> runTyped<float> source req x0 id counted
            | Float32 -> runTyped<float32> source req (Array.map float32 x0) float counted
        with :? Interrupt.RunInterrupted ->
            record (earlier @ [ this taken last "Interrupted" ])
            reraise ()

    let invocations =
        earlier @ [ this outcome.StepsTaken outcome.TotalSteps (string outcome.End) ]

    record invocations

    outcome,
    wholeRun
        req
        outcome
        (if settingsFile.IsSome then invocations.Length else 1)
        (if settingsFile.IsSome then
             invocations |> List.sumBy _.Seconds
         else
             clock.Elapsed.TotalSeconds)

/// Runs the request with the core's optimizers (`runOn catalog`).
let run (req: OptimizeRequest) (progress: StepReport -> unit) = runOn catalog req progress

/// A progress printer for long runs: at most one line per `interval`, to the given writer.
let progressPrinter (out: IO.TextWriter) (total: int64) (interval: TimeSpan) =
    let clock = Stopwatch.StartNew()
    let mutable last = TimeSpan.Zero
    let mutable lastStep = 0L

    fun (r: StepReport) ->
        let now = clock.Elapsed

        if now - last >= interval then
            let rate = float (r.Step - lastStep) / (now - last).TotalSeconds

            out.WriteLine(
                sprintf "step %d/%d  loss %.6g  energy %.6g  %.0f steps/s" r.Step total r.Loss r.Energy rate
            )

            last <- now
            lastStep <- r.Step
