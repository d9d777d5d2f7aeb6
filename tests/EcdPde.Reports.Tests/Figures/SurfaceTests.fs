/// Surfaces: quads, triangles at the domain edge, painting order, escaping, colour ranges, coarsening.
module EcdPde.Reports.Tests.SurfaceTests

open System
open System.Globalization
open System.IO
open System.Text.RegularExpressions
open Xunit
open Expecto
open EcdPde.Studies.Drift
open EcdPde.Reports.Drift
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Reports.Tests.ReportFolders

let private count (needle: string) (text: string) = text.Split(needle).Length - 1

/// The fill colours of the drawn cells (every polygon but the floor), in drawing order.
let private cellPolygons (svg: string) =
    Regex.Matches(svg, "<polygon points=\"([^\"]*)\" fill=\"(#[0-9a-f]{6})\"")
    |> Seq.map (fun m -> m.Groups[1].Value, m.Groups[2].Value)
    |> Array.ofSeq

let private points (attribute: string) =
    attribute.Split(' ')
    |> Array.map (fun xy ->
        let c = xy.Split(',')
        Double.Parse(c[0], CultureInfo.InvariantCulture), Double.Parse(c[1], CultureInfo.InvariantCulture))

let ``a 2 × 2 surface seen from above is one square quad, exactly`` () =
    let svg =
        Surface.ofGrid "top" (0.0, 1.0, 0.0, 1.0) [| [| 0.0; 1.0 |]; [| 2.0; 3.0 |] |]
        |> Surface.withView 0.0 90.0
        |> Surface.render
    // plot area 336 × 332 (480 × 400 minus the margins), the domain's [−1, 1]² scaled by 0.92 · 166 = 152.72 about
    // the centre (212, 200); mean height 1.5 of [0, 3] is the middle of viridis
    Assert.Contains(
        "<polygon points=\"59.28,352.72 364.72,352.72 364.72,47.28 59.28,47.28\" fill=\"#21908d\" stroke=\"#21908d\"",
        svg
    )

    Assert.Equal(1, (cellPolygons svg).Length)
    Assert.Equal(1, count "class=\"floor\"" svg)
    Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"400\"", svg)
    Assert.EndsWith("</svg>", svg)

let ``a surface draws a quad per cell inside the domain and a triangle per cell with one corner outside`` () =
    let full =
        Surface.sample "square" (0.0, 1.0, 0.0, 1.0) 3 (fun _ _ -> true) (fun x y -> x + y)
        |> Surface.render

    Assert.Equal(4, (cellPolygons full).Length)

    let inside x y = x * x + y * y <= 1.0
    let n = 21
    let node i = -1.0 + 2.0 * float i / float (n - 1)

    let cornersInside =
        [
            for j in 0 .. n - 2 do
                for i in 0 .. n - 2 do
                    yield
                        [ i, j; i + 1, j; i, j + 1; i + 1, j + 1 ]
                        |> List.filter (fun (a, c) -> inside (node a) (node c))
                        |> List.length
        ]

    let quads = cornersInside |> List.filter ((=) 4) |> List.length
    let triangles = cornersInside |> List.filter ((=) 3) |> List.length

    let disk =
        Surface.sample "disk" (-1.0, 1.0, -1.0, 1.0) n inside (fun x y -> 1.0 - x * x - y * y)

    let svg = Surface.render disk
    let polygons = cellPolygons svg |> Array.map (fst >> points)
    Assert.True(quads > 200 && quads < (n - 1) * (n - 1) && triangles > 8)
    Assert.Equal(quads, polygons |> Array.filter (fun p -> p.Length = 4) |> Array.length)
    Assert.Equal(triangles, polygons |> Array.filter (fun p -> p.Length = 3) |> Array.length)
    Assert.Equal(quads + triangles, polygons.Length)
    Assert.Equal(quads + triangles, (Surface.cells disk).Length)
    Assert.DoesNotContain("NaN", svg)

