/// The figure layer on small cases: chart modifiers give the expected SVG (title, explicit ranges, log ticks, size),
/// colour scales give known colours, contours of known fields lie where they must, scatter charts draw one dot per
/// point in its group's colour with an equal aspect ratio, subplot grids place their figures at the computed offsets,
/// every figure kind escapes user text and is well-formed XML; the discovery report's collocation section, residual
/// colours and standalone figures (`ecdpde report DIR --figures`).
module EcdPde.Reports.Tests.FigureTests

open System
open System.Globalization
open System.IO
open System.Text.RegularExpressions
open System.Xml.Linq
open Xunit
open Expecto
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Reports.Tests.ReportFolders

let private count (needle: string) (text: string) = text.Split(needle).Length - 1

let private parse (s: string) =
    Double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)

/// The centres of the circles of radius `r` and colour `fill`, in drawing order.
let private circles (r: string) (fill: string) (svg: string) =
    Regex.Matches(
        svg,
        sprintf "<circle cx=\"([-0-9.]+)\" cy=\"([-0-9.]+)\" r=\"%s\" fill=\"%s\"/>" (Regex.Escape r) fill
    )
    |> Seq.map (fun m -> parse m.Groups[1].Value, parse m.Groups[2].Value)
    |> Array.ofSeq

/// A 302 × 200 chart (plot area 200 × 114 at (82, 34) with one legend row) of one line from (0, y0) to (10, y1).
let private small (y0: float) (y1: float) =
    Svg.chart "small" "x" "y" [ Svg.Line("run", Svg.color 0, [| 0.0, y0; 10.0, y1 |]) ]
    |> Svg.withSize 302 200

let ``chart modifiers set the title, labels and size, and an explicit range is drawn exactly`` () =
    let svg =
        small 0.0 100.0
        |> Svg.withTitle "Loss <of> run & 'a'"
        |> Svg.withXLabel "step"
        |> Svg.withYLabel "loss"
        |> Svg.withXRange 0.0 10.0
        |> Svg.withYRange 0.0 100.0
        |> Svg.render

    // one legend row adds 18 pixels to the height
    Assert.StartsWith(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"302\" height=\"218\" viewBox=\"0 0 302 218\"",
        svg
    )

    Assert.Contains("aria-label=\"Loss &lt;of&gt; run &amp; &#39;a&#39;\"", svg)

    Assert.Contains(
        "<text x=\"182\" y=\"20\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">Loss &lt;of&gt; run &amp; &#39;a&#39;</text>",
        svg
    )

    Assert.Contains(">step</text>", svg)
    Assert.Contains(">loss</text>", svg)
    // the range's ends are the plot area's edges: (0, 0) at the lower left, (10, 100) at the upper right
    Assert.Contains(
        "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.4\" points=\"82,148 282,34\"/>",
        svg
    )
    // ticks 0, 2, …, 10 and 0, 20, …, 100 at the edges
    Assert.Contains(
        "<line x1=\"282\" y1=\"34\" x2=\"282\" y2=\"148\" stroke=\"#e6e6e6\"/><text x=\"282\" y=\"163\" text-anchor=\"middle\">10</text>",
        svg
    )

    Assert.Contains(
        "<line x1=\"82\" y1=\"34\" x2=\"282\" y2=\"34\" stroke=\"#e6e6e6\"/><text x=\"76\" y=\"38\" text-anchor=\"end\">100</text>",
        svg
    )

    // without the range the data range is padded by 4%
    Assert.DoesNotContain("points=\"82,148 282,34\"", small 0.0 100.0 |> Svg.render)

let ``a log axis with an explicit range has one tick per decade at the right heights`` () =
    let svg =
        small 1e-3 10.0
        |> Svg.withYLog true
        |> Svg.withXRange 0.0 10.0
        |> Svg.withYRange 1e-3 10.0
        |> Svg.render

    Assert.Contains("points=\"82,148 282,34\"", svg)
    // five decades: 0.1 is half-way up the 114-pixel plot area, its label 4 pixels lower
    for label, y in [ "0.001", "152"; "0.01", "123.5"; "0.1", "95"; "1", "66.5"; "10", "38" ] do
        Assert.Contains(sprintf "<text x=\"76\" y=\"%s\" text-anchor=\"end\">%s</text>" y label, svg)

    Assert.Equal(5, count "text-anchor=\"end\">" svg)
    // logLog sets both axes; withYLog false makes y linear again
    let both = small 1e-3 10.0 |> Svg.logLog
    Assert.True(both.X.Log && both.Y.Log)
    Assert.False((both |> Svg.withYLog false).Y.Log)
    Assert.True((both |> Svg.withYLog false).X.Log)

