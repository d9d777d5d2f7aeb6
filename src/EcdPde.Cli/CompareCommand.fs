/// `ecdpde compare`: runs a study (resumable), prints and writes its summary, cells, profiles and report.html; or the
/// multi-solution study (distinct solutions per budget and discovery strategy).
module EcdPde.Cli.CompareCommand

open System
open System.IO
open System.Text
open Argu
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Studies
open EcdPde.Studies.StudyRunner
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

let private g (x: float) =
    if Double.IsNaN x then "–" else Number.short x

/// The backend of `--backend` (native by default).
let private backendOf (args: ParseResults<CompareArgs>) =
    lossBackend (args.GetResult(CompareArgs.Backend, Backend.Native))

/// The deflation-strategy comparison's table: printed and appended to the summary.
let private deflationTable (outcome: MultiSolution.MultiSolutionOutcome) (md: StringBuilder) =
    let known = outcome.Classical |> List.map (fun (p, names) -> p, names.Length)
    let h, r = DeflationComparison.table (DeflationComparison.lines known outcome.Rows)

    md.AppendLine().AppendLine("## Deflation strategies").AppendLine().Append(TextTable.markdown h r)
    |> ignore

    printfn "%s" (TextTable.render h r)

let private runMultiSolution
    (cluster: Cluster.Cluster)
    (common: Shared)
    (args: ParseResults<CompareArgs>)
    (settings: MultiSolution.MultiSolutionSettings)
    (deflation: bool)
    =
    refuse "compare multi-solution (its workflows use seeds 0 … N−1)" common [ "--seed" ]

    let out = defaultArg common.Out (Path.Combine("out", "compare", settings.Name))
    startOver common (args.Contains CompareArgs.Force) out
    Directory.CreateDirectory out |> ignore
    let clock = Diagnostics.Stopwatch.StartNew()

    let say = progress common

    say (
        sprintf
            "multi-solution study '%s': %d problem(s), %d strategies, budgets of %s runs, %d seed(s); folder %s"
            settings.Name
            settings.Problems.Length
            settings.Strategies.Length
            (String.Join(", ", settings.Budgets))
            settings.Seeds
            (Path.GetFullPath out)
    )

    let executor = Cluster.executor cluster common out

    let outcome =
        MultiSolutionRun.runWith executor (backendOf args) settings out (threadsOrAll common) (fun line ->
            lock clock (fun () -> say (sprintf "[%4.0f s] %s" clock.Elapsed.TotalSeconds line)))

    Cluster.ended cluster

    MultiSolutionFile.write (CompareReport.multiSolutionFile out) outcome

    File.WriteAllText(Path.Combine(out, "multi-solution.csv"), MultiSolution.csv outcome.Rows)
    let headers, rows = CompareReport.multiSolutionTable outcome.Classical outcome.Rows
    let md = StringBuilder("# Multi-solution study\n\nClassical solutions:\n\n")

    for line in CompareReport.classicalLines outcome.Classical do
        md.AppendLine("- " + line) |> ignore

    md.AppendLine().Append(TextTable.markdown headers rows) |> ignore

    md.AppendLine(
        sprintf
            "\n%.0f s in all (workflows read back from the folder cost nothing; the seconds column is the runs' own time)."
            outcome.Seconds
    )
    |> ignore

    if deflation then
        deflationTable outcome md

    File.WriteAllText(Path.Combine(out, "summary.md"), md.ToString())
    let report = CompareReport.write out

    for line in CompareReport.classicalLines outcome.Classical do
        printfn "%s" line

    printfn "%s" (TextTable.render headers rows)

    printfn
        "%.0f s; results in %s; report: %s"
        outcome.Seconds
        (Path.GetFullPath out)
        (Path.GetFullPath report)

    0

/// The note on deterministic solvers (run once per start), or "" when the study has none.
let private deterministicNote (study: Study.Study) =
    let deterministic =
        study.Solvers
        |> List.filter Study.isDeterministic
        |> List.map (fun s -> s.Label)

    if deterministic.IsEmpty then
        ""
    else
        sprintf
            "Deterministic solvers (%s) ran once per start: their other seeds would repeat the same run.\n"
            (String.Join(", ", deterministic))

