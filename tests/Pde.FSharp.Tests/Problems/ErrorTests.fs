/// Every check that runs before training: each error is a ProblemError whose message names the problem.
module Pde.FSharp.Tests.ErrorTests

open System
open System.IO
open Xunit
open Expecto
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training

let private u = field "u"

let private poisson =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (-laplacian u - 1.0)
    |> Problem.dirichlet Boundary.all u (num 0.0)

let private points =
    { PointSettings.defaults with
        Interior = 50
        Boundary = 20
    }

/// Discretizing fails with a ProblemError containing every one of the texts.
let private rejects (texts: string list) (problem: Problem) =
    let e =
        Assert.Throws<ProblemError>(fun () -> Discretize.run points problem |> ignore)

    for t in texts do
        Assert.Contains(t, e.Message)

    e

let ``an unknown field is named with the declared ones`` () =
    poisson
    |> Problem.equation (laplacian (field "w"))
    |> rejects [ "equation#2"; "unknown field 'w'"; "declared fields: u" ]
    |> ignore

let ``unknown constants and parameters are named`` () =
    poisson
    |> Problem.equation (constant "k" * u - parameter "a")
    |> rejects [ "unknown constant 'k'"; "unknown parameter 'a'"; "2 problems" ]
    |> ignore

let ``a derivative of order three is refused with the field and the order`` () =
    poisson
    |> Problem.equation (dx (laplacian u))
    |> rejects [ "derivative of order 3 of field 'u'"; "up to order 2" ]
    |> ignore

    poisson
    |> Problem.equation (dxx (dy (u * u)))
    |> rejects [ "order 3" ]
    |> ignore

    // Through a hard constraint the order counts on the network output.
    poisson
    |> Problem.hardConstraint u (fun n -> x * n)
    |> Problem.equation (laplacian (dy u))
    |> rejects [ "order 3 of field 'u'" ]
    |> ignore

let ``dimension mismatches: coordinates the domain lacks, vectors, data points, networks, evaluation points``
    ()
    =
    Problem.create (Domain.interval 0.0 1.0) [ u ]
    |> Problem.equation (dy u)
    |> rejects [ "dimension mismatch"; "'y' is not a coordinate"; "its coordinates are x" ]
    |> ignore

    poisson
    |> Problem.equation (div (vec [ u; u; u ]))
    |> rejects [ "dimension mismatch"; "3 components"; "2 spatial coordinates" ]
    |> ignore

    poisson
    |> Problem.data u [| [| 0.5; 0.5; 0.5 |] |] [| 1.0 |]
    |> rejects [ "dimension mismatch"; "3 coordinates, the domain has 2" ]
    |> ignore

    let d = Discretize.run points poisson
    let wrong = Network<float>(NetworkSpec.Mlp(3, [| 4 |], 1, Activation.Tanh))

    let e =
        Assert.Throws<ProblemError>(fun () -> new PinnLoss<float>(d, wrong, 0.0, None) |> ignore)

    Assert.Contains("network has 3 inputs but the domain has 2", e.Message)
    let twoOut = Network<float>(NetworkSpec.Mlp(2, [| 4 |], 2, Activation.Tanh))

    let e =
        Assert.Throws<ProblemError>(fun () -> new PinnLoss<float>(d, twoOut, 0.0, None) |> ignore)

    Assert.Contains("2 outputs but the problem has 1 fields", e.Message)

    let model =
        {
            Problem = poisson
            Network = Architecture.spec 2 1 (Architecture.mlp [ 4 ] Activation.Tanh)
            NetworkSeed = 0UL
            Weights = Array.zeroCreate 17
            Parameters = []
        }

    let e =
        Assert.Throws<ProblemError>(fun () -> Model.evaluate model u [| [| 0.5 |] |] |> ignore)

    Assert.Contains("point 0 has 1 coordinates, the domain has 2", e.Message)

let ``an empty domain is found before training`` () =
    let apart =
        Domain.intersection (Domain.disk (0.0, 0.0) 1.0) (Domain.disk (5.0, 0.0) 1.0)

    Problem.create apart [ u ]
    |> Problem.equation (laplacian u)
    |> rejects [ "empty or degenerate domain"; "fell inside" ]
    |> ignore

