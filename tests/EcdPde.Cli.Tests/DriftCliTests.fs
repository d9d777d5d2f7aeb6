/// `ecdpde drift …` end to end, run as a separate process.
module EcdPde.Cli.Tests.DriftCliTests

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text.Json
open Xunit
open Expecto

let private ecdpde = CliTests.ecdpde
let private tempDir = CliTests.tempDir

let ``drift trace prints the summary and writes csv, json and a self-contained html`` () =
    let dir = tempDir ()

    let code, out, err =
        ecdpde
            [
                "drift"
                "trace"
                "--dt"
                "0.01"
                "--steps"
                "500"
                "--warmup"
                "100"
                "--noise"
                "gradient"
                "--sigma"
                "0.2"
                "--seed"
                "4"
                "--out"
                dir
            ]

    Assert.True((code = 0), err)
    Assert.Contains("mean ΔH over the tail", out)
    Assert.Contains("m = 0.35", out)
    let csv = File.ReadAllLines(Path.Combine(dir, "trace.csv"))
    Assert.Equal(1 + 601, csv.Length)
    Assert.Equal("100,1,measure,", csv[101].Substring(0, 14))
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "trace.json")))
    Assert.Equal(601, doc.RootElement.GetProperty("energy").GetArrayLength())
    let html = File.ReadAllText(Path.Combine(dir, "trace.html"))
    Assert.Equal(2, html.Split("<svg").Length - 1)
    Assert.DoesNotContain("<script", html)

let ``drift find reports the dt* of the toy system and is reproducible`` () =
    let dir1, dir2 = tempDir (), tempDir ()

    let args dir =
        [
            "drift"
            "find"
            "--dt-lo"
            "0.0012"
            "--dt-hi"
            "0.0016"
            "--warmup"
            "200"
            "--seeds"
            "2"
            "--tol"
            "1e-6"
            "--quiet"
            "--out"
            dir
        ]

    let code, out, err = ecdpde (args dir1)
    Assert.True((code = 0), err)
    // The closed form (DriftTests) puts dt* at 0.0014357…
    Assert.Contains("dt* ≈ 0.00143", out)
    Assert.Contains("dissipative", out)
    let code2, _, _ = ecdpde (args dir2)
    Assert.Equal(0, code2)

    Assert.Equal<string[]>(
        File.ReadAllLines(Path.Combine(dir1, "trials.csv")),
        File.ReadAllLines(Path.Combine(dir2, "trials.csv"))
    )

    let html = File.ReadAllText(Path.Combine(dir1, "find.html"))
    Assert.Contains("Bisection path", html)
    Assert.Equal(4, html.Split("<svg").Length - 1) // trials, path, two example runs

let ``drift find says when the sign is not significant`` () =
    let dir = tempDir ()

    let code, out, err =
        ecdpde
            [
                "drift"
                "find"
                "--noise"
                "gradient"
                "--sigma"
                "0.2"
                "--seeds"
                "5"
                "--steps"
                "400"
                "--quiet"
                "--out"
                dir
            ]

    Assert.True((code = 0), err)
    Assert.Contains("not found", out)
    Assert.Contains("no statistically significant sign flip", out)

let ``drift scaling fits slope 2 for leapfrog and about 1 for euler`` () =
    let dir = tempDir ()

    let code, out, err =
        ecdpde
            [
                "drift"
                "scaling"
                "--methods"
                "leapfrog,euler,ecdsep"
                "--dts"
                "0.004,0.002,0.001"
                "--horizon"
                "5"
                "--seeds"
                "2"
                "--out"
                dir
            ]

    Assert.True((code = 0), err)
    Assert.Contains("95% CI (t)", out)
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "scaling.json")))

    let slope name =
        doc.RootElement.GetProperty("methods").EnumerateArray()
        |> Seq.find (fun m -> m.GetProperty("method").GetString() = name)
        |> fun m -> m.GetProperty("slope").GetDouble()

    Assert.InRange(slope "leapfrog", 1.98, 2.02)
    Assert.InRange(slope "ecdsep", 1.95, 2.05)
    Assert.InRange(slope "euler", 0.98, 1.1)
    let runs = File.ReadAllLines(Path.Combine(dir, "runs.csv"))
    Assert.Equal(1 + 3 * 3 * 2, runs.Length)
    Assert.True(File.Exists(Path.Combine(dir, "scaling.html")))

