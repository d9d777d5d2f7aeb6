/// PDE examples as study problems, the multi-solution study's bookkeeping, and the compare report's charts.
module Pde.FSharp.Tests.PdeStudyTests

open System
open System.IO
open Xunit
open Pde.Discovery.Solutions
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Studies
open EcdPde.Studies.Study

let private temp () =
    Path.Combine(Path.GetTempPath(), "ecdpde-pde-study-" + Guid.NewGuid().ToString("N"))

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
                solver "bbi" "bbi" (snd (Pde.Discovery.Examples.bbi 0.002))
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

[<Fact>]
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

[<Fact>]
let ``success on a PDE problem needs the gates and the distance`` () =
    let a: PdeProblem.Assessment =
        {
            GatesPass = true
            ResidualL2 = 0.5
            BoundaryMax = 0.02
            Nearest = "radial solution"
            Distance = 0.05
        }

    Assert.True(PdeProblem.reached 0.1 a)
    Assert.False(PdeProblem.reached 0.01 a)
    Assert.False(PdeProblem.reached 0.1 { a with GatesPass = false })
    Assert.False(PdeProblem.reached 0.1 { a with Distance = nan })

[<Fact>]
let ``invalid PDE problems give clear errors`` () =
    let check (p: Problem) (precision: string) (texts: string list) =
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

[<Fact>]
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
    {
        MaxResidualL2 = 1.0
        MaxBoundary = 0.1
    }

let private candidate run (values: float[]) residual : Candidate =
    {
        Run = run
        Seed = 0UL
        Values = values
        ResidualL2 = residual
        ResidualMax = residual
        BoundaryMax = 0.01
        FinalLoss = residual
        Probes = []
        Theta = [||]
    }

[<Fact>]
let ``multi-solution bookkeeping: a budget counts the first runs, matches them to the classical solutions and sums their costs``
    ()
    =
    let near (v: float[]) = v |> Array.map (fun x -> x * 1.01)

    let candidates =
        [
            // given out of order: the tally sorts by run id (round × 1000 + index)
            candidate 1000 (near solB) 0.4 // deflation round 1: the second solution
            candidate 0 (near solA) 0.3
            candidate 1 solA 0.2 // the same solution again
            candidate 2000 [| 3.0; 0.0; 0.0; 0.0 |] 0.5 // a distinct field that is no classical solution
            candidate 3000 solB 5.0 // fails the residual gate
        ]

    let costs =
        [ 0; 1; 1000; 2000 ]
        |> List.map (fun r ->
            r,
            ({
                Run = r
                Seconds = 2.0
                Evaluations = 101L
            }
            : MultiSolution.RunCost))
        |> Map.ofList

    let tally =
        MultiSolution.tally gates weights 0.1 0.1 classical 100L costs candidates

    let one = tally 1
    Assert.Equal(Some 100L, one.BudgetSteps)
    Assert.Equal(1, one.RunsUsed)
    Assert.Equal<string list>([ "A" ], one.Matched)
    Assert.Equal(101L, one.Evaluations)
    Assert.Equal(2.0, one.Seconds)
    let two = tally 2
    Assert.Equal(1, two.Distinct)
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

[<Fact>]
let ``the multi-solution study runs on a tiny setting, resumes, and its JSON reads back`` () =
    let settings =
        { MultiSolution.defaults with
            Problems =
                [
                    {
                        Function = "pde:paper-pde:k=2"
                        StepsPerRun = 20L
                    }
                ]
            Strategies =
                [
                    {
                        Label = "bounces"
                        Strategy = MultiSolution.Bounces
                    }
                    {
                        Label = "restarts-adam"
                        Strategy = MultiSolution.Restarts("adam", [ "lr", "0.003" ])
                    }
                    {
                        Label = "newton-sweep"
                        Strategy = MultiSolution.ClassicalNewton [ 0.0; -10.0 ]
                    }
                ]
            Budgets = [ 1; 2 ]
        }

    let dir = temp ()
    let o = MultiSolution.run settings dir 2 ignore
    // 2 PINN strategies × 2 budgets + 1 classical row
    Assert.Equal(5, o.Rows.Length)
    let newton = o.Rows |> List.find (fun r -> r.Strategy = "newton-sweep")
    // from u ≡ 0 and u ≡ −10 deflated Newton finds both radial solutions, each matching a classical one
    Assert.Equal(2, newton.Matched.Length)
    Assert.Equal(2, (snd o.Classical.Head).Length)

    for r in o.Rows |> List.filter (fun r -> r.BudgetRuns.IsSome) do
        Assert.Equal(r.BudgetRuns.Value, r.RunsUsed)
        // 20 steps do not pass the gates
        Assert.Equal(0, r.Distinct)
        Assert.Equal(int64 r.RunsUsed * 21L, r.Evaluations)
        Assert.True(r.Seconds > 0.0)

    Assert.True(File.Exists(Path.Combine(dir, "paper-pde_k=2", "bounces", "seed-0", "run-costs.json")))
    let again = MultiSolution.run settings dir 2 ignore

    let strip (rows: MultiSolution.Row list) =
        rows |> List.map (fun r -> { r with Seconds = 0.0 })

    Assert.Equal<MultiSolution.Row list>(strip o.Rows, strip again.Rows)
    // PINN rows keep the seconds measured the first time
    Assert.Equal<float list>(
        o.Rows
        |> List.filter (fun r -> r.BudgetRuns.IsSome)
        |> List.map (fun r -> r.Seconds),
        again.Rows
        |> List.filter (fun r -> r.BudgetRuns.IsSome)
        |> List.map (fun r -> r.Seconds)
    )

    let path = CompareReport.multiSolutionFile dir
    File.WriteAllText(path, (MultiSolution.toJson o).ToJsonString())
    let classicalBack, rowsBack = MultiSolution.read path
    Assert.Equal<(string * string list) list>(o.Classical, classicalBack)
    Assert.Equal<MultiSolution.Row list>(o.Rows, rowsBack)
    let html = File.ReadAllText(CompareReport.write dir)
    Assert.Contains("Distinct solutions found, paper-pde k=2", html)
    Assert.Contains("newton-sweep (classical): 2", html)

