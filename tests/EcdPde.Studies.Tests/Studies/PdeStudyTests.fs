/// PDE examples as study problems, the multi-solution study's bookkeeping, and the compare report's charts.
module EcdPde.Studies.Tests.PdeStudyTests

open System
open System.IO
open Xunit
open Expecto
open Pde.Discovery.Solutions
open EcdPde.Runs
open EcdPde.Studies
open EcdPde.Studies.Study

let private temp () = TempFolders.path "ecdpde-pde-study-"

let private solver label optimizer settings =
    {
        Label = label
        Stages =
            [
                {
                    Optimizer = optimizer
                    Settings = settings
                    Share = 1.0
                }
            ]
    }

/// The paper's PDE (k = 2) from one initialization, Adam (deterministic) and BBI with two seeds, 30 steps.
let private tinyPde =
    {
        Name = "tiny-pde"
        Problems = [ pdeProblem "paper" "pde:paper-pde:k=2" 1 0.1 ]
        Solvers =
            [
                solver "adam" "adam" [ "lr", "0.003" ]
                solver "bbi" "bbi" (snd (Pde.Discovery.DiscoverySettings.bbi 0.002))
            ]
        Seeds = 2
        Steps = 30L
        WallSeconds = None
        Precision = "float64"
        Seed = 3UL
    }

let private untimed (r: StudyRunner.CellResult) =
    { r with
        Seconds = 0.0
        SecondsToTarget = r.SecondsToTarget |> Option.map (fun _ -> 0.0)
    }

let ``a PDE study cell on a tiny budget runs, records its history and distance, and resumes`` () =
    let dir = temp ()
    let first, ran = StudyRunner.run tinyPde dir 2 (fun _ _ -> ())
    // Adam is deterministic (one cell), BBI has two seeds
    Assert.Equal(3, ran)
    Assert.Equal(3, first.Length)

    for r in first do
        Assert.Equal(30L, r.Steps)
        Assert.False(r.Success, "30 steps cannot pass the quality gates")
        Assert.True(r.Solution.IsNone)
        // the distance to the nearest classical solution is measured at the end
        Assert.True(r.Distance |> Option.exists (fun d -> d > 0.1 && d < 2.0), sprintf "%A" r.Distance)
        Assert.Equal(30L, r.History[r.History.Length - 1].Step)

        Assert.True(
            r.History
            |> Array.pairwise
            |> Array.forall (fun (a, b) -> b.BestLoss <= a.BestLoss),
            "the best loss never increases"
        )

    let again, ranAgain = StudyRunner.run tinyPde dir 2 (fun _ _ -> ())
    Assert.Equal(0, ranAgain)
    Assert.Equal<StudyRunner.CellResult list>(first, again)

    File.Delete(
        Directory.GetFiles(Path.Combine(dir, "cells"), "*bbi*seed01*")
        |> Array.exactlyOne
    )

    let third, ranThird = StudyRunner.run tinyPde dir 2 (fun _ _ -> ())
    Assert.Equal(1, ranThird)
    Assert.Equal<StudyRunner.CellResult list>(List.map untimed first, List.map untimed third)

let ``success on a PDE problem needs the gates and the distance`` () =
    let a: PdeProblem.Assessment =
        {
            GatesPass = true
            Verdict = "accepted"
            ResidualL2 = 0.5
            BoundaryMax = 0.02
            Centre = 0.0
            Nearest = "radial solution"
            Distance = 0.05
            Distances =
                [
                    {
                        Solution = "radial solution"
                        Distance = 0.05
                    }
                ]
        }

    Assert.True(PdeProblem.reached 0.1 a)
    Assert.False(PdeProblem.reached 0.01 a)
    Assert.False(PdeProblem.reached 0.1 { a with GatesPass = false })
    Assert.False(PdeProblem.reached 0.1 { a with Distance = nan })

