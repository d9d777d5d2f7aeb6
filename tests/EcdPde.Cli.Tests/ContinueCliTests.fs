/// `ecdpde continue`: every bad range or parameter name ends in exit code 2 with a message naming it (the example's
/// parameters or the script's constants listed), and a short continuation of Bratu writes continuation.json, a line
/// per parameter value and the report with the bifurcation diagram.
module EcdPde.Cli.Tests.ContinueCliTests

open System
open System.IO
open Xunit
open Expecto
open Pde.Discovery

let private ecdpde = CliTests.ecdpde
let private tempDir = CliTests.tempDir

/// Exit code 2 and every word in the message.
let private refused (args: string list) (words: string list) =
    let code, _, err = ecdpde ([ "continue" ] @ args)
    Assert.True((code = 2), sprintf "exit code %d: %s" code err)

    for w in words do
        Assert.Contains(w, err)

let ``bad ranges and unknown parameters are refused with the names`` () =
    refused [ "bratu"; "--param"; "k=1:3:1" ] [ "no parameter 'k'"; "its parameters: lambda" ]
    refused [ "bratu"; "--param"; "lambda=3:1:1" ] [ "wrong sign"; "negative" ]
    refused [ "bratu"; "--param"; "lambda=2:2:1" ] [ "empty" ]
    refused [ "bratu"; "--param"; "lambda=1:3" ] [ "NAME=START:STOP:STEP" ]
    refused [ "bratu" ] [ "--param NAME=START:STOP:STEP" ]
    refused [ "bratu"; "--param"; "lambda=1:2:1"; "--param"; "lambda=3:4:1" ] [ "one parameter" ]
    let dir = tempDir ()
    let script = Path.Combine(dir, "shifted.fsx")

    File.WriteAllText(
        script,
        """open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
let u = field "u"
let problem =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.constant "mu" 2.0
    |> Problem.equation (laplacian u + constant "mu" * u + 1.0)
    |> Problem.dirichlet Boundary.all u (num 0.0)
"""
    )

    refused [ script; "--param"; "nu=1:2:1" ] [ "no constant 'nu'"; "its constants: mu" ]

/// Bratu from λ = 3 down to 2.5 in two values at a tiny size: one L-BFGS run of 300 steps, no deflation round (the
/// warm starts find the upper solution), continued runs of 200 steps polished for 50; both branches at both values
/// (19 s on one thread). Run once (localBratu) for this file's test and the Slurm test (SlurmContinuationTests).
let bratuArgs (out: string) =
    [
        "continue"
        "bratu"
        "--param"
        "lambda=3:2.5:-0.5"
        "--runs"
        "1"
        "--optimizer"
        "lbfgs"
        "--set"
        "toleranceGrad=0"
        "--set"
        "toleranceChange=0"
        "--steps"
        "300"
        "--deflation-rounds"
        "0"
        "--deflation-steps"
        "200"
        "--polish-steps"
        "50"
        "--threads"
        "1"
        "--seed"
        "0"
        "--quiet"
        "--out"
        out
    ]

/// The local run of bratuArgs, once per test process: its folder, exit code, stdout and stderr. Shared by the test
/// below and the Slurm test (SlurmContinuationTests), which compares its own run with it; neither changes the folder.
let localBratu =
    lazy
        (let dir = tempDir ()
         let code, out, err = ecdpde (bratuArgs dir)
         dir, code, out, err)

/// Copies every file under `source` to the same place under `target`.
let private copy (source: string) (target: string) =
    for f in Directory.GetFiles(source, "*", SearchOption.AllDirectories) do
        let t = Path.Combine(target, Path.GetRelativePath(source, f))
        Directory.CreateDirectory(Path.GetDirectoryName t |> nonNull) |> ignore
        File.Copy(f, t)

let ``a short continuation of Bratu writes continuation.json, a line per value and the report, and status reads it``
    ()
    =
    let shared, code, out, err = localBratu.Value
    Assert.True((code = 0 || code = 1), sprintf "exit code %d: %s" code err)
    Assert.Contains("lambda = 3 [1/2]", out)
    Assert.Contains("lambda = 2.5 [2/2]", out)
    let file = ContinuationFile.read (Path.Combine(shared, ContinuationFile.name))
    Assert.True(file.Complete)
    Assert.Equal<float list>([ 3.0; 2.5 ], file.Values |> List.map _.Value)
    Assert.Equal("lambda", file.Parameter)
    let report = File.ReadAllText(Path.Combine(shared, "report.html"))
    Assert.Contains("Bifurcation diagrams", report)
    Assert.Contains("ecdpdePlot(", report)
    Assert.Contains("value-000/round-0/runs/run-000", report)
    // a grown attempt's runs (capacity-j, here a copy of round 0) are listed with the value's own: on a copy of the
    // shared folder, which the Slurm test compares with
    let dir = tempDir ()
    copy shared dir
    copy (Path.Combine(dir, "value-000", "round-0")) (Path.Combine(dir, "value-000", "capacity-1", "round-0"))
    let code, _, err = ecdpde [ "report"; dir ]
    Assert.True((code = 0), sprintf "report exit code %d: %s" code err)
    let report = File.ReadAllText(Path.Combine(dir, "report.html"))
    Assert.Contains("value-000/capacity-1/round-0/runs/run-000", report)
    Assert.Contains("value-001/round-0/runs/run-000", report)
    // status reads the folder per parameter value: its runs, and from continuation.json its branches
    let code, status, err = ecdpde [ "status"; dir ]
    Assert.True((code = 0), sprintf "status exit code %d: %s" code err)

    for v in file.Values do
        let alive = v.Branches |> List.filter (fun b -> b.Status <> "ended")
        let certified = alive |> List.filter (fun b -> b.Certification.Status = "certified")

        Assert.Contains(
            sprintf
                "lambda = %g, finished: %d branch(es) alive, %d certified"
                v.Value
                alive.Length
                certified.Length,
            status
        )

    Assert.Contains("continuation: 2 of 2 value(s) finished, complete", status)
    Assert.Contains("state: complete", status)
    Assert.DoesNotContain("not written yet", status)
    Assert.Matches(@"all\s+\d+ runs: (\d+) done, 0 running, 0 queued, 0 stopped, 0 failed", status)

[<Tests>]
let tests =
    testList
        "EcdPde.Cli.Tests.ContinueCliTests"
        [
            testCase
                "bad ranges and unknown parameters are refused with the names"
                ``bad ranges and unknown parameters are refused with the names``
            testCase
                "a short continuation of Bratu writes continuation.json, a line per value and the report, and status reads it"
                ``a short continuation of Bratu writes continuation.json, a line per value and the report, and status reads it``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.ContinueCliTests"
