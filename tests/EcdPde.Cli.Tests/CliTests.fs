/// End-to-end tests of the `ecdpde` command line, run as a separate process.
module EcdPde.Cli.Tests.CliTests

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text.Json
open Xunit
open Expecto

/// Runs `ecdpde` (the built CLI beside the tests) and returns exit code, stdout and stderr.
let ecdpde (args: string list) =
    let dll = Path.Combine(AppContext.BaseDirectory, "ecdpde.dll")

    let psi =
        ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)

    psi.ArgumentList.Add dll

    for a in args do
        psi.ArgumentList.Add a

    use p =
        match Process.Start psi with
        | null -> failwith "could not start dotnet"
        | p -> p

    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

/// A fresh temporary folder.
let tempDir () =
    let d = TempFolders.path "ecdpde-tests-"

    Directory.CreateDirectory d |> ignore
    d

let private lastLine (text: string) =
    text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    |> Array.last
    |> fun s -> s.Trim()

let private bbiAckley =
    [
        "optimize"
        "--optimizer"
        "bbi"
        "--function"
        "ackley002"
        "--dim"
        "2"
        "--x0"
        "-4,3"
    ]
    @ ([
        "lr=0.009649484068918336"
        "deltaEn=2"
        "v0=1e-4"
        "threshold0=20"
        "threshold=100"
        "nFixedBounces=4"
       ]
       |> List.collect (fun s -> [ "--set"; s ]))

let ``optimize writes a trace with one row per step and prints the final loss last`` () =
    let dir = tempDir ()
    let trace = Path.Combine(dir, "t.csv")

    let code, out, err =
        ecdpde (bbiAckley @ [ "--steps"; "500"; "--seed"; "3"; "--trace"; trace ])

    Assert.True((code = 0), err)
    let final = Double.Parse(lastLine out, CultureInfo.InvariantCulture)
    let lines = File.ReadAllLines trace
    Assert.StartsWith("step,loss,energy", lines[0])
    Assert.Equal(502, lines.Length) // header + steps 0..500
    Assert.StartsWith("0,", lines[1])
    Assert.StartsWith("500,", lines[501])
    let lastLoss = Double.Parse(lines[501].Split(',')[1], CultureInfo.InvariantCulture)
    Assert.Equal(final, lastLoss)
    // step 0 is the starting point (−4, 3): Ackley b = 0.02 there.
    let f = Ecd.Core.Objectives.Ackley<float>(2, b = 0.02)
    let f0 = f.Evaluate(ReadOnlySpan [| -4.0; 3.0 |], Span(Array.zeroCreate 2))
    Assert.Equal(f0, Double.Parse(lines[1].Split(',')[1], CultureInfo.InvariantCulture), 12)

let ``a resumed run continues exactly where an uninterrupted one would be`` () =
    let dir = tempDir ()
    let straight = Path.Combine(dir, "straight.csv")
    let resumed = Path.Combine(dir, "resumed.csv")
    let ckpt = Path.Combine(dir, "state.json")

    let code, outA, _ =
        ecdpde (bbiAckley @ [ "--steps"; "400"; "--seed"; "5"; "--trace"; straight ])

    Assert.Equal(0, code)

    let common =
        bbiAckley
        @ [
            "--seed"
            "5"
            "--trace"
            resumed
            "--checkpoint"
            ckpt
            "--checkpoint-every"
            "50"
        ]

    let code1, _, _ = ecdpde (common @ [ "--steps"; "170" ])
    Assert.Equal(0, code1)
    Assert.True(File.Exists ckpt)
    let code2, outB, _ = ecdpde (common @ [ "--steps"; "400"; "--resume" ])
    Assert.Equal(0, code2)
    Assert.Equal(lastLine outA, lastLine outB)
    Assert.Equal<string[]>(File.ReadAllLines straight, File.ReadAllLines resumed)

let ``float32 runs and every optimizer is reachable`` () =
    for opt, sets in
        [
            "ecdsep", [ "lr=0.01"; "eta=1.2" ]
            "gdm", [ "lr=0.0005" ]
            "adam", [ "lr=0.01" ]
            "adamw", []
            "lbfgs", []
        ] do
        let code, out, err =
            ecdpde (
                [
                    "optimize"
                    "--optimizer"
                    opt
                    "--function"
                    "rosenbrock"
                    "--dim"
                    "3"
                    "--x0"
                    "0.5"
                ]
                @ (sets |> List.collect (fun s -> [ "--set"; s ]))
                @ [ "--steps"; "50"; "--precision"; "float32" ]
            )

        Assert.True((code = 0), opt + ": " + err)
        Assert.True(Double.IsFinite(Double.Parse(lastLine out, CultureInfo.InvariantCulture)))

