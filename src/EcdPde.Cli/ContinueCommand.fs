/// `ecdpde continue`: deflated continuation of a problem's solutions along one parameter (a built-in example's
/// parameter, or a constant of a script's problem), with a progress line per parameter value, continuation.json and a
/// bifurcation diagram.
module EcdPde.Cli.ContinueCommand

open System
open System.IO
open Argu
open Pde.Discovery
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

/// The continued parameter and its path (the one `--param NAME=START:STOP:STEP`) and the fixed parameters (the
/// `--param NAME=VALUE` ones).
let private pathOf (args: ParseResults<DiscoverArgs>) =
    let all = args.GetResults DiscoverArgs.Param
    let ranges, fixedOnes = all |> List.partition ParameterPath.isRange

    match ranges with
    | [ range ] -> ParameterPath.parse range, parameters fixedOnes
    | [] ->
        invalidArg
            "param"
            "continue needs the parameter to follow and its range: --param NAME=START:STOP:STEP (e.g. --param k=2:20:1)"
    | _ ->
        invalidArg
            "param"
            (sprintf
                "continue follows one parameter; ranges were given for %d (%s)"
                ranges.Length
                (String.Join(", ", ranges)))

/// The family the arguments name: a built-in example along its parameter, or a script's problem along one of its
/// constants.
let private familyOf
    (args: ParseResults<DiscoverArgs>)
    (parameter: string)
    (fixedValues: Map<string, float>)
    =
    match DiscoverCommand.source args fixedValues with
    | Choice1Of2 script -> Continuation.ofConstant parameter script.Problem script.Settings
    | Choice2Of2(name, size) ->
        ({
            Parameter = parameter
            At = BuiltInExamples.family name size fixedValues parameter
        }
        : Continuation.Family)

/// One line about a finished parameter value.
let private describe (parameter: string) (count: int) (value: ContinuationFile.ParameterValue) =
    let point (b: ContinuationFile.BranchPoint) =
        match b.Status with
        | "ended" -> sprintf "branch %d ended (%s)" b.Branch b.Reason
        | status ->
            sprintf
                "branch %d %s (%s, u(centre) %s)"
                b.Branch
                status
                b.Certification.Status
                (Number.short b.Probe)

    let alive = value.Branches |> List.filter (fun b -> b.Status <> "ended")

    sprintf
        "%s = %g [%d/%d]: %s; %d branch(es) alive"
        parameter
        value.Value
        (value.Index + 1)
        count
        (match value.Branches with
         | [] -> "no solution found"
         | bs -> String.Join("; ", bs |> List.map point))
        alive.Length

/// Writes the report (HTML) and the bifurcation diagram as PNG and SVG (when Chromium is present); says where.
let private writeReport (dir: string) =
    let page = ContinuationReport.write dir
    printfn "report: %s (open it in a browser; it works offline)" (Path.GetFullPath page)

    try
        for f in ContinuationReport.writeImages dir do
            printfn "figure: %s" (Path.GetFullPath f)
    with e ->
        eprintfn
            "warning: the bifurcation diagram was not written as an image (%s); the report has it"
            e.Message

/// Runs the command; returns the exit code (0 when some branch point was found, 1 otherwise).
let run (cluster: Cluster.Cluster) (common: Shared) (args: ParseResults<DiscoverArgs>) =
    let common = Cluster.shared cluster common
    let (parameter, path), fixedValues = pathOf args
    let family = familyOf args parameter fixedValues
    let problem, own = family.At path.Start

    let own =
        { own with
            OutDir = Some(defaultArg own.OutDir (Path.Combine("out", "continue", own.Name)))
        }

    let s = DiscoverCommand.prepare cluster common args problem own
    let outDir = DiscoverySettings.outDir s
    let values = ParameterPath.values path
    let clock = Diagnostics.Stopwatch.StartNew()

    progress
        common
        (sprintf
            "continuing %s along %s from %g to %g by %g (%d values): discovery at the first, then warm starts and deflation"
            s.Name
            parameter
            path.Start
            path.Stop
            path.Step
            values.Length)

    let onValue value =
        printfn "%s  (%.0f s)" (describe parameter values.Length value) clock.Elapsed.TotalSeconds

    let quietSteps =
        if common.Quiet then
            ignore
        else
            Discovery.progressPrinter (TimeSpan.FromSeconds 5.0)

    let file, filePath = Continuation.run family path s quietSteps onValue
    Cluster.ended cluster

    printfn
        "%d parameter value(s), %.0f s; results in %s"
        file.Values.Length
        clock.Elapsed.TotalSeconds
        filePath

    writeReport outDir

    if file.Values |> List.exists (fun v -> not v.Branches.IsEmpty) then
        0
    else
        1