let ``zero points anywhere are refused`` () =
    let e =
        Assert.Throws<ProblemError>(fun () -> Discretize.run { points with Interior = 0 } poisson |> ignore)

    Assert.Contains("zero points: Interior = 0", e.Message)

    poisson
    |> Problem.add (Condition.neumann (Boundary.part "left") u (num 0.0) |> Condition.withPoints 0)
    |> rejects [ "zero points"; "neumann(left) asks for 0 points" ]
    |> ignore

    poisson
    |> Problem.dirichlet (Boundary.where "x > 2" (fun p -> p[0] > 2.0)) u (num 1.0)
    |> rejects [ "zero points"; "boundary where x > 2" ]
    |> ignore

    poisson
    |> Problem.data u [||] [||]
    |> rejects [ "zero points"; "no observation points" ]
    |> ignore

    let model =
        {
            Problem = poisson
            Network = Architecture.spec 2 1 (Architecture.mlp [ 4 ] Activation.Tanh)
            NetworkSeed = 0UL
            Weights = Array.zeroCreate 17
            Parameters = []
        }

    let e = Assert.Throws<ProblemError>(fun () -> Model.evaluate model u [||] |> ignore)
    Assert.Contains("zero points", e.Message)

let ``NaN constants, numbers, parameters, weights and data are refused`` () =
    poisson
    |> Problem.constant "k" nan
    |> Problem.equation (constant "k" * u)
    |> rejects [ "constant 'k' is NaN" ]
    |> ignore

    poisson |> Problem.equation (u - nan) |> rejects [ "the number NaN" ] |> ignore

    poisson
    |> Problem.parameter "a" infinity
    |> Problem.equation (parameter "a" * u)
    |> rejects [ "parameter 'a' starts at Infinity" ]
    |> ignore

    poisson
    |> Problem.weight "equation" nan
    |> rejects [ "equation: weight NaN must be finite" ]
    |> ignore

    poisson
    |> Problem.data u [| [| 0.5; 0.5 |] |] [| nan |]
    |> rejects [ "observed value is NaN" ]
    |> ignore

let ``the normal only on the boundary, raw outputs only in transforms, known boundary parts`` () =
    poisson
    |> Problem.equation (dn u)
    |> rejects [ "normal n (and dn) is only defined on boundary conditions" ]
    |> ignore

    poisson
    |> Problem.equation (Raw "u")
    |> rejects [ "raw(u)"; "only allowed inside a hard-constraint transform" ]
    |> ignore

    poisson
    |> Problem.hardConstraint u (fun _ -> u * x)
    |> rejects [ "transform of field 'u' uses field 'u'" ]
    |> ignore

    poisson
    |> Problem.dirichlet (Boundary.part "lefty") u (num 0.0)
    |> rejects [ "unknown boundary part 'lefty'"; "bottom, right, top, left" ]
    |> ignore

    poisson
    |> Problem.equation (dx (dn u))
    |> fun p -> p |> Problem.dirichlet (Boundary.part "left") (dx (dn u)) (num 0.0)
    |> rejects [ "the boundary normal cannot be differentiated" ]
    |> ignore

let ``a problem without conditions, without fields, or with a field declared twice`` () =
    Problem.create Domain.unitSquare [ u ] |> rejects [ "no equations" ] |> ignore

    Assert.Throws<ProblemError>(fun () -> Problem.create Domain.unitSquare [] |> ignore)
    |> ignore

    let e =
        Assert.Throws<ProblemError>(fun () -> Problem.create Domain.unitSquare [ u; u ] |> ignore)

    Assert.Contains("field 'u' is declared twice", e.Message)

    let e =
        Assert.Throws<ProblemError>(fun () -> Problem.create Domain.unitSquare [ u * 2.0 ] |> ignore)

    Assert.Contains("expects fields", e.Message)