[<Fact>]
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

let synthetic =
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

let private count (text: string) (what: string) =
    (text.Length - text.Replace(what, "").Length) / what.Length

[<Fact>]
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

[<Fact>]
let ``the study report draws profiles, convergence bands and the success table`` () =
    let dir = temp ()
    Directory.CreateDirectory dir |> ignore
    BuiltInStudies.write synthetic (CompareReport.studyFile dir)
    StudyRunner.run synthetic dir 2 (fun _ _ -> ()) |> ignore
    let html = File.ReadAllText(CompareReport.write dir)
    Assert.Contains("Performance profile, study plots", html)
    Assert.Contains("Data profile, study plots", html)
    Assert.Contains("Convergence on quad", html)
    Assert.Contains("95% Wilson interval", html)
    Assert.Contains("Deterministic solvers (gdm) ran once per start", html)
    PageChecks.assertSelfContained html
    let figures = PageChecks.figures html
    Assert.Equal(3, figures.Length)
    // two solvers: a median line and an interquartile band each in the convergence chart
    let convergence = PageChecks.traces figures[2]

    Assert.Equal(
        2,
        convergence
        |> List.filter (fun t -> PageChecks.str "fill" t = "toself")
        |> List.length
    )

    Assert.Equal(
        2,
        convergence
        |> List.filter (fun t -> PageChecks.str "fill" t = "")
        |> List.length
    )

    Assert.Equal("log", PageChecks.str "type" ((PageChecks.at [ "layout"; "xaxis" ] (figures[0]))))

    let empty = temp ()
    Directory.CreateDirectory empty |> ignore

    Assert.Throws<InvalidDataException>(fun () -> CompareReport.write empty |> ignore)
    |> ignore

[<Fact>]
let ``a band is a closed shaded trace along the upper curve and back along the lower one`` () =
    let t =
        Plot.bandTrace "IQR <q>" "#1f77b4" [| 1.0; 2.0; 3.0 |] [| 0.0; 0.5; 1.0 |] [| 1.0; 2.0; 3.0 |]
        |> List.singleton
        |> Plotly.NET.GenericChart.ofTraceObjects false
        |> Plot.data
        |> PageChecks.traces
        |> List.head

    Assert.Equal("toself", PageChecks.str "fill" t)
    Assert.Equal("IQR &lt;q&gt;", PageChecks.str "legendgroup" t)

    let values (key: string) =
        PageChecks.numbers (PageChecks.at [ key ] t)

    Assert.Equal<float[]>([| 1.0; 2.0; 3.0; 3.0; 2.0; 1.0 |], values "x")
    Assert.Equal<float[]>([| 1.0; 2.0; 3.0; 1.0; 0.5; 0.0 |], values "y")

[<Fact>]
let ``the multi-solution chart has a line per PINN strategy and a rule per classical one`` () =
    let row strategy budget matched : MultiSolution.Row =
        {
            Problem = "p"
            Strategy = strategy
            Seed = 0
            BudgetRuns = budget
            BudgetSteps = budget |> Option.map (fun b -> int64 b * 100L)
            RunsUsed = 1
            Converged = 1
            Distinct = List.length matched
            Matched = matched
            Nearest = []
            Seconds = 1.0
            Evaluations = 100L
        }

    let rows =
        [
            row "bounces" (Some 1) [ "A" ]
            row "bounces" (Some 2) [ "A" ]
            row "deflation" (Some 1) [ "A" ]
            row "deflation" (Some 2) [ "A"; "B" ]
            row "newton" None [ "A" ]
        ]

    let fig = Plot.data (CompareReport.multiSolutionChart "p" 2 rows)

    let lines =
        PageChecks.traces fig
        |> List.filter (fun t -> PageChecks.str "mode" t = "lines+markers")

    Assert.Equal<string list>([ "bounces"; "deflation" ], lines |> List.map (PageChecks.str "name"))
    Assert.Equal("log", PageChecks.str "type" ((PageChecks.at [ "layout"; "xaxis" ] (fig))))
    let shapes = ((PageChecks.at [ "layout"; "shapes" ] (fig))).ToJsonString()
    Assert.Contains("newton (classical): 1", shapes)
    Assert.Contains("known: 2", shapes)

    let headers, table =
        CompareReport.multiSolutionTable
            [ "p", [ "B-solution"; "A-solution" ] ]
            (rows
             |> List.map (fun r ->
                 { r with
                     Matched = r.Matched |> List.map (fun m -> m + "-solution")
                 }))

    Assert.Equal(5, table.Length)
    // named by their letters in the classical list
    Assert.Equal("B, A", table[3][headers |> List.findIndex ((=) "which")])
