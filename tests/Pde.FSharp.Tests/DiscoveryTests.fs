/// The discovery machinery: quality gates, deduplication, solutions.json, and the resumable ensemble, on hand-made
/// candidates and on the two-basin function (two known minima, reached from one start by BBI bounces).
module Pde.FSharp.Tests.DiscoveryTests

open System
open System.IO
open System.Text.Json
open FsCheck
open FsCheck.FSharp
open Xunit
open Ecd.Core.Objectives
open Pde.Discovery
open Pde.Discovery.Solutions

let private candidate run (values: float[]) residual boundary =
    {
        Run = run
        Seed = uint64 run
        Values = values
        ResidualL2 = residual
        ResidualMax = residual
        BoundaryMax = boundary
        FinalLoss = residual
        Probes = [ 0.0, 0.0, values[0] ]
        Theta = [||]
    }

let private gates =
    {
        MaxResidualL2 = 1e-2
        MaxBoundary = 1e-2
    }

let private w = Array.create 4 0.25

[<Fact>]
let ``gates reject unconverged runs and deduplication groups the rest`` () =
    let a = [| 1.0; 2.0; 3.0; 4.0 |]
    let b = [| -1.0; 0.0; 1.0; 0.0 |]

    let cs =
        [
            candidate 0 a 1e-3 1e-4
            candidate 1 (Array.map ((*) 1.001) a) 5e-4 1e-4 // same solution, better residual
            candidate 2 b 1e-3 1e-4
            candidate 3 a 0.5 1e-4 // residual above the gate
            candidate 4 b 1e-3 0.2 // boundary above the gate
            candidate 5 (Array.create 4 nan) nan nan
            candidate 6 (Array.map ((*) 0.999) b) 1e-3 1e-4
        ]

    let solutions, rejected = classify gates w 0.05 1e-12 cs
    Assert.Equal(2, solutions.Length)
    Assert.Equal<int list>([ 0; 1 ], solutions[0].Members |> List.map (fun c -> c.Run))
    Assert.Equal(1, solutions[0].Representative.Run)
    Assert.Equal<int list>([ 2; 6 ], solutions[1].Members |> List.map (fun c -> c.Run))
    Assert.Equal<int list>([ 3; 4; 5 ], rejected |> List.map (fun (c, _) -> c.Run))
    Assert.Contains("residual", snd rejected[0])
    Assert.Contains("boundary", snd rejected[1])
    Assert.Equal(4.004, solutions[0].MaxAbs, 9)

[<Fact>]
let ``relative distance is symmetric, zero on equal fields and at most 2`` () =
    let gen =
        Gen.arrayOfLength 4 (Gen.choose (-1000, 1000) |> Gen.map (fun i -> float i / 100.0))

    let prop (a: float[], b: float[]) =
        let d = relativeDistance w 1e-12 a b

        abs (d - relativeDistance w 1e-12 b a) < 1e-12
        && relativeDistance w 1e-12 a a = 0.0
        && d <= 2.0 + 1e-12

    Check.One(Config.QuickThrowOnFailure.WithMaxTest 200, Prop.forAll (Arb.fromGen (Gen.zip gen gen)) prop)

[<Fact>]
let ``solutions.json has the problem, the solutions with their statistics and probes, and the unconverged runs``
    ()
    =
    let dir =
        Path.Combine(Path.GetTempPath(), "ecdpde-sol-" + Guid.NewGuid().ToString("N"))

    let cs =
        [
            candidate 0 [| 1.0; 2.0; 3.0; 4.0 |] 1e-3 1e-4
            candidate 1 [| 0.0; 0.0; 0.0; 9.0 |] 1.0 1.0
        ]

    let solutions, rejected = classify gates w 0.05 1e-12 cs

    let path =
        SolutionsJson.write dir (SolutionsJson.document "toy" [ "k", 2.0 ] solutions rejected)

    use doc = JsonDocument.Parse(File.ReadAllText path)
    let root = doc.RootElement
    Assert.Equal("toy", root.GetProperty("problem").GetProperty("name").GetString())
    Assert.Equal(2.0, root.GetProperty("problem").GetProperty("k").GetDouble())
    let s = root.GetProperty("solutions").EnumerateArray() |> Seq.head

    for key in [ "runs"; "residual_l2"; "boundary_max"; "max_abs"; "probes" ] do
        let found, _ = s.TryGetProperty key
        Assert.True(found, key)

    Assert.Equal(1, s.GetProperty("runs").GetInt32())
    Assert.Equal(4.0, s.GetProperty("max_abs").GetDouble())
    let probe = s.GetProperty("probes").EnumerateArray() |> Seq.head
    Assert.Equal(1.0, probe.GetProperty("u").GetDouble())
    Assert.Equal(1, root.GetProperty("unconverged").GetArrayLength())

