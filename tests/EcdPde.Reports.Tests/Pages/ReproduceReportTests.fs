/// The reproduction page (`ecdpde reproduce`'s report.html) from its results.json: the file round-trips, every
/// experiment that ran has its table and figure, the figures carry the data (a never-reached threshold is a gap, the
/// drift reference line has the expected log-log slope), and hostile names stay text.
module EcdPde.Reports.Tests.ReproduceReportTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Studies
open EcdPde.Studies.ReproductionFile
open EcdPde.Reports.Tests.ReportFolders

/// A reproduction with every experiment: the drift measured (ECDSep on the quadratic, 3 step sizes), the rest
/// synthetic; `optimizer` names the first optimizer of each table.
let sample (optimizer: string) : Reproduction =
    let drift =
        Published.ecdSepDrift
            (Ecd.Core.Objectives.Quadratic<float>(2, 4.0))
            [| 1.0; 0.5 |]
            1.0
            -1.0
            1.0
            2.0
            [ 0.04; 0.02; 0.01 ]

    {
        Format = format
        Seed = 7UL
        Ackley =
            Some
                [
                    {
                        Optimizer = optimizer
                        Starts = 4
                        Tries = 3
                        Deterministic = false
                        Successes = 3
                        FirstTrySuccesses = 1
                        SolvedByTries = [ 0.25; 0.5; 0.75 ]
                        Paper = "83/100"
                        CellSeconds = 1.5
                    }
                    {
                        Optimizer = "gdm"
                        Starts = 4
                        Tries = 1
                        Deterministic = true
                        Successes = 0
                        FirstTrySuccesses = 0
                        SolvedByTries = [ 0.0 ]
                        Paper = "0/100"
                        CellSeconds = 0.5
                    }
                ]
        Zakharov =
            Some
                [
                    {
                        Optimizer = optimizer
                        Steps = 1000L
                        BestLoss = 1e-23
                        FirstBelow =
                            [
                                { Threshold = 1e-20; Step = Some 300L }
                                { Threshold = 1e-22; Step = Some 420L }
                                { Threshold = 1e-25; Step = None }
                            ]
                    }
                ]
        TwoBasin =
            Some
                {
                    Runs = 40
                    Basin1 = 27
                    Basin2 = 13
                    Unresolved = 0
                    Ratio = 27.0 / 13.0
                    RatioLow = 1.08
                    RatioHigh = 3.98
                    Predicted = 1.93
                    Authors = 1.72
                    Seconds = 0.4
                }
        Drift =
            Some
                {
                    Points = drift |> List.map (fun (dt, e) -> { Dt = dt; MaxDrift = e })
                    Slope = Statistics.Regression.logLogSlope drift
                    Expected = 2.0
                }
        ToolVersion = ToolVersion.informational
        Dotnet = ToolVersion.runtime
    }

/// A folder holding the results.json of `r`.
let folder (r: Reproduction) =
    let dir = fresh None
    write dir r |> ignore
    dir

let ``results.json round-trips and a folder with it is a reproduction for ecdpde report`` () =
    let r = sample "bbi"
    let dir = folder r
    Assert.Equal(r, read (Path.Combine(dir, name)))
    let kind, path = FolderReport.write dir
    Assert.Equal("reproduction", kind.Name)
    let html = File.ReadAllText path
    PageChecks.assertSelfContained html
    Assert.Equal(4, PageChecks.figureCount html)
    // an experiment that did not run has no section
    let only =
        folder
            { r with
                Ackley = None
                TwoBasin = None
            }

    let page = File.ReadAllText(ReproduceReport.write only)
    Assert.Equal(2, PageChecks.figureCount page)
    Assert.DoesNotContain("Ackley", PageChecks.withoutLibrary page)
    // a corrupt results.json is an error naming it
    File.WriteAllText(Path.Combine(only, name), "{\"format\": \"ecdpde-reproduction/1\", \"seed\": -1}")

    let e =
        Assert.Throws<JsonFile.ResultFileException>(fun () -> FolderReport.write only |> ignore)

    Assert.Contains("results.json", e.Message)

let ``the figures carry the data: a never-reached threshold is a gap, the drift reference has the expected slope``
    ()
    =
    let r = sample "bbi"
    let zakharov = Plot.data (ReproduceReport.zakharovChart r.Zakharov.Value)
    let t = (PageChecks.traces zakharov).Head
    Assert.Equal<float[]>([| 300.0; 420.0 |], (PageChecks.numbers (PageChecks.at [ "y" ] t))[0..1])
    Assert.True(PageChecks.isNullAt 2 (PageChecks.at [ "y" ] t))
    Assert.Equal("log", PageChecks.str "type" (PageChecks.at [ "layout"; "yaxis" ] zakharov))

    let drift = Plot.data (ReproduceReport.driftChart r.Drift.Value)
    let measured, reference = (PageChecks.traces drift)[0], (PageChecks.traces drift)[1]
    let x = PageChecks.numbers (PageChecks.at [ "x" ] reference)
    let y = PageChecks.numbers (PageChecks.at [ "y" ] reference)
    let slope = log (y[0] / y[2]) / log (x[0] / x[2])
    Assert.Equal(2.0, slope, 9)
    // ECDSep (leapfrog-like) drift is second order: the measured slope is close to 2 (independent of the page)
    Assert.InRange(r.Drift.Value.Slope, 1.8, 2.2)

    Assert.Equal<float[]>(
        r.Drift.Value.Points |> List.map _.MaxDrift |> Array.ofList,
        PageChecks.numbers (PageChecks.at [ "y" ] measured)
    )

let ``hostile optimizer names stay escaped in the page and its figures`` () =
    let page = File.ReadAllText(ReproduceReport.write (folder (sample hostile)))

    Assert.DoesNotContain("<script>alert", PageChecks.withoutLibrary page)
    Assert.Contains("&lt;script&gt;alert", page)

[<Tests>]
let tests =
    testList
        "ReproduceReportTests"
        [
            testCase
                "results.json round-trips and a folder with it is a reproduction for ecdpde report"
                ``results.json round-trips and a folder with it is a reproduction for ecdpde report``
            testCase
                "the figures carry the data: a never-reached threshold is a gap, the drift reference has the expected slope"
                ``the figures carry the data: a never-reached threshold is a gap, the drift reference has the expected slope``
            testCase
                "hostile optimizer names stay escaped in the page and its figures"
                ``hostile optimizer names stay escaped in the page and its figures``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.ReproduceReportTests"
