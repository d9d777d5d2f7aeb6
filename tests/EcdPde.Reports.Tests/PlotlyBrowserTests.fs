/// Every report kind in a real browser with the network cut (Chromium's host resolver maps every name to nothing,
/// the proxy is a closed port): the page loads no resource at all, logs no script error, renders the expected number
/// of Plotly figures (.js-plotly-plot), gives a non-blank screenshot, and hostile text stays text (no element and no
/// alert from it). That `ecdpde report --figures` writes decodable, non-blank PNGs and well-formed SVGs offline is
/// tested with the command line (EcdPde.Cli.Tests.ReportCliTests).
/// Needs Chromium (Debian package chromium; .ci/run installs it) and fails without it.
module EcdPde.Reports.Tests.PlotlyBrowserTests

open System
open System.IO
open System.Net
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open Expecto
open EcdPde.Reports
open EcdPde.Reports.Drift
open EcdPde.Studies
open EcdPde.Reports.Tests.ReportFolders
open EcdPde.Reports.Tests.PageChecks

/// Records script errors, console errors and alerts; after the load, writes them, the number of rendered plots and
/// every resource the page requested into attributes of the body.
let private probe =
    """<script>window.__errors=[];
window.addEventListener('error',function(e){__errors.push('error: '+String(e.message));});
window.addEventListener('unhandledrejection',function(e){__errors.push('rejection: '+String(e.reason));});
(function(){var ce=console.error;console.error=function(){__errors.push('console: '+Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};})();
window.alert=function(m){__errors.push('alert: '+m);};
window.addEventListener('load',function(){setTimeout(function(){var b=document.body;
b.setAttribute('data-errors',JSON.stringify(__errors));
b.setAttribute('data-plots',String(document.querySelectorAll('.js-plotly-plot').length));
b.setAttribute('data-resources',JSON.stringify(performance.getEntriesByType('resource').map(function(e){return e.name;})));
},1500);});</script>
"""

/// What the browser saw of a page.
type Seen =
    {
        Errors: string[]
        Plots: int
        Resources: string[]
        Dom: string
    }

/// Loads a copy of `page` with the probe in headless, offline Chromium and reads what it recorded.
let seen (page: string) =
    let html = File.ReadAllText page

    let copy =
        Path.Combine(Path.GetDirectoryName(page) |> Option.ofObj |> Option.defaultValue ".", ".probe.html")

    File.WriteAllText(copy, html.Replace("<head>\n", "<head>\n" + probe))
    let dom = Chromium.dumpDom 20000 copy
    File.Delete copy

    let attribute (name: string) =
        let m = Regex.Match(dom, sprintf "<body[^>]* %s=\"([^\"]*)\"" name)
        Assert.True(m.Success, sprintf "the probe recorded no %s (the page did not finish loading)" name)

        WebUtility.HtmlDecode m.Groups[1].Value
        |> Option.ofObj
        |> Option.defaultValue ""

    {
        Errors =
            JsonSerializer.Deserialize<string[]>(attribute "data-errors")
            |> Option.ofObj
            |> Option.defaultValue [||]
        Plots = int (attribute "data-plots")
        Resources =
            JsonSerializer.Deserialize<string[]>(attribute "data-resources")
            |> Option.ofObj
            |> Option.defaultValue [||]
        Dom = dom
    }

/// The page renders offline: no request, no error, `plots` figures drawn, hostile text never an element, and a
/// screenshot with ink on it.
let assertRenders (plots: int) (page: string) =
    let html = File.ReadAllText page
    assertSelfContained html
    Assert.Equal(plots, figureCount html)
    let s = seen page
    Assert.True(s.Resources.Length = 0, sprintf "requests: %s" (String.Join(", ", s.Resources)))
    Assert.True(s.Errors.Length = 0, sprintf "errors: %s" (String.Join("\n", s.Errors)))
    Assert.Equal(plots, s.Plots)
    let dom = withoutLibrary s.Dom
    Assert.DoesNotContain("<img", dom)
    Assert.DoesNotContain("<script>alert", dom)

    let png = TempFolders.pathWith "ecdpde-shot-" ".png"

    Chromium.screenshot 1400 1600 png page |> ignore
    let shot = BrowserTests.decodePng (File.ReadAllBytes png)
    File.Delete png
    let ink, colours = BrowserTests.inkAndColours shot
    Assert.True(ink > 0.02, sprintf "only %.4f of the pixels differ from the background" ink)
    Assert.True(colours > 50, sprintf "only %d colours" colours)

let ``the discovery report renders offline with every figure and hostile names as text`` () =
    let dir = discovery "browser <&>" hostile true
    let page = DiscoveryReport.write dir
    assertRenders (1 + 2 * 3 + 2) page
    // the title and the parameter name, escaped, as text in the rendered DOM
    let dom = (seen page).Dom
    Assert.Contains("&lt;script&gt;alert(\"p\")&lt;/script&gt;", dom)
    Assert.Contains("k&lt;&amp;&gt; = 2", dom)

let ``the optimization report renders offline`` () =
    let dir = optimization "adam <1> & \"x\" <img src=x onerror=alert(1)>.csv"
    assertRenders 3 (snd (FolderReport.write dir))

let ``the drift trace, finder and scaling reports render offline`` () =
    let context = [ "command", hostile ]

    let dirOf (file: string) (text: string) =
        let dir = fresh None
        File.WriteAllText(Path.Combine(dir, file), text)
        dir

    let m = driftMeasurement ()
    assertRenders 2 (snd (FolderReport.write (dirOf "trace.json" (TraceReport.json context hostile m))))
    let finder = finderOutcome ()
    assertRenders 2 (snd (FolderReport.write (dirOf "find.json" (FinderReport.json context hostile finder))))
    let scaling = scalingOutcome ()
    assertRenders 1 (snd (FolderReport.write (dirOf "scaling.json" (ScalingReport.json context scaling))))

let ``the compare report renders offline`` () =
    let dir = fresh None
    BuiltInStudies.write CompareReportTests.synthetic (CompareReport.studyFile dir)
    StudyRunner.run CompareReportTests.synthetic dir 2 (fun _ _ -> ()) |> ignore
    assertRenders 3 (CompareReport.write dir)

let ``the reproduction report renders offline with hostile names as text`` () =
    let dir = ReproduceReportTests.folder (ReproduceReportTests.sample hostile)
    let page = snd (FolderReport.write dir)
    assertRenders 4 page
    Assert.Contains("&lt;script&gt;alert(\"p\")&lt;/script&gt;", (seen page).Dom)

[<Tests>]
let tests =
    testList
        "PlotlyBrowserTests"
        [
            testCase
                "the discovery report renders offline with every figure and hostile names as text"
                ``the discovery report renders offline with every figure and hostile names as text``
            testCase "the optimization report renders offline" ``the optimization report renders offline``
            testCase
                "the drift trace, finder and scaling reports render offline"
                ``the drift trace, finder and scaling reports render offline``
            testCase "the compare report renders offline" ``the compare report renders offline``
            testCase
                "the reproduction report renders offline with hostile names as text"
                ``the reproduction report renders offline with hostile names as text``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.PlotlyBrowserTests"
