/// Geometry: membership, boundary parts, outward normals (including constructive geometry, polygons of either
/// orientation and space-time), and the seeded samplers (determinism, counts, uniformity).
module Pde.FSharp.Tests.GeometryTests

open System
open Xunit
open Expecto
open Pde.FSharp.Language
open Pde.FSharp.Geometry

/// Step along the normal used to test "just outside" / "just inside".
let NormalProbe = 1e-6
/// |n| = 1 to rounding.
let UnitTolerance = 1e-12
let private points (s: Samples) = Array.init s.Count s.Point

let private normals (s: Samples) =
    Array.init s.Count (fun i -> s.Normals[i * s.Dimension .. (i + 1) * s.Dimension - 1])

let private along (p: float[]) (n: float[]) (eps: float) = Array.map2 (fun a b -> a + eps * b) p n

/// Every boundary sample has a unit normal with the domain just inside and not just outside.
let private assertOutward (domain: Domain) (selection: Boundary) =
    let s = Sampling.boundary domain selection Uniform 400 5UL "test"
    Assert.Equal(400, s.Count)

    for p, n in Array.zip (points s) (normals s) do
        let norm = sqrt (Array.sumBy (fun a -> a * a) n)
        Assert.True(abs (norm - 1.0) < UnitTolerance, sprintf "|n| = %g at %A" norm p)

        Assert.True(
            Domain.contains domain (along p n -NormalProbe),
            sprintf "just inside %A (n = %A) is outside" p n
        )

        Assert.False(
            Domain.contains domain (along p n NormalProbe),
            sprintf "just outside %A (n = %A) is inside" p n
        )

let private square = Domain.unitSquare
let private hole = Domain.disk (0.5, 0.5) 0.25

let private shapes =
    [
        "rectangle", Domain.rectangle (-1.0, 2.0) (0.0, 0.5)
        "disk", Domain.disk (1.0, -2.0) 0.7
        "annulus", Domain.annulus (0.0, 0.0) 0.3 1.0
        "ccw L-shape", Domain.polygon [ 0.0, 0.0; 2.0, 0.0; 2.0, 1.0; 1.0, 1.0; 1.0, 2.0; 0.0, 2.0 ]
        "cw L-shape", Domain.polygon [ 0.0, 0.0; 0.0, 2.0; 1.0, 2.0; 1.0, 1.0; 2.0, 1.0; 2.0, 0.0 ]
        "square minus disk", Domain.difference square hole
        "union of disks", Domain.union (Domain.disk (0.0, 0.0) 1.0) (Domain.disk (1.2, 0.0) 0.8)
        "lens", Domain.intersection (Domain.disk (0.0, 0.0) 1.0) (Domain.disk (1.2, 0.0) 0.8)
        "overlapping rectangles", Domain.union square (Domain.rectangle (0.5, 1.5) (0.5, 1.5))
    ]

let ``boundary samples of every shape carry unit outward normals`` () =
    for name, domain in shapes do
        try
            assertOutward domain Boundary.all
        with e ->
            raise (Exception(sprintf "%s: %s" name e.Message, e))

let ``membership of points in shapes and combinations`` () =
    let l = snd shapes[3]
    Assert.True(Domain.contains l [| 0.5; 1.5 |])
    Assert.False(Domain.contains l [| 1.5; 1.5 |]) // the notch of the L
    Assert.False(Domain.contains (Domain.annulus (0.0, 0.0) 0.3 1.0) [| 0.1; 0.1 |])
    Assert.True(Domain.contains (Domain.annulus (0.0, 0.0) 0.3 1.0) [| 0.5; 0.5 |])
    Assert.False(Domain.contains (Domain.difference square hole) [| 0.5; 0.5 |])
    Assert.True(Domain.contains (Domain.difference square hole) [| 0.1; 0.1 |])
    Assert.True(Domain.contains (Domain.union square hole) [| 0.5; 0.5 |])
    Assert.False(Domain.contains (Domain.intersection square (Domain.disk (1.0, 1.0) 0.5)) [| 0.2; 0.2 |])
    Assert.True(Domain.contains (Domain.intersection square (Domain.disk (1.0, 1.0) 0.5)) [| 0.9; 0.9 |])
    let st = Domain.spaceTime (Domain.interval 0.0 1.0) (0.0, 2.0)
    Assert.True(Domain.contains st [| 0.5; 1.5 |])
    Assert.False(Domain.contains st [| 0.5; 2.5 |])