let ``training options are checked before anything runs or is written`` () =
    let dir = TempFolders.path "ecdpde-pde-errors-"

    let d = Discretize.run points poisson

    let train (o: TrainingOptions) =
        Assert.Throws<ProblemError>(fun () -> Train.run { o with RunDirectory = Some dir } d |> ignore)

    let defaults = TrainingOptions.defaults

    Assert.Contains(
        "Unknown optimizer 'adamm'",
        (train
            { defaults with
                Stages = [ Stage.create "adamm" [] 5L ]
            })
            .Message
    )

    Assert.Contains(
        "stage 0 (adam): ",
        (train
            { defaults with
                Stages = [ Stage.adam -1.0 5L ]
            })
            .Message
    )

    Assert.Contains(
        "steps must be ≥ 0",
        (train
            { defaults with
                Stages = [ Stage.adam 1e-3 -5L ]
            })
            .Message
    )

    Assert.Contains("no training stages", (train { defaults with Stages = [] }).Message)
    Assert.Contains("WeightDecay", (train { defaults with WeightDecay = nan }).Message)

    Assert.Contains(
        "network: ",
        (train
            { defaults with
                Network = Architecture.mlp [ 0 ] Activation.Tanh
            })
            .Message
    )

    let resampled = Discretize.run { points with ResampleEvery = Some 10 } poisson

    let e =
        Assert.Throws<ProblemError>(fun () ->
            Train.run
                { defaults with
                    RunDirectory = Some dir
                }
                resampled
            |> ignore)

    Assert.Contains("stage 1 uses L-BFGS, which needs fixed points", e.Message)
    Assert.False(Directory.Exists dir, "a refused run must not write anything")

let ``a checkpoint of another network is refused by name`` () =
    let dir = TempFolders.path "ecdpde-pde-errors-"

    let d = Discretize.run points poisson

    let options =
        { TrainingOptions.defaults with
            Network = Architecture.mlp [ 4 ] Activation.Tanh
            Stages = [ Stage.adam 1e-3 3L ]
            RunDirectory = Some dir
            Threads = 1
        }

    Train.run options d |> ignore

    // refused by the training's own check, in its terms (the network), naming the file and both sizes
    let e =
        Assert.Throws<ProblemError>(fun () ->
            Train.run
                { options with
                    Network = Architecture.mlp [ 5 ] Activation.Tanh
                }
                d
            |> ignore)

    Assert.Contains("holds 17 parameters; this problem and network need 21", e.Message)
    Assert.Contains("stage-0-adam.checkpoint.json", e.Message)
    Directory.Delete(dir, true)

let ``a problem with no boundary condition trains, with a warning in the result`` () =
    let free =
        Problem.create Domain.unitSquare [ u ] |> Problem.equation (-laplacian u - 1.0)

    let options =
        { TrainingOptions.defaults with
            Network = Architecture.mlp [ 4 ] Activation.Tanh
            Stages = [ Stage.adam 1e-3 3L ]
            Threads = 1
        }

    let r = Train.run options (Discretize.run points free)
    Assert.Contains("no boundary condition", String.concat "; " r.Warnings)
    // a problem with one has none
    Assert.Empty((Train.run options (Discretize.run points poisson)).Warnings)

[<Tests>]
let tests =
    testList
        "ErrorTests"
        [
            testCase
                "an unknown field is named with the declared ones"
                ``an unknown field is named with the declared ones``
            testCase
                "unknown constants and parameters are named"
                ``unknown constants and parameters are named``
            testCase
                "a derivative of order three is refused with the field and the order"
                ``a derivative of order three is refused with the field and the order``
            testCase
                "dimension mismatches: coordinates the domain lacks, vectors, data points, networks, evaluation points"
                ``dimension mismatches: coordinates the domain lacks, vectors, data points, networks, evaluation points``
            testCase "an empty domain is found before training" ``an empty domain is found before training``
            testCase "zero points anywhere are refused" ``zero points anywhere are refused``
            testCase
                "NaN constants, numbers, parameters, weights and data are refused"
                ``NaN constants, numbers, parameters, weights and data are refused``
            testCase
                "the normal only on the boundary, raw outputs only in transforms, known boundary parts"
                ``the normal only on the boundary, raw outputs only in transforms, known boundary parts``
            testCase
                "a problem without conditions, without fields, or with a field declared twice"
                ``a problem without conditions, without fields, or with a field declared twice``
            testCase
                "training options are checked before anything runs or is written"
                ``training options are checked before anything runs or is written``
            testCase
                "a checkpoint of another network is refused by name"
                ``a checkpoint of another network is refused by name``
            testCase
                "a problem with no boundary condition trains, with a warning in the result"
                ``a problem with no boundary condition trains, with a warning in the result``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.ErrorTests"
