/// The built-in architectures as TorchSharp modules: the engine's θ loads into the module and reads back unchanged,
/// the outputs equal the engine's, and bad input is refused before any native call.
module Pde.Torch.Tests.NetworkModuleTests

open System
open Expecto
open TorchSharp
open Ecd.Core.Engine
open Pde.FSharp.Training
open Pde.Torch
open Pde.Torch.Networks

/// Agreement of one output of the module and the engine (float64, same operations in a different order).
let OutputTolerance = 1e-12

let private architectures =
    [
        "tanh MLP", Architecture.mlp [ 8; 6 ] Activation.Tanh
        "residual", Architecture.residual 8 2 Activation.Tanh
        "Fourier features",
        Architecture.mlp [ 8 ] Activation.Sigmoid
        |> Architecture.withFourierFeatures 5 2.0
    ]

let private engineValues (network: Network<float>) (theta: float[]) (points: float[]) =
    use engine =
        new JetEngine<float>(network, JetRequest.ValueOnly, EngineOptions(Threads = 1))

    let n = points.Length / network.InputDimension
    let jets = engine.NewJets n
    engine.Forward(ReadOnlySpan theta, ReadOnlySpan points, jets)
    Array.init network.Outputs (fun o -> jets.Channel(o, 0).ToArray())

[<Tests>]
let tests =
    testList
        "network modules"
        [
            for name, architecture in architectures do
                testCase (sprintf "%s: θ round-trips and the outputs equal the engine's" name) (fun () ->
                    Support.oneThread ()
                    let spec = Architecture.spec 2 2 architecture
                    let network = Objective.network<float> spec 5UL
                    let theta = Support.thetaOf network Support.poisson 9UL
                    use m = new NetworkModule<float>(network)

                    Expect.equal
                        (m.Parameters |> Array.sumBy (fun p -> int (p.numel ())))
                        network.ParameterCount
                        "size"

                    m.Load theta
                    Expect.equal (m.Weights()) theta "θ reads back unchanged"
                    let points = Array.init 14 (fun i -> 0.1 * float i - 0.3)
                    let expected = engineValues network theta points
                    use scope = torch.NewDisposeScope()
                    let x = TensorValues.ofFloats points torch.ScalarType.Float64
                    let u = m.forward (x.reshape (7L, 2L))
                    let values = TensorValues.toFloats u

                    for p in 0..6 do
                        for o in 0..1 do
                            let got, want = values[p * 2 + o], expected[o][p]

                            Expect.isLessThanOrEqual
                                (abs (got - want))
                                (OutputTolerance * (1.0 + abs want))
                                (sprintf "point %d, output %d" p o))

            testCase "a wrong input shape or dtype is refused with a message, not a native abort" (fun () ->
                let network =
                    Objective.network<float>
                        (Architecture.spec 2 1 (Architecture.mlp [ 4 ] Activation.Tanh))
                        1UL

                use m = new NetworkModule<float>(network)
                use scope = torch.NewDisposeScope()
                let wrongWidth = torch.zeros ([| 5L; 3L |], dtype = torch.ScalarType.Float64)
                let wrongType = torch.zeros ([| 5L; 2L |], dtype = torch.ScalarType.Float32)
                Expect.throwsT<ArgumentException> (fun () -> m.forward wrongWidth |> ignore) "3 columns"
                Expect.throwsT<ArgumentException> (fun () -> m.forward wrongType |> ignore) "float32"
                Expect.throwsT<ArgumentException> (fun () -> m.Load(Array.zeroCreate 3)) "θ length")
        ]
