/// The deflation of a warm start (WarmStart.deflationOf, WarmStart.beyondFloor): every known solution but its own
/// target, classical ones only beyond the floor of the network solutions.
module Pde.Discovery.Tests.WarmStartTests

open System
open Xunit
open Expecto
open Pde.Discovery

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
    let others = WarmStart.deflationOf weights floor 0.1 known second
    Assert.Equal<float[] list>([ zero; first; third ], others)
    // a target whose only other known solution is itself: nothing deflated
    Assert.Empty(WarmStart.deflationOf weights floor 0.1 [ copy ] second)

    // a classical solution within the floor (absolute L²) of a network solution gets no pole of its own (u = 0's
    // covers it); one beyond it does
    let tiny = first |> Array.map (fun v -> 0.05 * v)
    Assert.False(WarmStart.beyondFloor weights floor [ zero ] tiny)
    Assert.True(WarmStart.beyondFloor weights floor [ zero ] third)

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
