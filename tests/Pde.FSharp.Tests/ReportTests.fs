/// Figures and reports: surface plots serialise to the expected SVG, reports escape every user text, `ecdpde report`
/// recognizes each kind of run folder (and names the folder and the expected files when it cannot), drift results
/// read back from their JSON give the same pages.
module Pde.FSharp.Tests.ReportTests

open System
open System.Globalization
open System.IO
open System.Text.RegularExpressions
open Xunit
open EcdPde.Studies.Drift
open EcdPde.Reports.Drift
open EcdPde.Runs
open EcdPde.Reports
open Pde.FSharp.Tests.ReportFolders

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

[<Fact>]
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

[<Fact>]
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

[<Fact>]
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

[<Fact>]
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

[<Fact>]
let ``a fixed colour range sets the colour bar and the cell colours`` () =
    let s =
        Surface.ofGrid "c" (0.0, 1.0, 0.0, 1.0) [| [| 0.0; 0.0 |]; [| 0.0; 0.0 |] |]
        |> Surface.withColorRange -1.0 1.0

    let svg = Surface.render s
    Assert.Equal("#21908d", snd (cellPolygons svg).[0]) // 0 is the middle of [−1, 1]
    Assert.Contains(">-1</text>", svg)
    Assert.Contains(">1</text>", svg)

[<Fact>]
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

[<Fact>]
let ``the discovery report escapes the problem, parameters, settings, check texts and the folder name`` () =
    let dir = discovery "run <&> \"q\" 'a'" hostile true
    let html = File.ReadAllText(DiscoveryReport.write dir)
    Assert.DoesNotContain("<script", html)
    Assert.DoesNotContain("<img", html)
    Assert.DoesNotContain("<b>", html)
    Assert.DoesNotContain("<u(0)>", html)

    Assert.Contains(
        "<title>Discovery: &lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt; &amp; &#39;co&#39;</title>",
        html
    )

    Assert.Contains("run &lt;&amp;&gt; &quot;q&quot; &#39;a&#39;", html)
    Assert.Contains("k&lt;&amp;&gt; = 2", html)
    Assert.Contains("bbi&lt;b&gt;&amp;&quot;", html)
    Assert.Contains("radial &lt;u(0)&gt; &amp; &quot;1&quot;", html)
    Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html)
    // the collocation points; per solution a heatmap, a residual map and a surface; loss and energy
    Assert.Equal(1 + 2 * 3 + 2, count "<svg" html)
    Assert.Equal(2, count ">PDE residual, solution" html) // the residual maps' titles
    Assert.Contains("9.9.9+test", html) // the version of the run
    Assert.Contains(EcdPde.Runs.ToolVersion.informational, html) // and of the report
    Assert.Contains("it matches (below the distinctness threshold 0.1)", html)
    // the only URL is the SVG namespace
    Assert.Equal(count "http" html, count "http://www.w3.org/2000/svg" html)

[<Fact>]
let ``a discovery folder without residuals says so instead of drawing them`` () =
    let dir = discovery "old" "paper-pde" false
    let html = File.ReadAllText(DiscoveryReport.write dir)
    Assert.Equal(2 * 2 + 2, count "<svg" html)
    Assert.Equal(2, count "No residual values are stored" html)

[<Fact>]
let ``the optimization report shows every trace, its settings and the checkpoint, escaping file names`` () =
    let dir = optimization "adam <1> & \"x\".csv"
    Assert.True(File.Exists(Path.Combine(dir, "adam <1> & \"x\".settings.json")))
    let kind, path = FolderReport.write dir
    Assert.Equal("optimization runs", kind.Name)
    let html = File.ReadAllText path
    Assert.DoesNotContain("<1>", html)
    Assert.Contains("adam &lt;1&gt; &amp; &quot;x&quot;.csv", html)
    Assert.Contains("bbi-state.json", html)
    Assert.Contains("nFixedBounces", html)
    Assert.Contains("ackley002", html)
    Assert.Equal(3, count "<svg" html) // loss, energy, |energy drift|
    // the loss axis is logarithmic: its ticks are 1-2-5 multiples or, on a short range, round linear values
    Assert.Contains("Loss F(θ) per step (log scale)", html)

