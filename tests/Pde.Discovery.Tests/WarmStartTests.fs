/// The deflation of a warm start (WarmStart.deflationOf): every known solution but its own target, within a radius of
/// half the distance to the nearest of them; and the deflation's radius (Deflation.DeflatedObjective).
module Pde.Discovery.Tests.WarmStartTests

open System
open Xunit
open Expecto
open Ecd.Core.Objectives
open Pde.Discovery

let private rms (a: float[]) (b: float[]) =
    sqrt (Array.fold2 (fun acc x y -> acc + (x - y) ** 2.0) 0.0 a b / float a.Length)

let ``a warm start is deflated by every known solution but its own target`` () =
    let n = 50
    let weights = Array.create n (1.0 / float n)

    let wave k =
        Array.init n (fun p -> sin (float k * Math.PI * float p / float (n - 1)))

    let zero = Array.zeroCreate<float> n
    let first = wave 1
    let second = wave 2
    let third = wave 2 |> Array.map (fun v -> -v)
    // a copy of the target within the threshold of it (the same solution, listed again) is not deflated either
    let copy = second |> Array.map (fun v -> 1.01 * v)
    let known = [ zero; first; second; third; copy ]
    let floor = 0.1 * sqrt (Array.sum weights)
    let others, radius = WarmStart.deflationOf weights floor 0.1 known second
    Assert.Equal<float[] list>([ zero; first; third ], others)
    // half the distance to the nearest other: u = 0 (RMS 0.7 away; the opposite one is twice as far)
    let nearest = [ zero; first; third ] |> List.map (rms second) |> List.min
    Assert.Equal(rms second zero, nearest, 12)
    Assert.Equal(0.5 * nearest, radius, 12)
    // no other known solution: nothing deflated, the deflation rounds' radius
    let none, one = WarmStart.deflationOf weights floor 0.1 [ copy ] second
    Assert.Empty none
    Assert.Equal(1.0, one)

let ``the deflation's radius scales the distance: the factor is the one of the scaled fields, its gradient exact``
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
    let radius = 0.2

    use scaled =
        new Deflation.DeflatedObjective(inner, net, points, known, 2.0, 1.0, None, radius)

    // the factor with radius r is Π((‖u − uᵢ‖/r)⁻² + 1), ‖·‖ the root mean square over the points, from the network's
    // values computed apart
    let u = Array.zeroCreate<float> 20

    do
        use engine =
            new Ecd.Core.Engine.JetEngine<float>(
                net,
                Ecd.Core.Engine.JetRequest.ValueOnly,
                Ecd.Core.Engine.EngineOptions(Threads = 1)
            )

        let jets = engine.NewJets 20
        engine.Forward(ReadOnlySpan theta, ReadOnlySpan points, jets)
        jets.Value(0).CopyTo(Span u)

    let expected =
        known |> List.fold (fun acc k -> acc * ((rms u k / radius) ** -2.0 + 1.0)) 1.0

    let factor = scaled.Factor(ReadOnlySpan theta)
    Assert.True(abs (factor - expected) <= 1e-10 * expected, sprintf "%g vs %g" factor expected)
    let f = scaled :> IObjective<float>
    let g = Array.zeroCreate net.ParameterCount
    f.Evaluate(ReadOnlySpan theta, Span g) |> ignore
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
        new Deflation.DeflatedObjective(inner, net, points, known, 2.0, 1.0, None, 0.0)
        |> ignore)
    |> ignore

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.WarmStartTests"
        [
            testCase
                "a warm start is deflated by every known solution but its own target"
                ``a warm start is deflated by every known solution but its own target``
            testCase
                "the deflation's radius scales the distance: the factor is the one of the scaled fields, its gradient exact"
                ``the deflation's radius scales the distance: the factor is the one of the scaled fields, its gradient exact``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.WarmStartTests"
