/// The bounce-only study: its cells run to their end and are matched to the paper's PDE's radial solutions; the
/// tallies and their Wilson intervals; its settings refused when bad.
module EcdPde.Studies.Tests.BounceStudyTests

open System
open System.Globalization
open System.IO
open Xunit
open Expecto
open EcdPde.Studies
open EcdPde.Studies.BounceStudy

let private temp () = TempFolders.path "ecdpde-bounce-study-"

/// Two bounce schedules at k = 2, two seeds each, 40 BBI steps and 10 polish steps: far too short to reach a solution.
/// The first schedule bounces exactly twice (a fixed bounce after 10 moves, N_b = 2, no progress bounce within
/// T1 = 1000); the second never (N_b = 0, T1 beyond the run).
let private tiny =
    { defaults with
        Name = "tiny-bounce"
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
                    DeltaEn = 0.5
                    Threshold0 = 10L
                    FixedBounces = 0L
                    Threshold = 1000L
                }
            ]
        Seeds = 2
        Steps = 40L
        PolishSteps = 10L
        Seed = 5UL
    }

/// u(0) of a radial solution's name ("radial solution u(0) = -9.2977").
let private centreOf (name: string) =
    Double.Parse(name.Substring(name.IndexOf('=') + 1).Trim(), CultureInfo.InvariantCulture)

let private untimed (c: BounceStudyFile.BounceCell) =
    { c with
        Cell =
            { c.Cell with
                Seconds = 0.0
                SecondsToTarget = None
            }
    }

let ``a tiny bounce study runs to the end, matches against the radial solutions, fails them, and resumes``
    ()
    =
    let dir = temp ()
    let none = fun _ _ -> ()

    let result, cells, ran =
        BounceStudyRun.run tiny EcdPde.Runs.TaskBatch.inProcess dir 2 none

    Assert.Equal(4, ran)
    Assert.Equal(4, cells.Length)

    // the radial solutions of the paper's PDE at k = 2: sin²(kr²) with u(0) = 0 and the bowl with u(0) = −9.2977
    // (docs/studies.md, by shooting)
    let classical = result.Classical |> List.exactlyOne
    Assert.Equal(2, classical.Solutions.Length)
    let centres = classical.Solutions |> List.map centreOf |> List.sort
    Assert.InRange(centres[0], -9.31, -9.28)
    Assert.InRange(centres[1], -1e-3, 1e-3)

    for c in cells do
        // every stage ran to its budget: no stop at a solution, the polish after the BBI run
        Assert.Equal<int64 list>([ 40L; 50L ], c.Stages |> List.map _.Steps)
        let bbi = c.Stages.Head
        Assert.Equal((if c.Cell.Solver.Contains "Nb=2" then 2L else 0L), bbi.Bounces)
        Assert.Equal(0L, c.Stages[1].Bounces)

        for st in c.Stages do
            let a = st.Assessment
            // 50 steps cannot pass the gates: the matching fails, and says why
            Assert.False(a.GatesPass)
            Assert.Equal(FailedGate, ending tiny.MatchTolerance a)
            Assert.Contains("above the gate", a.Verdict)
            Assert.Equal(2, a.Distances.Length)
            Assert.Equal(a.Nearest, a.Distances.Head.Solution)
            Assert.True(a.Distances.Head.Distance <= a.Distances[1].Distance)
            Assert.Equal(a.Distance, a.Distances.Head.Distance)

        Assert.False(c.Cell.Success)
        Assert.True(c.Cell.Solution.IsNone)

    // the two seeds of the bouncing schedule differ (their bounces do), those of the schedule without bounces do not
    let finals (label: string) =
        cells
        |> List.filter (fun c -> c.Cell.Solver.Contains label)
        |> List.map (fun c -> c.Stages.Head.Loss)

    let bouncing, still = finals "Nb=2", finals "Nb=0"
    Assert.NotEqual(bouncing[0], bouncing[1])
    Assert.Equal(still[0], still[1])

    // one row per schedule and phase, every run counted once: all of them at "none"
    Assert.Equal(4, result.Rows.Length)

    for r in result.Rows do
        Assert.Equal(2, r.Runs)
        Assert.Equal(2, r.Counts |> List.sumBy _.Runs)
        let failed = r.Counts |> List.find (fun c -> c.Outcome = NoneOutcome)
        Assert.Equal(2, failed.Runs)
        Assert.Equal(2, r.FailedNearest |> List.sumBy _.Runs)

    Assert.Equal<BounceStudyFile.BounceCell list>(cells, BounceStudyRun.stored tiny dir)

    // the result file reads back; a rerun reads every cell back; a lost cell is rerun to the same result
    Assert.Equal<Row list>(result.Rows, (BounceStudyFile.read dir).Rows)

    let _, again, ranAgain =
        BounceStudyRun.run tiny EcdPde.Runs.TaskBatch.inProcess dir 2 none

    Assert.Equal(0, ranAgain)
    Assert.Equal<BounceStudyFile.BounceCell list>(cells, again)

    File.Delete(
        Directory.GetFiles(Path.Combine(dir, "cells"), "*Nb_2*seed01*")
        |> Array.exactlyOne
    )

    let _, third, ranThird =
        BounceStudyRun.run tiny EcdPde.Runs.TaskBatch.inProcess dir 2 none

    Assert.Equal(1, ranThird)
    Assert.Equal<BounceStudyFile.BounceCell list>(List.map untimed cells, List.map untimed third)