[<Fact>]
let ``drift folders read back from their JSON give the drift writers' pages`` () =
    let m = driftMeasurement ()
    let finder = finderOutcome ()
    let scaling = scalingOutcome ()
    let context = [ "command", "ecdpde drift <x> & y" ]

    let dirOf (file: string) (text: string) =
        let dir = fresh None
        File.WriteAllText(Path.Combine(dir, file), text)
        dir

    let trace = dirOf "trace.json" (TraceReport.json context "toy" m)
    let kind, path = FolderReport.write trace
    Assert.Equal("energy drift", kind.Name)
    Assert.Equal(TraceReport.html context "toy" m, File.ReadAllText path)

    let find = dirOf "find.json" (FinderReport.json context "toy" finder)
    let page = File.ReadAllText(snd (FolderReport.write find))
    Assert.StartsWith((FinderReport.html context "toy" finder []).Replace("</body>\n</html>\n", ""), page)
    Assert.Contains("not stored in find.json", page)

    let scale = dirOf "scaling.json" (ScalingReport.json context scaling)
    Assert.Equal(ScalingReport.html context scaling, File.ReadAllText(snd (FolderReport.write scale)))
    let _, back = DriftFolderReport.readScaling (Path.Combine(scale, "scaling.json"))
    Assert.Equal(scaling.Settings, back.Settings)
    Assert.Equal(scaling.Noise, back.Noise)

    // two modes in one folder: one page with both
    File.WriteAllText(Path.Combine(trace, "scaling.json"), ScalingReport.json context scaling)
    let both = File.ReadAllText(snd (FolderReport.write trace))
    Assert.Contains("Energy drift trace", both)
    Assert.Contains("Energy drift scaling", both)
    Assert.Equal(1, count "<html" both)

[<Fact>]
let ``an unrecognized or missing folder is an error naming it and what was expected`` () =
    let empty = fresh None
    File.WriteAllText(Path.Combine(empty, "notes.csv"), "a,b\n1,2\n")

    let e =
        Assert.Throws<ArgumentException>(fun () -> FolderReport.write empty |> ignore)

    Assert.Contains(empty, e.Message)

    for expected in
        [
            "solutions.json"
            "trace.json"
            "scaling.json"
            "step,loss,energy"
            "checkpoint"
        ] do
        Assert.Contains(expected, e.Message)

    let missing = Path.Combine(empty, "missing")

    let e2 =
        Assert.Throws<ArgumentException>(fun () -> FolderReport.write missing |> ignore)

    Assert.Contains(missing, e2.Message)
    Assert.Contains("does not exist", e2.Message)

[<Fact>]
let ``other folder kinds plug in through the list of kinds`` () =
    let dir = fresh None
    File.WriteAllText(Path.Combine(dir, "custom.json"), "{}")

    let custom: FolderReport.FolderKind =
        {
            Name = "custom"
            Expects = "custom.json"
            Recognizes = fun d -> File.Exists(Path.Combine(d, "custom.json"))
            Write =
                fun d ->
                    let p = Path.Combine(d, "report.html")
                    File.WriteAllText(p, Html.page "custom" [])
                    p
            WriteFigures = None
        }

    Assert.Throws<ArgumentException>(fun () -> FolderReport.write dir |> ignore)
    |> ignore

    let kind, path = FolderReport.writeWith (FolderReport.kinds @ [ custom ]) dir
    Assert.Equal("custom", kind.Name)
    Assert.True(File.Exists path)

[<Fact>]
let ``ecdpde report exits non-zero for an unrecognized folder and writes the report of a known one`` () =
    let empty = fresh None
    let code, _, err = CliTests.ecdpde [ "report"; empty ]
    Assert.Equal(2, code)
    Assert.Contains(empty, err)
    Assert.Contains("solutions.json", err)

    let dir = discovery "cli" "paper-pde" true
    let code2, out, err2 = CliTests.ecdpde [ "report"; dir ]
    Assert.True((code2 = 0), err2)
    Assert.Contains("discovery report written to", out)
    Assert.True(File.Exists(Path.Combine(dir, "report.html")))
