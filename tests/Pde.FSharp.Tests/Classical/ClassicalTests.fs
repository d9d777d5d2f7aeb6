/// Classical solvers: banded LU, (deflated) Newton, Bratu, the paper's radial PDE by two independent methods.
module Pde.FSharp.Tests.ClassicalTests

open System
open Xunit
open Expecto
open MathNet.Numerics.LinearAlgebra
open Pde.FSharp.Classical

let private options = Newton.NewtonOptions.Default

/// Band matrices of the shapes (size, below, above) with random entries and a small diagonal (pivoting is needed):
/// the matrix twice (for two factorisations) and densely.
let private randomBanded (r: Random) (n: int) (kl: int) (ku: int) =
    let m, m2 = BandedMatrix(n, kl, ku), BandedMatrix(n, kl, ku)
    let dense = Matrix<float>.Build.Dense(n, n)

    for i in 0 .. n - 1 do
        for j in max 0 (i - kl) .. min (n - 1) (i + ku) do
            let v = r.NextDouble() - 0.5 + (if i = j then 0.01 else 0.0)
            m[i, j] <- v
            m2[i, j] <- v
            dense[i, j] <- v

    m, m2, dense

// sizes below and above the block of 32 columns, bands narrower and wider than it, one side empty
let private shapes =
    [
        1, 0, 0
        7, 1, 1
        30, 3, 2
        50, 5, 5
        40, 0, 4
        33, 4, 0
        100, 40, 35
        150, 3, 50
        120, 50, 2
        97, 31, 33
    ]

let ``banded LU with pivoting agrees with MathNet's dense LU`` () =
    let r = Random(3)

    for n, kl, ku in shapes do
        let m, _, dense = randomBanded r n kl ku
        let b = Array.init n (fun _ -> r.NextDouble())
        let expected = dense.LU().Solve(Vector<float>.Build.DenseOfArray b).ToArray()
        m.Factor()
        let x = m.Solve(Array.copy b)

        // backward stable: the residual is rounding-sized; forward: both solves err by about cond(A)·ε·‖x‖
        let xv = Vector<float>.Build.DenseOfArray x
        let residual = (dense * xv - Vector<float>.Build.DenseOfArray b).InfinityNorm()
        let scale = xv.InfinityNorm()

        Assert.True(
            residual <= 1e-12 * (dense.InfinityNorm() * scale + 1.0),
            sprintf "%d × %d: residual %g" n n residual
        )

        let tolerance = 1e-13 * dense.ConditionNumber() * max 1.0 scale

        for i in 0 .. n - 1 do
            Assert.True(
                abs (expected[i] - x[i]) <= tolerance,
                sprintf "%d × %d, band %d/%d: x[%d] = %.17g, MathNet %.17g" n n kl ku i x[i] expected[i]
            )

let ``the blocked band LU equals the column-by-column one bit for bit (factors and solves)`` () =
    let r = Random(5)

    for n, kl, ku in shapes do
        let blocked, reference, _ = randomBanded r n kl ku
        blocked.Factor()
        reference.FactorUnblocked()

        for i in 0 .. n - 1 do
            for j in max 0 (i - kl) .. min (n - 1) (i + kl + ku) do
                Assert.Equal(
                    BitConverter.DoubleToInt64Bits reference[i, j],
                    BitConverter.DoubleToInt64Bits blocked[i, j]
                )

        let b = Array.init n (fun _ -> r.NextDouble())
        Assert.Equal<float[]>(reference.Solve(Array.copy b), blocked.Solve(Array.copy b))

let ``banded matrix errors are clear`` () =
    Assert.Throws<ArgumentException>(fun () -> BandedMatrix(0, 1, 1) |> ignore)
    |> ignore

    let m = BandedMatrix(3, 1, 1)
    Assert.Throws<ArgumentException>(fun () -> m[0, 2] <- 1.0) |> ignore
    Assert.Throws<ArithmeticException>(fun () -> m.Factor()) |> ignore