let ``invalid PDE problems give clear errors`` () =
    let check (p: StudyProblem) (precision: string) (texts: string list) =
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () ->
                validate
                    { tinyPde with
                        Problems = [ p ]
                        Precision = precision
                    }
                |> ignore)

        for t in texts do
            Assert.Contains(t, e.Message)

    let ok = tinyPde.Problems.Head

    check
        { ok with Function = "pde:poisson" }
        "float64"
        [ "unknown PDE example 'poisson'"; "pde:bratu:lambda=" ]

    check { ok with Function = "pde:bratu:k=2" } "float64" [ "'lambda'"; "got 'k'" ]

    check
        { ok with
            Function = "pde:paper-pde:k=abc"
        }
        "float64"
        [ "must be a number"; "abc" ]

    check
        { ok with
            Function = "pde:paper-pde:k=-1"
        }
        "float64"
        [ "k must be > 0" ]

    check { ok with Function = "pde:paper-pde:k" } "float64" [ "k=VALUE" ]
    check { ok with Starts = Fixed [ 0.0 ] } "float64" [ "initializations" ]
    check { ok with Starts = Initializations 0 } "float64" [ "at least 1 initialization" ]
    check { ok with Target = 0.0 } "float64" [ "distance tolerance" ]
    check ok "float32" [ "float64" ]

    check
        {
            Name = "q"
            Function = "quadratic"
            Dim = 2
            Starts = Initializations 2
            Target = 1e-6
        }
        "float64"
        [ "PDE examples only" ]

    check
        {
            Name = "q"
            Function = "no-such-function"
            Dim = 2
            Starts = Fixed [ 0.0 ]
            Target = 1e-6
        }
        "float64"
        [ "no-such-function"; "pde:paper-pde:k=2" ]

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () ->
            validate { tinyPde with Problems = [ ok; ok ] } |> ignore)

    Assert.Contains("two problems are named 'paper'", e.Message)

let ``a study with a PDE problem survives the study file round trip`` () =
    let path = temp () + ".json"
    BuiltInStudies.write tinyPde path
    let back = BuiltInStudies.read path |> validate
    Assert.Equal(tinyPde, back)
    let pinn = BuiltInStudies.resolve "pinn" |> validate
    Assert.Equal(Initializations 2, pinn.Problems.Head.Starts)

// ---------------------------------------------------------------------------------------------
// The multi-solution study's bookkeeping
let private weights = Array.create 4 0.25
let private solA = [| 1.0; 1.0; 1.0; 1.0 |]
let private solB = [| -5.0; -5.0; -5.0; -5.0 |]
let private classical = [ "A", solA; "B", solB ]

let private gates =
    { QualityGates.Default with
        MaxResidualL2 = Some 1.0
        MaxBoundary = Some 0.1
    }

let private candidate (round, index) (values: float[]) residual : Candidate =
    {
        Run = { Round = round; Index = index }
        Seed = 0UL
        Values = values
        ResidualL2 = residual
        ResidualMax = residual
        ResidualScale = 1.0
        BoundaryMax = 0.01
        BoundaryScale = 1.0
        FinalLoss = residual
        Probes = []
        Theta = [||]
    }

let ``multi-solution bookkeeping: a budget counts the first runs, matches them to the classical solutions and sums their costs``
    ()
    =
    let near (v: float[]) = v |> Array.map (fun x -> x * 1.01)

    let candidates =
        [
            // given out of order: the tally sorts by run id (round, then index)
            candidate (1, 0) (near solB) 0.4 // deflation round 1: the second solution
            candidate (0, 0) (near solA) 0.3
            candidate (0, 1) solA 0.2 // the same solution again
            candidate (2, 0) [| 3.0; 0.0; 0.0; 0.0 |] 0.5 // a distinct field that is no classical solution
            candidate (3, 0) solB 5.0 // fails the residual gate
        ]

    let costs =
        [ 0, 0; 0, 1; 1, 0; 2, 0 ]
        |> List.map (fun (round, index) ->
            { Round = round; Index = index },
            ({
                Run = { Round = round; Index = index }
                Seconds = 2.0
                Evaluations = 101L
                CpuSeconds = 1.5
            }
            : RunCosts.RunCost))
        |> Map.ofList

    // Newton from a run's field: runs (0, 0), (0, 1) certify to A, run (1, 0) to B, and run (3, 0), which fails a gate,
    // to B as well; run (2, 0) does not certify
    let certify (c: Candidate) =
        match c.Run.Round, c.Run.Index with
        | 0, _ -> Some solA
        | 1, _
        | 3, _ -> Some(near solB)
        | _ -> None

    let tally =
        MultiSolutionTally.tally certify gates weights 0.1 0.1 classical 100L costs candidates

    let one = tally 1
    Assert.Equal(Some 100L, one.BudgetSteps)
    Assert.Equal(1, one.RunsUsed)
    Assert.Equal<string list>([ "A" ], one.Matched)
    Assert.Equal(101L, one.Evaluations)
    Assert.Equal(2.0, one.Seconds)
    Assert.Equal(1.5, one.CpuSeconds)
    Assert.Equal(1, one.Certified)
    let two = tally 2
    Assert.Equal(1, two.Distinct)
    Assert.Equal(1, two.Certified)
    Assert.Equal<string list>([ "A" ], two.Matched)
    let three = tally 3
    Assert.Equal<string list>([ "A"; "B" ], three.Matched)
    Assert.Equal(2, three.Distinct)
    let four = tally 4
    Assert.Equal(3, four.Distinct)
    Assert.Equal(2, four.Matched.Length)
    Assert.Equal("A", fst four.Nearest[2])
    // more budget than runs: the workflow stopped by itself; the failed run counts, with an unknown cost
    let ten = tally 10
    Assert.Equal(5, ten.RunsUsed)
    Assert.Equal(4, ten.Converged)
    Assert.Equal(4L * 101L + 100L, ten.Evaluations)
    // certified: A and B once each, whatever the gates said
    Assert.Equal(2, ten.Certified)
    Assert.Equal(2, (tally 3).Certified)
    Assert.True(Double.IsNaN ten.Seconds)

    let rows =
        [
            { one with
                Problem = "p"
                Strategy = "s"
                Seed = 0
            }
            { three with
                Problem = "p"
                Strategy = "s"
                Seed = 1
                BudgetRuns = Some 1
            }
        ]

    let agg = MultiSolution.aggregate rows |> List.exactlyOne
    Assert.Equal(1.5, agg.MeanMatched)
    Assert.Equal(1, agg.MinMatched)
    Assert.Equal(2, agg.MaxMatched)
    Assert.Equal<string list>([ "A"; "B" ], agg.AnyMatched)

