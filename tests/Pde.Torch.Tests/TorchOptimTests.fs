/// torch's own optimizers (torch-adam, torch-lbfgs: Ecd.Core.TorchSharp.TorchOptim) training the PDE language's
/// TorchSharp loss: a Poisson solve to the native engine's accuracy, torch's Adam on the trajectory of the core's
/// Adam, bit-identical resume (Adam from its state_dict, L-BFGS by replay), and the names refused on the native
/// backend.
module Pde.Torch.Tests.TorchOptimTests

open System
open System.IO
open Expecto
open Ecd.Core.Engine
open Ecd.Core.Optimizers
open Ecd.Core.TorchSharp
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Torch
open Pde.Torch.Tests.Support

/// torch's Adam against the core's Adam on the same loss and θ₀ (float64), per step: max |Δθ| / max |θ|. Both perform
/// Adam's update in a different order of rounded operations (torch: m·β₁ + (1−β₁)·g through `add_` with alpha,
/// `addcmul_`, `addcdiv_` with −lr/(1−β₁ᵗ); the core: the same terms in its own order), so θ differs by a few ulps per
/// step (≈ 1e-16 relative); the loss's curvature carries that difference along the trajectory. Measured 6.0e-16 over
/// 300 steps on this machine (the test prints it); the bound leaves a factor > 1000 for other CPUs' kernels (libtorch
/// picks AVX2 or AVX-512 code at run time) and longer drift.
let AdamTrajectoryTolerance = 1e-12

let private u = field "u"

let private options = TorchBackendTests.options
let private points = TorchBackendTests.points

/// The torch loss of Poisson on a 16-16 tanh network, and θ₀ drawn from seed 1.
let private poissonLoss () =
    let d = Discretize.run (points 64) poisson

    let network =
        Objective.network<float> (Objective.spec poisson (Architecture.mlp [ 16; 16 ] Activation.Tanh)) 1UL

    let loss = TorchBackend.loss<float> d network 0.0 1
    loss, Objective.start network poisson 1UL

let private step
    (o: IOptimizer<float>)
    (s: OptimizerState<float>)
    (loss: Pde.Torch.Loss.TorchPinnLoss<float>)
    =
    o.Step(s, loss :> Ecd.Core.Objectives.IObjective<float>)

let private roundTrip (o: IOptimizer<float>) (s: OptimizerState<float>) =
    use ms = new MemoryStream()
    o.Save(s, ms)
    ms.Position <- 0L
    o.Load ms

/// Steps `n` times, then saves, loads and steps `n` more; against 2n steps without a break.
let private resumeIsBitIdentical (name: string) (settings: (string * string) list) n =
    let loss, theta0 = poissonLoss ()
    use _loss = loss

    let o =
        TorchOptim<float>.Create(name, settings |> List.map Collections.Generic.KeyValuePair)

    let straight = o.Init(ReadOnlySpan theta0, 0UL)

    for _ in 1 .. 2 * n do
        step o straight loss |> ignore

    let first = o.Init(ReadOnlySpan theta0, 0UL)

    for _ in 1..n do
        step o first loss |> ignore

    let resumed = roundTrip o first
    // the loss is used elsewhere in between (its tensors hold another θ): the optimizer writes its θ back first
    evaluate (loss :> Ecd.Core.Objectives.IObjective<float>) theta0 |> ignore

    for _ in 1..n do
        step o resumed loss |> ignore

    Expect.equal resumed.Steps straight.Steps (name + ": steps")
    Expect.sequenceEqual resumed.Theta straight.Theta (name + ": θ after the resume is bit-identical")
    Expect.notEqual straight.Theta theta0 (name + " moved")