let ``a diverging run stops with exit code 3 and keeps a finite checkpoint`` () =
    let dir = tempDir ()
    let ckpt = Path.Combine(dir, "state.json")

    let code, _, err =
        ecdpde
            [
                "optimize"
                "--optimizer"
                "gdm"
                "--function"
                "rosenbrock"
                "--dim"
                "3"
                "--x0"
                "0.5"
                "--set"
                "lr=0.01"
                "--steps"
                "200"
                "--checkpoint"
                ckpt
            ]

    Assert.Equal(3, code)
    Assert.Contains("NaN", err)
    let text = File.ReadAllText ckpt
    Assert.DoesNotContain("NaN", text)
    Assert.DoesNotContain("Infinity", text)

let ``bad input gives a clear error naming the problem`` () =
    let run extra =
        ecdpde (
            [ "optimize"; "--optimizer"; "bbi"; "--function"; "ackley"; "--steps"; "10" ]
            @ extra
        )

    let code, _, err = run [ "--set"; "lr=-1" ]
    Assert.Equal(2, code)
    Assert.Contains("lr", err)
    Assert.Contains("-1", err)
    let code, _, err = run [ "--set"; "lr=0.1"; "--set"; "momentum=0.9" ]
    Assert.Equal(2, code)
    Assert.Contains("momentum", err)
    let code, _, err = run []
    Assert.Equal(2, code)
    Assert.Contains("required", err)
    let code, _, err = run [ "--set"; "lr=0.1"; "--dim"; "3"; "--x0"; "1,2" ]
    Assert.Equal(2, code)
    Assert.Contains("--x0", err)

    let code, _, err =
        ecdpde [ "optimize"; "--optimizer"; "bbi"; "--function"; "ackly"; "--set"; "lr=0.1" ]

    Assert.Equal(2, code)
    Assert.Contains("ackly", err)

let ``optimize --backend torch runs the TorchSharp optimizers: the same trace as native, and resume`` () =
    let dir = tempDir ()

    let run (backend: string) (name: string) (steps: int) (extra: string list) =
        let code, out, err =
            ecdpde (
                [
                    "optimize"
                    "--optimizer"
                    name
                    "--function"
                    "zakharov"
                    "--dim"
                    "6"
                    "--steps"
                    string steps
                    "--seed"
                    "3"
                    "--backend"
                    backend
                    "--trace"
                    Path.Combine(dir, sprintf "%s-%s.csv" name backend)
                ]
                @ extra
            )

        Assert.True((code = 0), err)
        out

    let bbi =
        [ "--set"; "lr=0.005"; "--set"; "threshold0=60"; "--set"; "nFixedBounces=3" ]

    Assert.Contains("torch backend", run "torch" "bbi" 400 bbi)
    run "native" "bbi" 400 bbi |> ignore
    let native = File.ReadAllText(Path.Combine(dir, "bbi-native.csv"))
    Assert.Contains("Bounced", native)
    // The TorchSharp optimizers take the core's steps bit for bit (docs/torchsharp.md): identical traces.
    Assert.Equal(native, File.ReadAllText(Path.Combine(dir, "bbi-torch.csv")))
    // A checkpointed torch run stopped at 150 steps and resumed to 400 writes the same trace.
    let checkpoint =
        [
            "--checkpoint"
            Path.Combine(dir, "ecdsep.state.json")
            "--checkpoint-every"
            "50"
        ]

    let ecdsep =
        [
            "--set"
            "lr=0.01"
            "--set"
            "eta=2"
            "--set"
            "nu=0.001"
            "--set"
            "gamma=0.5"
        ]

    run "native" "ecdsep" 400 ecdsep |> ignore
    run "torch" "ecdsep" 150 (ecdsep @ checkpoint) |> ignore
    run "torch" "ecdsep" 400 (ecdsep @ checkpoint @ [ "--resume" ]) |> ignore

    Assert.Equal(
        File.ReadAllText(Path.Combine(dir, "ecdsep-native.csv")),
        File.ReadAllText(Path.Combine(dir, "ecdsep-torch.csv"))
    )

    // An optimizer the TorchSharp backend lacks is named in the error.
    let code, _, err =
        ecdpde
            [
                "optimize"
                "--optimizer"
                "adam"
                "--function"
                "zakharov"
                "--backend"
                "torch"
            ]

    Assert.Equal(2, code)
    Assert.Contains("bbi, ecdsep, gdm", err)