let ``chart modifiers check their arguments`` () =
    let c = small 1.0 2.0

    for bad in
        [
            (fun () -> Svg.withXRange 1.0 0.0 c)
            (fun () -> Svg.withYRange 0.0 nan c)
            (fun () -> Svg.withSize 10 10 c)
            (fun () -> Svg.withDotRadius 0.0 c)
        ] do
        Assert.Throws<ArgumentException>(fun () -> bad () |> ignore) |> ignore

    // a log axis needs a positive range; equal aspect needs linear axes
    Assert.Throws<ArgumentException>(fun () ->
        c |> Svg.withYRange 0.0 1.0 |> Svg.withYLog true |> Svg.render |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> c |> Svg.logLog |> Svg.withEqualAspect |> Svg.render |> ignore)
    |> ignore

let ``marks are replaced and added in order`` () =
    let line k =
        Svg.Line(sprintf "line %d" k, Svg.color k, [| 0.0, float k; 1.0, float k + 1.0 |])

    let c = small 0.0 1.0 |> Svg.withMarks [ line 1 ] |> Svg.addMark (line 2)
    Assert.Equal<Svg.Mark list>([ line 1; line 2 ], c.Marks)
    let svg = Svg.render c
    Assert.Equal(2, count "<polyline" svg)
    Assert.True(svg.IndexOf(Svg.color 1) < svg.IndexOf(Svg.color 2))
    Assert.DoesNotContain(">run</text>", svg)

let ``colour scales give their anchor colours`` () =
    Assert.Equal("#440154", ColorScale.viridis 0.0)
    Assert.Equal("#21908d", ColorScale.viridis 0.5)
    Assert.Equal("#fde725", ColorScale.viridis 1.0)
    Assert.Equal("#2166ac", ColorScale.diverging 0.0)
    Assert.Equal("#92c5de", ColorScale.diverging 0.25)
    Assert.Equal("#f7f7f7", ColorScale.diverging 0.5)
    Assert.Equal("#b2182b", ColorScale.diverging 1.0)
    // clamped, NaN at the low end
    Assert.Equal("#b2182b", ColorScale.color Diverging 7.0)
    Assert.Equal("#2166ac", ColorScale.color Diverging nan)
    Assert.Equal<float * float>((-3.0, 3.0), ColorScale.defaultRange Diverging (-1.0, 3.0))
    Assert.Equal<float * float>((-1.0, 3.0), ColorScale.defaultRange Viridis (-1.0, 3.0))

/// The fill colour of each drawn cell of a heatmap (rects of the cell size `w`), in drawing order.
let private cellFills (svg: string) =
    Regex.Matches(
        svg,
        "<rect x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"100.3\" height=\"100.3\" fill=\"(#[0-9a-f]{6})\"/>"
    )
    |> Seq.map (fun m -> m.Groups[1].Value)
    |> List.ofSeq

let ``a diverging heatmap is white at zero by default, and a fixed colour range is honoured`` () =
    // 2 × 2 cells of 100 pixels; rows drawn from the top: [0.5; 1], then [-1; 0]
    let f =
        Heatmap.ofGrid "signed" (0.0, 1.0, 0.0, 1.0) [| [| -1.0; 0.0 |]; [| 0.5; 1.0 |] |]

    let diverging = f |> Heatmap.withColorScale Diverging
    Assert.Equal<float * float>((-1.0, 1.0), Heatmap.colorRange diverging)
    // 0.5 is three quarters up [−1, 1]
    Assert.Equal<string list>(
        [ "#f4a582"; "#b2182b"; "#2166ac"; "#f7f7f7" ],
        cellFills (Heatmap.render 200 diverging)
    )
    // viridis over the data range [−1, 1] by default; a fixed range [−1, 3] puts 1 in the middle
    Assert.Equal<string list>(
        [ ColorScale.viridis 0.75; "#fde725"; "#440154"; "#21908d" ],
        cellFills (Heatmap.render 200 f)
    )

    let fixedRange = f |> Heatmap.withColorRange -1.0 3.0
    Assert.Equal("#21908d", (cellFills (Heatmap.render 200 fixedRange))[1])
    Assert.Contains(">3</text>", Heatmap.render 200 fixedRange)

    Assert.Throws<ArgumentException>(fun () -> Heatmap.withColorRange 1.0 1.0 f |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Heatmap.withContours -1 f |> ignore)
    |> ignore

