/// Training on the TorchSharp backend through Train.solve: the one run loop (checkpoints, traces, resume), the same
/// trajectory as the native engine, and a Poisson solve to the native engine's accuracy.
module Pde.Torch.Tests.TorchBackendTests

open System.IO
open Expecto
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Torch
open Pde.Torch.Tests.Support

/// The issue's target for the Poisson solve on either backend.
let PoissonTarget = 1e-3
/// Relative difference of the final losses of the same BBI run on both backends after 200 steps: their gradients
/// differ by ≈ 1e-15 per step, which BBI's bounces and momentum amplify only mildly over so few steps.
let TrajectoryTolerance = 1e-6

let private u = field "u"

/// Training options of the backend tests: a 16-16 tanh MLP, seed 1, one thread, the given stages on `backend`.
let options (backend: ILossBackend) stages =
    { TrainingOptions.defaults with
        Network = Architecture.mlp [ 16; 16 ] Activation.Tanh
        Stages = stages
        Seed = 1UL
        Threads = 1
        Backend = backend
    }

/// `interior` interior points and a quarter as many on the boundary.
let points interior =
    { PointSettings.defaults with
        Interior = interior
        Boundary = interior / 4
    }

[<Tests>]
let tests =
    testList
        "training on the TorchSharp backend"
        [
            testCase
                "Poisson reaches the native engine's relative L2 error (≤ 1e-3) on the torch backend"
                (fun () ->
                    oneThread ()
                    let exact = sin (pi * x) * sin (pi * y)
                    let grid = Sampling.grid Domain.unitSquare 2000
                    let stages = [ Stage.adam 3e-3 800L; Stage.lbfgs 800L ]

                    let solve backend =
                        let r = Train.solve (points 300) (options backend stages) poisson
                        let error = Model.relativeError r.Model u exact grid

                        printfn
                            "Poisson on %s: relative L2 error %.3e, loss %.3e, %.1f s"
                            backend.Name
                            error
                            r.Loss
                            r.Seconds

                        Expect.equal r.Outcome Completed backend.Name
                        error

                    let native = solve Objective.native
                    let torch = solve (TorchBackend.create ())
                    Expect.isLessThan native PoissonTarget "native"
                    Expect.isLessThan torch PoissonTarget "torch")

            testCase "the same BBI run on both backends follows the same trajectory" (fun () ->
                oneThread ()

                let stages =
                    [ Stage.bbi [ "lr", "0.01"; "threshold0", "50"; "nFixedBounces", "2" ] 200L ]

                let run backend =
                    Train.solve (points 64) (options backend stages) bratu

                let n = run Objective.native
                let t = run (TorchBackend.create ())
                printfn "BBI, 200 steps: native loss %.15e, torch loss %.15e" n.Loss t.Loss

                Expect.isLessThanOrEqual
                    (relativeDifference [| t.Loss |] [| n.Loss |])
                    TrajectoryTolerance
                    "final loss"

                Expect.isLessThanOrEqual
                    (relativeDifference t.Model.Weights n.Model.Weights)
                    TrajectoryTolerance
                    "final θ")

            testCase "checkpoints and traces in the run directory; a second run resumes from them" (fun () ->
                oneThread ()
                let dir = TempFolders.create "pde-torch-run-"

                try
                    let o =
                        { options (TorchBackend.create ()) [ Stage.adam 1e-3 30L; Stage.gdm 1e-3 0.9 20L ] with
                            RunDirectory = Some dir
                            CheckpointEvery = 10L
                        }

                    let first = Train.solve (points 64) o inverse

                    let files =
                        Directory.GetFiles dir |> Array.map (Path.GetFileName >> string) |> Array.sort

                    printfn "%A" files
                    Expect.isTrue (files |> Array.exists (fun f -> f.EndsWith ".trace.csv")) "a trace"

                    Expect.isTrue
                        (files |> Array.exists (fun f -> f.EndsWith ".checkpoint.json"))
                        "a checkpoint"

                    let second = Train.solve (points 64) o inverse
                    Expect.isTrue (second.Stages |> List.forall (fun s -> s.Resumed)) "resumed"
                    Expect.equal second.Model.Weights first.Model.Weights "same weights"
                    Expect.equal second.Model.Parameters first.Model.Parameters "same k"
                finally
                    Directory.Delete(dir, true))
        ]
