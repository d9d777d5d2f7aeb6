/// The finite-difference compiler of problems: second-order convergence on manufactured solutions (rectangle with
/// Dirichlet, Neumann and Robin parts, disk, annulus, two fields, a mixed derivative), the Jacobian against
/// finite differences of the residual, and clear errors for what it does not compile.
module Pde.FSharp.Tests.FdCompileTests

open System
open Xunit
open Expecto
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Classical

let private u, v = field "u", field "v"

/// The observed order of the max-norm node error between two resolutions: log(e₁/e₂)/log(h₁/h₂).
let private observedOrder (problem: Problem) (exact: (float[] -> float) list) (n1: int) (n2: int) =
    let error n =
        match FdCompile.compile problem Map.empty n with
        | Error e -> failwithf "compile failed: %s" e
        | Ok s ->
            let r =
                Newton.solve Newton.NewtonOptions.Default [] s.System (Array.zeroCreate s.System.Size)

            Assert.True(r.Converged, sprintf "Newton did not converge on the %s" s.Grid.Description)

            let e =
                exact
                |> List.mapi (fun k f ->
                    Array.map2 (fun (p: float[]) w -> abs (w - f p)) s.Grid.Points (s.Field r.Solution k)
                    |> Array.max)
                |> List.max

            e, s.Grid.Spacing

    let (e1, h1), (e2, h2) = error n1, error n2
    log (e1 / e2) / log (h1 / h2), e2

/// Second order: the observed order within [1.8, 2.5] (a ratio ≈ 4 when h halves).
let private secondOrder (what: string) (order: float, finest: float) =
    Assert.True(
        order >= 1.8 && order <= 2.5,
        sprintf "%s: observed order %.3f (finest error %.3g)" what order finest
    )

// Manufactured solutions (closed forms as expressions and as functions).
let private ue = sin (x + 0.5) * exp (0.3 * y)
let private ueAt (p: float[]) = sin (p[0] + 0.5) * exp (0.3 * p[1])
let private um = exp (x * y) + x
let private umAt (p: float[]) = exp (p[0] * p[1]) + p[0]
let private ud = cos (x + 2.0 * y) + x * y
let private udAt (p: float[]) = cos (p[0] + 2.0 * p[1]) + p[0] * p[1]
let private va = sin (x * y) + y
let private vaAt (p: float[]) = sin (p[0] * p[1]) + p[1]

/// −Δu + u³ = f on [0, 1] × [0, 2]: Dirichlet left, Neumann bottom and right, Robin top.
let private mixedBoundaries =
    Problem.create (Domain.rectangle (0.0, 1.0) (0.0, 2.0)) [ u ]
    |> Problem.equation (-laplacian u + u ** 3 - (-laplacian ue + ue ** 3))
    |> Problem.dirichlet (Boundary.part "left") u ue
    |> Problem.neumann (Boundary.parts [ "bottom"; "right" ]) u (dn ue)
    |> Problem.robin (Boundary.part "top") (num 2.0) (num 0.5) u (2.0 * ue + 0.5 * dn ue)

/// Two coupled fields; v has Neumann conditions selected by a predicate.
let private twoFields =
    Problem.create Domain.unitSquare [ u; v ]
    |> Problem.equation (-laplacian u + v - (-laplacian um + va))
    |> Problem.equation (-laplacian v + u * v - (-laplacian va + um * va))
    |> Problem.dirichlet Boundary.all u um
    |> Problem.dirichlet (Boundary.parts [ "left"; "right" ]) v va
    |> Problem.neumann (Boundary.where "y = 0 or y = 1" (fun p -> p[1] = 0.0 || p[1] = 1.0)) v (dn va)

let ``rectangle with Dirichlet, Neumann and Robin parts converges at second order`` () =
    observedOrder mixedBoundaries [ ueAt ] 33 65 |> secondOrder "rectangle"

let ``a mixed derivative and a first-derivative product converge at second order`` () =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (
        -laplacian u + 0.5 * dxy u + u * dx u
        - (-laplacian um + 0.5 * dxy um + um * dx um)
    )
    |> Problem.dirichlet Boundary.all u um
    |> fun p -> observedOrder p [ umAt ] 17 33 |> secondOrder "mixed derivative"

let ``disk (polar grid, no node at the centre) with a Robin circle converges at second order`` () =
    Problem.create (Domain.tag "plate" (Domain.disk (0.2, -0.1) 1.0)) [ u ]
    |> Problem.equation (-laplacian u + 0.3 * dxy u + u ** 2 - (-laplacian ud + 0.3 * dxy ud + ud ** 2))
    |> Problem.robin (Boundary.part "plate") (num 1.0) (num 1.0) u (ud + dn ud)
    |> fun p -> observedOrder p [ udAt ] 17 33 |> secondOrder "disk"

