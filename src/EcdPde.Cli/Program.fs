/// Entry point of `ecdpde`: parses the command line (one Argu union, the verbs are its subcommands), runs the verb and
/// turns every error into a message and a documented exit code (Arguments.exitCodes), never a stack trace.
module EcdPde.Cli.Program

open System
open System.Globalization
open System.Runtime.InteropServices
open EcdPde.Runs
open Argu
open Microsoft.FSharp.Reflection
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Pde.Discovery
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

let private listAll (args: ParseResults<ListArgs>) =
    let all = args.GetAllResults().IsEmpty

    if all || args.Contains ListArgs.Functions then
        printfn "functions (optimize --function, drift --function):"

        for name, description in SyntheticFunctions.Catalogue do
            printfn "  %-12s %s" name description

    if all || args.Contains ListArgs.Optimizers then
        printfn "optimizers and their --set keys:"

        for name in OptimizerCatalog.Names do
            printfn "  %-8s %s" name (String.Join(", ", OptimizerCatalog.Keys name))

    if all || args.Contains ListArgs.Examples then
        printfn "discovery examples (discover NAME --param name=value; or discover SCRIPT.fsx):"

        for b in BuiltInExamples.builtIns do
            printfn "  %-12s %s" b.Name b.Description

            for p in b.Parameters do
                printfn
                    "    --param %s=%g   %s%s"
                    p.Name
                    p.Default
                    p.Description
                    (match p.FullDefault with
                     | Some full -> sprintf " (--full: %g)" full
                     | None -> "")

    0

let private report (args: ParseResults<ReportArgs>) =
    let dir = args.GetResult ReportArgs.Folder

    // the figures first: a folder without standalone figures fails before anything is written
    let figures =
        if args.Contains ReportArgs.Figures then
            snd (EcdPde.Reports.FolderReport.writeFigures dir)
        else
            []

    let kind, path = EcdPde.Reports.FolderReport.write dir
    printfn "%s report written to %s" kind.Name (IO.Path.GetFullPath path)

    for problem in kind.Problems dir do
        eprintfn "warning: %s (listed in the report)" problem

    for f in figures do
        printfn "figure: %s" (IO.Path.GetFullPath f)

    0

/// The command-line names of every option that takes a floating-point number (in any verb).
let private floatOptions =
    let rec collect (t: Type) =
        [
            for case in FSharpType.GetUnionCases t do
                for field in case.GetFields() do
                    let ft = field.PropertyType

                    if ft.IsGenericType && ft.GetGenericTypeDefinition() = typedefof<ParseResults<_>> then
                        yield! collect (ft.GetGenericArguments()[0])
                    elif ft = typeof<float> then
                        yield "--" + case.Name.ToLowerInvariant().Replace('_', '-')
        ]

    set (collect typeof<Command>)

/// Options that were renamed: the old spelling gets a message with the new one.
let private renamed =
    [
        "--parallel", "--parallel is now --threads"
        "--k", "--k is now --param k=VALUE"
        "--lambda", "--lambda is now --param lambda=VALUE"
        "--epsilon", "--epsilon is now --param epsilon=VALUE"
    ]

/// What Argu would accept but mean otherwise: a number with a comma (read as a thousands separator), and the old
/// spellings of renamed options.
let private precheck (argv: string[]) =
    argv
    |> Array.iteri (fun i a ->
        match renamed |> List.tryFind (fun (old, _) -> old = a) with
        | Some(_, message) -> invalidArg a message
        | None -> ()

        if floatOptions.Contains a && i + 1 < argv.Length && argv[i + 1].Contains ',' then
            invalidArg
                a
                (sprintf "%s: '%s' is not a number (write decimals with a point, e.g. 0.5)" a argv[i + 1]))

/// The message of an exception without .NET's " (Parameter 'x')" suffix.
let private messageOf (e: exn) =
    match e with
    | :? ArgumentException as a when not (isNull a.ParamName) ->
        let suffix = sprintf " (Parameter '%s')" a.ParamName

        if a.Message.EndsWith suffix then
            a.Message.Substring(0, a.Message.Length - suffix.Length)
        else
            a.Message
    | e -> e.Message

/// The exception that says what went wrong (parallel loops wrap it; an interruption of any of them is the cause).
let rec private cause (e: exn) : exn =
    let interrupted (i: exn) =
        match cause i with
        | :? Interrupt.RunInterrupted -> true
        | _ -> false

    match e with
    | :? AggregateException as a when a.InnerExceptions |> Seq.exists interrupted ->
        a.InnerExceptions |> Seq.find interrupted |> cause
    | :? AggregateException as a when a.InnerExceptions.Count = 1 -> cause a.InnerExceptions[0]
    | :? Reflection.TargetInvocationException ->
        match e.InnerException with
        | null -> e
        | inner -> cause inner
    | e -> e