let ``bad drift input exits with code 2 and names the parameter and the value`` () =
    let fails (args: string list) (needles: string list) =
        let code, _, err = ecdpde ("drift" :: args)
        Assert.True((code = 2), sprintf "exit %d for %A: %s" code args err)

        for n in needles do
            Assert.Contains(n, err)

    fails [ "find"; "--dt-lo"; "0.003"; "--dt-hi"; "0.002" ] [ "dt-lo = 0.003"; "dt-hi = 0.002" ]
    fails [ "find"; "--dt-lo"; "-0.001" ] [ "dt-lo = -0.001" ]
    fails [ "find"; "--seeds"; "0" ] [ "seeds = 0" ]
    fails [ "find"; "--tol"; "0" ] [ "tol = 0" ]
    fails [ "find"; "--tol"; "-1e-5" ] [ "tol = -1e-05" ]
    fails [ "trace"; "--steps"; "0" ] [ "steps = 0" ]
    fails [ "trace"; "--dt"; "0" ] [ "--dt = 0" ]
    fails [ "trace"; "--mass"; "-1" ] [ "mass = -1" ]
    fails [ "scaling"; "--seeds"; "0" ] [ "seeds = 0" ]
    fails [ "scaling"; "--dts"; "0.01" ] [ "two distinct" ]
    fails [ "trace"; "--sigma"; "0.2" ] [ "--sigma"; "--noise" ]
    fails [ "trace"; "--noise"; "gradient" ] [ "--sigma > 0" ]
    fails [ "find"; "--dt"; "0.01" ] [ "unrecognized argument: '--dt'" ]
    fails [ "trace"; "--method"; "adam" ] [ "'adam'" ]
    fails [ "sweep" ] [ "'sweep'" ]

let ``a diverging run ends with exit code 3 and says where`` () =
    let dir = tempDir ()

    let code, out, err =
        ecdpde
            [
                "drift"
                "trace"
                "--method"
                "euler"
                "--dt"
                "2"
                "--steps"
                "3000"
                "--out"
                dir
            ]

    Assert.Equal(3, code)
    Assert.Contains("Infinity at step", err)
    Assert.Contains("stopped early", out)

    let code, _, err =
        ecdpde
            [
                "drift"
                "scaling"
                "--methods"
                "euler"
                "--dts"
                "2,0.01"
                "--horizon"
                "600"
                "--seeds"
                "1"
                "--out"
                dir
            ]

    Assert.Equal(3, code)
    Assert.Contains("dt = 2", err)

let ``options that address no chosen method are refused`` () =
    let code, _, err =
        ecdpde [ "drift"; "scaling"; "--methods"; "leapfrog"; "--set"; "eta=2" ]

    Assert.Equal(2, code)
    Assert.Contains("--set applies to bbi and ecdsep", err)

    let code, _, err = ecdpde [ "drift"; "trace"; "--method"; "bbi"; "--p0"; "0,1" ]
    Assert.Equal(2, code)
    Assert.Contains("p0", err)

[<Tests>]
let tests =
    testList
        "DriftCliTests"
        [
            testCase
                "drift trace prints the summary and writes csv, json and a self-contained html"
                ``drift trace prints the summary and writes csv, json and a self-contained html``
            testCase
                "drift find reports the dt* of the toy system and is reproducible"
                ``drift find reports the dt* of the toy system and is reproducible``
            testCase
                "drift find says when the sign is not significant"
                ``drift find says when the sign is not significant``
            testCase
                "drift scaling fits slope 2 for leapfrog and about 1 for euler"
                ``drift scaling fits slope 2 for leapfrog and about 1 for euler``
            testCase
                "bad drift input exits with code 2 and names the parameter and the value"
                ``bad drift input exits with code 2 and names the parameter and the value``
            testCase
                "a diverging run ends with exit code 3 and says where"
                ``a diverging run ends with exit code 3 and says where``
            testCase
                "options that address no chosen method are refused"
                ``options that address no chosen method are refused``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.DriftCliTests"