let ``reproduce drift writes results and its page, which ecdpde report rewrites identically`` () =
    let dir = tempDir ()
    let code, out, err = ecdpde [ "reproduce"; "drift"; "--out"; dir ]
    Assert.True((code = 0), err)
    Assert.Contains("log-log slope", out)
    Assert.True(File.Exists(Path.Combine(dir, "results.json")))
    Assert.True(File.Exists(Path.Combine(dir, "results.md")))
    // its page, and `ecdpde report` on the folder writes the same page from results.json
    let page = File.ReadAllText(Path.Combine(dir, "report.html"))
    Assert.Equal(1, page.Split("<script>ecdpdePlot(").Length - 1)
    let code2, out2, err2 = ecdpde [ "report"; dir ]
    Assert.True((code2 = 0), err2)
    Assert.Contains("reproduction report written to", out2)
    Assert.Equal(page, File.ReadAllText(Path.Combine(dir, "report.html")))

let ``compare runs a study file, skips finished cells on a rerun, and names a bad study`` () =
    let dir = tempDir ()
    let study = Path.Combine(dir, "study.json")

    File.WriteAllText(
        study,
        """{ "format": "ecdpde-study/1", "name": "cli-study", "seeds": 2, "steps": 300,
             "problems": [ { "name": "q", "function": "quadratic", "dim": 2, "starts": { "fixed": [1] }, "target": 1e-6 } ],
             "solvers": [ { "label": "lbfgs", "stages": [ { "optimizer": "lbfgs" } ] } ] }"""
    )

    let out = Path.Combine(dir, "out")
    let code, stdout, err = ecdpde [ "compare"; study; "--out"; out ]
    Assert.True((code = 0), err)
    // L-BFGS is deterministic: one run per start, however many seeds the study asks for
    Assert.Contains("1 cells (1 run now)", stdout)
    Assert.Contains("ran once per start", stdout)
    Assert.True(File.Exists(Path.Combine(out, "summary.md")))
    Assert.True(File.Exists(Path.Combine(out, "cells.csv")))
    Assert.True(File.Exists(Path.Combine(out, "report.html")))
    let code2, stdout2, _ = ecdpde [ "compare"; study; "--out"; out ]
    Assert.Equal(0, code2)
    Assert.Contains("1 cells (0 run now)", stdout2)
    // status reads a local study folder: its cells (study.json names them), done or not
    let status () =
        let code, text, err = ecdpde [ "status"; out ]
        Assert.True((code = 0), err)
        text

    Assert.Matches(@"cells\s+1 runs: 1 done, 0 running, 0 queued, 0 stopped", status ())
    Assert.Contains("state: complete", status ())

    for f in Directory.GetFiles(out, "*.json", SearchOption.AllDirectories) do
        if Path.GetFileName f <> "study.json" then
            File.Delete f

    File.Delete(Path.Combine(out, "summary.md"))
    Assert.Matches(@"cells\s+1 runs: 0 done, 0 running, 0 queued, 1 stopped", status ())
    Assert.Contains("state: stopped", status ())
    // while a command holds the folder's lock, its unfinished cells are running and the folder in progress
    using (EcdPde.Runs.FolderLock.acquire out) (fun _ ->
        let text = status ()
        Assert.Matches(@"cells\s+1 runs: 0 done, 1 running, 0 queued, 0 stopped", text)

        Assert.Contains(
            sprintf "state: in progress: an ecdpde command (PID %d) is writing it" Environment.ProcessId,
            text
        ))

    Assert.Contains("state: stopped", status ())
    let code3, _, err3 = ecdpde [ "compare"; Path.Combine(dir, "missing.json") ]
    Assert.Equal(2, code3)
    Assert.Contains("missing.json", err3)