let ``the iso-line of f = x at 0.5 on the unit square is the vertical segment x = 0.5`` () =
    // 4 × 4 cells: centres at 0.125, 0.375, 0.625, 0.875; the contour runs between the centres
    let f =
        Heatmap.sample "f = x" (0.0, 1.0, 0.0, 1.0) 4 (fun _ _ -> true) (fun x _ -> x)
        |> Heatmap.withContours 1

    Assert.Equal<float list>([ 0.5 ], Heatmap.contourLevels f)

    Assert.Equal<Contour.Segment list>(
        [
            (0.5, 0.125), (0.5, 0.375)
            (0.5, 0.375), (0.5, 0.625)
            (0.5, 0.625), (0.5, 0.875)
        ],
        Heatmap.contour 0.5 f
    )
    // plot area 200 × 200 at (56, 34): x = 0.5 at 156, y = 0.125 at 209
    let svg = Heatmap.render 200 f

    Assert.Contains(
        "<path class=\"contour\" d=\"M156,209L156,159M156,159L156,109M156,109L156,59\" fill=\"none\"",
        svg
    )
    // the level is marked on the colour bar, half-way up it
    Assert.Contains("<line x1=\"280\" y1=\"134\" x2=\"296\" y2=\"134\" stroke=\"#222\"", svg)
    // cells outside the domain are skipped: masking the upper half leaves the lowest piece only
    let masked =
        Heatmap.sample "f = x" (0.0, 1.0, 0.0, 1.0) 4 (fun _ y -> y < 0.5) (fun x _ -> x)

    Assert.Equal<Contour.Segment list>([ (0.5, 0.125), (0.5, 0.375) ], Heatmap.contour 0.5 masked)
    Assert.Equal(0, count "class=\"contour\"" (Heatmap.render 200 (Heatmap.withContours 0 f)))

let ``marching squares resolves saddles by the cell mean and follows a circle`` () =
    // corners a = (0, 0) and c = (1, 1) above 0.5, b and d below; the mean 0.5 counts as above: a and c are joined
    let saddle =
        Contour.segments [| 0.0; 1.0 |] [| 0.0; 1.0 |] [| [| 1.0; 0.0 |]; [| 0.0; 1.0 |] |] 0.5

    Assert.Equal<Contour.Segment list>([ (0.5, 0.0), (1.0, 0.5); (0.0, 0.5), (0.5, 1.0) ], saddle)

    let below =
        Contour.segments [| 0.0; 1.0 |] [| 0.0; 1.0 |] [| [| 1.0; 0.0 |]; [| 0.0; 1.0 |] |] 0.6

    Assert.Equal<Contour.Segment list>([ (0.0, 0.4), (0.4, 0.0); (1.0, 0.6), (0.6, 1.0) ], below)
    // r² = 0.25 on a 41 × 41 lattice over [−1, 1]²: every end lies on the circle r = 0.5 (up to the interpolation
    // error of r² along an edge of length 0.05) and the pieces go all the way round
    let xs = Array.init 41 (fun i -> -1.0 + 0.05 * float i)
    let values = xs |> Array.map (fun y -> xs |> Array.map (fun x -> x * x + y * y))
    let circle = Contour.segments xs xs values 0.25
    let ends = circle |> List.collect (fun (p, q) -> [ p; q ])
    Assert.All(ends, fun (x, y) -> Assert.InRange(sqrt (x * x + y * y), 0.497, 0.5 + 1e-12))
    let angles = ends |> List.map (fun (x, y) -> atan2 y x) |> List.sort
    let gaps = List.pairwise angles |> List.map (fun (a, b) -> b - a)
    Assert.True(List.max gaps < 0.15, sprintf "largest angular gap %g" (List.max gaps))
    Assert.True(circle.Length >= 32)