let ``named parts of a rectangle lie on their edges with the right normals`` () =
    let r = Domain.rectangle (-1.0, 2.0) (0.0, 0.5)

    for part, onEdge, normal in
        [
            "left", (fun (p: float[]) -> p[0] = -1.0), [| -1.0; 0.0 |]
            "right", (fun p -> p[0] = 2.0), [| 1.0; 0.0 |]
            "bottom", (fun p -> p[1] = 0.0), [| 0.0; -1.0 |]
            "top", (fun p -> p[1] = 0.5), [| 0.0; 1.0 |]
        ] do
        let s = Sampling.boundary r (Boundary.part part) Halton 50 1UL part
        Assert.All(points s, (fun p -> Assert.True(onEdge p, sprintf "%s: %A" part p)))
        Assert.All(normals s, (fun n -> Assert.Equal<float[]>(normal, n)))

let ``the hole of a difference has normals pointing into the hole, and a tag selects it`` () =
    let d = Domain.difference square (Domain.tag "hole" hole)
    let s = Sampling.boundary d (Boundary.part "hole") Uniform 200 2UL "hole"

    for p, n in Array.zip (points s) (normals s) do
        let r = sqrt ((p[0] - 0.5) ** 2.0 + (p[1] - 0.5) ** 2.0)
        Assert.True(abs (r - 0.25) < 1e-12, sprintf "%A is not on the hole" p)
        // Outward for the domain = towards the hole's centre.
        Assert.True(abs (n[0] + (p[0] - 0.5) / r) < 1e-12 && abs (n[1] + (p[1] - 0.5) / r) < 1e-12)

let ``inner and outer circles of an annulus`` () =
    let a = Domain.annulus (1.0, 1.0) 0.5 2.0

    for part, radius, sign in [ "inner", 0.5, -1.0; "outer", 2.0, 1.0 ] do
        let s = Sampling.boundary a (Boundary.part part) Uniform 100 3UL part

        for p, n in Array.zip (points s) (normals s) do
            let dxv, dyv = p[0] - 1.0, p[1] - 1.0
            let r = sqrt (dxv * dxv + dyv * dyv)
            Assert.True(abs (r - radius) < 1e-12)
            Assert.True(abs (n[0] - sign * dxv / r) < 1e-12 && abs (n[1] - sign * dyv / r) < 1e-12)

let ``union boundary drops the parts inside the other shape; lengths are sampled in proportion`` () =
    let b = Domain.rectangle (0.5, 1.5) (0.5, 1.5)
    let u = Domain.union square b
    let s = Sampling.boundary u Boundary.all Uniform 6000 4UL "union"

    for p in points s do
        let strictlyInside (lo: float) (hi: float) =
            p[0] > lo && p[0] < hi && p[1] > lo && p[1] < hi

        Assert.False(strictlyInside 0.5 1.5 && strictlyInside 0.0 1.0, sprintf "%A is inside the union" p)

    // Perimeter 6 (two 1×1 squares overlapping in a 0.5×0.5 square); the bottom edge of the first has length 1.
    let onBottom = points s |> Array.filter (fun p -> p[1] = 0.0) |> Array.length
    let fraction = float onBottom / 6000.0
    // Binomial standard deviation √(p(1−p)/n) ≈ 0.0048; allow 4σ.
    Assert.True(abs (fraction - 1.0 / 6.0) < 0.02, sprintf "bottom fraction %g, expected 1/6" fraction)

let ``polygon edges are named and normals do not depend on orientation`` () =
    let ccw = Domain.polygon [ 0.0, 0.0; 1.0, 0.0; 0.0, 1.0 ]
    let cw = Domain.polygon [ 0.0, 0.0; 0.0, 1.0; 1.0, 0.0 ]
    // The hypotenuse is edge1 in the first, edge1 as well in the second (from (0,1) to (1,0)).
    for d in [ ccw; cw ] do
        let s = Sampling.boundary d (Boundary.part "edge1") Halton 20 1UL "hypotenuse"
        let h = 1.0 / sqrt 2.0

        for p, n in Array.zip (points s) (normals s) do
            Assert.True(abs (p[0] + p[1] - 1.0) < 1e-12)
            Assert.True(abs (n[0] - h) < 1e-12 && abs (n[1] - h) < 1e-12, sprintf "n = %A" n)

