/// Classical certification of fields (as a network would give them): Bratu against the hand-written 5-point
/// solver, the BBI paper's PDE against shooting, Allen–Cahn completion by deflation, Moved and NotCertified.
module Pde.FSharp.Tests.CertifyTests

open System
open Xunit
open Expecto
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Classical

let private u = field "u"

let private bratu (lambda: float) =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (laplacian u + lambda * exp u)
    |> Problem.dirichlet Boundary.all u (num 0.0)

let private allenCahn =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (0.15 ** 2 * laplacian u + u - u ** 3)
    |> Problem.dirichlet Boundary.all u (num 0.0)

/// a·sin(πx)·sin(πy), a field as a network would give it.
let private bump (a: float) =
    fun (_: string) (points: float[][]) ->
        points |> Array.map (fun p -> a * sin (Math.PI * p[0]) * sin (Math.PI * p[1]))

let private centre = [| [| 0.5; 0.5 |] |]

let private solutionOf (c: Certify.Certification) =
    match c with
    | Certify.Certified(s, _)
    | Certify.Moved(s, _) -> s
    | Certify.NotCertified reason -> failwithf "not certified: %s" reason

let ``compiled Bratu equals the hand-written 5-point solver on the same grid`` () =
    match FdCompile.compile (bratu 6.0) Map.empty 17 with
    | Error e -> failwith e
    | Ok s ->
        let reference, _ =
            Newton.deflate
                Newton.NewtonOptions.Default
                2
                (Bratu.system2D 6.0 15)
                [ Array.zeroCreate (15 * 15) ]

        Assert.Equal(2, reference.Length)

        for expected in reference do
            // the compiled system's nodes include the boundary; the reference holds the 15 × 15 interior
            let guess =
                Array.init s.Grid.Count (fun k ->
                    let i, j = k % 17, k / 17

                    if i = 0 || j = 0 || i = 16 || j = 16 then
                        0.0
                    else
                        expected[(i - 1) + 15 * (j - 1)])

            let r =
                Newton.solve Newton.NewtonOptions.Default [] s.System (Array.map (fun a -> 1.1 * a) guess)

            Assert.True(r.Converged)
            Array.iter2 (fun (a: float) (b: float) -> Assert.Equal(a, b, 8)) guess r.Solution

let ``Bratu at λ = 6: certify finds max u ≈ 0.797, completion the upper branch ≈ 2.240, below it Newton moves``
    ()
    =
    let problem = bratu 6.0
    let options = Certify.defaults problem
    let lower = Certify.certify problem options (bump 0.0) |> solutionOf
    Assert.Equal(0.797, (lower.Values "u" centre)[0], 2)
    Assert.True(lower.ErrorEstimate < 1e-3, sprintf "error estimate %g" lower.ErrorEstimate)

    let upper =
        match Completion.complete problem options 1 [ lower ] [] with
        | [ upper ] -> upper
        | other -> failwithf "expected one new solution, got %d" other.Length

    Assert.Equal(2.240, (upper.Values "u" centre)[0], 2)

    // 30% below the upper branch, Newton falls to the lower one: Moved, far from its start
    match
        Certify.certify problem options (fun name points -> upper.Values name points |> Array.map ((*) 0.7))
    with
    | Certify.Moved(s, d) ->
        Assert.Equal((lower.Values "u" centre)[0], (s.Values "u" centre)[0], 8)
        Assert.True(d > 0.3, sprintf "distance %g" d)
    | other -> failwithf "expected Moved, got %A" other

let ``a start near a solution is Certified, one far from it Moved, no solution NotCertified`` () =
    let problem = bratu 6.0
    let options = Certify.defaults problem
    let lower = Certify.certify problem options (bump 0.0) |> solutionOf

    let near name points =
        lower.Values name points |> Array.map ((*) 1.03)

    match Certify.certify problem options near with
    | Certify.Certified(s, d) ->
        Assert.InRange(d, 0.02, 0.04) // the start is 3% off
        Assert.Equal((lower.Values "u" centre)[0], (s.Values "u" centre)[0], 8)
    | other -> failwithf "expected Certified, got %A" other

    // Allen–Cahn from a small bump: not a solution; Newton leaves it (to 0 or ±u₁)
    match Certify.certify allenCahn (Certify.defaults allenCahn) (bump 0.3) with
    | Certify.Moved(_, d) -> Assert.True(d > 0.1, sprintf "distance %g" d)
    | other -> failwithf "expected Moved, got %A" other

    // above the fold λc ≈ 6.81 there is no solution
    match Certify.certify (bratu 7.5) (Certify.defaults (bratu 7.5)) (bump 1.0) with
    | Certify.NotCertified reason -> Assert.Contains("did not converge", reason)
    | other -> failwithf "expected NotCertified, got %A" other

