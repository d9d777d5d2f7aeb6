/// The Plotly figure layer tested as data: the figure JSON of fields (lattice, masked cells, colour bars, the robust
/// residual range on a field with outliers, equal axes), curves (log axes where values span decades, legend groups,
/// line styles), the discovery report's figures and escaping of user text in figures and pages.
module EcdPde.Reports.Tests.PlotlyFigureTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open Expecto
open EcdPde.Reports
open EcdPde.Reports.Tests.ReportFolders
open EcdPde.Reports.Tests.PageChecks

let private disk =
    Fields.ofLattice "u <k>" "u" diskLattice (diskLattice |> Array.map (fun (x, y) -> x + 2.0 * y))

let ``a lattice becomes a grid with NaN outside the domain`` () =
    Assert.Equal(20, disk.X.Length)
    Assert.Equal(20, disk.Y.Length)
    Assert.Equal(-0.95, disk.X.[0], 12)
    Assert.Equal(0.95, disk.Y.[19], 12)
    Assert.True(Double.IsNaN((disk.Z[0]).[0])) // a corner of the box lies outside the unit disk
    Assert.Equal(disk.X.[10] + 2.0 * disk.Y.[9], (disk.Z[9]).[10], 12)
    Assert.Equal(diskLattice.Length, (Fields.finite disk).Length)

    Assert.Throws<ArgumentException>(fun () -> Fields.ofLattice "" "" [| 0.0, 0.0 |] [||] |> ignore)
    |> ignore

let ``a heatmap is a filled contour with viridis, a titled colour bar, masked cells as null and equal axes``
    ()
    =
    let fig = Plot.data (Fields.heatmap 7 disk)
    let t = (traces fig).Head
    Assert.Equal("contour", str "type" t)
    Assert.Equal("Viridis", str "colorscale" t)
    Assert.Equal("heatmap", str "coloring" ((at [ "contours" ] (t))))
    Assert.Equal("u", str "text" ((at [ "colorbar"; "title" ] (t))))
    let firstRow = (at [ "z" ] t).AsArray()[0] |> Option.ofObj |> Option.get
    Assert.True(isNullAt 0 firstRow) // outside the disk: a gap
    Assert.Equal(20, numbers (at [ "x" ] (t)) |> Array.length)
    Assert.Equal("x", str "scaleanchor" ((at [ "layout"; "yaxis" ] (fig))))
    Assert.Equal("u &lt;k&gt;", str "text" ((at [ "layout"; "title" ] (fig))))
    // 7 levels evenly spaced strictly inside the range
    let lo, hi = Fields.finite disk |> Array.min, Fields.finite disk |> Array.max
    Assert.Equal((hi - lo) / 8.0, ((at [ "contours"; "size" ] (t))).GetValue<float>(), 9)

let ``the residual map's colour range is the 1st to 99th percentile, symmetric, and says so`` () =
    // a smooth field in [-1, 1] with three huge cells among ~300: they must not set the colour range
    let values =
        diskLattice
        |> Array.mapi (fun k (x, y) ->
            if k = 5 || k = 77 || k = 150 then
                1e6
            else
                sin (3.0 * x) * cos (2.0 * y))

    let f = Fields.ofLattice "residual" "residual" diskLattice values
    let m, clipped = Fields.robustSymmetricRange (Fields.finite f)
    Assert.True(m <= 1.0 && m > 0.5, sprintf "range ±%g" m)
    Assert.True clipped
    let t = (traces (Plot.data (Fields.residualMap f))).Head
    Assert.Equal("heatmap", str "type" t)
    Assert.Equal(-m, ((at [ "zmin" ] (t))).GetValue<float>())
    Assert.Equal(m, ((at [ "zmax" ] (t))).GetValue<float>())
    Assert.Equal(0.0, ((at [ "zmid" ] (t))).GetValue<float>())
    Assert.Contains("1st–99th percentile", str "text" ((at [ "colorbar"; "title" ] (t))))
    Assert.Contains("clipped", str "text" ((at [ "colorbar"; "title" ] (t))))
    // white at zero, blue below, red above
    Assert.Contains("#f7f7f7", ((at [ "colorscale" ] (t))).ToJsonString())
    // all zero: a unit range, nothing clipped
    Assert.Equal((1.0, false), Fields.robustSymmetricRange (Array.zeroCreate 10))

let ``a surface is a 3-D trace in a scene with axis titles`` () =
    let fig = Plot.data (Fields.surface disk)
    let t = (traces fig).Head
    Assert.Equal("surface", str "type" t)
    Assert.Equal("u", str "text" ((at [ "layout"; "scene"; "zaxis"; "title" ] (fig))))
    Assert.Equal("u", str "text" ((at [ "colorbar"; "title" ] (t))))

let ``curves: a log axis where the values span decades, legend groups, styles and gaps`` () =
    Assert.True(Plot.spansDecades [ 1.0; 0.001 ])
    Assert.False(Plot.spansDecades [ 1.0; 0.5 ])
    Assert.False(Plot.spansDecades [ 100.0; 0.0 ]) // a zero cannot go on a log axis
    let decaying = Array.init 50 (fun k -> float k, 10.0 ** (-0.1 * float k))

    let curves =
        [
            { Plot.curve "run <1>" (Plot.color 0) decaying with
                Group = Some "solution 1"
            }
            { Plot.curve "run 2" (Plot.color 1) [| 0.0, nan; 1.0, 1.0 |] with
                Style = Plot.Dashed
                Group = Some "solution 1"
            }
        ]

    let y = Plot.autoAxis "loss" (curves |> Seq.collect _.Y)
    Assert.True y.Log
    let fig = Plot.data (Plot.figure (Plot.chart "Loss" (Plot.linear "step") y curves))
    Assert.Equal("log", str "type" ((at [ "layout"; "yaxis" ] (fig))))
    Assert.Equal("linear", str "type" ((at [ "layout"; "xaxis" ] (fig))))
    let t = traces fig
    Assert.Equal("run &lt;1&gt;", str "name" (t[0]))
    Assert.Equal("solution 1", str "legendgroup" (t[0]))
    Assert.Equal("solution 1", str "text" ((at [ "legendgrouptitle" ] (t[0]))))
    Assert.Equal("dash", str "dash" ((at [ "line" ] (t[1]))))
    Assert.True(isNullAt 0 (at [ "y" ] t[1])) // NaN: a gap
    Assert.NotEqual<string>(str "color" ((at [ "line" ] (t[0]))), str "color" ((at [ "line" ] (t[1]))))