let ``discover takes a problem from an F# script, and names what is wrong with a bad one`` () =
    // The repository root is found from the test binaries (a CI build maps __SOURCE_DIRECTORY__ to /_/).
    let rec repoRoot (dir: string) =
        if File.Exists(Path.Combine(dir, "EcdPde.sln")) then
            dir
        else
            match Path.GetDirectoryName dir with
            | null -> failwith "EcdPde.sln not found above the test binaries"
            | parent -> repoRoot parent

    let script =
        Path.Combine(repoRoot AppContext.BaseDirectory, "examples", "discover-script.fsx")

    let out = tempDir ()

    let code, stdout, err =
        ecdpde
            [
                "discover"
                script
                "--runs"
                "1"
                "--steps"
                "5"
                "--deflation-rounds"
                "0"
                "--polish-steps"
                "0"
                "--no-warm-starts"
                "--out"
                out
            ]

    // 5 steps (no polish, no warm starts) are not a solution (exit 1), but the script's problem ran and was written down
    Assert.True((code = 1), err)
    Assert.Contains("bratu-variable", stdout + err)
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "solutions.json")))
    Assert.Equal("bratu-variable", doc.RootElement.GetProperty("problem").GetProperty("name").GetString())

    let bad = Path.Combine(tempDir (), "bad.fsx")
    File.WriteAllText(bad, "let notAProblem = 1\n")
    let code, _, err = ecdpde [ "discover"; bad ]
    Assert.Equal(2, code)
    Assert.Contains("must define `let problem", err)
    File.WriteAllText(bad, "let problem = undefinedThing\n")
    let code, _, err = ecdpde [ "discover"; bad ]
    Assert.Equal(2, code)
    Assert.Contains("undefinedThing", err)
    let code, _, err = ecdpde [ "discover"; Path.Combine(out, "missing.fsx") ]
    Assert.Equal(2, code)
    Assert.Contains("does not exist", err)

let ``discover names a bad example or parameter`` () =
    for args, expected in
        [
            [ "discover"; "poisson-thing" ], "poisson-thing"
            [ "discover"; "poisson-thing" ], "allen-cahn"
            [ "discover"; "paper-pde"; "--param"; "k=-1" ], "k"
            [ "discover"; "bratu"; "--optimizer"; "bbi"; "--set"; "lr=-2" ], "lr"
            [ "discover"; "allen-cahn"; "--param"; "epsilon=0" ], "ε must be > 0"
            [
                "discover"
                "bratu"
                "--deflation-optimizer"
                "adam"
                "--deflation-set"
                "lr=0"
            ],
            "lr"
            [ "discover"; "bratu"; "--polish-steps"; "-5" ], "--polish-steps"
        ] do
        let code, _, err = ecdpde args
        Assert.Equal(2, code)
        Assert.Contains(expected, err)

[<Tests>]
let tests =
    testList
        "CliTests"
        [
            testCase
                "optimize --backend torch runs the TorchSharp optimizers: the same trace as native, and resume"
                ``optimize --backend torch runs the TorchSharp optimizers: the same trace as native, and resume``
            testCase
                "optimize writes a trace with one row per step and prints the final loss last"
                ``optimize writes a trace with one row per step and prints the final loss last``
            testCase
                "a resumed run continues exactly where an uninterrupted one would be"
                ``a resumed run continues exactly where an uninterrupted one would be``
            testCase
                "float32 runs and every optimizer is reachable"
                ``float32 runs and every optimizer is reachable``
            testCase
                "a diverging run stops with exit code 3 and keeps a finite checkpoint"
                ``a diverging run stops with exit code 3 and keeps a finite checkpoint``
            testCase
                "bad input gives a clear error naming the problem"
                ``bad input gives a clear error naming the problem``
            testCase
                "reproduce drift writes results and its page, which ecdpde report rewrites identically"
                ``reproduce drift writes results and its page, which ecdpde report rewrites identically``
            testCase
                "compare runs a study file, skips finished cells on a rerun, and names a bad study"
                ``compare runs a study file, skips finished cells on a rerun, and names a bad study``
            testCase
                "discover takes a problem from an F# script, and names what is wrong with a bad one"
                ``discover takes a problem from an F# script, and names what is wrong with a bad one``
            testCase "discover names a bad example or parameter" ``discover names a bad example or parameter``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.CliTests"