let ``heatmaps keep the aspect ratio of the domain and escape their text`` () =
    let svg =
        Heatmap.sample "wide" (0.0, 2.0, 0.0, 1.0) 4 (fun _ _ -> true) (fun x y -> x + y)
        |> Heatmap.withTitle "u <wide> & 'x'"
        |> Heatmap.withLabels "x<1>" "y&"
        |> Heatmap.render 300

    // the frame of the plot area: 300 × 150
    Assert.Contains(
        "<rect x=\"56\" y=\"34\" width=\"300\" height=\"150\" fill=\"none\" stroke=\"#444\"/>",
        svg
    )

    Assert.Contains(">u &lt;wide&gt; &amp; &#39;x&#39;</text>", svg)
    Assert.Contains(">x&lt;1&gt;</text>", svg)
    Assert.Contains(">y&amp;</text>", svg)
    Assert.DoesNotContain("<wide>", svg)

let ``a collocation scatter draws one dot per point in its group's colour, with a legend`` () =
    let interior = [| 0.0, 0.0; 0.5, 0.5; -0.5, 0.25 |]
    let boundary = [| 1.0, 0.0; -1.0, 0.0 |]
    let svg = Scatter.collocation "points" interior boundary |> Svg.render
    Assert.Equal(3, (circles "1.6" "#1f77b4" svg).Length)
    Assert.Equal(2, (circles "1.6" "#d62728" svg).Length)
    Assert.Equal(5, count "<circle" svg - 2) // two legend glyphs
    Assert.Equal(1, (circles "3" "#1f77b4" svg).Length)
    Assert.Contains(">interior (3)</text>", svg)
    Assert.Contains(">boundary (2)</text>", svg)
    // boundary dots are drawn after (over) the interior ones
    Assert.True(svg.IndexOf("fill=\"#d62728\"") > svg.LastIndexOf("r=\"1.6\" fill=\"#1f77b4\""))

let ``a scatter chart has an equal aspect ratio, thins large groups and escapes its labels`` () =
    let svg =
        Scatter.chart "<t>" "x & 1" "y" [ "p <q>", "#000000", [| 0.0, 0.0; 2.0, 0.0; 0.0, 1.0 |] ]
        |> Svg.render

    match circles "1.6" "#000000" svg with
    | [| (x0, y0); (x1, _); (_, y2) |] ->
        // two units of x are twice one unit of y on the screen (up to the rounding to 0.01 pixel)
        Assert.InRange(abs ((x1 - x0) - 2.0 * (y0 - y2)), 0.0, 0.05)
        Assert.True(x1 - x0 > 100.0)
    | other -> failwithf "expected 3 dots, got %A" other

    Assert.Contains(">p &lt;q&gt;</text>", svg)
    Assert.Contains(">x &amp; 1</text>", svg)
    Assert.DoesNotContain("<t>", svg)
    let shown, k = Scatter.thin 4 [| 0..9 |]
    Assert.Equal<int[]>([| 0; 3; 6; 9 |], shown)
    Assert.Equal(3, k)

    let many =
        Scatter.collocation "many" (Array.init 10_000 (fun i -> float i, 0.0)) [| 0.0, 1.0 |]

    match many.Marks with
    | [ Svg.Dots(label, _, points); _ ] ->
        Assert.Equal("interior (10000; 1 in 3 shown)", label)
        Assert.Equal(3334, points.Length)
    | other -> failwithf "unexpected marks %A" other

