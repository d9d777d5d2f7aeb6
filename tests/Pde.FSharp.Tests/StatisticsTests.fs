module Pde.FSharp.Tests.StatisticsTests

open Xunit
open Pde.FSharp.Studies
open Pde.FSharp.Statistics

[<Fact>]
let ``Wilson interval matches hand-computed values`` () =
    // k = 7, n = 10, z = 1.96: centre (0.7 + 0.19207)/1.38415 = 0.64449, half 1.96/1.38415·√(0.021 + 0.0096040) = 0.24774.
    let lo, hi = Published.wilson 7 10
    Assert.Equal(0.39677, lo, 4)
    Assert.Equal(0.89222, hi, 4)
    let lo0, hi0 = Published.wilson 0 20
    Assert.Equal(0.0, lo0, 12)
    Assert.Equal(0.16113, hi0, 4)

[<Fact>]
let ``log-log slope recovers a known exponent`` () =
    let pts = [ for x in [ 0.1; 0.2; 0.4; 0.8 ] -> x, 3.0 * x ** 2.5 ]
    Assert.Equal(2.5, Regression.logLogSlope pts, 10)

[<Fact>]
let ``Hessian by differences of the analytic gradient is right on a quadratic`` () =
    let f = Ecd.Core.Objectives.Quadratic<float>(2, 9.0)
    let h = Published.hessian f [| 0.3; -0.2 |]
    Assert.Equal(1.0, h[0][0], 6)
    Assert.Equal(9.0, h[1][1], 6)
    Assert.Equal(0.0, h[0][1], 6)
