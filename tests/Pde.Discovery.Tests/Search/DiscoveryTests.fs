/// The discovery machinery: quality gates, deduplication, solutions.json, and the resumable ensemble, on hand-made
/// candidates and on the two-basin function (two known minima, reached from one start by BBI bounces).
module Pde.Discovery.Tests.DiscoveryTests

open System
open System.IO
open System.Text.Json
open FsCheck
open FsCheck.FSharp
open Xunit
open Expecto
open Ecd.Core.Objectives
open Pde.Discovery
open Pde.Discovery.Solutions

/// A candidate of run `run` with these values, residual and boundary error (scales 1), as a run that ended there.
let candidate (run: int) (values: float[]) residual boundary =
    {
        Run = { Round = 0; Index = run }
        Seed = uint64 run
        Values = values
        ResidualL2 = residual
        ResidualMax = residual
        ResidualScale = 1.0
        BoundaryMax = boundary
        BoundaryScale = 1.0
        FinalLoss = residual
        Probes = [ 0.0, 0.0, values[0] ]
        Theta = [||]
    }

let private gates =
    { QualityGates.Default with
        MaxResidualL2 = Some 1e-2
        MaxBoundary = Some 1e-2
    }

let private w = Array.create 4 0.25

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

    let solutions, rejected = classify gates w 0.05 0.0 cs
    Assert.Equal(2, solutions.Length)
    Assert.Equal<int list>([ 0; 1 ], solutions[0].Members |> List.map (fun c -> c.Run.Index))
    Assert.Equal(1, solutions[0].Representative.Run.Index)
    Assert.Equal<int list>([ 2; 6 ], solutions[1].Members |> List.map (fun c -> c.Run.Index))
    Assert.Equal<int list>([ 3; 4; 5 ], rejected |> List.map (fun (c, _) -> c.Run.Index))
    Assert.Contains("residual", snd rejected[0])
    Assert.Contains("boundary", snd rejected[1])
    Assert.Equal(4.004, solutions[0].MaxAbs, 9)

let ``relative distance is symmetric, zero on equal fields and at most 2`` () =
    let gen =
        Gen.arrayOfLength 4 (Gen.choose (-1000, 1000) |> Gen.map (fun i -> float i / 100.0))

    let prop (a: float[], b: float[]) =
        let d = relativeDistance w 1e-12 a b

        abs (d - relativeDistance w 1e-12 b a) < 1e-12
        && relativeDistance w 1e-12 a a = 0.0
        && d <= 2.0 + 1e-12

    Prop.forAll (Arb.fromGen (Gen.zip gen gen)) prop

