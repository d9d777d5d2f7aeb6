/// The deflation-strategy comparison: strategies that differ only in the deflated rounds' optimizer share their round 0
/// (computed once per problem and seed), every run is certified, and the summary counts successes with Wilson
/// intervals and the compute per certified solution.
module EcdPde.Studies.Tests.DeflationComparisonTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Studies
open EcdPde.Studies.MultiSolution

let private temp () =
    TempFolders.path "ecdpde-deflation-study-"

let ``deflated strategies share their round 0, and the comparison counts certified solutions`` () =
    let settings =
        { DeflationComparison.settings with
            Problems =
                [
                    {
                        Function = "pde:paper-pde:k=2"
                        StepsPerRun = 30L
                    }
                ]
            Strategies = DeflationComparison.strategies |> List.take 2
            Seeds = 1
            Size =
                Some
                    {
                        Hidden = [ 6 ]
                        InteriorPoints = 60
                        BoundaryPoints = 20
                        GridPoints = 200
                        DeflationRuns = None
                    }
        }

    let dir = temp ()
    let o = MultiSolutionRun.run settings dir 1 ignore
    Assert.Equal(2, o.Rows.Length)
    let folder = Path.Combine(dir, "paper-pde_k=2")
    // round 0 ran once, in the shared folder; each strategy read the same finished runs back
    Assert.True(Directory.Exists(Path.Combine(folder, "shared-round-0", "seed-0", "round-0")))

    let round0 (strategy: string) =
        File.ReadAllText(
            Path.Combine(folder, strategy, "seed-0", "round-0", "runs", "run-000", "result.json")
        )

    Assert.Equal(round0 "deflated-adam", round0 "deflated-ecdsep")

    for r in o.Rows do
        // the example's 2 bounce runs, then its 2 rounds of 1 deflated run each: 30 steps + 1 evaluation each, and
        // 300 polish steps + 1 after every run
        Assert.True(r.RunsUsed >= 2 && r.RunsUsed <= 4, sprintf "%s: %d runs" r.Strategy r.RunsUsed)
        Assert.True(r.CpuSeconds > 0.0)
        Assert.True(r.Certified >= 0 && r.Certified <= 2)

    let known = o.Classical |> List.map (fun (p, names) -> p, names.Length)
    Assert.Equal(2, snd known.Head)
    let lines = DeflationComparison.lines known o.Rows
    Assert.Equal(2, lines.Length)

    for l in lines do
        let row = o.Rows |> List.find (fun r -> r.Strategy = l.Strategy)
        Assert.Equal((if row.Certified >= 2 then 1 else 0), l.Successes)
        Assert.Equal(EcdPde.Runs.Statistics.Proportion.wilson l.Successes 1, l.Interval)

        if row.Certified > 0 then
            Assert.Equal(float row.Evaluations / float row.Certified, l.StepsPerCertified, 9)
        else
            Assert.True(Double.IsNaN l.StepsPerCertified)

    let headers, rows = DeflationComparison.table lines
    Assert.Equal(headers.Length, rows.Head.Length)

let ``the comparison's strategies build and bad sizes are refused`` () =
    validate DeflationComparison.settings |> ignore

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () ->
            validate
                { DeflationComparison.settings with
                    Size =
                        Some
                            {
                                Hidden = []
                                InteriorPoints = 10
                                BoundaryPoints = 10
                                GridPoints = 100
                                DeflationRuns = Some 1
                            }
                }
            |> ignore)

    Assert.Contains("hidden widths", e.Message)

[<Tests>]
let tests =
    testList
        "DeflationComparisonTests"
        [
            testCase
                "deflated strategies share their round 0, and the comparison counts certified solutions"
                ``deflated strategies share their round 0, and the comparison counts certified solutions``
            testCase
                "the comparison's strategies build and bad sizes are refused"
                ``the comparison's strategies build and bad sizes are refused``
        ]
    |> testSequencedGroup "EcdPde.Studies.Tests.DeflationComparisonTests"