let ``subplots place their figures at the computed offsets under an escaped title`` () =
    let box (w: int) (h: int) =
        sprintf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\"><rect/></svg>" w h

    let svg =
        Subplots.grid 2 "Both <solutions> & more" [ box 100 50; box 80 70; box 60 40 ]
    // columns 100 and 80 wide, rows 70 and 40 tall; margin 10, gap 12, title band 36
    Assert.StartsWith(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"212\" height=\"168\" viewBox=\"0 0 212 168\"",
        svg
    )

    Assert.Contains(
        "<svg x=\"10\" y=\"36\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\">",
        svg
    )

    Assert.Contains(
        "<svg x=\"122\" y=\"36\" xmlns=\"http://www.w3.org/2000/svg\" width=\"80\" height=\"70\">",
        svg
    )

    Assert.Contains(
        "<svg x=\"10\" y=\"118\" xmlns=\"http://www.w3.org/2000/svg\" width=\"60\" height=\"40\">",
        svg
    )

    Assert.Contains(">Both &lt;solutions&gt; &amp; more</text>", svg)
    Assert.DoesNotContain("<solutions>", svg)
    Assert.Equal(4, count "<svg" svg)
    // one row without a title: the top margin only
    let row = Subplots.grid 3 "" [ box 100 50; box 80 70; box 60 40 ]
    Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"284\" height=\"90\"", row)
    Assert.Contains("<svg x=\"214\" y=\"10\"", row)
    Assert.DoesNotContain("<text", row)

    for bad in
        [
            (fun () -> Subplots.grid 0 "" [ box 1 1 ])
            (fun () -> Subplots.grid 1 "" [])
        ] do
        Assert.Throws<ArgumentException>(fun () -> bad () |> ignore) |> ignore

    Assert.Throws<ArgumentException>(fun () -> Subplots.grid 1 "" [ "<g/>" ] |> ignore)
    |> ignore

    Assert.Throws<ArgumentException>(fun () -> Subplots.grid 1 "" [ "<svg viewBox=\"0 0 1 1\"/>" ] |> ignore)
    |> ignore

/// Every figure kind with hostile text, rendered.
let private hostileFigures () =
    let disk x y = x * x + y * y <= 1.0

    let heatmap =
        Heatmap.sample hostile (-1.0, 1.0, -1.0, 1.0) 12 disk (fun x y -> x - y)
        |> Heatmap.withColorScale Diverging
        |> Heatmap.withContours 3
        |> Heatmap.withLabels hostile hostile
        |> Heatmap.render 200

    let surface =
        Surface.sample hostile (-1.0, 1.0, -1.0, 1.0) 9 disk (fun x y -> x * y)
        |> Surface.withColorScale Diverging
        |> Surface.render

    let chart =
        Svg.chart hostile hostile hostile [ Svg.Line(hostile, Svg.color 0, [| 1.0, 1.0; 2.0, 4.0 |]) ]
        |> Svg.logLog
        |> Svg.render

    let scatter =
        Scatter.chart hostile hostile hostile [ hostile, Svg.color 0, [| 0.0, 0.0; 1.0, 1.0 |] ]
        |> Svg.render

    [
        heatmap
        surface
        chart
        scatter
        Subplots.grid 2 hostile [ heatmap; surface; chart; scatter ]
    ]

let ``every figure kind escapes user text and is well-formed XML`` () =
    for svg in hostileFigures () do
        Assert.DoesNotContain("<script", svg)
        Assert.Contains("&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt; &amp; &#39;co&#39;", svg)
        let doc = XDocument.Parse svg

        match doc.Root with
        | null -> failwith "no root element"
        | root -> Assert.Equal("svg", root.Name.LocalName)

    // the grid nests the four figures
    Assert.Equal(5, count "<svg" (List.last (hostileFigures ())))

let ``the discovery report shows the collocation points and the residual on the diverging scale`` () =
    let dir = discovery "points" "paper-pde" true
    let html = File.ReadAllText(DiscoveryReport.write dir)
    Assert.Contains("<h2>Collocation points</h2>", html)
    Assert.Equal(diskLattice.Length, (circles "1.6" "#1f77b4" html).Length)
    Assert.Equal(circlePoints.Length, (circles "1.6" "#d62728" html).Length)
    Assert.Contains(sprintf ">interior (%d)</text>" diskLattice.Length, html)
    // the residual maps' colour bars run from blue to red, the solutions' from viridis' purple to yellow
    let figure (label: string) =
        Regex.Matches(html, "<svg[^>]*aria-label=\"" + label + " \\d\">.*?</svg>", RegexOptions.Singleline)

    let residuals = figure "PDE residual, solution"
    Assert.Equal(2, residuals.Count)

    for m in residuals do
        Assert.Contains("fill=\"#2166ac\"", m.Value)
        Assert.Contains("fill=\"#b2182b\"", m.Value)
        Assert.DoesNotContain("#440154", m.Value)

    let maps = figure "solution"
    Assert.Equal(4, maps.Count) // heatmap and surface per solution
    Assert.Contains("class=\"contour\"", maps[0].Value)
    // an older folder: no section
    let old =
        File.ReadAllText(DiscoveryReport.write (discovery "old" "paper-pde" false))

    Assert.DoesNotContain("Collocation points", old)