/// Bad input: an option, value, setting or file the user can correct.
let private isBadInput (e: exn) =
    match e with
    | :? ArgumentException
    | :? HyperparameterException
    | :? IO.InvalidDataException
    | :? EcdPde.Runs.JsonFile.ResultFileException
    | :? IO.IOException
    | :? UnauthorizedAccessException
    | :? Text.Json.JsonException
    | :? FormatException
    | :? OverflowException -> true
    | _ -> false

let private dispatch (argv: string[]) =
    precheck argv

    let parser =
        ArgumentParser.Create<Command>(programName = "ecdpde", usageStringCharacterWidth = 120)

    let results = parser.ParseCommandLine(argv, raiseOnUsage = true)
    let common = shared (List.ofArray argv) results
    let cluster = Cluster.ofResults (List.ofArray argv) results
    let local verb = Cluster.refuse verb cluster

    match results.TryGetSubCommand() with
    | Some(Optimize a) ->
        local "optimize"
        OptimizeCommand.run common a
    | Some(Reproduce a) ->
        local "reproduce"
        ReproduceCommand.run common a
    | Some(Drift a) ->
        local "drift"
        DriftCommand.run common a
    | Some(Compare a) -> CompareCommand.run cluster common a
    | Some(Discover a) -> DiscoverCommand.run cluster common a
    | Some(Continue a) -> ContinueCommand.run cluster common a
    | Some(Report a) ->
        local "report"
        refuse "report (it writes into FOLDER)" common [ "--threads"; "--out"; "--seed" ]
        report a
    | Some(List a) ->
        local "list"
        refuse "list" common [ "--threads"; "--out"; "--seed" ]
        listAll a
    | Some(Status a) ->
        local "status"
        refuse "status (it reads FOLDER)" common [ "--threads"; "--out"; "--seed" ]
        StatusCommand.run a
    | _ ->
        eprintfn "%s" (parser.PrintUsage(message = "error: give a command, e.g. ecdpde list"))
        2

/// The exit code and message of a failure (Arguments.exitCodes).
let private failure (e: exn) =
    match e with
    | :? ArguParseException as p when p.ErrorCode = ErrorCode.HelpText ->
        printfn "%s\n\n%s" p.Message exitCodes
        0
    | :? ArguParseException as p ->
        eprintfn "%s" p.Message
        2
    | e when isBadInput e ->
        eprintfn "error: %s" (messageOf e)
        2
    | e ->
        eprintfn "internal error (%s): %s" (e.GetType().Name) (messageOf e)

        if Environment.GetEnvironmentVariable "ECDPDE_DEBUG" = "1" then
            eprintfn "%O" e
        else
            eprintfn "(set ECDPDE_DEBUG=1 for the stack trace)"

        70

/// SIGINT (130) and SIGTERM (143): the first asks every run to stop at its next step with a final checkpoint (the
/// trace flushed, the folder lock released, then the exit code); a second one exits at once.
let private onSignals () =
    let handle (exitCode: int) (name: string) (context: PosixSignalContext) =
        if Interrupt.requested () then
            eprintfn "%s again: stopping now" name
            Environment.Exit exitCode
        else
            context.Cancel <- true

            eprintfn
                "%s: finishing the current step of every run and writing its checkpoint (send it again to stop at once)"
                name

            Interrupt.request exitCode

    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, Action<PosixSignalContext>(handle 130 "SIGINT"))
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, Action<PosixSignalContext>(handle 143 "SIGTERM"))
    ]

[<EntryPoint>]
let main argv =
    // numbers are read and written the invariant way whatever the machine's culture (0.5, never 0,5)
    CultureInfo.DefaultThreadCurrentCulture <- CultureInfo.InvariantCulture
    CultureInfo.CurrentCulture <- CultureInfo.InvariantCulture

    let signals = onSignals ()

    try
        try
            dispatch argv
        with e ->
            match cause e with
            | :? Interrupt.RunInterrupted as i ->
                eprintfn "%s" i.Message
                i.ExitCode
            | :? TaskBatch.WorkSubmitted as s ->
                printfn "%s" s.Message
                0
            | :? TaskBatch.TaskFinished as t ->
                eprintfn "%s" t.Message
                0
            | :? TaskBatch.TasksFailed as f ->
                eprintfn "error: %s" f.Message
                4
            | e -> failure e
    finally
        for s in signals do
            s.Dispose()
