/// Reports: they escape every user text, `ecdpde report`
/// recognizes each kind of run folder (and names the folder and the expected files when it cannot), drift results
/// read back from their JSON give the same pages.
module EcdPde.Reports.Tests.ReportTests

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

let ``the discovery report escapes the problem, parameters, settings, check texts and the folder name`` () =
    let dir = discovery "run <&> \"q\" 'a'" hostile true
    let html = File.ReadAllText(DiscoveryReport.write dir)
    PageChecks.assertSelfContained html
    let html = PageChecks.withoutLibrary html
    Assert.DoesNotContain("<script>alert", html)
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
    Assert.Equal(1 + 2 * 3 + 2, PageChecks.figureCount html)
    // the residual maps' titles
    Assert.Equal(
        2,
        PageChecks.figures html
        |> List.filter (fun f ->
            (PageChecks.str "text" (PageChecks.at [ "layout"; "title" ] f)).StartsWith "PDE residual")
        |> List.length
    )

    Assert.Contains("9.9.9+test", html) // the version of the run
    Assert.Contains(EcdPde.Runs.ToolVersion.informational, html) // and of the report
    Assert.Contains("it matches (below the distinctness threshold 0.1)", html)

let ``a discovery folder without residuals says so instead of drawing them`` () =
    let dir = discovery "old" "paper-pde" false
    let html = File.ReadAllText(DiscoveryReport.write dir)
    Assert.Equal(2 * 2 + 2, PageChecks.figureCount html)
    Assert.Equal(2, count "No residual values are stored" html)

let ``the optimization report shows every trace, its settings and the checkpoint, escaping file names`` () =
    let dir = optimization "adam <1> & \"x\".csv"
    Assert.True(File.Exists(Path.Combine(dir, "adam <1> & \"x\".settings.json")))
    let kind, path = FolderReport.write dir
    Assert.Equal("optimization runs", kind.Name)
    let html = File.ReadAllText path
    PageChecks.assertSelfContained html
    Assert.DoesNotContain("<1>", PageChecks.withoutLibrary html)
    Assert.Contains("adam &lt;1&gt; &amp; &quot;x&quot;.csv", html)
    Assert.Contains("bbi-state.json", html)
    Assert.Contains("nFixedBounces", html)
    Assert.Contains("ackley002", html)
    let figures = PageChecks.figures html
    Assert.Equal(3, figures.Length) // loss, energy, |energy drift|
    // the loss axis is logarithmic exactly when the losses span decades, and the caption says which
    let lossAxis =
        PageChecks.str "type" (PageChecks.at [ "layout"; "yaxis" ] figures[0])

    let losses =
        PageChecks.traces figures[0]
        |> Seq.collect (fun t -> PageChecks.numbers (PageChecks.at [ "y" ] t))

    Assert.Equal((if Plot.spansDecades losses then "log" else "linear"), lossAxis)

    Assert.Contains(
        (if lossAxis = "log" then
             "Loss F(θ) per step (log scale"
         else
             "Loss F(θ) per step (linear scale"),
        html
    )
    // one curve per trace, named by its file (escaped for plotly)
    Assert.Equal(
        "adam &lt;1&gt; &amp; &#34;x&#34;.csv",
        PageChecks.str "name" ((PageChecks.traces figures[0]).Head)
    )

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
    let _, back = Drift.ScalingReport.read (Path.Combine(scale, "scaling.json"))
    Assert.Equal(scaling.Settings, back.Settings)
    Assert.Equal(scaling.Noise, back.Noise)

    // two modes in one folder: one page with both
    File.WriteAllText(Path.Combine(trace, "scaling.json"), ScalingReport.json context scaling)
    let both = File.ReadAllText(snd (FolderReport.write trace))
    Assert.Contains("Energy drift trace", both)
    Assert.Contains("Energy drift scaling", both)
    Assert.Equal(1, count "<html" both)

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
            Problems = fun _ -> []
            WriteFigures = None
        }

    Assert.Throws<ArgumentException>(fun () -> FolderReport.write dir |> ignore)
    |> ignore

    let kind, path = FolderReport.writeWith (FolderReport.kinds @ [ custom ]) dir
    Assert.Equal("custom", kind.Name)
    Assert.True(File.Exists path)

[<Tests>]
let tests =
    testList
        "ReportTests"
        [
            testCase
                "the discovery report escapes the problem, parameters, settings, check texts and the folder name"
                ``the discovery report escapes the problem, parameters, settings, check texts and the folder name``
            testCase
                "a discovery folder without residuals says so instead of drawing them"
                ``a discovery folder without residuals says so instead of drawing them``
            testCase
                "the optimization report shows every trace, its settings and the checkpoint, escaping file names"
                ``the optimization report shows every trace, its settings and the checkpoint, escaping file names``
            testCase
                "drift folders read back from their JSON give the drift writers' pages"
                ``drift folders read back from their JSON give the drift writers' pages``
            testCase
                "an unrecognized or missing folder is an error naming it and what was expected"
                ``an unrecognized or missing folder is an error naming it and what was expected``
            testCase
                "other folder kinds plug in through the list of kinds"
                ``other folder kinds plug in through the list of kinds``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.ReportTests"