[<Fact>]
let ``fields near the zero solution are compared absolutely below the distance floor`` () =
    let w = Array.create 4 0.25
    let zero = Array.zeroCreate 4
    let small = [| 0.03; -0.02; 0.01; 0.0 |]
    let large = [| 0.9; 0.8; 0.7; 0.6 |]

    let cs =
        [
            candidate 0 zero 1e-3 1e-4
            candidate 1 small 1e-3 1e-4
            candidate 2 large 1e-3 1e-4
        ]

    // relative to their own tiny norms, 0 and a small field are as far apart as can be
    Assert.Equal(3, (fst (classify gates w 0.1 1e-12 cs)).Length)
    // relative to the field's typical magnitude 1 they are the same solution; the large field stays distinct
    let solutions, _ = classify gates w 0.1 1.0 cs
    Assert.Equal(2, solutions.Length)
    Assert.Equal<int list>([ 0; 1 ], solutions[0].Members |> List.map (fun c -> c.Run))

    Assert.Throws<ArgumentException>(fun () -> deduplicate w 0.1 0.0 [] |> ignore)
    |> ignore

let private twoBasin () : Ensemble.EnsembleProblem =
    let f = TwoBasin<float>()

    {
        Name = "two-basin"
        Parameters = []
        InitialTheta = fun _ -> [| 10.0; -10.0 |]
        Objective = fun () -> f
        Measure =
            fun theta ->
                let loss = f.Evaluate(ReadOnlySpan theta, Span(Array.zeroCreate 2))

                {
                    Values = Array.copy theta
                    ResidualL2 = loss
                    ResidualMax = loss
                    BoundaryMax = 0.0
                    Probes = [ theta[0], theta[1], loss ]
                }
        Weights = [| 1.0; 1.0 |]
    }

let private settings dir runs : Ensemble.EnsembleSettings =
    {
        Runs = runs
        Steps = 20_000L
        Optimizer = "bbi"
        Settings =
            [
                "lr", "0.01"
                "threshold0", "20"
                "threshold", "750"
                "v0", "0.001"
                "nFixedBounces", "1"
            ]
        Seed = 11UL
        Parallel = 2
        OutDir = dir
        CheckpointEvery = 5_000L
    }

[<Fact>]
let ``an ensemble from one start finds both basins as distinct solutions, and a rerun redoes nothing`` () =
    let dir =
        Path.Combine(Path.GetTempPath(), "ecdpde-ens-" + Guid.NewGuid().ToString("N"))

    let problem = twoBasin ()
    let first = Ensemble.run problem (settings dir 12) ignore

    let solutions, rejected =
        classify
            {
                MaxResidualL2 = 1e-2
                MaxBoundary = 1.0
            }
            problem.Weights
            0.1
            1e-12
            first

    Assert.Empty(rejected)
    Assert.Equal(2, solutions.Length)
    Assert.Equal(12, solutions |> List.sumBy (fun s -> s.Members.Length))

    for s in solutions do
        let x = s.Representative.Values

        Assert.True(
            abs (abs x[0] - 2.0) < 0.1 && abs (x[0] - x[1]) < 0.1,
            sprintf "a solution at (%g, %g)" x[0] x[1]
        )

    let mutable calls = 0

    let counting =
        { problem with
            Objective =
                fun () ->
                    calls <- calls + 1
                    problem.Objective()
        }

    let again = Ensemble.run counting (settings dir 12) ignore
    Assert.Equal(0, calls)
    Assert.Equal<float[] list>(first |> List.map (fun c -> c.Values), again |> List.map (fun c -> c.Values))