let ``bad multi-solution settings are refused`` () =
    let check s (text: string) =
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () -> MultiSolution.validate s |> ignore)

        Assert.Contains(text, e.Message)

    check
        { MultiSolution.defaults with
            Budgets = [ 0; 2 ]
        }
        "budgets"

    check
        { MultiSolution.defaults with
            Seeds = 0
        }
        "seeds"

    check
        { MultiSolution.defaults with
            Problems =
                [
                    {
                        Function = "pde:helmholtz"
                        StepsPerRun = 10L
                    }
                ]
        }
        "helmholtz"

    check
        { MultiSolution.defaults with
            Strategies =
                [
                    {
                        Label = "x"
                        Strategy = MultiSolution.ClassicalNewton []
                    }
                ]
        }
        "at least one guess"

// ---------------------------------------------------------------------------------------------
// Profiles and plots
let private synthetic =
    {
        Name = "plots"
        Problems =
            [
                {
                    Name = "quad"
                    Function = "quadratic"
                    Dim = 2
                    Starts = Uniform(-1.0, 1.0, 3)
                    Target = 1e-8
                }
            ]
        Solvers =
            [
                solver "gdm" "gdm" [ "lr", "0.05"; "momentum", "0.9" ]
                solver "bbi" "bbi" [ "lr", "0.01"; "v0", "0" ]
            ]
        Seeds = 2
        Steps = 400L
        WallSeconds = None
        Precision = "float64"
        Seed = 11UL
    }

let ``instance costs: a deterministic solver's run stands for every seed of its start`` () =
    let results, _ = StudyRunner.run synthetic (temp ()) 2 (fun _ _ -> ())
    // gdm: 3 starts × 1; bbi: 3 starts × 2
    Assert.Equal(9, results.Length)
    let names, costs = StudyRunner.instanceCosts synthetic results
    Assert.Equal(6, names.Length)
    Assert.Equal(costs[0][0], costs[1][0])
    Assert.True(costs |> Array.forall (fun row -> row.Length = 2))

    let curve = StudyRunner.convergence synthetic results "quad" "bbi"
    Assert.True(curve.Length >= 2)
    Assert.True(curve |> Array.forall (fun (_, m, lo, hi) -> lo <= m && m <= hi))

    Assert.True(
        curve
        |> Array.pairwise
        |> Array.forall (fun ((_, a, _, _), (_, b, _, _)) -> b <= a)
    )

[<Tests>]
let tests =
    testList
        "PdeStudyTests"
        [
            testCase
                "a PDE study cell on a tiny budget runs, records its history and distance, and resumes"
                ``a PDE study cell on a tiny budget runs, records its history and distance, and resumes``
            testCase
                "success on a PDE problem needs the gates and the distance"
                ``success on a PDE problem needs the gates and the distance``
            testCase "invalid PDE problems give clear errors" ``invalid PDE problems give clear errors``
            testCase
                "a study with a PDE problem survives the study file round trip"
                ``a study with a PDE problem survives the study file round trip``
            testCase
                "multi-solution bookkeeping: a budget counts the first runs, matches them to the classical solutions and sums their costs"
                ``multi-solution bookkeeping: a budget counts the first runs, matches them to the classical solutions and sums their costs``
            testCase "bad multi-solution settings are refused" ``bad multi-solution settings are refused``
            testCase
                "instance costs: a deterministic solver's run stands for every seed of its start"
                ``instance costs: a deterministic solver's run stands for every seed of its start``
        ]
    |> testSequencedGroup "EcdPde.Studies.Tests.PdeStudyTests"
