/// The drift reports: escaping, self-containment, charts, CSV and JSON shapes.
module EcdPde.Reports.Tests.DriftReportTests

open System
open System.Text.Json
open Xunit
open Expecto
open Ecd.Core.Drift
open EcdPde.Studies.Drift
open EcdPde.Reports.Drift
open EcdPde.Runs
open EcdPde.Reports

let private measured () =
    let p: TailDrift.Protocol =
        {
            Steps = 400L
            Warmup = 50L
            TailFraction = 0.2
        }

    TailDrift.run (Dynamics.build Dynamics.toy) p (NoiseOptions.On(NoiseChannel.Momentum, 0.1)) 0.01 3UL

let private hostile = "<script>alert('x')</script> & \"quotes\""

let ``html escaping covers the five special characters`` () =
    Assert.Equal("&lt;a href=&quot;x&quot;&gt;&amp;&#39;", Html.escape "<a href=\"x\">&'")

let ``reports escape user text and load nothing from outside`` () =
    let m = measured ()
    let context = [ "command", hostile ]

    let finder =
        BoundaryFinder.find
            { BoundaryFinder.defaults with
                Seeds = 2
            }
            (fun dt -> Array.create 2 (dt - 0.0025))

    let scaling =
        Scaling.run
            { Scaling.defaults with
                Seeds = 1
                Length = Scaling.Horizon 1.0
            }
            NoiseOptions.Off
            0UL
            [ Dynamics.build Dynamics.toy ]

    for page in
        [
            TraceReport.html context hostile m
            FinderReport.html context hostile finder [ m ]
            ScalingReport.html context scaling
        ] do
        Assert.DoesNotContain("<script", page)
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;", page)
        Assert.DoesNotContain("src=", page)
        Assert.DoesNotContain("<link", page)
        // The only URL is the SVG namespace.
        Assert.Equal(page.Split("http").Length - 1, page.Split("http://www.w3.org/2000/svg").Length - 1)
        Assert.Contains("<svg", page)
        Assert.StartsWith("<!DOCTYPE html>", page)

let ``the trace csv has one row per step and the tail marked`` () =
    let m = measured ()
    let lines = (TraceReport.csv m).TrimEnd('\n').Split('\n')
    Assert.Equal("step,t,phase,H,dH", lines[0])
    Assert.Equal(1 + 451, lines.Length)
    Assert.StartsWith("0,0,warmup,", lines[1])
    Assert.StartsWith("50,0.5,measure,", lines[51])
    Assert.EndsWith(",0", lines[51]) // ΔH = 0 at the re-based E0
    Assert.Equal(80, lines |> Array.filter (fun l -> l.Contains ",tail,") |> Array.length)

let ``finder csv and json carry every trial and the verdict`` () =
    let o =
        BoundaryFinder.find
            { BoundaryFinder.defaults with
                Seeds = 3
            }
            (fun dt -> [| dt - 0.00251; dt - 0.00251 + 1e-9; dt - 0.00251 - 1e-9 |])

    let csv = (FinderReport.csv o).TrimEnd('\n').Split('\n')
    Assert.Equal(o.Trials.Length + 1, csv.Length)
    Assert.StartsWith("index,stage,dt,mean_tail_dH,standard_error", csv[0])
    use doc = JsonDocument.Parse(FinderReport.json [ "k", "v" ] "toy" o)
    let v = doc.RootElement.GetProperty("verdict")
    Assert.Equal("found", v.GetProperty("kind").GetString())
    Assert.InRange(v.GetProperty("estimate").GetDouble(), 0.00251 - 1e-5, 0.00251 + 1e-5)
    Assert.Equal(o.Trials.Length, doc.RootElement.GetProperty("trials").GetArrayLength())
    Assert.Equal(3, doc.RootElement.GetProperty("trials").[0].GetProperty("runs").GetArrayLength())

let ``svg ticks are round numbers`` () =
    Assert.Equal<float list>([ 0.0; 0.2; 0.4; 0.6; 0.8; 1.0 ], Svg.linearTicks 0.0 1.0)
    Assert.Equal<float list>([ -2e-6; 0.0; 2e-6; 4e-6 ], Svg.linearTicks -2.5e-6 4.1e-6)
    Assert.Equal<float list>([ 0.005; 0.01; 0.02; 0.05 ], Svg.logTicks 0.003 0.05)
    Assert.Equal<float list>([ 1e-6; 1e-5; 1e-4; 1e-3; 1e-2 ], Svg.logTicks 5e-7 0.03)
    Assert.Equal("1e-5", Svg.tickLabel 1e-5)
    Assert.Equal("0.0025", Svg.tickLabel 0.0025)

let ``a long series is thinned to the pixel grid but keeps its extremes`` () =
    let n = 200_000

    let pts =
        Array.init n (fun k -> float k, (if k = 123_457 then 5.0 else sin (float k / 1000.0)))

    let svg = Svg.chart "t" "x" "y" [ Svg.Line("s", "#000", pts) ] |> Svg.render
    Assert.True(svg.Length < 60_000, sprintf "svg of %d characters" svg.Length)
    // The one-sample spike at y = 5 survives the thinning: some vertex lies near the top of the plot area
    // (y pixel ≈ 34 + 3.7% of the plot height), far above the sine's band.
    let attribute = (svg.Split("points=\"")[1]).Split('"')[0]

    let ys =
        attribute.Split(' ')
        |> Array.map (fun xy -> Double.Parse((xy.Split(',')[1]), Globalization.CultureInfo.InvariantCulture))

    Assert.InRange(Array.min ys, 34.0, 46.0)
    Assert.True(ys.Length < 2 * 760)

[<Tests>]
let tests =
    testList
        "DriftReportTests"
        [
            testCase
                "html escaping covers the five special characters"
                ``html escaping covers the five special characters``
            testCase
                "reports escape user text and load nothing from outside"
                ``reports escape user text and load nothing from outside``
            testCase
                "the trace csv has one row per step and the tail marked"
                ``the trace csv has one row per step and the tail marked``
            testCase
                "finder csv and json carry every trial and the verdict"
                ``finder csv and json carry every trial and the verdict``
            testCase "svg ticks are round numbers" ``svg ticks are round numbers``
            testCase
                "a long series is thinned to the pixel grid but keeps its extremes"
                ``a long series is thinned to the pixel grid but keeps its extremes``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.DriftReportTests"