let private assessment gates distance : PdeProblem.Assessment =
    {
        GatesPass = gates
        Verdict =
            (if gates then
                 "accepted"
             else
                 "residual L2 2 above the gate 1")
        ResidualL2 = 0.1
        BoundaryMax = 0.01
        Centre = 0.0
        Nearest = "radial solution u(0) = 0.0000"
        Distance = distance
        Distances =
            [
                {
                    Solution = "radial solution u(0) = 0.0000"
                    Distance = distance
                }
            ]
    }

let ``an ending needs the gates and the distance; the counts carry Wilson intervals`` () =
    let at = "radial solution u(0) = 0.0000"
    let bowl = "radial solution u(0) = -9.2977"
    Assert.Equal(AtSolution at, ending 0.1 (assessment true 0.05))
    Assert.Equal(Unmatched, ending 0.1 (assessment true 0.2))
    Assert.Equal(FailedGate, ending 0.1 (assessment false 0.01))
    Assert.Equal(Unmatched, ending 0.1 (assessment true nan))

    let runs =
        List.replicate 7 (assessment true 0.05)
        @ [ assessment true 0.3; assessment false 0.05; assessment false 0.5 ]

    let counts = counts [ bowl; at ] 0.1 runs
    Assert.Equal<string list>([ bowl; at; OtherOutcome; NoneOutcome ], counts |> List.map _.Outcome)
    Assert.Equal<int list>([ 0; 7; 1; 2 ], counts |> List.map _.Runs)
    // Wilson 95% for 0 of 10: [0, z²/(n + z²)]
    let z2 = 1.959963984540054 ** 2.0
    Assert.Equal(0.0, counts[0].Low)
    Assert.Equal(z2 / (10.0 + z2), counts[0].High, 12)
    Assert.True(counts[1].Low < 0.7 && 0.7 < counts[1].High)

let ``a run that stopped before its polish ends where it stopped`` () =
    let stage i : StudyCell.StageEnd =
        {
            Stage = i
            Optimizer = (if i = 0 then "bbi" else "lbfgs")
            Steps = int64 (100 * (i + 1))
            Bounces = 0L
            Loss = 1.0
            Assessment = assessment false 0.5
        }

    let both = [ stage 0; stage 1 ]
    Assert.Equal(Some 0, stageOf Trained both |> Option.map _.Stage)
    Assert.Equal(Some 1, stageOf Polished both |> Option.map _.Stage)
    Assert.Equal(Some 0, stageOf Polished [ stage 0 ] |> Option.map _.Stage)

let ``bad bounce settings are refused, naming the field`` () =
    let check (s: BounceSettings) (text: string) =
        let e = Assert.ThrowsAny<ArgumentException>(fun () -> validate s |> ignore)
        Assert.Contains(text, e.Message)

    check { tiny with Ks = [] } "no values of k"
    check { tiny with Ks = [ 2.0; -1.0 ] } "k must be > 0 (got -1)"
    check { tiny with Ks = [ 2.0; 2.0 ] } "repeated"
    check { tiny with Schedules = [] } "no bounce schedules"
    check { tiny with Seeds = 0 } "seeds must be at least 1"
    check { tiny with Steps = 0L } "steps must be at least 1"
    check { tiny with PolishSteps = -1L } "polish steps"
    check { tiny with MatchTolerance = 0.0 } "match tolerance"
    check { tiny with Lr = 0.0 } "learning rate"
    // a schedule BBI refuses is refused when the study is built, naming the hyperparameter
    let bad =
        { tiny with
            Schedules =
                [
                    { tiny.Schedules.Head with
                        Threshold0 = 0L
                    }
                ]
        }

    let e = Assert.ThrowsAny<ArgumentException>(fun () -> study bad |> ignore)
    Assert.Contains("threshold0", e.Message)

[<Tests>]
let tests =
    testList
        "BounceStudyTests"
        [
            testCase
                "a tiny bounce study runs to the end, matches against the radial solutions, fails them, and resumes"
                ``a tiny bounce study runs to the end, matches against the radial solutions, fails them, and resumes``
            testCase
                "an ending needs the gates and the distance; the counts carry Wilson intervals"
                ``an ending needs the gates and the distance; the counts carry Wilson intervals``
            testCase
                "a run that stopped before its polish ends where it stopped"
                ``a run that stopped before its polish ends where it stopped``
            testCase
                "bad bounce settings are refused, naming the field"
                ``bad bounce settings are refused, naming the field``
        ]
    |> testSequencedGroup "EcdPde.Studies.Tests.BounceStudyTests"