/// summary.md of a study: its cells, budget and the success table.
let private studySummary
    (study: Study.Study)
    (results: CellResult list)
    (ran: int)
    (note: string)
    headers
    rows
    =
    let md = StringBuilder()
    md.AppendLine(sprintf "# Study %s\n" study.Name) |> ignore

    md.AppendLine(
        sprintf
            "%d cells (%d run now, the rest read back), %d steps per run, %d seed(s) per start, %s.\n"
            results.Length
            ran
            study.Steps
            study.Seeds
            study.Precision
    )
    |> ignore

    if note <> "" then
        md.AppendLine(note) |> ignore

    md.Append(TextTable.markdown headers rows) |> ignore
    md.ToString()

/// cells.csv: every cell of the study, one row each.
let private cellsCsv (results: CellResult list) =
    let csv =
        StringBuilder(
            "problem,solver,start,seed,success,steps_to_target,evaluations_to_target,seconds_to_target,best_loss,final_loss,steps,evaluations,seconds,solution,distance\n"
        )

    let opt (o: 'a option) =
        o |> Option.map string |> Option.defaultValue ""

    for r in results do
        csv.AppendLine(
            String.Join(
                ",",
                [
                    r.Problem
                    r.Solver
                    string r.Start
                    string r.SeedIndex
                    string r.Success
                    opt r.StepsToTarget
                    opt r.EvaluationsToTarget
                    opt (r.SecondsToTarget |> Option.map Number.exact)
                    Number.exact r.BestLoss
                    Number.exact r.FinalLoss
                    string r.Steps
                    string r.Evaluations
                    Number.exact r.Seconds
                    r.Solution |> Option.map (fun s -> "\"" + s + "\"") |> Option.defaultValue ""
                    opt (r.Distance |> Option.map Number.exact)
                ]
            )
        )
        |> ignore

    csv.ToString()

let private runStudy
    (cluster: Cluster.Cluster)
    (common: Shared)
    (args: ParseResults<CompareArgs>)
    (name: string)
    =
    let common = Cluster.shared cluster common

    if args.Contains CompareArgs.Full then
        invalidArg "full" "--full applies to compare multi-solution and compare bounce-only only"

    let study = BuiltInStudies.resolve name |> Study.validate

    let study =
        match common.Seed with
        | Some seed -> { study with Seed = seed }
        | None -> study

    let out = defaultArg common.Out (Path.Combine("out", "compare", study.Name))
    let cellsDone = cellProgress common
    startOver common (args.Contains CompareArgs.Force) out
    Directory.CreateDirectory out |> ignore
    let executor = Cluster.executor cluster common out

    // StudyRunner.runWith takes the folder's lock and claims it for the study (study.json); array tasks only check it
    let results, ran =
        StudyRunner.runWithOn (backendOf args) executor study out (threadsOrAll common) cellsDone

    Cluster.ended cluster
    let headers, rows = CompareReport.successTable study results
    let note = deterministicNote study
    File.WriteAllText(Path.Combine(out, "summary.md"), studySummary study results ran note headers rows)
    File.WriteAllText(Path.Combine(out, "cells.csv"), cellsCsv results)
    let report = CompareReport.write out
    printfn "%s" (TextTable.render headers rows)

    if note <> "" then
        printf "%s" note

    printfn "%d cells (%d run now); results in %s" results.Length ran (Path.GetFullPath out)
    printfn "report: %s" (Path.GetFullPath report)
    0

/// Runs the command; returns the exit code.
let run (cluster: Cluster.Cluster) (common: Shared) (args: ParseResults<CompareArgs>) =
    let name = args.GetResult(CompareArgs.Study, "ackley")

    if name.ToLowerInvariant() = MultiSolution.defaults.Name then
        runMultiSolution
            cluster
            common
            args
            (if args.Contains CompareArgs.Full then
                 MultiSolution.full
             else
                 MultiSolution.defaults)
            false
    elif name.ToLowerInvariant() = DeflationComparison.settings.Name then
        if args.Contains CompareArgs.Full then
            invalidArg "full" "--full applies to compare multi-solution only"

        runMultiSolution cluster common args DeflationComparison.settings true
    elif EcdPde.Runs.JsonFile.formatTag name = Some MultiSolutionFile.folderFormat then
        if args.Contains CompareArgs.Full then
            invalidArg "full" "--full applies to the built-in multi-solution study, not to a settings file"

        runMultiSolution cluster common args (MultiSolutionFile.readSettings name) false
    elif name.ToLowerInvariant() = BounceStudy.defaults.Name then
        BounceCommand.run cluster common args
    else
        runStudy cluster common args name