[<Tests>]
let tests =
    testList
        "torch's own optimizers on the TorchSharp backend"
        [
            testCase
                "Poisson with torch-adam then torch-lbfgs reaches the native engine's relative L2 error (≤ 1e-3)"
                (fun () ->
                    oneThread ()
                    let exact = sin (pi * x) * sin (pi * y)
                    let grid = Sampling.grid Domain.unitSquare 2000

                    let solve backend stages =
                        let r = Train.solve (points 300) (options backend stages) poisson
                        let error = Model.relativeError r.Model u exact grid

                        printfn
                            "Poisson, %s: relative L2 error %.3e, loss %.3e, %.1f s"
                            (String.Join(
                                " + ",
                                r.Stages |> List.map (fun s -> sprintf "%s %d" s.Optimizer s.Steps)
                            ))
                            error
                            r.Loss
                            r.Seconds

                        Expect.equal r.Outcome Completed "completed"
                        error

                    let native = solve Objective.native [ Stage.adam 3e-3 800L; Stage.lbfgs 800L ]

                    let torchOwn =
                        solve
                            (TorchBackend.create ())
                            [
                                Stage.create "torch-adam" [ "lr", "3e-3" ] 800L
                                Stage.create "torch-lbfgs" [] 800L
                            ]

                    Expect.isLessThan native TorchBackendTests.PoissonTarget "native adam + lbfgs"
                    Expect.isLessThan torchOwn TorchBackendTests.PoissonTarget "torch-adam + torch-lbfgs")

            testCase "torch-adam follows the core's Adam step for step (float64, same loss and θ₀)" (fun () ->
                oneThread ()
                let loss, theta0 = poissonLoss ()
                use _loss = loss
                let settings = [ "lr", "3e-3"; "beta2", "0.99"; "weightDecay", "1e-4" ]
                let pairs = settings |> List.map Collections.Generic.KeyValuePair
                let core = OptimizerCatalog.Create<float>("adam", pairs)
                let own = TorchOptim<float>.Create("torch-adam", pairs)
                let sc = core.Init(ReadOnlySpan theta0, 0UL)
                let st = own.Init(ReadOnlySpan theta0, 0UL)
                let mutable worst = 0.0

                for k in 1..300 do
                    let rc = step core sc loss
                    let rt = step own st loss
                    Expect.equal rt.Status StepStatus.Moved "moved"
                    Expect.floatClose Accuracy.high rt.Loss rc.Loss (sprintf "step %d: the same loss" k)

                    Expect.floatClose
                        Accuracy.high
                        rt.GradientNorm
                        rc.GradientNorm
                        (sprintf "step %d: |∇F|" k)

                    worst <- max worst (relativeDifference st.Theta sc.Theta)

                    Expect.isLessThanOrEqual
                        (relativeDifference st.Theta sc.Theta)
                        AdamTrajectoryTolerance
                        (sprintf "step %d: θ" k)

                printfn
                    "torch-adam against the core's adam over 300 steps: max relative θ difference %.2e"
                    worst)

            testCase "torch-adam resumes bit-identically from its saved state" (fun () ->
                oneThread ()
                resumeIsBitIdentical "torch-adam" [ "lr", "3e-3" ] 40)

            testCase "torch-lbfgs resumes bit-identically (its history replayed from the start)" (fun () ->
                oneThread ()
                resumeIsBitIdentical "torch-lbfgs" [] 15)

            testCase
                "the torch.optim names are refused on the native backend and with line-search keys"
                (fun () ->
                    let message (f: unit -> unit) =
                        try
                            f ()
                            failtest "no error"
                            ""
                        with
                        | :? ProblemError as e -> e.Message
                        | :? HyperparameterException as e -> e.Message

                    let onNative =
                        message (fun () ->
                            Train.solve
                                (points 16)
                                (options Objective.native [ Stage.create "torch-adam" [] 5L ])
                                poisson
                            |> ignore)

                    Expect.stringContains onNative "torch backend" "names the backend it needs"

                    let withSearch =
                        message (fun () ->
                            TorchOptim<float>
                                .Create("torch-lbfgs", [ Collections.Generic.KeyValuePair("c1", "1e-3") ])
                            |> ignore)

                    Expect.stringContains withSearch "no line search" "says why")
        ]
