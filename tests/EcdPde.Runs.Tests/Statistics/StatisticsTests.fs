module EcdPde.Runs.Tests.StatisticsTests

open System
open Xunit
open Expecto
open EcdPde.Runs.Statistics

let ``Wilson interval matches hand-computed values`` () =
    // k = 7, n = 10, z = 1.96: centre (0.7 + 0.19207)/1.38415 = 0.64449, half 1.96/1.38415·√(0.021 + 0.0096040) = 0.24774.
    let lo, hi = Proportion.wilson 7 10
    Assert.Equal(0.39677, lo, 4)
    Assert.Equal(0.89222, hi, 4)
    let lo0, hi0 = Proportion.wilson 0 20
    Assert.Equal(0.0, lo0, 12)
    Assert.Equal(0.16113, hi0, 4)

let ``log-log slope recovers a known exponent`` () =
    let pts = [ for x in [ 0.1; 0.2; 0.4; 0.8 ] -> x, 3.0 * x ** 2.5 ]
    Assert.Equal(2.5, Regression.logLogSlope pts, 10)

let ``line fit matches a hand computation, with the t interval`` () =
    // x = 1…5, y = 1.1, 1.9, 3.2, 3.9, 5.1: slope 1, intercept 0.04, SE √(0.036/3/10) = 0.04899, t(0.975; 3) = 3.18245.
    let f =
        Regression.fitLine 0.95 [| 1.0; 2.0; 3.0; 4.0; 5.0 |] [| 1.1; 1.9; 3.2; 3.9; 5.1 |]

    Assert.Equal(1.0, f.Slope, 12)
    Assert.Equal(0.04, f.Intercept, 12)
    Assert.Equal(0.0489897948556636, f.SlopeStandardError, 12)
    Assert.Equal(0.8440926083649591, fst f.SlopeInterval, 10)
    Assert.Equal(1.1559073916350404, snd f.SlopeInterval, 10)
    Assert.Equal(0.9928514694201748, f.RSquared, 12)
    Assert.Equal(3, f.DegreesOfFreedom)

let ``t quantiles are the textbook ones`` () =
    Assert.Equal(4.302652729749464, Regression.tQuantile 0.95 2, 9)
    Assert.Equal(2.2281388519862744, Regression.tQuantile 0.95 10, 9)
    Assert.Equal(1.959963984540054, Regression.tQuantile 0.95 10_000_000, 4)

let ``line fit rejects what it cannot fit`` () =
    let e =
        Assert.Throws<System.ArgumentException>(fun () ->
            Regression.fitLine 0.95 [| 1.0; 1.0 |] [| 2.0; 3.0 |] |> ignore)

    Assert.Contains("distinct", e.Message)

    let e =
        Assert.Throws<System.ArgumentException>(fun () ->
            Regression.fitLogLog 0.95 [ 0.1, 1.0; 0.2, 0.0 ] |> ignore)

    Assert.Contains("y = 0", e.Message)

    Assert.Throws<System.ArgumentException>(fun () ->
        Regression.fitLine 1.0 [| 1.0; 2.0 |] [| 2.0; 3.0 |] |> ignore)
    |> ignore

let ``summaries: identical values have exactly zero spread, medians of odd and even counts`` () =
    Assert.Equal(0.0, Summary.standardError (Array.create 7 0.1))
    Assert.Equal(2.0, Summary.median [| 3.0; 1.0; 2.0 |])
    Assert.Equal(2.5, Summary.median [| 4.0; 1.0; 3.0; 2.0 |])
    Assert.True(Double.IsNaN(Summary.standardError [| 1.0 |]))
    // s = √(Σ(x − 2.5)²/3) = √(5/3); SE = s/2.
    Assert.Equal(sqrt (5.0 / 3.0) / 2.0, Summary.standardError [| 1.0; 2.0; 3.0; 4.0 |], 14)

let ``quantiles follow R's type 7 and the IQR is Q3 − Q1`` () =
    let xs = [| 7.0; 1.0; 3.0; 5.0; 9.0 |]
    Assert.Equal(5.0, Bootstrap.quantile 0.5 xs)
    Assert.Equal(3.0, Bootstrap.quantile 0.25 xs)
    Assert.Equal(7.0, Bootstrap.quantile 0.75 xs)
    Assert.Equal(4.0, Bootstrap.iqr xs)
    // R: quantile(c(1,2,3,4), 0.1) = 1.3
    Assert.Equal(1.3, Bootstrap.quantile 0.1 [| 4.0; 2.0; 3.0; 1.0 |], 12)

    Assert.Throws<ArgumentException>(fun () -> Bootstrap.quantile 1.5 xs |> ignore)
    |> ignore