let ``annulus with Dirichlet outside and Neumann inside converges at second order`` () =
    Problem.create (Domain.annulus (0.0, 0.0) 0.4 1.0) [ u ]
    |> Problem.equation (-laplacian u + dx u + exp u - (-laplacian ud + dx ud + exp ud))
    |> Problem.dirichlet (Boundary.part "outer") u ud
    |> Problem.neumann (Boundary.part "inner") u (dn ud)
    |> fun p -> observedOrder p [ udAt ] 33 65 |> secondOrder "annulus"

let ``two coupled fields converge at second order`` () =
    observedOrder twoFields [ umAt; vaAt ] 17 33 |> secondOrder "two fields"

/// J(U)·d against the central difference (F(U + εd) − F(U − εd))/2ε at a seeded random U and d.
let private checkJacobian (problem: Problem) (resolution: int) =
    match FdCompile.compile problem Map.empty resolution with
    | Error e -> failwith e
    | Ok s ->
        let r = Random(20261203)
        let size = s.System.Size
        let point = Array.init size (fun _ -> 0.5 + r.NextDouble())
        let direction = Array.init size (fun _ -> r.NextDouble() - 0.5)
        let m = s.Matrix point
        let lower, upper = s.Band

        let product = Array.zeroCreate size

        for i in 0 .. size - 1 do
            for j in max 0 (i - lower) .. min (size - 1) (i + upper) do
                product[i] <- product[i] + m[i, j] * direction[j]

        let eps = 1e-6
        let plus = s.System.Residual(Array.map2 (fun a b -> a + eps * b) point direction)
        let minus = s.System.Residual(Array.map2 (fun a b -> a - eps * b) point direction)

        for i in 0 .. size - 1 do
            let fd = (plus[i] - minus[i]) / (2.0 * eps)
            let scale = 1.0 + abs fd

            Assert.True(
                abs (fd - product[i]) <= 1e-5 * scale,
                sprintf "row %d: J·d = %.10g, finite difference %.10g" i product[i] fd
            )

let ``the Jacobian matches finite differences of the residual (rectangle, two fields, disk, annulus)`` () =
    checkJacobian mixedBoundaries 9
    checkJacobian twoFields 9

    Problem.create (Domain.disk (0.0, 0.0) 1.0) [ u ]
    |> Problem.equation (-laplacian u + dxy u * u + sin u / (2.0 + x))
    |> Problem.robin (Boundary.part "circle") (u * u) (num 1.0) u (num 0.3)
    |> fun p -> checkJacobian p 9

    Problem.create (Domain.annulus (0.0, 0.0) 0.5 1.0) [ u ]
    |> Problem.equation (-(laplacian u) * exp (0.1 * u) + dy u ** 2)
    |> Problem.neumann (Boundary.part "inner") u (u ** 2)
    |> Problem.dirichlet (Boundary.part "outer") u (num 1.0)
    |> fun p -> checkJacobian p 9

let private compileError (problem: Problem) =
    match FdCompile.compile problem Map.empty 9 with
    | Ok _ -> failwith "expected a compile error"
    | Error e -> e

let ``what the compiler does not handle is an error with the reason`` () =
    let square = Problem.create Domain.unitSquare [ u ]

    let withBoundary (p: Problem) =
        p |> Problem.dirichlet Boundary.all u (num 0.0)

    let cases =
        [
            square |> Problem.equation (dx (dxx u)) |> withBoundary, "order 3"
            Problem.create (Domain.polygon [ 0.0, 0.0; 1.0, 0.0; 0.0, 1.0 ]) [ u ]
            |> Problem.equation (laplacian u)
            |> withBoundary,
            "unsupported domain: a polygon"
            Problem.create (Domain.spaceTime Domain.unitSquare (0.0, 1.0)) [ u ]
            |> Problem.equation (dt u - laplacian u)
            |> withBoundary,
            "space-time"
            square
            |> Problem.equation (laplacian u)
            |> Problem.dirichlet (Boundary.part "left") u (num 0.0),
            "no boundary condition fixes field 'u'"
            square
            |> Problem.equation (laplacian u)
            |> Problem.equation (u - 1.0)
            |> withBoundary,
            "2 equations for 1 fields"
            square
            |> Problem.equation (laplacian u)
            |> withBoundary
            |> Problem.data u [| [| 0.5; 0.5 |] |] [| 1.0 |],
            "observed data"
            square
            |> Problem.parameter "a" 1.0
            |> Problem.equation (laplacian u + parameter "a")
            |> withBoundary,
            "parameter 'a' has no value"
            square
            |> Problem.equation (laplacian u)
            |> withBoundary
            |> Problem.neumann (Boundary.part "left") u (num 0.0),
            "is imposed at no node"
        ]

    for problem, expected in cases do
        let e = compileError problem
        Assert.True(e.Contains expected, sprintf "expected '%s' in: %s" expected e)