let ``solutions.json has the problem, the solutions with their statistics and probes, and the unconverged runs``
    ()
    =
    let dir = TempFolders.path "ecdpde-sol-"

    let cs =
        [
            candidate 0 [| 1.0; 2.0; 3.0; 4.0 |] 1e-3 1e-4
            candidate 1 [| 0.0; 0.0; 0.0; 9.0 |] 1.0 1.0
        ]

    let solutions, rejected = classify gates w 0.05 0.0 cs

    let file: SolutionsFile.Solutions =
        {
            Format = SolutionsFile.format
            Problem =
                {
                    Name = "toy"
                    Parameters = Map.ofList [ "k", 2.0 ]
                    Fields = [ "u" ]
                    Definition = "a toy"
                }
            Settings =
                {
                    Optimizer = SolutionsFile.optimizer "bbi" [ "lr", "0.01" ]
                    DeflationOptimizer = SolutionsFile.optimizer "adam" []
                    PolishOptimizer = SolutionsFile.optimizer "lbfgs" []
                    Runs = 2
                    Steps = 10L
                    Seed = 0UL
                    Initialization = "shared"
                    DeflationRounds = 0
                    DeflationRuns = 1
                    DeflationSteps = 0L
                    PolishSteps = 0L
                    DistinctThreshold = 0.05
                    RelativeResidualGate = 0.05
                    RelativeBoundaryGate = 0.1
                    MaxResidualL2 = Some 1e-2
                    MaxBoundary = None
                }
            Tool = SolutionsFile.tool ()
            Solutions =
                solutions
                |> List.map (SolutionsFile.solution ("none", nan) None 0 (fun _ -> "bounces") None 4)
            Unconverged = rejected |> List.map SolutionsFile.unconverged
            StopReason = "a test"
            NearMisses = []
            AcceptedByCertification = []
            ClassicalOnly = []
            Grid = [||]
            Collocation = { Interior = [||]; Boundary = [||] }
        }

    let path = SolutionsFile.write dir file
    // the typed reader gives back what was written
    let back = SolutionsFile.read path
    Assert.Equal<RunId list>(file.Solutions[0].RunIds, back.Solutions[0].RunIds)
    Assert.True(Double.IsNaN back.Solutions[0].ClassicalCheck.RelativeL2Distance)
    use doc = JsonDocument.Parse(File.ReadAllText path)
    let root = doc.RootElement
    Assert.Equal("toy", root.GetProperty("problem").GetProperty("name").GetString())
    Assert.Equal(2.0, root.GetProperty("problem").GetProperty("parameters").GetProperty("k").GetDouble())
    Assert.Equal(SolutionsFile.format, root.GetProperty("format").GetString())
    let s = root.GetProperty("solutions").EnumerateArray() |> Seq.head

    for key in [ "runs"; "residual_l2"; "boundary_max"; "max_abs"; "probes" ] do
        let found, _ = s.TryGetProperty key
        Assert.True(found, key)

    Assert.Equal(1, s.GetProperty("runs").GetInt32())
    Assert.Equal(4.0, s.GetProperty("max_abs").GetDouble())
    let probe = s.GetProperty("probes").EnumerateArray() |> Seq.head
    Assert.Equal(1.0, probe.GetProperty("u").GetDouble())
    Assert.Equal(1, root.GetProperty("unconverged").GetArrayLength())

let ``fields are compared relative to the largest solution, so fields near zero are one solution`` () =
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
    Assert.Equal(3, (deduplicate w 0.1 1e-12 cs).Length)
    // relative to the largest field (the floor classify takes) they are the same solution; the large field stays
    // distinct
    Assert.Equal(normL2 w large, floorOf w 0.0 (cs |> List.map _.Values))
    let solutions, _ = classify gates w 0.1 0.0 cs
    Assert.Equal(2, solutions.Length)
    Assert.Equal<int list>([ 0; 1 ], solutions[0].Members |> List.map (fun c -> c.Run.Index))

    Assert.Throws<ArgumentException>(fun () -> deduplicate w 0.1 0.0 [] |> ignore)
    |> ignore

let private twoBasin () : Ensemble.EnsembleProblem =
    let f = TwoBasin<float>()

    {
        Name = "two-basin"
        Parameters = []
        InitialTheta = fun _ -> [| 10.0; -10.0 |]
        Objective = fun _ -> f
        Measure =
            fun theta ->
                let loss = f.Evaluate(ReadOnlySpan theta, Span(Array.zeroCreate 2))

                {
                    Theta = theta
                    Values = Array.copy theta
                    ResidualL2 = loss
                    ResidualMax = loss
                    ResidualScale = 1.0
                    BoundaryMax = 0.0
                    BoundaryScale = 1.0
                    Probes = [ theta[0], theta[1], loss ]
                }
        Weights = [| 1.0; 1.0 |]
        Converged = fun _ -> None
        Reached = fun _ _ _ -> None
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
        Round = 0
        Parallel = 2
        OutDir = dir
        CheckpointEvery = 5_000L
        Executor = EcdPde.Runs.TaskBatch.inProcess
        Stall = None
    }

let ``an ensemble from one start finds both basins as distinct solutions, and a rerun redoes nothing`` () =
    let dir = TempFolders.path "ecdpde-ens-"

    let problem = twoBasin ()
    let first = Ensemble.run problem (settings dir 12) ignore

    let solutions, rejected =
        classify
            { QualityGates.Default with
                MaxResidualL2 = Some 1e-2
                MaxBoundary = Some 1.0
            }
            problem.Weights
            0.1
            0.0
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
                fun i ->
                    calls <- calls + 1
                    problem.Objective i
        }

    let again = Ensemble.run counting (settings dir 12) ignore
    Assert.Equal(0, calls)
    Assert.Equal<float[] list>(first |> List.map (fun c -> c.Values), again |> List.map (fun c -> c.Values))

