/// Entry point of `ecdpde`.
module EcdPde.Cli.Program

open System
open Argu
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open EcdPde.Cli.Arguments

let private listAll () =
    printfn "functions:"

    for name, description in SyntheticFunctions.Catalogue do
        printfn "  %-12s %s" name description

    printfn "optimizers and their --set keys:"

    for name in OptimizerCatalog.Names do
        printfn "  %-8s %s" name (String.Join(", ", OptimizerCatalog.Keys name))

    0

[<EntryPoint>]
let main argv =
    let parser =
        ArgumentParser.Create<Command>(programName = "ecdpde", errorHandler = ProcessExiter())

    try
        let results = parser.ParseCommandLine(argv)

        match results.GetSubCommand() with
        | Optimize a -> OptimizeCommand.run a
        | Reproduce a -> ReproduceCommand.run a
        | Drift a -> DriftCommand.run (List.ofArray argv) a
        | Compare a -> CompareCommand.run a
        | Discover a -> DiscoverCommand.run a
        | Report a ->
            let dir = a.GetResult ReportArgs.Folder

            // the figures first: a folder without standalone figures fails before anything is written
            let figures =
                if a.Contains ReportArgs.Figures then
                    snd (EcdPde.Reports.FolderReport.writeFigures dir)
                else
                    []

            let kind, path = EcdPde.Reports.FolderReport.write dir
            printfn "%s report written to %s" kind.Name (IO.Path.GetFullPath path)

            for f in figures do
                printfn "figure: %s" (IO.Path.GetFullPath f)

            0
        | List -> listAll ()
    with
    | :? HyperparameterException as e ->
        eprintfn "error: %s" e.Message
        2
    | :? ArgumentException as e ->
        eprintfn "error: %s" e.Message
        2
    | :? IO.InvalidDataException as e ->
        eprintfn "error: %s" e.Message
        2