let ``a polygon domain is NotCertified with the reason`` () =
    let problem =
        Problem.create (Domain.polygon [ 0.0, 0.0; 1.0, 0.0; 0.0, 1.0 ]) [ u ]
        |> Problem.equation (laplacian u + 1.0)
        |> Problem.dirichlet Boundary.all u (num 0.0)

    match Certify.certify problem (Certify.defaults problem) (bump 0.0) with
    | Certify.NotCertified reason -> Assert.Contains("unsupported domain: a polygon", reason)
    | other -> failwithf "expected NotCertified, got %A" other

let ``the BBI paper's PDE at k = 2 on the disk: both radial solutions, as shooting finds them`` () =
    let k = 2.0
    let r2 = x ** 2 + y ** 2
    let a = 2.0 * k * r2

    let f =
        (3.0 - 4.0 * (1.0 + 16.0 * k * k * r2) * cos a + cos (2.0 * a) - 32.0 * k * sin a)
        / 8.0

    let problem =
        Problem.create (Domain.disk (0.0, 0.0) 1.0) [ u ]
        |> Problem.equation (-laplacian u + u ** 2 - f)
        |> Problem.dirichlet (Boundary.part "circle") u (num (sin k ** 2.0))

    let options = Certify.defaults problem
    let roots = RadialPaperPde.shootingRoots k 2000 -20.0 5.0 500 |> List.sort
    Assert.Equal(2, roots.Length)

    let radial (profile: float -> float) =
        fun (_: string) (points: float[][]) ->
            points |> Array.map (fun p -> profile (sqrt (p[0] * p[0] + p[1] * p[1])))

    let origin = [| [| 0.0; 0.0 |] |]

    match Certify.certify problem options (radial (RadialPaperPde.manufactured k)) with
    | Certify.Certified(s, d) ->
        Assert.True(d < 0.01, sprintf "distance %g" d)
        let centreValue = (s.Values "u" origin)[0]
        Assert.True(abs (centreValue - roots[1]) < 0.01, sprintf "u(0) = %g" centreValue)
    | other -> failwithf "expected Certified, got %A" other

    // a bowl-shaped start, as a network that found the second solution would give
    let bowl r =
        roots[0] * 0.9 * (1.0 - r * r) + sin k ** 2.0 * r * r

    let second = Certify.certify problem options (radial bowl) |> solutionOf
    let centreValue = (second.Values "u" origin)[0]

    Assert.True(
        abs (centreValue - roots[0]) < 0.02 * abs roots[0],
        sprintf "u(0) = %g, shooting %g" centreValue roots[0]
    )

    Assert.True(second.ErrorEstimate < 0.01, sprintf "error estimate %g" second.ErrorEstimate)

let ``Allen–Cahn at ε = 0.15: completion from one solution finds the other two`` () =
    let options = Certify.defaults allenCahn
    let plus = Certify.certify allenCahn options (bump 1.0) |> solutionOf
    Assert.InRange((plus.Values "u" centre)[0], 0.85, 0.95)
    let others = Completion.complete allenCahn options 1 [ plus ] []
    let centres = others |> List.map (fun s -> (s.Values "u" centre)[0]) |> List.sort
    Assert.Equal(2, centres.Length)
    Assert.Equal(-(plus.Values "u" centre)[0], centres[0], 6)
    Assert.Equal(0.0, centres[1], 6)

/// The completion on several threads is the completion on one: the same solutions in the same order, bit for bit —
/// Allen–Cahn at ε = 0.1 (six solutions) from u = 0 and ± four sine modes.
let ``completion on three threads finds what it finds on one, bit for bit`` () =
    let problem =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (0.1 ** 2 * laplacian u + u - u ** 3)
        |> Problem.dirichlet Boundary.all u (num 0.0)

    let options = Certify.defaults problem

    let zero =
        Certify.certify problem options (fun _ points -> Array.zeroCreate points.Length)
        |> solutionOf

    let mode (m: float) (n: float) (a: float) =
        fun (_: string) (points: float[][]) ->
            points
            |> Array.map (fun p -> a * sin (m * Math.PI * p[0]) * sin (n * Math.PI * p[1]))

    let seeds =
        [
            for m, n in [ 1.0, 1.0; 1.0, 2.0; 2.0, 1.0; 2.0, 2.0 ] do
                for a in [ 1.0; -1.0 ] -> mode m n a
        ]

    let points = [| for i in 1..9 -> [| 0.1 * float i; 0.37 |] |]

    let run threads =
        Completion.complete problem options threads [ zero ] seeds
        |> List.map (fun s -> s.Values "u" points)

    let one, three = run 1, run 3
    Assert.True(one.Length >= 4, sprintf "%d solutions" one.Length)
    Assert.Equal(one.Length, three.Length)
    List.iter2 (fun (a: float[]) (b: float[]) -> Assert.Equal<float[]>(a, b)) one three

