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
        StepsTaken: int64
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
        Bounces = result.Bounces
        End = result.End
        FinalTheta = state.Theta |> Array.map toFloat
        Final = result.Final
    }

/// Marks a run-settings file (what `ecdpde report` looks for).
let settingsFormat = "ecdpde-optimize-settings/1"

/// The settings file written beside a trace or checkpoint file: `out/t.csv` → `out/t.settings.json`.
let settingsPath (file: string) =
    let full = IO.Path.GetFullPath file

    let dir = IO.Path.GetDirectoryName full |> Option.ofObj |> Option.defaultValue "."

    let stem =
        IO.Path.GetFileNameWithoutExtension full
        |> Option.ofObj
        |> Option.defaultValue "run"

    IO.Path.Combine(dir, stem + ".settings.json")

/// The request as a JSON document (with the tool's and .NET's versions), for reports.
let settingsJson (req: OptimizeRequest) =
    let o = Text.Json.Nodes.JsonObject()
    let set (key: string) (value: Text.Json.Nodes.JsonNode | null) = o[key] <- value
    set "format" (Text.Json.Nodes.JsonValue.Create settingsFormat)
    set "command" (Text.Json.Nodes.JsonValue.Create "optimize")
    set "optimizer" (Text.Json.Nodes.JsonValue.Create req.Optimizer)
    let h = Text.Json.Nodes.JsonObject()

    for key, value in req.Settings do
        h[key] <- Text.Json.Nodes.JsonValue.Create value

    set "hyperparameters" h
    set "function" (Text.Json.Nodes.JsonValue.Create req.Function)
    set "dim" (Text.Json.Nodes.JsonValue.Create req.Dim)

    set
        "x0"
        (Text.Json.Nodes.JsonValue.Create(
            String.Join(
                ",",
                req.X0
                |> List.map (fun v -> v.ToString("R", Globalization.CultureInfo.InvariantCulture))
            )
        ))

    set "steps" (Text.Json.Nodes.JsonValue.Create req.Steps)
    set "seed" (Text.Json.Nodes.JsonValue.Create req.Seed)
    set "precision" (Text.Json.Nodes.JsonValue.Create(string req.Precision))
    set "trace" (Text.Json.Nodes.JsonValue.Create(req.Trace |> Option.defaultValue ""))
    set "checkpoint" (Text.Json.Nodes.JsonValue.Create(req.Checkpoint |> Option.defaultValue ""))
    set "tool_version" (Text.Json.Nodes.JsonValue.Create ToolVersion.informational)
    set "dotnet" (Text.Json.Nodes.JsonValue.Create ToolVersion.runtime)
    o.ToJsonString(Text.Json.JsonSerializerOptions(WriteIndented = true))

/// Runs the request with the optimizers of `source`. `progress` sees every step's report. With a trace (or else a
/// checkpoint) file, the request is also written beside it (`settingsPath`).
let runOn (source: IOptimizerSource) (req: OptimizeRequest) (progress: StepReport -> unit) =
    if req.Steps < 0L then
        invalidArg "steps" (sprintf "--steps must be ≥ 0 (got %d)" req.Steps)

    let x0 = startingPoint req.Dim req.X0

    if x0 |> Array.exists (Double.IsFinite >> not) then
        invalidArg "x0" "--x0 contains NaN or infinite values"

    match req.Trace |> Option.orElse req.Checkpoint with
    | Some file ->
        let path = settingsPath file

        IO.Path.GetDirectoryName path
        |> Option.ofObj
        |> Option.iter (IO.Directory.CreateDirectory >> ignore)

        IO.File.WriteAllText(path, settingsJson req)
    | None -> ()

    match req.Precision with
    | Float64 -> runTyped<float> source req x0 id progress
    | Float32 -> runTyped<float32> source req (Array.map float32 x0) float progress

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