let ``the bootstrap interval of the median is seeded, brackets the median and narrows with more data`` () =
    let r = Ecd.Core.Randomness.Xoshiro256.FromSeed 4UL
    let small = Array.init 15 (fun _ -> 100.0 + 10.0 * r.NextNormal())
    let large = Array.init 400 (fun _ -> 100.0 + 10.0 * r.NextNormal())
    let a = Bootstrap.interval Summary.median 0.95 2000 7UL small
    Assert.Equal(a, Bootstrap.interval Summary.median 0.95 2000 7UL small)
    let lo, hi = a
    Assert.True(lo <= Summary.median small && Summary.median small <= hi)
    let lo2, hi2 = Bootstrap.interval Summary.median 0.95 2000 7UL large
    Assert.True(hi2 - lo2 < hi - lo)
    // the true median 100 is inside the large-sample interval (≈ ±1.6)
    Assert.True(lo2 < 100.0 && 100.0 < hi2, sprintf "[%g, %g]" lo2 hi2)

let ``performance profiles on a toy table`` () =
    // problems × solvers (A, B); B fails on the last problem
    let costs = [| [| 10.0; 20.0 |]; [| 30.0; 15.0 |]; [| 5.0; infinity |] |]
    let rho = Profiles.performance costs [| 1.0; 2.0; 4.0 |]
    // A is best on problems 1 and 3, within 2x on problem 2 → ρ_A = [2/3, 1, 1]
    Assert.Equal<float[]>([| 2.0 / 3.0; 1.0; 1.0 |], rho[0])
    // B is best on problem 2, within 2x on problem 1, never on 3 → ρ_B = [1/3, 2/3, 2/3]
    Assert.Equal<float[]>([| 1.0 / 3.0; 2.0 / 3.0; 2.0 / 3.0 |], rho[1])

    Assert.Throws<ArgumentException>(fun () -> Profiles.performance [| [| 0.0 |] |] [| 1.0 |] |> ignore)
    |> ignore

let ``data profiles count problems solved within κ simplex gradients`` () =
    let evals = [| [| 30.0; 90.0 |]; [| 12.0; infinity |] |]
    let d = Profiles.data evals [| 2; 3 |] [| 5.0; 10.0; 40.0 |]
    // problem 1: n+1 = 3 → 10 and 30 gradients; problem 2: n+1 = 4 → 3 and ∞
    Assert.Equal<float[]>([| 0.5; 1.0; 1.0 |], d[0])
    Assert.Equal<float[]>([| 0.0; 0.0; 0.5 |], d[1])

[<Tests>]
let tests =
    testList
        "StatisticsTests"
        [
            testCase
                "Wilson interval matches hand-computed values"
                ``Wilson interval matches hand-computed values``
            testCase "log-log slope recovers a known exponent" ``log-log slope recovers a known exponent``
            testCase
                "line fit matches a hand computation, with the t interval"
                ``line fit matches a hand computation, with the t interval``
            testCase "t quantiles are the textbook ones" ``t quantiles are the textbook ones``
            testCase "line fit rejects what it cannot fit" ``line fit rejects what it cannot fit``
            testCase
                "summaries: identical values have exactly zero spread, medians of odd and even counts"
                ``summaries: identical values have exactly zero spread, medians of odd and even counts``
            testCase
                "quantiles follow R's type 7 and the IQR is Q3 − Q1"
                ``quantiles follow R's type 7 and the IQR is Q3 − Q1``
            testCase
                "the bootstrap interval of the median is seeded, brackets the median and narrows with more data"
                ``the bootstrap interval of the median is seeded, brackets the median and narrows with more data``
            testCase "performance profiles on a toy table" ``performance profiles on a toy table``
            testCase
                "data profiles count problems solved within κ simplex gradients"
                ``data profiles count problems solved within κ simplex gradients``
        ]
    |> testSequencedGroup "EcdPde.Runs.Tests.StatisticsTests"
