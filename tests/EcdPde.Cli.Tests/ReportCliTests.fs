/// `ecdpde report` end to end, run as a separate process on the folders ReportFolders builds.
module EcdPde.Cli.Tests.ReportCliTests

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

let ``ecdpde report --figures writes every figure of a discovery folder as a standalone SVG`` () =
    let dir = discovery "figures <&>" hostile true
    let code, out, err = CliTests.ecdpde [ "report"; dir; "--figures" ]
    Assert.True((code = 0), err)
    Assert.Contains("discovery report written to", out)

    let expected =
        [
            "solution-1.svg"
            "residual-1.svg"
            "surface-1.svg"
            "solution-2.svg"
            "residual-2.svg"
            "surface-2.svg"
            "collocation.svg"
            "loss.svg"
            "energy.svg"
            "solutions.svg"
        ]

    let written =
        Directory.GetFiles(Path.Combine(dir, "figures"))
        |> Array.map (fun p -> Path.GetFileName p |> Option.ofObj |> Option.defaultValue "")
        |> Array.sort

    Assert.Equal<string[]>(List.sort expected |> Array.ofList, written)
    Assert.Equal(expected.Length, count "figure: " out)

    for file in expected do
        let svg = File.ReadAllText(Path.Combine(dir, "figures", file))
        XDocument.Parse svg |> ignore
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg)

    // the overview: the title, a row (grid) per solution, three figures in each
    let overview = File.ReadAllText(Path.Combine(dir, "figures", "solutions.svg"))
    Assert.Equal(1 + 2 + 2 * 3, count "<svg" overview)

    Assert.Contains(
        ">Discovery: &lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt; &amp; &#39;co&#39;</text>",
        overview
    )
    // a folder without standalone figures: an error naming its kind, nothing written
    let runs = optimization "adam.csv"
    let code2, _, err2 = CliTests.ecdpde [ "report"; runs; "--figures" ]
    Assert.Equal(2, code2)
    Assert.Contains("optimization runs", err2)
    Assert.False(File.Exists(Path.Combine(runs, "report.html")))

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

[<Tests>]
let tests =
    testList
        "ReportCliTests"
        [
            testCase
                "ecdpde report --figures writes every figure of a discovery folder as a standalone SVG"
                ``ecdpde report --figures writes every figure of a discovery folder as a standalone SVG``
            testCase
                "ecdpde report exits non-zero for an unrecognized folder and writes the report of a known one"
                ``ecdpde report exits non-zero for an unrecognized folder and writes the report of a known one``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.ReportCliTests"