let ``1-D Bratu at λ = 2: deflation finds both solutions, ‖u1 − u2‖ = 1.7514, each matches the closed form``
    ()
    =
    let n = 400
    let system = Bratu.system1D 2.0 n
    let found, _ = Newton.deflate options 5 system [ Array.zeroCreate n ]
    Assert.Equal(2, found.Length)
    let distance = Newton.norm system.Weights (Array.map2 (-) found[0] found[1])
    Assert.Equal(1.7514, distance, 3)
    let x = Bratu.grid1D n
    let thetas = Bratu.closedFormThetas 2.0
    Assert.Equal(2, thetas.Length)

    for theta in thetas do
        let exact = x |> Array.map (Bratu.closedForm theta)

        let err =
            found
            |> List.map (fun u -> Array.map2 (fun a b -> abs (a - b)) u exact |> Array.max)
            |> List.min

        // second-order finite differences, h = 1/401: error ≈ h²·max|u⁗|/12
        Assert.True(err < 2e-4, sprintf "θ = %g: max error %g" theta err)

let ``1-D Bratu has no solution above the fold λc ≈ 3.5138`` () =
    Assert.Empty(Bratu.closedFormThetas 3.6)
    Assert.Equal(2, (Bratu.closedFormThetas 3.5).Length)

    let found, _ =
        Newton.deflate options 3 (Bratu.system1D 3.6 100) [ Array.zeroCreate 100 ]

    Assert.Empty(found)

let ``2-D Bratu at λ = 6: two solutions, second-order convergent`` () =
    let maxes n =
        let found, _ =
            Newton.deflate options 4 (Bratu.system2D 6.0 n) [ Array.zeroCreate (n * n) ]

        Assert.Equal(2, found.Length)
        // the centre value (n odd: the middle grid point)
        found |> List.map (fun u -> u[n / 2 + n * (n / 2)]) |> List.sort

    let coarse, mid, fine = maxes 7, maxes 15, maxes 31

    for i in 0..1 do
        let e1 = abs (mid[i] - coarse[i])
        let e2 = abs (fine[i] - mid[i])
        // halving h divides the error of a second-order scheme by about 4
        Assert.InRange(e1 / e2, 3.0, 5.0)

    Assert.InRange(fine[0], 0.78, 0.82)
    Assert.InRange(fine[1], 2.1, 2.4)

let ``2-D Bratu: the upper solution grows as λ decreases`` () =
    let upper lambda =
        // (on a 15 × 15 grid, deflation from u = 0 misses the upper solution at λ = 1; 31 × 31 finds it)
        let found, _ =
            Newton.deflate options 3 (Bratu.system2D lambda 31) [ Array.zeroCreate 961 ]

        Assert.Equal(2, found.Length)
        found |> List.map Array.max |> List.max

    Assert.True(upper 1.0 > upper 3.0)
    Assert.True(upper 3.0 > upper 6.0)

let ``radial paper PDE: finite differences converge to sin²(kr²) at second order`` () =
    let error n =
        let system, r = RadialPaperPde.system 2.0 n
        let exact = r |> Array.map (RadialPaperPde.manufactured 2.0)
        let res = Newton.solve options [] system exact
        Assert.True(res.Converged)
        Newton.norm system.Weights (Array.map2 (-) res.Solution exact)

    let e1, e2 = error 100, error 200
    Assert.InRange(e1 / e2, 3.5, 4.5)
    Assert.True(e2 < 1e-4)

let ``radial paper PDE: shooting and finite differences find the same two solutions`` () =
    for k, second in [ 2.0, -9.2977; 20.0, -10.2258 ] do
        let roots = RadialPaperPde.shootingRoots k 20000 -30.0 30.0 600
        Assert.Equal(2, roots.Length)
        Assert.Equal(0.0, roots |> List.minBy abs, 8) // the manufactured solution has u(0) = 0
        Assert.Equal(second, roots |> List.min, 3)
        let n = if k > 10.0 then 4000 else 400
        let system, _ = RadialPaperPde.system k n

        for a in roots do
            let shot = RadialPaperPde.shotProfile k n a
            let fd = Newton.solve options [] system shot[0 .. n - 1]

            Assert.True(
                fd.Converged,
                sprintf "k = %g, u(0) = %g: FD Newton from the shot did not converge" k a
            )

            let diff =
                Array.map2 (fun x y -> abs (x - y)) fd.Solution shot[0 .. n - 1] |> Array.max

            Assert.True(diff < 2e-4, sprintf "k = %g, u(0) = %g: FD and shooting differ by %g" k a diff)

