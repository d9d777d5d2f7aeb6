/// `ecdpde compare bounce-only [--full]`: the bounce-only study (BounceStudy): for the paper's PDE at several k, where
/// runs from one initialization that differ only in their bounce seeds end, per δE and bounce schedule. Resumable;
/// its cells go to Slurm with `--scheduler slurm` like every study's (the batch `cells`, one array task per cell).
/// Writes summary.md, cells.csv and report.html (BounceReport).
module EcdPde.Cli.BounceCommand

open System
open System.IO
open System.Text
open Argu
open EcdPde.Reports
open EcdPde.Studies
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

/// summary.md: the sizes, the radial solutions per k, the table and the cost.
let private summary (r: BounceStudyFile.BounceStudyResult) (ran: int) headers rows =
    let s = r.Settings
    let md = StringBuilder(sprintf "# Bounce-only study (%s)\n\n" s.Name)

    md.AppendLine(sprintf "%s %d cells run now, the rest read back.\n" (BounceStudyRun.describe s) ran)
    |> ignore

    for c in r.Classical do
        md.AppendLine(
            sprintf "- k = %g: %s" c.K (String.Join("; ", c.Solutions |> List.map BounceStudyRun.shortName))
        )
        |> ignore

    md.AppendLine().AppendLine(TextTable.markdown headers rows) |> ignore

    md.AppendLine(
        sprintf
            "\n%.0f s wall, %.0f s CPU for this command; the cells' own time summed: %.0f s (one core each)."
            r.Seconds
            r.CpuSeconds
            r.CellSeconds
    )
    |> ignore

    md.ToString()

/// Runs the command; returns the exit code.
let run (cluster: Cluster.Cluster) (common: Shared) (args: ParseResults<CompareArgs>) =
    if args.GetResult(CompareArgs.Backend, Backend.Native) <> Backend.Native then
        invalidArg "backend" "compare bounce-only runs on the native engine only (leave out --backend)"

    let common = Cluster.shared cluster common

    let settings =
        if args.Contains CompareArgs.Full then
            BounceStudy.full
        else
            BounceStudy.defaults

    let settings =
        match common.Seed with
        | Some seed -> { settings with Seed = seed }
        | None -> settings

    let out = defaultArg common.Out (Path.Combine("out", "compare", settings.Name))
    startOver common (args.Contains CompareArgs.Force) out
    Directory.CreateDirectory out |> ignore
    let executor = Cluster.executor cluster common out

    progress
        common
        (sprintf
            "bounce-only study: k = %s, %d schedules, %d bounce seeds each; folder %s"
            (String.Join(", ", settings.Ks |> List.map (sprintf "%g")))
            settings.Schedules.Length
            settings.Seeds
            (Path.GetFullPath out))

    let result, cells, ran =
        BounceStudyRun.run settings executor out (threadsOrAll common) (cellProgress common)

    Cluster.ended cluster
    let headers, rows = BounceStudyRun.table result.Rows
    File.WriteAllText(Path.Combine(out, "summary.md"), summary result ran headers rows)

    File.WriteAllText(
        Path.Combine(out, "cells.csv"),
        BounceStudyRun.csv settings (BounceStudy.study settings) cells
    )

    printfn "%s" (TextTable.render headers rows)
    let report = BounceReport.write out
    printfn "%d cells (%d run now); results in %s" cells.Length ran (Path.GetFullPath out)
    printfn "report: %s" (Path.GetFullPath report)
    0
