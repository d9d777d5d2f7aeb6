/// PinnLoss's fused path (each point set's engine pass fused per block with the tape) against its two-pass path:
/// the same loss, breakdown and gradient, bit for bit, for a fixed thread count.
module Pde.FSharp.Tests.FusedLossTests

open System
open Xunit
open Expecto
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.FSharp.Tests.Support

let private u = field "u"

/// Enough points for several blocks of 64 per set, the last one partial.
let private points =
    { PointSettings.defaults with
        Interior = 300
        Boundary = 100
        Seed = 5UL
    }

/// Bratu at λ = 6 (a discovery example, unit square), and a system of two fields with a hard constraint, a trainable
/// parameter, a Neumann term and data.
let private problems =
    [
        "bratu",
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (laplacian u + 6.0 * exp u)
        |> Problem.dirichlet Boundary.all u (num 0.0)
        "system", Pde.Tests.Shared.SystemProblem.create ()
    ]

/// (loss, breakdown, gradient) of `problem` on `threads` workers by the two-pass or the fused path.
let private evaluate (problem: Problem) (threads: int) (twoPass: bool) =
    let d = Discretize.run points problem

    let spec =
        Architecture.spec
            problem.Scope.Coordinates.Length
            problem.Fields.Length
            (Architecture.mlp [ 16; 16 ] Activation.Tanh)

    let network = Network<float>(spec, 7UL)
    use pool = new WorkerPool(threads)
    use loss = new PinnLoss<float>(d, network, 1e-4, Some pool)
    loss.TwoPass <- twoPass

    let theta =
        Array.append (network.NewParameters 11UL) (problem.Parameters |> List.map snd |> Array.ofList)

    let g = Array.zeroCreate theta.Length
    let f = (loss :> IObjective<float>).Evaluate(ReadOnlySpan theta, Span g)
    // a second evaluation on the same loss gives the same again
    let g2 = Array.zeroCreate theta.Length
    let f2 = (loss :> IObjective<float>).Evaluate(ReadOnlySpan theta, Span g2)
    Assert.Equal(f, f2)
    Assert.Equal<float[]>(g, g2)
    f, loss.LastTerms |> Array.map (fun t -> t.Weighted), g

let ``the fused path gives the two-pass loss, breakdown and gradient bit for bit`` () =
    for name, problem in problems do
        for threads in [ 1; 2 ] do
            let f1, terms1, g1 = evaluate problem threads true
            let f2, terms2, g2 = evaluate problem threads false
            Assert.True((f1 = f2), sprintf "%s, %d threads: loss %.17g vs %.17g" name threads f1 f2)
            Assert.Equal<float[]>(terms1, terms2)
            Assert.Equal<float[]>(g1, g2)

let ``thread counts agree on the fused path`` () =
    for name, problem in problems do
        let f1, _, g1 = evaluate problem 1 false
        let f2, _, g2 = evaluate problem 2 false
        let scale = g1 |> Array.map abs |> Array.max
        Assert.True(abs (f1 - f2) <= 1e-12 * abs f1, sprintf "%s: loss %.17g vs %.17g" name f1 f2)

        for i in 0 .. g1.Length - 1 do
            Assert.True(
                abs (g1[i] - g2[i]) <= 1e-12 * scale,
                sprintf "%s: θ[%d] %.17g vs %.17g" name i g1[i] g2[i]
            )

[<Tests>]
let tests =
    testList
        "FusedLossTests"
        [
            testCase
                "the fused path gives the two-pass loss, breakdown and gradient bit for bit"
                ``the fused path gives the two-pass loss, breakdown and gradient bit for bit``
            testCase "thread counts agree on the fused path" ``thread counts agree on the fused path``
        ]