[<Fact>]
let ``an interrupted run resumes from its checkpoint and ends exactly where an uninterrupted one does`` () =
    let dir =
        Path.Combine(Path.GetTempPath(), "ecdpde-ens-" + Guid.NewGuid().ToString("N"))

    let problem = twoBasin ()
    let straight = Ensemble.run problem (settings dir 2) ignore
    // Simulate a crash of run 1 at step 15 000: keep the checkpoint of that step, drop the result.
    let run1 = Path.Combine(dir, "runs", "run-001")
    File.Delete(Path.Combine(run1, "result.json"))

    let s15 =
        { settings (dir + "-partial") 2 with
            Steps = 15_000L
        }

    Ensemble.run problem s15 ignore |> ignore

    File.Copy(
        Path.Combine(dir + "-partial", "runs", "run-001", "state.json"),
        Path.Combine(run1, "state.json"),
        true
    )

    let resumed = Ensemble.run problem (settings dir 2) ignore
    Assert.Equal<float[]>(straight[1].Values, resumed[1].Values)
    let trace = File.ReadAllLines(Path.Combine(run1, "trace.csv"))
    Assert.Equal(20_002, trace.Length) // header + steps 0…20 000

[<Fact>]
let ``bad ensemble settings are refused`` () =
    Assert.Throws<ArgumentException>(fun () ->
        Ensemble.run (twoBasin ()) { settings "x" 0 with Runs = 0 } ignore |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> deduplicate w 0.0 1e-12 [] |> ignore)
    |> ignore

[<Fact>]
let ``the deflated objective's gradient matches central differences and it multiplies the loss by the factor squared``
    ()
    =
    let net =
        Ecd.Core.Engine.Network<float>(
            Ecd.Core.Engine.NetworkSpec.Mlp(2, [| 5 |], 1, Ecd.Core.Engine.Activation.Tanh),
            0UL
        )

    let theta = net.NewParameters 3UL
    let r = Ecd.Core.Randomness.Xoshiro256.FromSeed 4UL
    let points = Array.init 40 (fun _ -> r.NextUniform(-1.0, 1.0))

    let known =
        [
            Array.init 20 (fun _ -> r.NextNormal())
            Array.init 20 (fun _ -> 0.3 * r.NextNormal())
        ]

    let inner = Quadratic<float>(net.ParameterCount, 3.0)

    use deflated =
        new Deflation.DeflatedObjective(inner, net, points, known, 2.0, 1.0, 0, None)

    let f = deflated :> IObjective<float>
    let g = Array.zeroCreate net.ParameterCount
    let value = f.Evaluate(ReadOnlySpan theta, Span g)

    let plain =
        inner.Evaluate(ReadOnlySpan theta, Span(Array.zeroCreate net.ParameterCount))

    let m = deflated.Factor(ReadOnlySpan theta)
    Assert.True(m > 1.0)
    Assert.Equal(m * m * plain, value, 10)
    let h = 1e-6

    for q in 0 .. net.ParameterCount - 1 do
        let tp = Array.copy theta
        let tm = Array.copy theta
        tp[q] <- tp[q] + h
        tm[q] <- tm[q] - h
        let scratch = Array.zeroCreate net.ParameterCount

        let fd =
            (f.Evaluate(ReadOnlySpan tp, Span scratch)
             - f.Evaluate(ReadOnlySpan tm, Span scratch))
            / (2.0 * h)

        Assert.True(abs (fd - g[q]) <= 1e-6 * max 1.0 (abs fd), sprintf "θ[%d]: %g vs %g" q g[q] fd)

    Assert.Throws<ArgumentException>(fun () ->
        new Deflation.DeflatedObjective(inner, net, points, [ [| 1.0 |] ], 2.0, 1.0, 0, None)
        |> ignore)
    |> ignore

