/// The one distance floor of the classical judgements (DiscoverySearch.Floor). Small sizes (AnyProblemTests.small).
module Pde.Discovery.Tests.FloorTests

open Xunit
open Expecto
open Pde.FSharp.Classical
open Pde.Discovery
open Pde.Discovery.Solutions
open Pde.Discovery.Tests.AnyProblemTests

let private maxAbs (v: float[]) =
    v |> Array.fold (fun m x -> max m (abs x)) 0.0

/// Allen–Cahn at ε = 0.1 has small solutions near the (1,3)/(3,1) modes (ε²π²·10 = 0.99, just below 1): at the
/// search's floor (each field against its own size) the classical completion keeps them apart from u = 0; at the
/// largest solution's floor (±u₁, L² ≈ 0.69) the smallest of them lie within the threshold of u = 0 and merge.
let ``the floor keeps Allen–Cahn's small solutions apart from zero`` () =
    let problem, _ = BuiltInExamples.allenCahn BuiltInExamples.Default 0.1
    let s = small "ac-floor"
    let subject = Subject.compile problem s
    let search = DiscoverySearch(subject, s, ignore)

    let zero =
        fun (_: string) (points: float[][]) -> Array.zeroCreate<float> points.Length

    let smallOnes (floor: float) =
        // seeds: ± the (1,3) and (3,1) modes and their sum and difference, at the small solutions' size
        let modes = Certification.modeSeeds subject 0.2

        let pick m n sign =
            modes[((m - 1) * 3 + (n - 1)) * 2 + (if sign > 0.0 then 0 else 1)]

        let sum (a: string -> float[][] -> float[]) b =
            fun f p -> Array.map2 (fun x y -> 0.7 * (x + y)) (a f p) (b f p)

        let seeds =
            [
                pick 1 3 1.0
                pick 3 1 1.0
                sum (pick 1 3 1.0) (pick 3 1 1.0)
                sum (pick 1 3 1.0) (pick 3 1 -1.0)
            ]

        match Certify.solve problem (Certification.options subject floor) zero with
        | Ok z ->
            Certification.complete
                subject
                (Certification.options subject floor)
                2
                [ z.Solution ]
                seeds
                floor
                []
            |> List.map (fun (r, _) -> r.MaxAbs)
            |> List.filter (fun m -> m > 1e-3 && m < 0.3)
        | Error e -> failwith e.Reason

    let atFloor = smallOnes search.Floor
    Assert.True(atFloor.Length >= 3, sprintf "at the search's floor: %A" atFloor)
    let atLargest = smallOnes (0.69 * sqrt (Array.sum subject.GridWeights))

    Assert.True(
        atLargest.Length < atFloor.Length,
        sprintf "at the largest solution's floor: %A, at the search's: %A" atLargest atFloor
    )

/// The classical check's distance is the solution's own (relative to the larger of it and the classical field), as
/// certification measures, whatever else was found: a field 30% off its classical solution reads 0.3/1.3, not 0.3/10
/// beside a solution ten times larger (the one floor of sameness made a k = 20 field 0.376 off read 0.0755).
let ``the classical check measures a solution against its own size`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
    let s = small "classical-check"

    let subject =
        Subject.compile
            problem
            { s with
                Classical = Some(fun grid -> [ "one", Array.create grid.Length 1.0 ])
            }

    let found (level: float) =
        let c = DiscoveryTests.candidate 0 (Array.create subject.Grid.Length level) 0.0 0.0

        {
            Representative = c
            Members = [ c ]
            MaxAbs = level
            L2Norm = level
        }

    match ClassicalCheck.checkAll subject 0.0 [ found 1.3; found 10.0 ] with
    | [ near; _ ] ->
        Assert.Equal("one", fst near.Classical)
        Assert.InRange(snd near.Classical, 0.3 / 1.3 - 1e-12, 0.3 / 1.3 + 1e-12)
    | other -> failwithf "%d checked solutions" other.Length

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.FloorTests"
        [
            testCase
                "the floor keeps Allen–Cahn's small solutions apart from zero"
                ``the floor keeps Allen–Cahn's small solutions apart from zero``
            testCase
                "the classical check measures a solution against its own size"
                ``the classical check measures a solution against its own size``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.FloorTests"
