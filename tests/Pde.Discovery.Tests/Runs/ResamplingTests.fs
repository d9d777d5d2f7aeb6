/// Fresh collocation points during training (Resampling): the rule's arithmetic, the draws' seeding, and runs of the
/// discovery's ensembles — a resumed run is bit-identical to an uninterrupted one, resampling changes what Adam
/// reaches, and BBI keeps its fixed points.
module Pde.Discovery.Tests.ResamplingTests

open System
open System.IO
open Xunit
open Expecto
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Discovery

let private tanh = Ecd.Core.Engine.Activation.Tanh

let ``the rule resamples an oscillating network, and only for friction optimizers`` () =
    let features =
        Architecture.mlp [ 16; 16 ] tanh |> Architecture.withFourierFeatures 8 2.0

    Assert.Equal(Some Resampling.every, Resampling.rule features)
    // a smooth network does not interpolate its points: fixed points whatever its size
    Assert.Equal(None, Resampling.rule (Architecture.mlp [ 16; 16 ] tanh))
    Assert.Equal(None, (Resampling.apply (Architecture.mlp [ 16 ] tanh) PointSettings.defaults).ResampleEvery)
    // only the friction optimizers follow a loss whose points change
    for o in [ "adam"; "AdamW"; "gdm" ] do
        Assert.True(Resampling.tolerates o, o)

    for o in [ "bbi"; "ecdsep"; "lbfgs" ] do
        Assert.False(Resampling.tolerates o, o)

let ``the draws come from the run's seed and the block index`` () =
    Assert.Equal(0UL, Resampling.epoch 7UL 1 0L)
    Assert.Equal(0UL, Resampling.epoch 7UL 10 9L)
    Assert.Equal(Resampling.epoch 7UL 10 10L, Resampling.epoch 7UL 10 19L)
    Assert.NotEqual(Resampling.epoch 7UL 10 19L, Resampling.epoch 7UL 10 20L)
    Assert.NotEqual(Resampling.epoch 7UL 1 5L, Resampling.epoch 8UL 1 5L)
    Assert.Equal(Resampling.epoch 7UL 1 5L, Resampling.epoch 7UL 1 5L)

    Assert.Throws<ArgumentException>(fun () -> Resampling.epoch 7UL 0 5L |> ignore)
    |> ignore

/// A small oscillatory problem whose network (Fourier features + tanh 16-16) resamples.
let private subjectOf (folder: string) =
    let u = field "u"

    let problem =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (-laplacian u + u - sin (4.0 * pi * x) * cos (2.0 * pi * y))
        |> Problem.dirichlet Boundary.all u (num 0.0)

    let s =
        { AnyProblemTests.small "resampling" with
            Network = Architecture.mlp [ 16; 16 ] tanh |> Architecture.withFourierFeatures 8 2.0
            InteriorPoints = 200
            BoundaryPoints = 40
            GridPoints = 200
            Threads = 1
            OutDir = Some folder
        }

    Subject.compile problem s, s

/// θ after `steps` steps of one run of `optimizer` (from the shared initialization, fixed steps) in `dir`.
let private train
    (search: DiscoverySearch)
    (dir: string)
    (steps: int64)
    (optimizer: string * (string * string) list)
    =
    let c =
        search.Ensemble(0, dir, 1, search.Initial 0, [], steps, optimizer, FixedSteps)
        |> List.exactlyOne

    c.Theta

let private adam = "adam", [ "lr", "0.01" ]

/// The largest difference between two θ relative to the largest weight.
let private distance (a: float[]) (b: float[]) =
    Array.map2 (fun x y -> abs (x - y)) a b
    |> Array.max
    |> fun d -> d / (a |> Array.map abs |> Array.max)

let private identical (a: float[]) (b: float[]) =
    Assert.True(distance a b = 0.0, sprintf "θ differ by %g (relative)" (distance a b))

let ``a resumed resampling run is bit-identical to an uninterrupted one`` () =
    let folder = TempFolders.path "ecdpde-resampling-"

    let subject, s = subjectOf folder
    Assert.Equal(Some Resampling.every, subject.Points.ResampleEvery)
    let search = DiscoverySearch(subject, s, ignore)
    let whole = train search "whole" 30L adam
    // interrupted after 13 steps (its final checkpoint), then resumed to 30: the result file is removed so that the
    // run continues from its checkpoint instead of being read back
    train search "resumed" 13L adam |> ignore
    File.Delete(Path.Combine(folder, "resumed", "runs", "run-000", "result.json"))
    let resumed = train search "resumed" 30L adam
    // bit for bit: every executable compiles each method once (Directory.Build.props: TieredCompilation false) —
    // with tiering on, the first steps ran other code than the later ones and θ differed by 2e-16 (relative)
    identical whole resumed
    // same seed, same result; the checkpoint records the points' rule as part of the run's identity
    identical whole (train search "again" 30L adam)

    let state =
        File.ReadAllText(Path.Combine(folder, "whole", "runs", "run-000", "state.json"))

    Assert.Contains("fresh interior and boundary points every 1 step", state)
    // on fixed points (the same first draw) Adam ends elsewhere: the draws did change the loss
    let fixedPoints =
        DiscoverySearch(
            { subject with
                Points =
                    { subject.Points with
                        ResampleEvery = None
                    }
            },
            s,
            ignore
        )

    let onFixed = train fixedPoints "fixed" 30L adam

    Assert.True(
        distance whole onFixed > 1e-3,
        sprintf "resampled and fixed: %g apart" (distance whole onFixed)
    )
    // BBI keeps its fixed points (its energy is defined on one loss): the same θ as on fixed points
    let bbi = DiscoverySettings.bbi 0.002
    identical (train fixedPoints "bbi-fixed" 30L bbi) (train search "bbi" 30L bbi)

[<Tests>]
let tests =
    testList
        "resampling"
        [
            testCase "rule" ``the rule resamples an oscillating network, and only for friction optimizers``
            testCase "draws" ``the draws come from the run's seed and the block index``
            testCase "resampled resume" ``a resumed resampling run is bit-identical to an uninterrupted one``
        ]
