/// The settings file of an `ecdpde optimize` run, `NAME.settings.json` beside its trace (or checkpoint): the request
/// (optimizer, hyperparameters, function, dimension, start, steps, seed, precision, files, versions) and every
/// invocation of the run so far (a first run, then each resume: its steps, seconds and how it ended), so that the
/// summary after a resume covers the whole run. One record, one writer, one reader (with the format tag checked).
module EcdPde.Runs.OptimizeSettingsFile

open System
open System.IO
open System.Text.Json.Nodes

/// The format tag of the current version.
let format = "ecdpde-optimize-settings/2"

/// The format tag of the first version (the request only, no invocations), still read.
let formatV1 = "ecdpde-optimize-settings/1"

/// One invocation of a run: a first run or a resume.
type Invocation =
    {
        /// Steps taken by this invocation.
        Steps: int64
        /// The run's step count when it ended.
        EndStep: int64
        /// Wall-clock seconds of its steps.
        Seconds: float
        /// How it ended: Completed, StopConditionMet, NonFinite, Interrupted.
        End: string
    }

/// The settings file.
type OptimizeSettings =
    {
        /// "ecdpde-optimize-settings/2".
        Format: string
        /// "optimize".
        Command: string
        Optimizer: string
        /// The hyperparameters given with --set (names as given).
        Hyperparameters: Map<string, string>
        Function: string
        Dim: int
        /// --x0 as given, comma-separated.
        X0: string
        /// Total steps requested.
        Steps: int64
        Seed: uint64
        /// "float32" or "float64".
        Precision: string
        /// The trace file ("" when none).
        Trace: string
        /// The checkpoint file ("" when none).
        Checkpoint: string
        /// EcdPde's informational version that wrote the file.
        ToolVersion: string
        /// The .NET runtime that wrote the file.
        Dotnet: string
        /// Every invocation of the run so far, oldest first (a fresh run starts a new list).
        Invocations: Invocation list
    }

/// The settings file beside a trace or checkpoint file: `out/t.csv` → `out/t.settings.json`.
let pathFor (file: string) =
    let full = Path.GetFullPath file

    let dir = Path.GetDirectoryName full |> Option.ofObj |> Option.defaultValue "."

    let stem =
        Path.GetFileNameWithoutExtension full
        |> Option.ofObj
        |> Option.defaultValue "run"

    Path.Combine(dir, stem + ".settings.json")

/// Writes `settings` to `path` atomically (creating its folder).
let write (path: string) (settings: OptimizeSettings) =
    Path.GetDirectoryName(Path.GetFullPath path)
    |> Option.ofObj
    |> Option.iter (Directory.CreateDirectory >> ignore)

    JsonFile.write path settings

/// Reads a settings file (the current format, or the first one, read with no invocations); every failure is a
/// JsonFile.ResultFileException naming the file and the problem.
let read (path: string) : OptimizeSettings =
    let text = JsonFile.readText path

    // the first version: the same fields without invocations
    let upgraded =
        try
            match JsonNode.Parse(text, documentOptions = Text.Json.JsonDocumentOptions(MaxDepth = 64)) with
            | :? JsonObject as o when
                (match o["format"] with
                 | :? JsonValue as v -> v.TryGetValue<string>() |> fun (ok, s) -> ok && s = formatV1
                 | _ -> false)
                && not (o.ContainsKey "invocations")
                ->
                o["format"] <- JsonValue.Create format
                o["invocations"] <- JsonArray()
                o.ToJsonString()
            | _ -> text
        with :? Text.Json.JsonException ->
            text

    JsonFile.parse<OptimizeSettings> format path upgraded