let ``interval and space-time boundaries`` () =
    let i = Domain.interval -1.0 3.0
    let s = Sampling.boundary i Boundary.all Uniform 1000 1UL "ends"
    let left = points s |> Array.filter (fun p -> p[0] = -1.0)
    Assert.Equal(1000, s.Count)
    Assert.InRange(left.Length, 400, 600)
    Assert.All(normals s, (fun n -> Assert.True(n[0] = (if n[0] < 0.0 then -1.0 else 1.0))))

    let st = Domain.spaceTime (Domain.disk (0.0, 0.0) 1.0) (0.0, 2.0)
    Assert.Equal<string list>([ "x"; "y"; "t" ], Domain.coordinates st)
    let init = Sampling.boundary st (Boundary.part "initial") Halton 100 1UL "initial"
    Assert.All(points init, (fun p -> Assert.True(p[2] = 0.0 && p[0] * p[0] + p[1] * p[1] <= 1.0)))
    Assert.All(normals init, (fun n -> Assert.Equal<float[]>([| 0.0; 0.0; -1.0 |], n)))
    let lateral = Sampling.boundary st (Boundary.part "circle") Halton 100 1UL "lateral"

    for p, n in Array.zip (points lateral) (normals lateral) do
        Assert.True(abs (p[0] * p[0] + p[1] * p[1] - 1.0) < 1e-12 && p[2] >= 0.0 && p[2] <= 2.0)
        Assert.True(abs (n[0] - p[0]) < 1e-12 && abs (n[1] - p[1]) < 1e-12 && n[2] = 0.0)

    assertOutward st Boundary.all

let ``a predicate restricts a selection`` () =
    let s =
        Sampling.boundary
            (Domain.disk (0.0, 0.0) 1.0)
            (Boundary.where "y > 0" (fun p -> p[1] > 0.0))
            Uniform
            100
            1UL
            "upper half"

    Assert.All(points s, (fun p -> Assert.True(p[1] > 0.0)))

let ``samplers are deterministic in the seed, and seeds differ`` () =
    let d = Domain.difference square hole

    for sampler in [ Uniform; Halton ] do
        let a = Sampling.interior d sampler 300 42UL "a"
        let b = Sampling.interior d sampler 300 42UL "b"
        let c = Sampling.interior d sampler 300 43UL "c"
        Assert.Equal<float[]>(a.Points, b.Points)
        Assert.NotEqual<float[]>(a.Points, c.Points)
        Assert.Equal(300, a.Count)
        Assert.All(points a, (fun p -> Assert.True(Domain.contains d p)))
        let e = Sampling.boundary d Boundary.all sampler 100 42UL "e"
        let f = Sampling.boundary d Boundary.all sampler 100 42UL "f"
        Assert.Equal<float[]>(e.Points, f.Points)
        Assert.Equal<float[]>(e.Normals, f.Normals)

    let g1 = Sampling.interior d Grid 500 1UL "grid"
    let g2 = Sampling.interior d Grid 500 2UL "grid"
    Assert.Equal<float[]>(g1.Points, g2.Points)
    // The grid gets within 10% of the requested count.
    Assert.InRange(g1.Count, 450, 550)

let ``Halton points fill a box more evenly than uniform random ones`` () =
    let n = 4096
    let box (p: float[]) = p[0] < 0.5 && p[1] < 0.3

    let fraction sampler seed =
        let s = Sampling.interior square sampler n seed "even"
        float (points s |> Array.filter box |> Array.length) / float n

    // Uniform: binomial σ = √(0.15·0.85/4096) ≈ 0.0056, allow 4σ; Halton's discrepancy is O(log²n / n) ≈ 0.017
    // in the worst case and far smaller for a box aligned with its bases.
    for seed in 1UL .. 5UL do
        Assert.InRange(fraction Uniform seed, 0.15 - 0.023, 0.15 + 0.023)
        Assert.InRange(fraction Halton seed, 0.15 - 0.003, 0.15 + 0.003)