let ``an interrupted run resumes from its checkpoint and ends exactly where an uninterrupted one does`` () =
    let dir = TempFolders.path "ecdpde-ens-"

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

let ``bad ensemble settings are refused`` () =
    Assert.Throws<ArgumentException>(fun () ->
        Ensemble.run (twoBasin ()) { settings "x" 0 with Runs = 0 } ignore |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> deduplicate w 0.0 1e-12 [] |> ignore)
    |> ignore

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
        new Deflation.DeflatedObjective(inner, net, points, known, 2.0, 1.0, None)

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
        new Deflation.DeflatedObjective(inner, net, points, [ [| 1.0 |] ], 2.0, 1.0, None)
        |> ignore)
    |> ignore

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
        new Deflation.DeflatedObjective(inner, net, points, [ Array.zeroCreate 20 ], 2.0, 1.0, None)

    let at t =
        (deflated :> IObjective<float>)
            .Evaluate(ReadOnlySpan(direction |> Array.map ((*) t)), Span(Array.zeroCreate net.ParameterCount))

    let values = [ 1e-1; 1e-2; 1e-3; 1e-4 ] |> List.map at

    for a, b in List.pairwise values do
        Assert.InRange(b / a, 50.0, 200.0)

let ``solutions.json records the collocation points`` () =
    let points: SolutionsFile.Collocation =
        {
            Interior = [| [| 0.0; 0.5 |]; [| -0.25; 0.0 |] |]
            Boundary = [| [| 1.0; 0.0 |] |]
        }

    let json = EcdPde.Runs.JsonFile.serialize points

    Assert.Equal(
        "{\"interior\":[[0,0.5],[-0.25,0]],\"boundary\":[[1,0]]}",
        Text.RegularExpressions.Regex.Replace(json, "\\s", "")
    )

[<Tests>]
let tests =
    testList
        "DiscoveryTests"
        [
            testCase
                "gates reject unconverged runs and deduplication groups the rest"
                ``gates reject unconverged runs and deduplication groups the rest``
            testPropertyWithConfig
                ({ FsCheckConfig.defaultConfig with
                    maxTest = 200
                    // seeded: the same cases in every run (FsCheck prints the seed of a failure)
                    replay = Some(20261203UL, 1UL, None)
                })
                "relative distance is symmetric, zero on equal fields and at most 2"
                (``relative distance is symmetric, zero on equal fields and at most 2`` ())
            testCase
                "solutions.json has the problem, the solutions with their statistics and probes, and the unconverged runs"
                ``solutions.json has the problem, the solutions with their statistics and probes, and the unconverged runs``
            testCase
                "fields are compared relative to the largest solution, so fields near zero are one solution"
                ``fields are compared relative to the largest solution, so fields near zero are one solution``
            testCase
                "an ensemble from one start finds both basins as distinct solutions, and a rerun redoes nothing"
                ``an ensemble from one start finds both basins as distinct solutions, and a rerun redoes nothing``
            testCase
                "an interrupted run resumes from its checkpoint and ends exactly where an uninterrupted one does"
                ``an interrupted run resumes from its checkpoint and ends exactly where an uninterrupted one does``
            testCase "bad ensemble settings are refused" ``bad ensemble settings are refused``
            testCase
                "the deflated objective's gradient matches central differences and it multiplies the loss by the factor squared"
                ``the deflated objective's gradient matches central differences and it multiplies the loss by the factor squared``
            testCase
                "a deflated loss grows without bound towards a known solution (the loss is multiplied by M squared)"
                ``a deflated loss grows without bound towards a known solution (the loss is multiplied by M squared)``
            testCase
                "solutions.json records the collocation points"
                ``solutions.json records the collocation points``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.DiscoveryTests"