let ``defaults: 33 and 65 nodes for one field, fewer for two, doubled when the sources are not resolved`` () =
    let options = Certify.defaults (bratu 6.0)
    Assert.Equal((33, 65), (options.Resolution, options.FineResolution))
    let v = field "v"

    let two =
        Problem.create Domain.unitSquare [ u; v ]
        |> Problem.equation (laplacian u + v)
        |> Problem.equation (laplacian v + u)
        |> Problem.dirichlet Boundary.all u (num 0.0)
        |> Problem.dirichlet Boundary.all v (num 0.0)

    Assert.Equal(20, (Certify.defaults two).Resolution) // 32/2^¾ = 19.03 cells

    let oscillating (k: float) =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (laplacian u + sin (k * x) * cos (k * y))
        |> Problem.dirichlet Boundary.all u (num 0.0)

    Assert.Equal(33, (Certify.defaults (oscillating 3.0)).Resolution)
    Assert.Equal(65, (Certify.defaults (oscillating 40.0)).Resolution)

let ``defaults: the cells double until data of a known wavenumber are resolved, up to the band LU's cap`` () =
    // data sin(κx): cubic interpolation to the midpoints errs by 1 − (9cos(κh/2) − cos(3κh/2))/8 ≈ 3(κh)⁴/128 there
    // (less elsewhere), so the 5% test (ResolutionRule.dataTolerance) holds up to κh ≈ 1.2: κ ≤ 38 at 32 cells, 77 at
    // 64, 154 at 128 (roughly)
    let wave (k: float) =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (laplacian u + sin (k * x))
        |> Problem.dirichlet Boundary.all u (num 0.0)

    for k, coarse in [ 25.0, 33; 55.0, 65; 110.0, 129 ] do
        let options = Certify.defaults (wave k)
        Assert.Equal((coarse, 2 * coarse - 1), (options.Resolution, options.FineResolution))

    // zero at every node of the nested grids (33, 65, 129 nodes): only the grid of 2m + 1 cells sees it
    Assert.Equal(129, (Certify.defaults (wave (2.0 * Math.PI * 64.0))).Resolution)
    // κ = 300 would need 512 cells: the fine grid of 513 × 513 nodes needs ≈ 405 million doubles, over the cap
    let capped = Certify.defaults (wave 300.0)
    Assert.Equal(129, capped.Resolution)
    let fine = ResolutionRule.factorDoubles (wave 300.0)
    Assert.InRange(fine capped.FineResolution, 1.0, float ResolutionRule.maxFactorDoubles)
    Assert.True(fine (2 * capped.FineResolution - 1) > float ResolutionRule.maxFactorDoubles)
    // the band estimate: 257 × 257 nodes, one row of nodes each side
    Assert.Equal(257.0 * 257.0 * float (3 * 257 + 1), fine 257)

let ``distance is relative, with an absolute floor for small fields`` () =
    let problem = allenCahn
    let options = Certify.defaults problem

    let check (a: float) (b: float) expected =
        match Certify.distance problem options (bump a) (bump b) with
        | Ok d -> Assert.Equal(expected, d, 6)
        | Error e -> failwith e

    check 1.0 2.0 0.5
    check 2.0 1.0 0.5
    // ‖bump a‖ = a/2 on the unit square; below the floor 0.1 the denominator is the floor
    check 0.0 0.01 0.05

[<Tests>]
let tests =
    testList
        "CertifyTests"
        [
            testCase
                "compiled Bratu equals the hand-written 5-point solver on the same grid"
                ``compiled Bratu equals the hand-written 5-point solver on the same grid``
            testCase
                "Bratu at λ = 6: certify finds max u ≈ 0.797, completion the upper branch ≈ 2.240, below it Newton moves"
                ``Bratu at λ = 6: certify finds max u ≈ 0.797, completion the upper branch ≈ 2.240, below it Newton moves``
            testCase
                "a start near a solution is Certified, one far from it Moved, no solution NotCertified"
                ``a start near a solution is Certified, one far from it Moved, no solution NotCertified``
            testCase
                "a polygon domain is NotCertified with the reason"
                ``a polygon domain is NotCertified with the reason``
            testCase
                "the BBI paper's PDE at k = 2 on the disk: both radial solutions, as shooting finds them"
                ``the BBI paper's PDE at k = 2 on the disk: both radial solutions, as shooting finds them``
            testCase
                "Allen–Cahn at ε = 0.15: completion from one solution finds the other two"
                ``Allen–Cahn at ε = 0.15: completion from one solution finds the other two``
            testCase
                "completion on three threads finds what it finds on one, bit for bit"
                ``completion on three threads finds what it finds on one, bit for bit``
            testCase
                "defaults: 33 and 65 nodes for one field, fewer for two, doubled when the sources are not resolved"
                ``defaults: 33 and 65 nodes for one field, fewer for two, doubled when the sources are not resolved``
            testCase
                "defaults: the cells double until data of a known wavenumber are resolved, up to the band LU's cap"
                ``defaults: the cells double until data of a known wavenumber are resolved, up to the band LU's cap``
            testCase
                "distance is relative, with an absolute floor for small fields"
                ``distance is relative, with an absolute floor for small fields``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.CertifyTests"
