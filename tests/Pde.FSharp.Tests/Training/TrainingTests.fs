/// Training mechanics: exact resume after crashes (Adam and L-BFGS stages, with resampling), NaN stops with a
/// diagnostic and the last good checkpoint, the loss breakdown against an independent computation, float32.
module Pde.FSharp.Tests.TrainingTests

open System
open System.IO
open Xunit
open Expecto
open Ecd.Core.Engine
open Ecd.Core.Optimizers
open Ecd.Core.Objectives
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open EcdPde.Runs

/// Two summations of the same numbers in different orders.
let SumTolerance = 1e-12
/// float32 against float64 gradients of the same loss at the same θ (relative, in norm).
let Float32Tolerance = 1e-3
let private u = field "u"

let private poisson =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (-laplacian u - 2.0 * pi * pi * sin (pi * x) * sin (pi * y))
    |> Problem.dirichlet Boundary.all u (num 0.0)

let private small =
    { PointSettings.defaults with
        Interior = 100
        Boundary = 40
    }

let private tempDir () =
    let d = TempFolders.path "ecdpde-pde-"

    Directory.CreateDirectory d |> ignore
    d

exception private Crash

let private baseOptions dir =
    { TrainingOptions.defaults with
        Network = Architecture.mlp [ 8; 8 ] Activation.Tanh
        Stages = [ Stage.adam 5e-3 40L; Stage.lbfgs 15L ]
        Seed = 4UL
        Threads = 1
        RunDirectory = Some dir
        CheckpointEvery = 10L
    }

let private crashAt (stage: int) (step: int64) (o: TrainingOptions) =
    { o with
        OnStep =
            fun p ->
                if p.Stage = stage && p.Report.Step = step then
                    raise Crash
    }

let private files (dir: string) =
    Directory.GetFiles dir |> Array.map (fun f -> (FileInfo f).Name) |> Array.sort

/// Runs straight through, then with crashes at (stage, step) and resumes; the resumed run must take exactly
/// `stepsAfterLastCrash` steps (it continues from the checkpoint) and end bit-identically.
let private resumesExactly
    (d: Discretization)
    (options: string -> TrainingOptions)
    (crashes: (int * int64) list)
    (stepsAfterLastCrash: int)
    =
    let straightDir, crashedDir = tempDir (), tempDir ()
    let straight = Train.run (options straightDir) d

    for (stage, step) in crashes do
        Assert.Throws<Crash>(fun () -> Train.run (crashAt stage step (options crashedDir)) d |> ignore)
        |> ignore

    let mutable taken = 0

    let resumed =
        Train.run
            { options crashedDir with
                OnStep = fun _ -> taken <- taken + 1
            }
            d

    Assert.Equal(stepsAfterLastCrash, taken)
    Assert.Equal<float[]>(straight.Model.Weights, resumed.Model.Weights)
    Assert.Equal(straight.Loss, resumed.Loss)
    Assert.True(resumed.Stages |> List.exists (fun s -> s.Resumed))
    Assert.Equal<string[]>(files straightDir, files crashedDir)

    for f in files straightDir do
        Assert.Equal<string[]>(
            File.ReadAllLines(Path.Combine(straightDir, f)),
            File.ReadAllLines(Path.Combine(crashedDir, f))
        )

    Directory.Delete(straightDir, true)
    Directory.Delete(crashedDir, true)
    straight

let ``a run crashed in the Adam stage and again in the L-BFGS stage resumes to the bit-identical end`` () =
    let d = Discretize.run small poisson
    // Checkpoints every 10 steps: the last crash (L-BFGS step 12) resumes from step 10, 5 steps remain.
    let r = resumesExactly d baseOptions [ 0, 25L; 1, 12L ] 5
    Assert.Equal<int64 list>([ 40L; 15L ], r.Stages |> List.map (fun s -> s.Steps))
    Assert.Equal(Completed, r.Outcome)

let ``resampling every K steps is deterministic, changes the points, and resumes exactly`` () =
    let d = Discretize.run { small with ResampleEvery = Some 5 } poisson

    let options dir =
        { baseOptions dir with
            Stages = [ Stage.adam 5e-3 30L ]
            CheckpointEvery = 4L
        }

    // Checkpoints every 4 steps: the crash at step 13 resumes from step 12 (points of epoch 12/5 = 2).
    let resampled = resumesExactly d options [ 0, 13L ] 18

    let fixedPoints =
        Train.run { options "" with RunDirectory = None } (Discretize.run small poisson)

    Assert.NotEqual<float[]>(fixedPoints.Model.Weights, resampled.Model.Weights)
    let again = Discretize.resample 3UL d
    Assert.NotEqual<float[]>(d.Sets[0].Samples.Points, again.Sets[0].Samples.Points)
    Assert.Equal<float[]>(again.Sets[0].Samples.Points, (Discretize.resample 3UL d).Sets[0].Samples.Points)
    Assert.Equal<float[]>(d.Sets[0].Samples.Points, (Discretize.resample 0UL again).Sets[0].Samples.Points)

