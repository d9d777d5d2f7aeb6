/// Discovery end to end through its report.
module EcdPde.Reports.Tests.DiscoveryReportTests

open System
open System.IO
open System.Text.Json
open Xunit
open Expecto
open Ecd.Core.Objectives
open Pde.Discovery
open Pde.Discovery.Solutions

let ``discovery on the paper's PDE finds both classical solutions from one initialization, and a rerun reads the runs back``
    ()
    =
    let dir = TempFolders.path "ecdpde-disc-"

    let problem, defaults = BuiltInExamples.paperPde BuiltInExamples.Default 2.0

    let s =
        { defaults with
            Runs = 1
            Steps = 3000L
            DeflationSteps = 3000L
            PolishSteps = 200L
            Seed = 0UL
            Threads = 0
            OutDir = Some dir
            DeflationRounds = 1
            DeflationRuns = 1
        }

    let outcome = Workflow.run problem s ignore
    Assert.Equal(2, outcome.Found.Length)
    // each distinct solution is within 5% (relative L2 on the grid) of a different classical radial solution
    let checks = outcome.Found |> List.map (fun f -> f.Classical)
    Assert.All(checks, fun (_, d) -> Assert.True(d < 0.05, sprintf "relative distance %g" d))
    Assert.Equal(2, checks |> List.map fst |> List.distinct |> List.length)
    Assert.Equal<int list>([ 0; 1 ], outcome.Found |> List.map (fun f -> f.Round) |> List.sort)
    use doc = JsonDocument.Parse(File.ReadAllText outcome.Path)
    Assert.Equal("paper-pde", doc.RootElement.GetProperty("problem").GetProperty("name").GetString())
    Assert.Equal(2, doc.RootElement.GetProperty("solutions").GetArrayLength())
    // how every run started: the bounce run from the shared initialization, the deflated one from it too
    let startsOf (i: int) =
        let solution = doc.RootElement.GetProperty("solutions").[i]

        [
            for d in solution.GetProperty("run_starts").EnumerateArray() ->
                d.GetString() |> Option.ofObj |> Option.defaultValue ""
        ]

    Assert.Contains("bounces, from the shared initialization", startsOf 0 @ startsOf 1)
    Assert.Contains("deflated, from the initialization", startsOf 0 @ startsOf 1)
    // the collocation points of the loss: as many as the example asks for, inside the unit disk and on its circle
    let collocation = doc.RootElement.GetProperty "collocation"

    let radii (key: string) =
        [
            for p in collocation.GetProperty(key).EnumerateArray() ->
                let x, y = p[0].GetDouble(), p[1].GetDouble()
                sqrt (x * x + y * y)
        ]

    Assert.Equal(s.InteriorPoints, (radii "interior").Length)
    Assert.Equal(s.BoundaryPoints, (radii "boundary").Length)
    Assert.All(radii "interior", fun r -> Assert.True(r < 1.0, sprintf "interior point at r = %g" r))
    Assert.All(radii "boundary", fun r -> Assert.Equal(1.0, r, 9))
    // the report: both solutions' heatmaps, the table, every run's curves, nothing external
    let html = File.ReadAllText(EcdPde.Reports.DiscoveryReport.write dir)
    Assert.Contains("solution 2", html)
    Assert.Contains("radial solution u(0) = -9.29", html)
    // the collocation points; per solution a heatmap, a residual map, a surface and (certified) the difference to the
    // classical solution and a slice through the centre; then loss and energy; then the classical-only solutions
    Assert.Equal(1 + 2 * 5 + 2 + outcome.ClassicalOnly.Length, PageChecks.figureCount html)
    Assert.Contains("Classical certification: certified", html)
    Assert.Contains("The search stopped:", html)
    Assert.Contains("\"interior (1000)\"", html)
    Assert.Contains("\"boundary (200)\"", html)
    Assert.Contains("PDE residual, solution 2", html)
    PageChecks.assertSelfContained html
    let clock = Diagnostics.Stopwatch.StartNew()
    let again = Workflow.run problem s ignore
    Assert.Equal(outcome.Found.Length, again.Found.Length)

    Assert.True(
        clock.Elapsed.TotalSeconds < 20.0,
        "the rerun should read the finished runs back, not train again"
    )

[<Tests>]
let tests =
    testList
        "DiscoveryReportTests"
        [
            testCase
                "discovery on the paper's PDE finds both classical solutions from one initialization, and a rerun reads the runs back"
                ``discovery on the paper's PDE finds both classical solutions from one initialization, and a rerun reads the runs back``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.DiscoveryReportTests"