let ``heatmaps mask points outside the domain, scale colours to the finite range and escape the title`` () =
    let inside x y = x * x + y * y <= 1.0

    let f =
        EcdPde.Reports.Heatmap.sample "u <k>" (-1.0, 1.0, -1.0, 1.0) 20 inside (fun x y -> x + 2.0 * y)
    // the corners of the bounding box lie outside the unit disk
    Assert.True(Double.IsNaN(f.Values.[0].[0]))
    Assert.False(Double.IsNaN(f.Values.[10].[10]))
    let lo, hi = EcdPde.Reports.Heatmap.range f
    Assert.True(lo > -3.0 && hi < 3.0)
    let svg = EcdPde.Reports.Heatmap.render 300 f
    Assert.Contains("u &lt;k&gt;", svg)
    Assert.DoesNotContain("<k>", svg)
    let cells = svg.Split("<rect").Length - 1
    let finite = f.Values |> Array.sumBy (Array.filter Double.IsFinite >> Array.length)
    // the white background, one rect per finite cell, the frame, and 50 colour-bar steps
    Assert.Equal(1 + finite + 1 + 50, cells)
    Assert.Equal("#440154", EcdPde.Reports.Heatmap.viridis 0.0)
    Assert.Equal("#fde725", EcdPde.Reports.Heatmap.viridis 1.0)

[<Tests>]
let tests =
    testList
        "FigureTests"
        [
            testCase
                "chart modifiers set the title, labels and size, and an explicit range is drawn exactly"
                ``chart modifiers set the title, labels and size, and an explicit range is drawn exactly``
            testCase
                "a log axis with an explicit range has one tick per decade at the right heights"
                ``a log axis with an explicit range has one tick per decade at the right heights``
            testCase "chart modifiers check their arguments" ``chart modifiers check their arguments``
            testCase "marks are replaced and added in order" ``marks are replaced and added in order``
            testCase "colour scales give their anchor colours" ``colour scales give their anchor colours``
            testCase
                "a diverging heatmap is white at zero by default, and a fixed colour range is honoured"
                ``a diverging heatmap is white at zero by default, and a fixed colour range is honoured``
            testCase
                "the iso-line of f = x at 0.5 on the unit square is the vertical segment x = 0.5"
                ``the iso-line of f = x at 0.5 on the unit square is the vertical segment x = 0.5``
            testCase
                "marching squares resolves saddles by the cell mean and follows a circle"
                ``marching squares resolves saddles by the cell mean and follows a circle``
            testCase
                "heatmaps keep the aspect ratio of the domain and escape their text"
                ``heatmaps keep the aspect ratio of the domain and escape their text``
            testCase
                "a collocation scatter draws one dot per point in its group's colour, with a legend"
                ``a collocation scatter draws one dot per point in its group's colour, with a legend``
            testCase
                "a scatter chart has an equal aspect ratio, thins large groups and escapes its labels"
                ``a scatter chart has an equal aspect ratio, thins large groups and escapes its labels``
            testCase
                "subplots place their figures at the computed offsets under an escaped title"
                ``subplots place their figures at the computed offsets under an escaped title``
            testCase
                "every figure kind escapes user text and is well-formed XML"
                ``every figure kind escapes user text and is well-formed XML``
            testCase
                "the discovery report shows the collocation points and the residual on the diverging scale"
                ``the discovery report shows the collocation points and the residual on the diverging scale``
            testCase
                "heatmaps mask points outside the domain, scale colours to the finite range and escape the title"
                ``heatmaps mask points outside the domain, scale colours to the finite range and escape the title``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.FigureTests"
