/// The deflation of a warm start (WarmStart.deflationOf): every known solution but its own target, within a radius of
/// half the distance to the nearest of them (the radius itself: DiscoveryTests, the deflated objective's gradient).
module Pde.Discovery.Tests.WarmStartTests

open System
open Xunit
open Expecto
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

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.WarmStartTests"
        [
            testCase
                "a warm start is deflated by every known solution but its own target"
                ``a warm start is deflated by every known solution but its own target``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.WarmStartTests"
