/// `ecdpde compare`: runs a study (resumable), prints and writes its summary, cells and profiles.
module EcdPde.Cli.CompareCommand

open System
open System.IO
open System.Text
open Argu
open Pde.FSharp.Reports
open Pde.FSharp.Studies
open Pde.FSharp.Studies.StudyRunner
open EcdPde.Cli.Arguments

let private g (x: float) =
    if Double.IsNaN x then "–" else Number.short x

/// Runs the command; returns the exit code.
let run (args: ParseResults<CompareArgs>) =
    let study =
        BuiltInStudies.resolve (args.GetResult(CompareArgs.Study, "ackley"))
        |> Study.validate

    let out =
        args.GetResult(CompareArgs.Out, Path.Combine("out", "compare", study.Name))

    let clock = Diagnostics.Stopwatch.StartNew()
    let mutable lastPrint = TimeSpan.Zero

    let progress d total =
        if clock.Elapsed - lastPrint > TimeSpan.FromSeconds 2.0 || d = total then
            lastPrint <- clock.Elapsed
            eprintfn "cells %d/%d  (%.0f s)" d total clock.Elapsed.TotalSeconds

    let results, ran =
        StudyRunner.run study out (args.GetResult(CompareArgs.Parallel, 0)) progress

    let summary = StudyRunner.summarise study results

    let headers =
        [
            "problem"
            "solver"
            "success"
            "95% interval"
            "starts solved"
            "median steps"
            "IQR"
            "95% CI (median)"
            "median evals"
            "median s"
            "median best loss"
        ]

    let rows =
        [
            for s in summary ->
                let lo, hi = s.MedianStepsInterval

                [
                    s.Problem
                    s.Solver
                    sprintf "%d/%d" s.Successes s.Cells
                    sprintf "[%.2f, %.2f]" s.SuccessLow s.SuccessHigh
                    sprintf "%d/%d" s.StartsSolved s.Starts
                    g s.MedianSteps
                    g s.StepsIqr
                    (if Double.IsNaN lo then
                         "–"
                     else
                         sprintf "[%s, %s]" (g lo) (g hi))
                    g s.MedianEvaluations
                    g s.MedianSeconds
                    g s.MedianBestLoss
                ]
        ]

    Directory.CreateDirectory out |> ignore
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

    md.Append(TextTable.markdown headers rows) |> ignore
    File.WriteAllText(Path.Combine(out, "summary.md"), md.ToString())

    // every cell as CSV
    let csv =
        StringBuilder(
            "problem,solver,start,seed,success,steps_to_target,evaluations_to_target,seconds_to_target,best_loss,final_loss,steps,evaluations,seconds\n"
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
                ]
            )
        )
        |> ignore

    File.WriteAllText(Path.Combine(out, "cells.csv"), csv.ToString())

    // performance profile (cost: median evaluations to the target, failures +∞)
    let costs = StudyRunner.profileCosts study results
    let finite = costs |> Array.collect id |> Array.filter Double.IsFinite

    let figures =
        if finite.Length > 0 then
            let best = costs |> Array.map (fun row -> Array.min row)

            let maxRatio =
                Array.map2
                    (fun (row: float[]) b ->
                        row
                        |> Array.filter Double.IsFinite
                        |> Array.map (fun c -> c / b)
                        |> Array.fold max 1.0)
                    costs
                    best
                |> Array.max

            let taus =
                Array.init 60 (fun i -> Math.Pow(max 2.0 (maxRatio * 1.5), float i / 59.0))

            let rho = Pde.FSharp.Statistics.Profiles.performance costs taus

            let chart =
                Svg.chart
                    (sprintf "Performance profile, study %s" study.Name)
                    "τ (cost / best cost)"
                    "fraction of problems"
                    (study.Solvers
                     |> List.mapi (fun i s -> Svg.Line(s.Label, Svg.color i, Array.zip taus rho[i])))

            [
                Html.figure
                    (Svg.render
                        { chart with
                            X = { chart.X with Log = true }
                        })
                    "Dolan–Moré performance profile; cost = median evaluations to the target over all cells, a failed cell counting as +∞."
            ]
        else
            []

    File.WriteAllText(
        Path.Combine(out, "summary.html"),
        Html.page (sprintf "Study %s" study.Name) ([ Html.table headers rows ] @ figures)
    )

    printfn "%s" (TextTable.render headers rows)
    printfn "%d cells (%d run now); results in %s" results.Length ran (Path.GetFullPath out)
    0