[<Fact>]
let ``a deflated loss grows without bound towards a known solution (the loss is multiplied by M squared)``
    ()
    =
    // the inner loss vanishes quadratically at θ = 0, where the network is u = 0 (the known solution): with M·L the
    // deflated loss would tend to a constant along a line into θ = 0, with M²·L it grows like 1/t²
    let net =
        Ecd.Core.Engine.Network<float>(
            Ecd.Core.Engine.NetworkSpec.Mlp(2, [| 5 |], 1, Ecd.Core.Engine.Activation.Tanh),
            0UL
        )

    let r = Ecd.Core.Randomness.Xoshiro256.FromSeed 9UL
    let points = Array.init 40 (fun _ -> r.NextUniform(-1.0, 1.0))
    let direction = Array.init net.ParameterCount (fun _ -> r.NextNormal())
    let inner = Quadratic<float>(net.ParameterCount, 3.0)

    use deflated =
        new Deflation.DeflatedObjective(inner, net, points, [ Array.zeroCreate 20 ], 2.0, 1.0, 0, None)

    let at t =
        (deflated :> IObjective<float>)
            .Evaluate(ReadOnlySpan(direction |> Array.map ((*) t)), Span(Array.zeroCreate net.ParameterCount))

    let values = [ 1e-1; 1e-2; 1e-3; 1e-4 ] |> List.map at

    for a, b in List.pairwise values do
        Assert.InRange(b / a, 50.0, 200.0)

[<Fact>]
let ``discovery on the paper's PDE finds both classical solutions from one initialization, and a rerun reads the runs back``
    ()
    =
    let dir =
        Path.Combine(Path.GetTempPath(), "ecdpde-disc-" + Guid.NewGuid().ToString("N"))

    let example = Examples.paperPde Examples.Default 2.0

    let optimizer, settings =
        example.Defaults.Optimizer, example.Defaults.OptimizerSettings

    let s: Workflow.Settings =
        {
            Runs = 1
            Steps = 3000L
            Optimizer = optimizer
            OptimizerSettings = settings
            DeflationOptimizer = example.Defaults.DeflationOptimizer
            DeflationOptimizerSettings = example.Defaults.DeflationOptimizerSettings
            DeflationSteps = 3000L
            PolishSteps = 200L
            PolishOptimizer = Examples.polishOptimizer
            Seed = 0UL
            Initialization = Workflow.Shared
            Threads = 0
            OutDir = dir
            DeflationRounds = 1
            DeflationRuns = 1
            Threshold = 0.1
        }

    let outcome = Workflow.run example s ignore
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

    Assert.Equal(example.Points.Interior, (radii "interior").Length)
    Assert.Equal(example.Points.Boundary, (radii "boundary").Length)
    Assert.All(radii "interior", fun r -> Assert.True(r < 1.0, sprintf "interior point at r = %g" r))
    Assert.All(radii "boundary", fun r -> Assert.Equal(1.0, r, 9))
    // the report: both solutions' heatmaps, the table, every run's curves, nothing external
    let html = File.ReadAllText(EcdPde.Reports.DiscoveryReport.write dir)
    Assert.Contains("solution 2", html)
    Assert.Contains("radial solution u(0) = -9.29", html)
    // the collocation points; per solution a heatmap, a residual map and a surface; then loss and energy
    Assert.Equal(1 + 2 * 3 + 2, PageChecks.figureCount html)
    Assert.Contains("\"interior (1000)\"", html)
    Assert.Contains("\"boundary (200)\"", html)
    Assert.Contains("PDE residual, solution 2", html)
    PageChecks.assertSelfContained html
    let clock = Diagnostics.Stopwatch.StartNew()
    let again = Workflow.run example s ignore
    Assert.Equal(outcome.Found.Length, again.Found.Length)

    Assert.True(
        clock.Elapsed.TotalSeconds < 20.0,
        "the rerun should read the finished runs back, not train again"
    )