let ``figure JSON escapes what could end a script element`` () =
    let chart =
        Plot.chart "</script><script>alert(1)</script>" (Plot.linear "x") (Plot.linear "y") []
        |> Plot.figure

    let json = Plot.json chart
    Assert.DoesNotContain("<", json)
    Assert.DoesNotContain(">", json)
    // plotly's escaping turns < into &lt;, and the JSON writes & as \u0026
    Assert.Contains("\\u0026lt;/script\\u0026gt;", json)

let ``the discovery report's figures: fields, robust residuals, collocation and every run grouped by solution``
    ()
    =
    let dir = discovery "points" "paper-pde" true
    let html = File.ReadAllText(DiscoveryReport.write dir)
    assertSelfContained html
    Assert.Contains("<h2>Collocation points</h2>", html)
    let figs = figures html
    // the collocation points; per solution a heatmap, a residual map and a surface; loss and energy
    Assert.Equal(1 + 2 * 3 + 2, figs.Length)
    let kinds = figs |> List.map (fun f -> str "type" ((traces f).Head))

    Assert.Equal<string list>(
        [
            "scatter"
            "contour"
            "heatmap"
            "surface"
            "contour"
            "heatmap"
            "surface"
            "scatter"
            "scatter"
        ],
        kinds
    )

    let collocation = traces figs[0]
    Assert.Equal(sprintf "interior (%d)" diskLattice.Length, str "name" (collocation[0]))
    Assert.Equal(circlePoints.Length, ((at [ "x" ] (collocation[1]))).AsArray().Count)
    Assert.Contains("1st–99th percentile", str "text" (at [ "colorbar"; "title" ] (traces figs[2]).Head))
    // the loss chart: one curve per run (4 traces), each its own colour, grouped by the solution it reached
    let loss = figs[7]
    Assert.Equal("log", str "type" ((at [ "layout"; "yaxis" ] (loss))))
    let runs = traces loss
    Assert.Equal(4, runs.Length)

    Assert.Equal(
        4,
        runs
        |> List.map (fun t -> str "color" ((at [ "line" ] (t))))
        |> List.distinct
        |> List.length
    )

    Assert.Equal<string list>(
        [ "not a solution"; "solution 1"; "solution 1"; "solution 2" ],
        runs |> List.map (str "legendgroup")
    )
    // deflated runs (rounds ≥ 1) are dashed; round 0 solid
    for t in runs do
        Assert.Equal((str "name" t).Contains "deflated", (str "dash" ((at [ "line" ] (t))) = "dash"))
    // an older folder: no collocation section, no residual maps
    let old =
        File.ReadAllText(DiscoveryReport.write (discovery "old" "paper-pde" false))

    Assert.DoesNotContain("Collocation points", old)
    Assert.Equal(2 * 2 + 2, figureCount old)
    Assert.Equal(2, count "No residual values are stored" old)

let ``the strategy table says which run found what, from which start, in which round`` () =
    let d = DiscoveryData.read (discovery "strategy" "paper-pde" true)
    let rows = DiscoveryReport.strategyRows d

    Assert.Equal<string list>(
        [ "round 0, run 0"; "round 0, run 1"; "round 1, run 0"; "round 2, run 0" ],
        rows |> List.map List.head
    )

    Assert.Equal<string list>(
        [
            "solution 1"
            "solution 1"
            "solution 2"
            "no solution: <img src=x onerror=alert(1)>"
        ],
        rows |> List.map (fun r -> r[4])
    )

    Assert.Equal<string list>([ "0"; "0"; "1"; "2" ], rows |> List.map (fun r -> r[1]))

[<Tests>]
let tests =
    testList
        "PlotlyFigureTests"
        [
            testCase
                "a lattice becomes a grid with NaN outside the domain"
                ``a lattice becomes a grid with NaN outside the domain``
            testCase
                "a heatmap is a filled contour with viridis, a titled colour bar, masked cells as null and equal axes"
                ``a heatmap is a filled contour with viridis, a titled colour bar, masked cells as null and equal axes``
            testCase
                "the residual map's colour range is the 1st to 99th percentile, symmetric, and says so"
                ``the residual map's colour range is the 1st to 99th percentile, symmetric, and says so``
            testCase
                "a surface is a 3-D trace in a scene with axis titles"
                ``a surface is a 3-D trace in a scene with axis titles``
            testCase
                "curves: a log axis where the values span decades, legend groups, styles and gaps"
                ``curves: a log axis where the values span decades, legend groups, styles and gaps``
            testCase
                "figure JSON escapes what could end a script element"
                ``figure JSON escapes what could end a script element``
            testCase
                "the discovery report's figures: fields, robust residuals, collocation and every run grouped by solution"
                ``the discovery report's figures: fields, robust residuals, collocation and every run grouped by solution``
            testCase
                "the strategy table says which run found what, from which start, in which round"
                ``the strategy table says which run found what, from which start, in which round``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.PlotlyFigureTests"
