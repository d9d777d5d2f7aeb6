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
open EcdPde.Reports.Tests
open EcdPde.Reports.Tests.ReportFolders

let private count (needle: string) (text: string) = text.Split(needle).Length - 1

let ``ecdpde report --figures writes PNG and SVG figures offline`` () =
    let dir = discovery "figures <&>" hostile true
    let code, out, err = CliTests.ecdpde [ "report"; dir; "--figures" ]
    Assert.True((code = 0), err)
    Assert.Contains("discovery report written to", out)

    let twoD =
        [
            "solution-1"
            "residual-1"
            "solution-2"
            "residual-2"
            "collocation"
            "loss"
            "energy"
        ]

    let expected =
        (twoD |> List.collect (fun n -> [ n + ".png"; n + ".svg" ]))
        @ [ "surface-1.png"; "surface-2.png"; "solutions.png" ]

    let written =
        Directory.GetFiles(Path.Combine(dir, "figures"))
        |> Array.map (fun p -> Path.GetFileName p |> Option.ofObj |> Option.defaultValue "")
        |> Array.sort

    Assert.Equal<string[]>(List.sort expected |> Array.ofList, written)
    Assert.Equal(expected.Length, count "figure: " out)

    for file in expected do
        let path = Path.Combine(dir, "figures", file)

        if file.EndsWith ".svg" then
            let doc = XDocument.Parse(File.ReadAllText path)

            Assert.Equal(
                "svg",
                doc.Root
                |> Option.ofObj
                |> Option.map _.Name.LocalName
                |> Option.defaultValue ""
            )
        else
            let png = BrowserTests.decodePng (File.ReadAllBytes path)
            let ink, _ = BrowserTests.inkAndColours png
            Assert.True(ink > 0.02, sprintf "%s: only %.4f of the pixels differ from the background" file ink)

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

let ``ecdpde report lists a trace's garbage and torn rows on stderr and on the page, never as the final loss``
    ()
    =
    let runs = optimization "adam.csv"
    let adam = Path.Combine(runs, "adam.csv")
    let last = (Trace.read adam).Rows |> Array.last
    // a garbage line, then a torn last row whose loss would be the smallest of all
    File.AppendAllText(adam, "not,a,row\n" + string (last.Step + 1L) + ",4.56789e-123,")
    let code, _, err = CliTests.ecdpde [ "report"; runs ]
    Assert.True((code = 0), err)
    Assert.Contains(sprintf "adam.csv: line %d is not a trace row" (int last.Step + 3), err)
    Assert.Contains(sprintf "adam.csv: line %d is an incomplete last row" (int last.Step + 4), err)
    let page = File.ReadAllText(Path.Combine(runs, "report.html"))
    Assert.Contains("Trace problems", page)
    Assert.Contains("is an incomplete last row", page)
    Assert.DoesNotContain("4.56789e-123", page)

    let dir = discovery "torn" "paper-pde" true
    let trace = Path.Combine(dir, "round-0", "runs", "run-000", "trace.csv")
    File.AppendAllText(trace, "7,0.")
    let code2, _, err2 = CliTests.ecdpde [ "report"; dir ]
    Assert.True((code2 = 0), err2)
    Assert.Contains("run-000", err2)
    Assert.Contains("is an incomplete last row", err2)
    let page2 = File.ReadAllText(Path.Combine(dir, "report.html"))
    Assert.Contains("Trace problems", page2)
    // a clean folder: no warning
    let code3, _, err3 =
        CliTests.ecdpde [ "report"; discovery "clean" "paper-pde" true ]

    Assert.True((code3 = 0), err3)
    Assert.DoesNotContain("warning", err3)

[<Tests>]
let tests =
    testList
        "ReportCliTests"
        [
            testCase
                "ecdpde report --figures writes PNG and SVG figures offline"
                ``ecdpde report --figures writes PNG and SVG figures offline``
            testCase
                "ecdpde report exits non-zero for an unrecognized folder and writes the report of a known one"
                ``ecdpde report exits non-zero for an unrecognized folder and writes the report of a known one``
            testCase
                "ecdpde report lists a trace's garbage and torn rows on stderr and on the page, never as the final loss"
                ``ecdpde report lists a trace's garbage and torn rows on stderr and on the page, never as the final loss``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.ReportCliTests"
