/// For the same θ, the native Taylor-mode engine and the TorchSharp backend (autograd) give the same loss and
/// gradient, float64, on every problem of the issue's table and on every built-in architecture.
module Pde.Torch.Tests.EquivalenceTests

open Expecto
open Ecd.Core.Engine
open Pde.FSharp.Problems
open Pde.FSharp.Training
open Pde.Torch.Tests.Support

/// The issue's bound on the relative difference of the two backends' loss and gradient (float64): both compute the
/// same sums in a different order (≈ 1e-15 measured).
let BackendTolerance = 1e-10

let private check (name: string) (architecture: Architecture) (weightDecay: float) (problem: Problem) =
    oneThread ()

    let (nativeLoss, nativeGradient), (torchLoss, torchGradient), theta =
        bothBackends architecture weightDecay fewPoints problem

    let lossDifference = relativeDifference [| torchLoss |] [| nativeLoss |]
    let gradientDifference = relativeDifference torchGradient nativeGradient

    printfn
        "%s: loss %.12e, |θ| = %d, relative difference: loss %.2e, gradient %.2e"
        name
        nativeLoss
        theta.Length
        lossDifference
        gradientDifference

    Expect.isTrue
        (nativeLoss > 0.0 && System.Double.IsFinite nativeLoss)
        (sprintf "%s: loss %g" name nativeLoss)

    Expect.isLessThanOrEqual
        lossDifference
        BackendTolerance
        (sprintf "%s: loss %.17g vs %.17g" name torchLoss nativeLoss)

    Expect.isLessThanOrEqual
        gradientDifference
        BackendTolerance
        (sprintf "%s: gradient differs by %.3e (relative)" name gradientDifference)

let private tanhNet = Architecture.mlp [ 8; 8 ] Activation.Tanh

/// float32 on both backends: the native tape computes the residuals in float64, the torch backend in float32, so
/// they agree to float32 rounding of a loss of ≈ 100 terms (ε₃₂ ≈ 6e-8 per operation).
let Float32Tolerance = 1e-4

let private float32Agrees () =
    oneThread ()
    let problem = bratu
    let d = Pde.FSharp.Discretization.Discretize.run fewPoints problem
    let network = Objective.network<float32> (Objective.spec problem tanhNet) 7UL

    let theta =
        thetaOf (Objective.network<float> (Objective.spec problem tanhNet) 7UL) problem 11UL
        |> Array.map float32

    let run (backend: ILossBackend) =
        use loss = Objective.lossOn backend d network 0.0 None
        let g = Array.zeroCreate theta.Length
        let f = loss.Evaluate(System.ReadOnlySpan theta, System.Span g)
        f, g |> Array.map float

    let nf, ng = run Objective.native
    let tf, tg = run (Pde.Torch.TorchBackend.create ())
    printfn "float32: loss %g vs %g, gradient %.2e" nf tf (relativeDifference tg ng)
    Expect.isLessThanOrEqual (relativeDifference [| tf |] [| nf |]) Float32Tolerance "loss"
    Expect.isLessThanOrEqual (relativeDifference tg ng) Float32Tolerance "gradient"

[<Tests>]
let tests =
    testList
        "equivalence of the native and the TorchSharp backend"
        [
            for name, problem in
                [
                    "Poisson", poisson
                    "paper PDE", paperPde
                    "Bratu", bratu
                    "Allen–Cahn", allenCahn
                    "Neumann", neumann
                    "Robin", robin
                    "two-field system", system
                    "inverse problem", inverse
                    "hard constraint, hole, parameter and data", constrained
                    "heat (space-time)", heat
                ] do
                testCase (sprintf "%s: same loss and gradient (tanh MLP)" name) (fun () ->
                    check name tanhNet 0.0 problem)

            testCase "float32 on both backends agrees to float32 rounding" float32Agrees
            testCase "Poisson with L2 weight decay 2e-4" (fun () ->
                check "Poisson, λ = 2e-4" tanhNet 2e-4 poisson)
            testCase "paper PDE on the residual network (sigmoid)" (fun () ->
                check "residual sigmoid" (Architecture.residual 8 2 Activation.Sigmoid) 2e-4 paperPde)
            testCase "two-field system on Fourier features" (fun () ->
                check
                    "Fourier"
                    (Architecture.mlp [ 8 ] Activation.Tanh |> Architecture.withFourierFeatures 4 1.0)
                    0.0
                    system)
            testCase "Bratu on a softplus/sin MLP" (fun () ->
                check
                    "softplus-sin"
                    { Architecture.mlp [ 8 ] Activation.Softplus with
                        Layers = [ Dense(8, Activation.Softplus); Dense(6, Activation.Sin) ]
                    }
                    0.0
                    bratu)
        ]