let ``surface quads are painted back to front`` () =
    // a flat field seen from the front (azimuth 0): farther cells lie higher on the screen (smaller SVG y)
    let svg =
        Surface.sample "flat" (0.0, 1.0, 0.0, 1.0) 6 (fun _ _ -> true) (fun _ _ -> 1.0)
        |> Surface.withView 0.0 35.0
        |> Surface.render

    let meanY =
        cellPolygons svg |> Array.map (fun (p, _) -> points p |> Array.averageBy snd)

    Assert.Equal(25, meanY.Length)

    for k in 1 .. meanY.Length - 1 do
        Assert.True(meanY[k] >= meanY[k - 1] - 1e-9, sprintf "cell %d drawn after a nearer one" k)

let ``surface text is escaped and the modifiers are checked`` () =
    let s =
        Surface.sample "u" (0.0, 1.0, 0.0, 1.0) 4 (fun _ _ -> true) (fun x y -> x * y)
        |> Surface.withTitle "<script>alert(\"x\")</script> & co"
        |> Surface.withLabels "x<1>" "y&" "u'"

    let svg = Surface.render s
    Assert.DoesNotContain("<script", svg)
    Assert.Contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co", svg)
    Assert.Contains(">x&lt;1&gt;</text>", svg)
    Assert.Contains(">y&amp;</text>", svg)
    Assert.Contains(">u&#39;</text>", svg)

    Assert.Throws<ArgumentException>(fun () -> Surface.withView 0.0 0.0 s |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Surface.withColorRange 1.0 0.0 s |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () ->
        Surface.sample "nothing" (0.0, 1.0, 0.0, 1.0) 4 (fun _ _ -> false) (fun _ _ -> 0.0)
        |> Surface.render
        |> ignore)
    |> ignore

let ``a fixed colour range sets the colour bar and the cell colours`` () =
    let s =
        Surface.ofGrid "c" (0.0, 1.0, 0.0, 1.0) [| [| 0.0; 0.0 |]; [| 0.0; 0.0 |] |]
        |> Surface.withColorRange -1.0 1.0

    let svg = Surface.render s
    Assert.Equal("#21908d", snd (cellPolygons svg).[0]) // 0 is the middle of [−1, 1]
    Assert.Contains(">-1</text>", svg)
    Assert.Contains(">1</text>", svg)

let ``coarsening keeps at most the requested nodes per side and the mask`` () =
    let inside x y = x * x + y * y <= 1.0

    let s =
        Surface.sample "fine" (-1.0, 1.0, -1.0, 1.0) 201 inside (fun x y -> x + y)
        |> Surface.coarsen 61

    Assert.True(s.Values.Length <= 61 && s.Values.Length >= 41, sprintf "%d rows" s.Values.Length)
    Assert.True(Double.IsNaN(s.Values[0][0]))
    Assert.Equal(-1.0, s.XMin)
    // the kept nodes are nodes of the fine lattice: node i of the coarse one at x = −1 + i · stride · 0.01
    let stride = 200 / (s.Values.Length - 1)
    Assert.Equal(-1.0 + float (s.Values.Length - 1) * float stride * 0.01, s.XMax, 12)

[<Tests>]
let tests =
    testList
        "SurfaceTests"
        [
            testCase
                "a 2 × 2 surface seen from above is one square quad, exactly"
                ``a 2 × 2 surface seen from above is one square quad, exactly``
            testCase
                "a surface draws a quad per cell inside the domain and a triangle per cell with one corner outside"
                ``a surface draws a quad per cell inside the domain and a triangle per cell with one corner outside``
            testCase "surface quads are painted back to front" ``surface quads are painted back to front``
            testCase
                "surface text is escaped and the modifiers are checked"
                ``surface text is escaped and the modifiers are checked``
            testCase
                "a fixed colour range sets the colour bar and the cell colours"
                ``a fixed colour range sets the colour bar and the cell colours``
            testCase
                "coarsening keeps at most the requested nodes per side and the mask"
                ``coarsening keeps at most the requested nodes per side and the mask``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.SurfaceTests"
