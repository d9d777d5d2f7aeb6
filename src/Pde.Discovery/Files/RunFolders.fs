/// The layout of a discovery output folder: round R's runs are `round-R/runs/run-III` (each with trace.csv,
/// state.json, result.json); a round's polish phase is `round-R/polish/runs/run-III`.
module Pde.Discovery.RunFolders

open System
open System.IO
open Pde.Discovery.Solutions

/// The folder of round `round` within an output folder.
let roundFolder (round: int) = sprintf "round-%d" round

/// The folder of run `index` within an ensemble's folder (`runs/run-III`).
let runFolder (ensembleFolder: string) (index: int) =
    Path.Combine(ensembleFolder, "runs", sprintf "run-%03d" index)

/// The folder of the polish phase of run `id` within a discovery folder (`round-R/polish/runs/run-III`).
let polishFolder (dir: string) (id: RunId) =
    runFolder (Path.Combine(dir, roundFolder id.Round, "polish")) id.Index

/// Every run folder of a discovery output folder `dir` with its run id, in run order: round R's runs are
/// `round-R/runs/run-III` (the folders the workflow writes; polish phases are not runs of their own).
let list (dir: string) : (RunId * string) list =
    let indexAfter (prefix: string) (path: string) =
        let name =
            Path.GetFileName(Path.TrimEndingDirectorySeparator path)
            |> Option.ofObj
            |> Option.defaultValue ""

        if name.StartsWith prefix then
            match
                Int32.TryParse(
                    name.Substring prefix.Length,
                    Globalization.NumberStyles.None,
                    Globalization.CultureInfo.InvariantCulture
                )
            with
            | true, v -> Some v
            | _ -> None
        else
            None

    if not (Directory.Exists dir) then
        []
    else
        [
            for roundDir in Directory.GetDirectories(dir, "round-*") do
                match indexAfter "round-" roundDir with
                | Some round when Directory.Exists(Path.Combine(roundDir, "runs")) ->
                    for runDir in Directory.GetDirectories(Path.Combine(roundDir, "runs"), "run-*") do
                        match indexAfter "run-" runDir with
                        | Some index -> yield { Round = round; Index = index }, runDir
                        | None -> ()
                | _ -> ()
        ]
        |> List.sortBy fst