let ``deflation does not return to a known solution`` () =
    let system, r = RadialPaperPde.system 2.0 200
    let guess = r |> Array.map (RadialPaperPde.manufactured 2.0)
    let first = Newton.solve options [] system guess
    let again = Newton.solve options [ first.Solution ] system guess

    if again.Converged then
        Assert.True(Newton.norm system.Weights (Array.map2 (-) again.Solution first.Solution) > 1e-2)

    Assert.Throws<ArgumentException>(fun () -> Newton.solve options [] system [| 1.0 |] |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> RadialPaperPde.shootingRoots 2.0 100 1.0 0.0 10 |> ignore)
    |> ignore

let ``Allen–Cahn at ε = 0.15: deflated Newton finds 0 and ±u₁ and no solution twice`` () =
    let n = 23
    let system = Semilinear.allenCahn 0.15 n
    let mode = Semilinear.sineMode n 1.0 1.0

    // the zero guess twice: a guess that is a known solution does not move and is not counted again
    let zero = Array.zeroCreate (n * n)

    let found, _ =
        Newton.deflate Newton.NewtonOptions.Default 10 system [ zero; zero; mode 1.0; mode -1.0 ]

    Assert.Equal(3, found.Length)
    Assert.Equal(0.0, found[0] |> Array.map abs |> Array.max)
    let peak = Array.max found[1]
    Assert.InRange(peak, 0.85, 0.95) // 0.906 on the 47² grid
    // the third is the mirror image of the second (the equation is odd in u)
    Assert.All(Array.zip found[1] found[2], fun (a, b) -> Assert.Equal(-a, b, 6))

[<Tests>]
let tests =
    testList
        "ClassicalTests"
        [
            testCase
                "banded LU with pivoting agrees with MathNet's dense LU"
                ``banded LU with pivoting agrees with MathNet's dense LU``
            testCase
                "the blocked band LU equals the column-by-column one bit for bit (factors and solves)"
                ``the blocked band LU equals the column-by-column one bit for bit (factors and solves)``
            testCase "banded matrix errors are clear" ``banded matrix errors are clear``
            testCase
                "1-D Bratu at λ = 2: deflation finds both solutions, ‖u1 − u2‖ = 1.7514, each matches the closed form"
                ``1-D Bratu at λ = 2: deflation finds both solutions, ‖u1 − u2‖ = 1.7514, each matches the closed form``
            testCase
                "1-D Bratu has no solution above the fold λc ≈ 3.5138"
                ``1-D Bratu has no solution above the fold λc ≈ 3.5138``
            testCase
                "2-D Bratu at λ = 6: two solutions, second-order convergent"
                ``2-D Bratu at λ = 6: two solutions, second-order convergent``
            testCase
                "2-D Bratu: the upper solution grows as λ decreases"
                ``2-D Bratu: the upper solution grows as λ decreases``
            testCase
                "radial paper PDE: finite differences converge to sin²(kr²) at second order"
                ``radial paper PDE: finite differences converge to sin²(kr²) at second order``
            testCase
                "radial paper PDE: shooting and finite differences find the same two solutions"
                ``radial paper PDE: shooting and finite differences find the same two solutions``
            testCase
                "deflation does not return to a known solution"
                ``deflation does not return to a known solution``
            testCase
                "Allen–Cahn at ε = 0.15: deflated Newton finds 0 and ±u₁ and no solution twice"
                ``Allen–Cahn at ε = 0.15: deflated Newton finds 0 and ±u₁ and no solution twice``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.ClassicalTests"