let ``a diverging run stops with a diagnostic and keeps the last good checkpoint`` () =
    let dir = tempDir ()

    let problem =
        Problem.create (Domain.interval 0.0 1.0) [ u ]
        |> Problem.equation (dxx u + u ** 3 - 1.0)

    let options =
        { TrainingOptions.defaults with
            Network = Architecture.mlp [ 8 ] Activation.Tanh
            Stages = [ Stage.gdm 0.5 0.9 200L; Stage.lbfgs 10L ]
            RunDirectory = Some dir
            CheckpointEvery = 1L
            Threads = 1
        }

    let r = Train.solve { small with Interior = 50 } options problem

    match r.Outcome with
    | Diverged text ->
        // (the step and the checkpoint follow from the seeded initialization θ₀ = NewParameters seed)
        Assert.Contains("stage 0 (gdm), step 8", text)
        Assert.Contains("term 'equation' is Infinity at point", text)
        Assert.Contains("power", text)
        Assert.Contains("last good checkpoint (step 7)", text)
    | Completed -> failwith "the run should have diverged"

    Assert.Single(r.Stages) |> ignore // the L-BFGS stage did not run
    let path = Path.Combine(dir, "stage-0-gdm.checkpoint.json")

    let gdm =
        OptimizerCatalog.Create<float>("gdm", [ Collections.Generic.KeyValuePair("lr", "0.5") ])

    let saved = Checkpoint.load gdm path
    Assert.Equal(7L, saved.Steps)
    Assert.All(saved.Theta, (fun v -> Assert.True(Double.IsFinite v)))
    Assert.Equal<float[]>(saved.Theta, Model.theta r.Model)
    Directory.Delete(dir, true)

let ``a NaN at the very first evaluation names the operation`` () =
    let problem =
        Problem.create (Domain.interval 0.0 1.0) [ u ]
        |> Problem.equation (log (u - 10.0))

    let options =
        { TrainingOptions.defaults with
            Network = Architecture.mlp [ 4 ] Activation.Tanh
            Stages = [ Stage.adam 1e-3 10L ]
            Threads = 1
        }

    match (Train.solve { small with Interior = 20 } options problem).Outcome with
    | Diverged text ->
        Assert.Contains("step 0", text)
        Assert.Contains("is NaN at point", text)
        Assert.Contains("log(-", text)
        Assert.Contains("no run directory", text)
    | Completed -> failwith "the run should have stopped"

let ``the loss breakdown equals an independent computation of every term, and sums to the loss`` () =
    let obs = [| [| 0.2; 0.3 |]; [| 0.6; 0.7 |]; [| 0.9; 0.1 |] |]
    let values = [| 0.5; -0.25; 1.0 |]

    let problem =
        poisson
        |> Problem.add (Condition.data (u * u) obs values |> Condition.weighted 3.0)
        |> Problem.neumann (Boundary.part "left") u (y * y)

    let d = Discretize.run small problem
    let spec = Architecture.spec 2 1 (Architecture.mlp [ 8 ] Activation.Tanh)
    let network = Network<float>(spec, 5UL)
    let theta = network.NewParameters 6UL
    use loss = new PinnLoss<float>(d, network, 2e-4, None)
    let total, terms = loss.Losses(ReadOnlySpan theta)

    let model =
        {
            Problem = problem
            Network = spec
            NetworkSeed = 5UL
            Weights = theta
            Parameters = []
        }

    let meanSquare (r: float[]) =
        (r |> Array.sumBy (fun v -> v * v)) / float r.Length

    let pointsOf (name: string) =
        let t = d.Terms |> Array.find (fun t -> t.Name = name)
        let s = d.Sets[t.Set].Samples
        Array.init s.Count s.Point

    let equation =
        Model.evaluate
            model
            (-laplacian u - 2.0 * pi * pi * sin (pi * x) * sin (pi * y))
            (pointsOf "equation")

    let dirichlet = Model.evaluate model u (pointsOf "dirichlet(boundary)")
    let data = Array.map2 (-) (Model.evaluate model (u * u) obs) values
    // On the left edge the outward normal is (−1, 0): ∂u/∂n = −∂u/∂x.
    let left = pointsOf "neumann(left)"

    let neumann =
        Array.map2 (fun a (p: float[]) -> -a - p[1] * p[1]) (Model.evaluate model (dx u) left) left

    let expected =
        [
            "equation", meanSquare equation
            "dirichlet(boundary)", meanSquare dirichlet
            "data(u*u)", meanSquare data
            "neumann(left)", meanSquare neumann
            "L2(weights)", theta |> Array.sumBy (fun v -> v * v)
        ]

    for name, ms in expected do
        let t = terms |> Array.find (fun t -> t.Name = name)

        Assert.True(
            abs (t.MeanSquare - ms) <= SumTolerance * ms,
            sprintf "%s: %.15g vs %.15g" name t.MeanSquare ms
        )

    Assert.Equal(3.0, (terms |> Array.find (fun t -> t.Name = "data(u*u)")).Weight)
    let sum = terms |> Array.sumBy (fun t -> t.Weighted)
    Assert.True(abs (sum - total) <= SumTolerance * total)

