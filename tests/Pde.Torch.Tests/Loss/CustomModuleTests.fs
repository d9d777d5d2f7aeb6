/// A user's own TorchSharp module trains on a Problem: a Sequential of Linear layers with the engine's layout gives
/// the native loss, a hand-written module's gradient matches finite differences, and a module of the wrong shape
/// is refused with a message.
module Pde.Torch.Tests.CustomModuleTests

open System
open Expecto
open TorchSharp
open TorchSharp.Modules
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Pde.FSharp.Language
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Torch.Networks
open Pde.Torch.Loss
open Pde.Torch.Tests.Support

/// Analytic vs fourth-order central difference (step 1e-4) of a directional derivative, float64.
let DifferenceTolerance = 1e-6

/// A small module of its own: u(x) = Σ_k a_k·sin(w_k·x + c_k) + s·x₀·x₁ (a sine layer and a bilinear term).
type SineModule() as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("sine")

    let w =
        new Parameter(torch.randn ([| 6L; 2L |], dtype = torch.ScalarType.Float64), true)

    let c =
        new Parameter(torch.randn ([| 6L |], dtype = torch.ScalarType.Float64), true)

    let a =
        new Parameter(torch.randn ([| 1L; 6L |], dtype = torch.ScalarType.Float64), true)

    let s =
        new Parameter(torch.randn ([| 1L |], dtype = torch.ScalarType.Float64), true)

    do
        this.register_parameter ("w", w)
        this.register_parameter ("c", c)
        this.register_parameter ("a", a)
        this.register_parameter ("s", s)

    override _.forward(x: torch.Tensor) =
        let h = torch.nn.functional.linear(x, w, c).sin()
        let product = x.select(1L, 0L).mul(x.select (1L, 1L)).unsqueeze(1L)
        torch.nn.functional.linear(h, a).add(product.mul (s))

/// A module whose output has two columns (the problem has one field).
type TwoOutputs() =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("two")
    let inner = torch.nn.Linear(2L, 2L, dtype = torch.ScalarType.Float64)
    do base.register_module ("inner", inner)
    override _.forward(x: torch.Tensor) = inner.forward x

let private sequential () =
    let layer (name: string) (m: torch.nn.Module<torch.Tensor, torch.Tensor>) = name, m

    torch.nn.Sequential(
        layer "l1" (torch.nn.Linear(2L, 8L, dtype = torch.ScalarType.Float64)),
        layer "a1" (torch.nn.Tanh()),
        layer "l2" (torch.nn.Linear(8L, 8L, dtype = torch.ScalarType.Float64)),
        layer "a2" (torch.nn.Tanh()),
        layer "l3" (torch.nn.Linear(8L, 1L, dtype = torch.ScalarType.Float64))
    )

[<Tests>]
let tests =
    testList
        "a user's own module"
        [
            testCase
                "a Sequential of Linear and Tanh loaded with the engine's θ gives the native loss and gradient"
                (fun () ->
                    oneThread ()
                    let d = Discretize.run fewPoints paperPde

                    let network =
                        Objective.network<float>
                            (Objective.spec paperPde (Architecture.mlp [ 8; 8 ] Activation.Tanh))
                            7UL

                    let theta = thetaOf network paperPde 11UL
                    use native = Objective.loss d network 0.0 None
                    use model = sequential ()
                    use loss = new TorchPinnLoss<float>(d, model, 0.0)
                    Expect.equal (loss :> IObjective<float>).Dimension theta.Length "same θ length"
                    let nl, ng = evaluate native theta
                    let tl, tg = evaluate loss theta
                    Expect.isLessThanOrEqual (relativeDifference [| tl |] [| nl |]) 1e-10 "loss"
                    Expect.isLessThanOrEqual (relativeDifference tg ng) 1e-10 "gradient"
                    // Evaluate wrote θ into the module: it reads back.
                    Expect.equal (Weights.read<float>(model.parameters ())) theta "the module holds θ")

            testCase
                "a hand-written module trains an inverse problem: its gradient matches finite differences"
                (fun () ->
                    oneThread ()
                    torch.manual_seed 3L |> ignore
                    let d = Discretize.run fewPoints inverse
                    use model = new SineModule()
                    use loss = new TorchPinnLoss<float>(d, model, 1e-3)
                    let f = loss :> IObjective<float>
                    let theta = Array.append (Weights.read<float>(model.parameters ())) [| 0.5 |]
                    Expect.equal f.Dimension (6 * 2 + 6 + 6 + 1 + 1) "module weights then k"
                    let _, g = evaluate f theta

                    for seed in 1..3 do
                        let rng = Ecd.Core.Randomness.Xoshiro256.FromSeed(uint64 seed)
                        let direction = Array.init theta.Length (fun _ -> rng.NextNormal())

                        let at h =
                            fst (evaluate f (Array.map2 (fun t v -> t + h * v) theta direction))

                        let h = 1e-4
                        let fd = (8.0 * (at h - at -h) - (at (2.0 * h) - at (-2.0 * h))) / (12.0 * h)
                        let analytic = Array.map2 (*) g direction |> Array.sum

                        Expect.isLessThanOrEqual
                            (abs (analytic - fd))
                            (DifferenceTolerance * (abs fd + 1e-3))
                            (sprintf "direction %d: %g vs %g" seed analytic fd)

                    // Its terms: equation, boundary, data, then the L2 penalty of the module's weights.
                    let terms = loss.LastTerms |> Array.map (fun t -> t.Name)
                    Expect.equal terms.Length 4 (sprintf "%A" terms)
                    Expect.equal terms[3] "L2(weights)" "the penalty last")

            testCase "a module whose output does not fit the problem is refused with a message" (fun () ->
                let d = Discretize.run fewPoints poisson
                use model = new TwoOutputs()
                use loss = new TorchPinnLoss<float>(d, model, 0.0)
                let theta = Weights.read<float>(model.parameters ())

                Expect.throwsT<ProblemError>
                    (fun () -> evaluate loss theta |> ignore)
                    "two outputs for one field")

            testCase "a module in float32 for a float64 loss is refused" (fun () ->
                let d = Discretize.run fewPoints poisson
                use model = torch.nn.Linear(2L, 1L, dtype = torch.ScalarType.Float32)

                Expect.throwsT<ProblemError>
                    (fun () -> new TorchPinnLoss<float>(d, model, 0.0) |> ignore)
                    "dtype")
        ]
