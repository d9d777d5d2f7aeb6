/// `report.html` of a bounce-only study folder (what `ecdpde compare bounce-only` wrote, bounce-only.json): per k and
/// phase, the share of runs at each radial solution, elsewhere and failing a gate per bounce schedule (Wilson 95%
/// intervals as error bars), the radial solutions per k, and the study's table.
module EcdPde.Reports.BounceReport

open System
open System.IO
open EcdPde.Studies
open EcdPde.Studies.BounceStudy

/// Whether `dir` is a bounce-only study folder (it has bounce-only.json).
let recognizes (dir: string) = File.Exists(BounceStudyFile.path dir)

/// The outcomes of the rows in a stable order: the radial solutions (sorted), then other, then none.
let private outcomes (rows: Row list) =
    let all =
        rows |> List.collect (fun r -> r.Counts |> List.map _.Outcome) |> List.distinct

    let solutions =
        all |> List.filter (fun o -> o <> OtherOutcome && o <> NoneOutcome) |> List.sort

    solutions
    @ ([ OtherOutcome; NoneOutcome ] |> List.filter (fun o -> List.contains o all))

/// The outcome's name in a legend.
let private outcomeName (outcome: string) =
    if outcome = OtherOutcome then "other (gates pass)"
    elif outcome = NoneOutcome then "none (failed a gate)"
    else BounceStudyRun.shortName outcome

/// The chart of one k and phase: x = the schedule's number (1, 2, … as in the list under the figures), y = the share
/// of runs with each outcome, with its Wilson 95% interval.
let private chart (schedules: Schedule list) (k: float) (phase: string) (rows: Row list) =
    let number (s: Schedule) =
        float ((schedules |> List.findIndex ((=) s)) + 1)

    let traces =
        outcomes rows
        |> List.mapi (fun i outcome ->
            let points =
                rows
                |> List.choose (fun r ->
                    r.Counts
                    |> List.tryFind (fun c -> c.Outcome = outcome)
                    |> Option.map (fun c ->
                        let share = if r.Runs > 0 then float c.Runs / float r.Runs else nan
                        // a symmetric bar as wide as the larger side of the Wilson interval
                        number r.Schedule, share, max (share - c.Low) (c.High - share)))
                |> Array.ofList

            Plot.errorBarTrace (outcomeName outcome) (Plot.color i) points)

    { Plot.chart
          (sprintf "k = %g, %s: where the runs ended" k phase)
          (Plot.linear "bounce schedule (number)")
          (Plot.linear "share of the runs")
          [] with
        Traces = traces
    }
    |> Plot.figure

/// Builds the report of the bounce-only study folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let r = BounceStudyFile.read dir
    let s = r.Settings
    let headers, rows = BounceStudyRun.table r.Rows

    let body =
        [
            Html.paragraph (
                sprintf
                    "%s %.0f s wall and %.0f s CPU for the command that wrote bounce-only.json; the cells' own time summed: %.0f s."
                    (BounceStudyRun.describe s)
                    r.Seconds
                    r.CpuSeconds
                    r.CellSeconds
            )
            Html.heading 2 "Radial solutions"
            Html.bullets (
                r.Classical
                |> List.map (fun c ->
                    sprintf
                        "k = %g: %s"
                        c.K
                        (String.Join("; ", c.Solutions |> List.map BounceStudyRun.shortName)))
            )
            Html.heading 2 "Where the runs ended"
            yield!
                r.Rows
                |> List.groupBy (fun row -> row.K, row.Phase)
                |> List.map (fun ((k, phase), rows) ->
                    Html.figure
                        (chart s.Schedules k phase rows)
                        (sprintf
                            "k = %g, %s: share of the %d bounce seeds per schedule at each outcome, Wilson 95%% intervals"
                            k
                            phase
                            s.Seeds))
            Html.paragraph
                "The schedules (δE, T0 steps between fixed bounces, N_b fixed bounces, T1 steps without progress):"
            Html.bullets (s.Schedules |> List.mapi (fun i sc -> sprintf "%d: %s" (i + 1) (label sc)))
            Html.heading 2 "Table"
            Html.table headers rows
        ]

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, Html.page (sprintf "Bounce-only study: %s" s.Name) body)
    path