let ``progress reports carry the breakdown of the step's own evaluation`` () =
    let mutable checkedSteps = 0

    let options =
        { TrainingOptions.defaults with
            Network = Architecture.mlp [ 8 ] Activation.Tanh
            Stages = [ Stage.adam 1e-2 20L ]
            WeightDecay = 1e-3
            Threads = 1
            OnStep =
                fun p ->
                    let sum = p.Terms |> Array.sumBy (fun t -> t.Weighted)
                    Assert.True(abs (sum - p.Report.Loss) <= SumTolerance * p.Report.Loss)
                    checkedSteps <- checkedSteps + 1
        }

    let r = Train.solve small options poisson
    Assert.Equal(20, checkedSteps)
    let penalty = r.Terms |> Array.find (fun t -> t.Name = "L2(weights)")
    let squares = r.Model.Weights |> Array.sumBy (fun v -> v * v)
    Assert.True(abs (penalty.MeanSquare - squares) <= SumTolerance * squares)
    Assert.Equal(1e-3 * penalty.MeanSquare, penalty.Weighted)

let ``float32 training agrees with float64 gradients and reduces the loss`` () =
    let d = Discretize.run small poisson
    let spec = Architecture.spec 2 1 (Architecture.mlp [ 8; 8 ] Activation.Tanh)
    let n64 = Network<float>(spec, 1UL)
    let n32 = Network<float32>(spec, 1UL)
    let theta = n64.NewParameters 2UL
    use l64 = new PinnLoss<float>(d, n64, 0.0, None)
    use l32 = new PinnLoss<float32>(d, n32, 0.0, None)
    let g64 = Array.zeroCreate theta.Length
    let g32 = Array.zeroCreate<float32> theta.Length
    let f64 = (l64 :> IObjective<float>).Evaluate(ReadOnlySpan theta, Span g64)

    let f32 =
        (l32 :> IObjective<float32>).Evaluate(ReadOnlySpan(Array.map float32 theta), Span g32)

    Assert.True(abs (f64 - f32) <= Float32Tolerance * f64)

    let diff =
        Array.map2 (fun (a: float) (b: float32) -> (a - float b) ** 2.0) g64 g32
        |> Array.sum
        |> sqrt

    let norm = g64 |> Array.sumBy (fun a -> a * a) |> sqrt
    Assert.True(diff <= Float32Tolerance * norm, sprintf "|g32 − g64| = %g, |g64| = %g" diff norm)

    let mutable first = nan

    let r =
        Train.run
            { TrainingOptions.defaults with
                Network = Architecture.mlp [ 8; 8 ] Activation.Tanh
                Stages = [ Stage.adam 5e-3 200L ]
                Precision = Optimize.Float32
                Threads = 1
                OnStep =
                    fun p ->
                        if p.Report.Step = 0L then
                            first <- p.Report.Loss
            }
            d

    Assert.Equal(Completed, r.Outcome)

    Assert.True(
        r.Loss < 0.1 * first,
        sprintf "float32: loss %g after 200 steps, %g at the start" r.Loss first
    )

[<Tests>]
let tests =
    testList
        "TrainingTests"
        [
            testCase
                "a run crashed in the Adam stage and again in the L-BFGS stage resumes to the bit-identical end"
                ``a run crashed in the Adam stage and again in the L-BFGS stage resumes to the bit-identical end``
            testCase
                "resampling every K steps is deterministic, changes the points, and resumes exactly"
                ``resampling every K steps is deterministic, changes the points, and resumes exactly``
            testCase
                "a diverging run stops with a diagnostic and keeps the last good checkpoint"
                ``a diverging run stops with a diagnostic and keeps the last good checkpoint``
            testCase
                "a NaN at the very first evaluation names the operation"
                ``a NaN at the very first evaluation names the operation``
            testCase
                "the loss breakdown equals an independent computation of every term, and sums to the loss"
                ``the loss breakdown equals an independent computation of every term, and sums to the loss``
            testCase
                "progress reports carry the breakdown of the step's own evaluation"
                ``progress reports carry the breakdown of the step's own evaluation``
            testCase
                "float32 training agrees with float64 gradients and reduces the loss"
                ``float32 training agrees with float64 gradients and reduces the loss``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.TrainingTests"