/// The radical inverse by its definition: the base-b digits of i, least significant first, times b^−1, b^−2, … (each
/// power the previous one divided by b), summed in that order, by 64-bit division.
let private radicalInverseByDefinition (b: int) (i: int64) =
    let mutable n = i
    let mutable f = 1.0 / float b
    let mutable r = 0.0

    while n > 0L do
        r <- r + f * float (n % int64 b)
        n <- n / int64 b
        f <- f / float b

    r

let ``the radical inverse reverses the digits of its index, bit for bit as its definition`` () =
    Assert.Equal(0.5, Sampling.radicalInverse 2 1L)
    Assert.Equal(0.75, Sampling.radicalInverse 2 3L)
    Assert.Equal(2.0 / 3.0 + 1.0 / 9.0, Sampling.radicalInverse 3 5L, 15)

    for b in [ 2; 3; 5; 7; 11 ] do
        for i in
            [ 0L .. 5000L ]
            @ [ int64 System.Int32.MaxValue - 2L .. int64 System.Int32.MaxValue + 2L ]
            @ [ 1L <<< 40; (1L <<< 52) + 12345L; System.Int64.MaxValue ] do
            let expected = radicalInverseByDefinition b i
            let actual = Sampling.radicalInverse b i

            if
                System.BitConverter.DoubleToInt64Bits expected
                <> System.BitConverter.DoubleToInt64Bits actual
            then
                failwithf "base %d, index %d: %.17g against %.17g by the definition" b i actual expected

let ``degenerate shapes are rejected when built`` () =
    let fails (f: unit -> Domain) (text: string) =
        let e = Assert.Throws<ProblemError>(fun () -> f () |> ignore)
        Assert.Contains(text, e.Message)

    fails (fun () -> Domain.rectangle (1.0, 1.0) (0.0, 1.0)) "has no area"
    fails (fun () -> Domain.disk (0.0, 0.0) 0.0) "radius must be > 0"
    fails (fun () -> Domain.annulus (0.0, 0.0) 1.0 1.0) "inner radius < outer radius"
    fails (fun () -> Domain.polygon [ 0.0, 0.0; 1.0, 1.0; 2.0, 2.0 ]) "zero area"
    fails (fun () -> Domain.polygon [ 0.0, 0.0; 1.0, 1.0; 1.0, 0.0; 0.0, 1.0 ]) "not simple"
    fails (fun () -> Domain.polygon [ 0.0, 0.0; 1.0, 0.0 ]) "at least 3 vertices"
    fails (fun () -> Domain.interval 2.0 1.0) "is empty"
    fails (fun () -> Domain.disk (nan, 0.0) 1.0) "NaN"
    fails (fun () -> Domain.spaceTime square (1.0, 1.0)) "time interval"
    fails (fun () -> Domain.union square (Domain.interval 0.0 1.0)) "dimension mismatch"

[<Tests>]
let tests =
    testList
        "GeometryTests"
        [
            testCase
                "boundary samples of every shape carry unit outward normals"
                ``boundary samples of every shape carry unit outward normals``
            testCase
                "membership of points in shapes and combinations"
                ``membership of points in shapes and combinations``
            testCase
                "named parts of a rectangle lie on their edges with the right normals"
                ``named parts of a rectangle lie on their edges with the right normals``
            testCase
                "the hole of a difference has normals pointing into the hole, and a tag selects it"
                ``the hole of a difference has normals pointing into the hole, and a tag selects it``
            testCase "inner and outer circles of an annulus" ``inner and outer circles of an annulus``
            testCase
                "union boundary drops the parts inside the other shape; lengths are sampled in proportion"
                ``union boundary drops the parts inside the other shape; lengths are sampled in proportion``
            testCase
                "polygon edges are named and normals do not depend on orientation"
                ``polygon edges are named and normals do not depend on orientation``
            testCase "interval and space-time boundaries" ``interval and space-time boundaries``
            testCase "a predicate restricts a selection" ``a predicate restricts a selection``
            testCase
                "samplers are deterministic in the seed, and seeds differ"
                ``samplers are deterministic in the seed, and seeds differ``
            testCase
                "Halton points fill a box more evenly than uniform random ones"
                ``Halton points fill a box more evenly than uniform random ones``
            testCase
                "the radical inverse reverses the digits of its index, bit for bit as its definition"
                ``the radical inverse reverses the digits of its index, bit for bit as its definition``
            testCase "degenerate shapes are rejected when built" ``degenerate shapes are rejected when built``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.GeometryTests"
