/// What every verb shares: the inherited options (`--threads`, `--out`, `--seed`, `--quiet`), culture-invariant number
/// parsing and the checks whose errors name the option.
module EcdPde.Cli.Common

open System
open System.Globalization
open Argu
open Ecd.Core.Optimizers
open EcdPde.Cli.Arguments

/// The options given at the top level (before or after the verb).
type Shared =
    {
        Threads: int option
        Out: string option
        Seed: uint64 option
        Quiet: bool
        /// The command line as typed (for reports).
        CommandLine: string
    }

/// The shared options of parsed arguments; `--threads` must be at least 1.
let shared (argv: string list) (results: ParseResults<Command>) =
    let threads = results.TryGetResult Threads

    match threads with
    | Some t when t < 1 ->
        invalidArg
            "threads"
            (sprintf "--threads must be at least 1 (got %d); leave it out to use every core" t)
    | _ -> ()

    {
        Threads = threads
        Out = results.TryGetResult Out
        Seed = results.TryGetResult Seed
        Quiet = results.Contains Quiet
        CommandLine = "ecdpde " + String.Join(" ", argv)
    }

/// The thread count the libraries take: the one given, or 0 (all cores).
let threadsOrAll (s: Shared) = defaultArg s.Threads 0

/// A number written the invariant way (a decimal point, no thousands separators); the error names the option.
let parseFloat (option: string) (text: string) =
    match Double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
    | true, v -> v
    | _ ->
        invalidArg
            option
            (sprintf "%s: '%s' is not a number (write decimals with a point, e.g. 0.5)" option text)

/// Comma-separated numbers (`1,0.5,-2`).
let parseFloats (option: string) (text: string) =
    text.Split(',', StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (parseFloat option)
    |> List.ofArray

/// `key=value` settings (`--set`), in order.
let keyValues (items: string list) =
    items
    |> List.map (fun s ->
        let kv = HyperparameterBinder.ParsePair s
        kv.Key, kv.Value)

/// Example parameters from `--param name=value` (repeatable): numbers parsed the invariant way; a name given twice is
/// an error.
let parameters (items: string list) =
    items
    |> List.fold
        (fun (m: Map<string, float>) item ->
            match item.Split('=', 2) with
            | [| name; value |] when name.Trim() <> "" && value.Trim() <> "" ->
                let key = name.Trim()

                if m.ContainsKey key then
                    invalidArg "param" (sprintf "--param %s is given twice" key)

                m.Add(key, parseFloat (sprintf "--param %s" key) value)
            | _ ->
                invalidArg
                    "param"
                    (sprintf "--param '%s' is not of the form name=value (e.g. --param k=5)" item))
        Map.empty

/// Fails unless `value` ≥ `least`, naming the option.
let atLeast (option: string) (least: int64) (value: int64) =
    if value < least then
        invalidArg option (sprintf "%s must be at least %d (got %d)" option least value)

/// The shared options a verb does not use are refused, naming the option and the verb.
let refuse (verb: string) (s: Shared) (options: string list) =
    for option in options do
        let given =
            match option with
            | "--threads" -> s.Threads.IsSome
            | "--out" -> s.Out.IsSome
            | "--seed" -> s.Seed.IsSome
            | _ -> false

        if given then
            invalidArg option (sprintf "%s does not apply to %s" option verb)

/// A progress printer on stderr, or nothing with --quiet.
let progress (s: Shared) : string -> unit =
    if s.Quiet then ignore else eprintfn "%s"

/// A progress reporter for a study's cells: a line at most every 2 s, and one for the last cell.
let cellProgress (common: Shared) =
    let clock = Diagnostics.Stopwatch.StartNew()
    let mutable lastPrint = TimeSpan.Zero

    fun d total ->
        if clock.Elapsed - lastPrint > TimeSpan.FromSeconds 2.0 || d = total then
            lastPrint <- clock.Elapsed
            progress common (sprintf "cells %d/%d  (%.0f s)" d total clock.Elapsed.TotalSeconds)

#if !TORCH
let private withoutTorch () =
    invalidArg "backend" "--backend torch: this ecdpde was built without TorchSharp (-p:EcdTorch=false)"
#endif

/// The loss backend of `--backend` for the verbs that train PDEs (TrainingOptions.Backend, Objective.buildOn/lossOn).
let lossBackend (backend: Backend) : Pde.FSharp.Training.ILossBackend =
    match backend with
    | Backend.Native -> Pde.FSharp.Training.Objective.native
#if TORCH
    | Backend.Torch -> Pde.Torch.TorchBackend.create ()
#else
    | Backend.Torch -> withoutTorch ()
#endif

/// The optimizers of `--backend` for runs of synthetic functions (Optimize.runOn).
let optimizerSource (backend: Backend) : EcdPde.Runs.Optimize.IOptimizerSource =
    match backend with
    | Backend.Native -> EcdPde.Runs.Optimize.catalog
#if TORCH
    | Backend.Torch -> Pde.Torch.TorchBackend.optimizers
#else
    | Backend.Torch -> withoutTorch ()
#endif

/// --force: moves `folder` aside to FOLDER.replaced-TIME (never deletes it) so that the command starts over, and
/// says where it went.
let startOver (s: Shared) (force: bool) (folder: string) =
    if force then
        EcdPde.Runs.FolderIdentity.moveAside folder
        |> Option.iter (fun moved -> progress s (sprintf "--force: the old folder is now %s" moved))
