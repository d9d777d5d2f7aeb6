/// The bounce-only study's page (`compare bounce-only`'s report.html) from a tiny study run for real: `ecdpde report`
/// recognizes the folder as a bounce-only study (not as the generic study its study.json also names), one figure per
/// (k, phase) whose points are the rows' shares of runs per outcome with their Wilson intervals, and the table.
module EcdPde.Reports.Tests.BounceReportTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Reports
open EcdPde.Studies
open EcdPde.Studies.BounceStudy
open EcdPde.Reports.Tests.PageChecks

/// Two schedules at k = 2, two bounce seeds each, 30 BBI steps and 10 polish steps (no run reaches a solution).
let private tiny =
    { defaults with
        Name = "tiny-bounce-report"
        Ks = [ 2.0 ]
        Schedules =
            [
                {
                    DeltaEn = 1.0
                    Threshold0 = 10L
                    FixedBounces = 2L
                    Threshold = 1000L
                }
                {
                    DeltaEn = 0.0
                    Threshold0 = 10L
                    FixedBounces = 0L
                    Threshold = 1000L
                }
            ]
        Seeds = 2
        Steps = 30L
        PolishSteps = 10L
        Seed = 1UL
    }

let ``the bounce-only page shows where the runs ended per k, phase and schedule`` () =
    let dir = TempFolders.path "ecdpde-bounce-report-"

    let result, cells, _ =
        BounceStudyRun.run tiny EcdPde.Runs.TaskBatch.inProcess dir 2 (fun _ _ -> ())

    Assert.Equal(4, cells.Length)
    let kind, path = FolderReport.write dir
    Assert.Equal("bounce-only study", kind.Name)
    let page = File.ReadAllText path
    assertSelfContained page
    // k = 2 at the end of BBI and after the polish
    let figs = figures page
    Assert.Equal(2, figs.Length)
    let rows = result.Rows |> List.groupBy (fun r -> r.K, r.Phase) |> List.map snd
    Assert.Equal(2, rows.Length)

    for fig, rowsOfPanel in List.zip figs rows do
        let ts = traces fig

        let outcomes =
            rowsOfPanel
            |> List.collect (fun r -> r.Counts |> List.map _.Outcome)
            |> List.distinct

        Assert.Equal(outcomes.Length, ts.Length)

        for r in rowsOfPanel do
            let x = float ((tiny.Schedules |> List.findIndex ((=) r.Schedule)) + 1)
            // every outcome's share at this schedule, read from the figure, sums to 1 and matches the row's counts
            let shares =
                [
                    for t in ts do
                        let xs = numbers (at [ "x" ] t)
                        let ys = numbers (at [ "y" ] t)

                        match Array.tryFindIndex ((=) x) xs with
                        | Some i -> yield str "name" t, ys[i]
                        | None -> ()
                ]

            Assert.Equal(1.0, shares |> List.sumBy snd, 12)

            for c in r.Counts do
                let name =
                    if c.Outcome = NoneOutcome then "none (failed a gate)"
                    elif c.Outcome = OtherOutcome then "other (gates pass)"
                    else BounceStudyRun.shortName c.Outcome

                let _, share = shares |> List.find (fun (n, _) -> n = name)
                Assert.Equal(float c.Runs / float r.Runs, share, 12)

    Assert.Contains("Radial solutions", page)
    Assert.Contains(label tiny.Schedules[1], page)
    Assert.Equal(1, count "<table>" page)

[<Tests>]
let tests =
    testList
        "EcdPde.Reports.Tests.BounceReportTests"
        [
            testCase
                "the bounce-only page shows where the runs ended per k, phase and schedule"
                ``the bounce-only page shows where the runs ended per k, phase and schedule``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.BounceReportTests"