let ``an inverse problem's parameter compiles with a given value`` () =
    // −Δu = a with a = 4 and u = −(x² + y²) on the boundary: u = −(x² + y²) exactly (quadratic: no truncation).
    let problem =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.parameter "a" 1.0
        |> Problem.equation (-laplacian u - parameter "a")
        |> Problem.dirichlet Boundary.all u (-(x ** 2 + y ** 2))

    match FdCompile.compile problem (Map [ "a", 4.0 ]) 9 with
    | Error e -> failwith e
    | Ok s ->
        let r =
            Newton.solve Newton.NewtonOptions.Default [] s.System (Array.zeroCreate s.System.Size)

        Array.iter2
            (fun (p: float[]) w -> Assert.Equal(-(p[0] * p[0] + p[1] * p[1]), w, 9))
            s.Grid.Points
            r.Solution

let ``a hard constraint gives the same system as the Dirichlet condition it encodes`` () =
    // u = g + x(1 − x)y(1 − y)·N: u = g on the boundary whatever N; the classical unknown is u itself
    let equation = -laplacian u + u ** 3 - (-laplacian um + um ** 3)

    let constrained =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation equation
        |> Problem.hardConstraint u (fun n -> um + x * (1.0 - x) * y * (1.0 - y) * n)

    let explicit =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation equation
        |> Problem.dirichlet Boundary.all u um

    let solve (p: Problem) =
        match FdCompile.compile p Map.empty 17 with
        | Error e -> failwith e
        | Ok s ->
            (Newton.solve Newton.NewtonOptions.Default [] s.System (Array.zeroCreate s.System.Size)).Solution

    Array.iter2 (fun (a: float) (b: float) -> Assert.Equal(a, b, 10)) (solve explicit) (solve constrained)

    // with both, the explicit condition gives the rows and the constraint is not an error
    explicit
    |> Problem.hardConstraint u (fun n -> um + x * (1.0 - x) * y * (1.0 - y) * n)
    |> solve
    |> Array.iter2 (fun (a: float) (b: float) -> Assert.Equal(a, b, 10)) (solve explicit)

    // a constraint whose factor does not vanish on the boundary fixes nothing there
    let loose =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation equation
        |> Problem.hardConstraint u (fun n -> um + (1.0 + x) * n)

    match FdCompile.compile loose Map.empty 9 with
    | Ok _ -> failwith "expected an error"
    | Error e -> Assert.Contains("no boundary condition fixes field 'u'", e)

let ``grid interpolation is exact for cubics on the rectangle and accurate on the disk`` () =
    let cubic (p: float[]) =
        p[0] ** 3.0 - 2.0 * p[0] * p[1] ** 2.0 + p[1]

    let rectangle = RectangleGrid.create (0.0, 1.0, -1.0, 1.0) 7 9
    let at = [| [| 0.13; -0.77 |]; [| 0.99; 0.5 |]; [| 0.0; 0.0 |]; [| 0.5; 1.0 |] |]
    let got = rectangle.Interpolate (rectangle.Points |> Array.map cubic) at
    Array.iter2 (fun p g -> Assert.Equal(cubic p, g, 10)) at got
    let smooth (p: float[]) = sin (p[0] + 0.3) * cos (2.0 * p[1])
    let disk = PolarGrid.disk (0.0, 0.0, 1.0) 24 80

    let inside =
        [| [| 0.0; 0.0 |]; [| 0.01; -0.02 |]; [| 0.7; 0.7 |]; [| -0.4; 0.1 |] |]

    let values = disk.Interpolate (disk.Points |> Array.map smooth) inside

    Array.iter2
        (fun p g -> Assert.True(abs (smooth p - g) < 1e-4, sprintf "at %A: %g vs %g" p g (smooth p)))
        inside
        values

[<Tests>]
let tests =
    testList
        "FdCompileTests"
        [
            testCase
                "rectangle with Dirichlet, Neumann and Robin parts converges at second order"
                ``rectangle with Dirichlet, Neumann and Robin parts converges at second order``
            testCase
                "a mixed derivative and a first-derivative product converge at second order"
                ``a mixed derivative and a first-derivative product converge at second order``
            testCase
                "disk (polar grid, no node at the centre) with a Robin circle converges at second order"
                ``disk (polar grid, no node at the centre) with a Robin circle converges at second order``
            testCase
                "annulus with Dirichlet outside and Neumann inside converges at second order"
                ``annulus with Dirichlet outside and Neumann inside converges at second order``
            testCase
                "two coupled fields converge at second order"
                ``two coupled fields converge at second order``
            testCase
                "the Jacobian matches finite differences of the residual (rectangle, two fields, disk, annulus)"
                ``the Jacobian matches finite differences of the residual (rectangle, two fields, disk, annulus)``
            testCase
                "what the compiler does not handle is an error with the reason"
                ``what the compiler does not handle is an error with the reason``
            testCase
                "an inverse problem's parameter compiles with a given value"
                ``an inverse problem's parameter compiles with a given value``
            testCase
                "a hard constraint gives the same system as the Dirichlet condition it encodes"
                ``a hard constraint gives the same system as the Dirichlet condition it encodes``
            testCase
                "grid interpolation is exact for cubics on the rectangle and accurate on the disk"
                ``grid interpolation is exact for cubics on the rectangle and accurate on the disk``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.FdCompileTests"
