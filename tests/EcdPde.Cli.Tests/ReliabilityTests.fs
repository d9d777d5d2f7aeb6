/// The command line under signals, a second writer and a rerun with other settings: SIGINT writes a final checkpoint
/// and exits 130, a discover folder refuses other settings (exit 2, naming them) unless --force moves it aside, and a
/// folder held by another process is refused naming its PID.
module EcdPde.Cli.Tests.ReliabilityTests

open System
open System.Diagnostics
open System.IO
open System.Threading
open Xunit
open Expecto
open EcdPde.Runs

let private ecdpde = CliTests.ecdpde
let private fst3 (a, _, _) = a
let private tempDir = CliTests.tempDir

/// `discover EXAMPLE` with 1 run of 3 steps, no deflation, no warm starts (a third of the process's CPU time, and
/// nothing these tests check), on one core, into `dir`.
let private tinyDiscoverOf (example: string) (dir: string) (extra: string list) =
    ecdpde (
        [
            "discover"
            example
            "--runs"
            "1"
            "--steps"
            "3"
            "--deflation-rounds"
            "0"
            "--no-warm-starts"
            "--threads"
            "1"
            "--out"
            dir
            "--quiet"
        ]
        @ extra
    )

let private tinyDiscover = tinyDiscoverOf "paper-pde"

let ``a rerun of discover with other settings is refused naming them, and --force moves the old folder aside``
    ()
    =
    let dir = Path.Combine(tempDir (), "d")
    let code, _, err = tinyDiscover dir []
    Assert.True(code = 0 || code = 1, err)
    let code2, _, err2 = tinyDiscover dir [ "--seed"; "5" ]
    Assert.Equal(2, code2)
    Assert.Contains("settings.seed: 0 there, 5 now", err2)
    Assert.Contains("--force", err2)
    let code3, _, err3 = tinyDiscover dir [ "--seed"; "5"; "--force" ]
    Assert.True(code3 = 0 || code3 = 1, err3)
    let parent = Path.GetDirectoryName dir |> Option.ofObj |> Option.defaultValue "."
    Assert.Single(Directory.GetDirectories(parent, "d.replaced-*")) |> ignore
    // the same settings resume the folder
    let code4, _, err4 = tinyDiscover dir [ "--seed"; "5" ]
    Assert.True(code4 = 0 || code4 = 1, err4)

let ``a folder another process writes is refused naming its PID`` () =
    let dir = Path.Combine(tempDir (), "held")
    use _held = FolderLock.acquire dir
    let code, _, err = tinyDiscover dir []
    Assert.Equal(2, code)
    Assert.Contains(sprintf "PID %d" Environment.ProcessId, err)

let ``SIGINT writes a final checkpoint and exits 130; the run then resumes`` () =
    let dir = tempDir ()
    let trace, checkpoint = Path.Combine(dir, "t.csv"), Path.Combine(dir, "c.json")

    // through `env --default-signal=INT`: a test host started in the background (dotnet test under a CI script) has
    // SIGINT ignored, which its children inherit, and ecdpde would never see the signal (measured: SigIgn 0x1007)
    let psi =
        ProcessStartInfo("env", RedirectStandardOutput = true, RedirectStandardError = true)

    for a in
        [
            "--default-signal=INT"
            "dotnet"
            Path.Combine(AppContext.BaseDirectory, "ecdpde.dll")
            "optimize"
            "--optimizer"
            "bbi"
            "--function"
            "ackley"
            "--dim"
            "2"
            "--x0"
            "2"
            "--set"
            "lr=0.001"
            "--steps"
            "100000000"
            "--trace"
            trace
            "--checkpoint"
            checkpoint
            "--checkpoint-every"
            "1000000"
        ] do
        psi.ArgumentList.Add a

    use p =
        match Process.Start psi with
        | null -> failwith "could not start dotnet"
        | p -> p

    let err = p.StandardError.ReadToEndAsync()
    let out = p.StandardOutput.ReadToEndAsync()
    // wait until the run is stepping (the trace has its first flushed rows)
    let clock = Stopwatch.StartNew()

    while (not (File.Exists trace) || FileInfo(trace).Length < 10_000L)
          && clock.Elapsed.TotalSeconds < 60.0 do
        Thread.Sleep 50

    Assert.False(File.Exists checkpoint) // no periodic checkpoint yet
    use kill = Process.Start("kill", [ "-INT"; string p.Id ])
    kill.WaitForExit()

    if not (p.WaitForExit 60_000) then
        p.Kill true // not left running its 10⁸ steps beside the other tests
        failwith "ecdpde did not stop after SIGINT"

    Assert.Equal(130, p.ExitCode)
    Assert.Contains("SIGINT", err.Result)
    out.Result |> ignore
    Assert.True(File.Exists checkpoint, "no final checkpoint")

    let bbi =
        Ecd.Core.Optimizers.OptimizerCatalog.Create<float>(
            "bbi",
            [ Collections.Generic.KeyValuePair("lr", "0.001") ]
        )

    let steps = (Checkpoint.load bbi checkpoint).Steps
    Assert.True(steps > 0L)

    let code, _, err2 =
        ecdpde
            [
                "optimize"
                "--optimizer"
                "bbi"
                "--function"
                "ackley"
                "--dim"
                "2"
                "--x0"
                "2"
                "--set"
                "lr=0.001"
                "--steps"
                string (steps + 100L)
                "--trace"
                trace
                "--checkpoint"
                checkpoint
                "--resume"
                "--quiet"
            ]

    Assert.True((code = 0), err2)
    Assert.Equal(steps + 100L, (Checkpoint.load bbi checkpoint).Steps)
    // the trace holds every step exactly once: header, steps 0 … steps + 100
    Assert.Equal(int (steps + 100L) + 2, File.ReadAllLines(trace).Length)

let ``the summary after optimize --resume covers the whole run`` () =
    let run (dir: string) (steps: int) (extra: string list) =
        ecdpde (
            [
                "optimize"
                "--optimizer"
                "bbi"
                "--function"
                "ackley"
                "--dim"
                "3"
                "--x0"
                "2.5"
                "--set"
                "lr=0.05"
                "--set"
                "nFixedBounces=3"
                "--set"
                "threshold0=20"
                "--steps"
                string steps
                "--out"
                dir
            ]
            @ extra
        )

    let line (prefix: string) (out: string) =
        out.Split('\n') |> Array.find (fun l -> l.StartsWith prefix)

    let straight, resumed = tempDir (), tempDir ()
    let code, out, err = run straight 250 []
    Assert.True((code = 0), err)
    Assert.True((fst3 (run resumed 100 []) = 0))
    let code2, out2, err2 = run resumed 250 [ "--resume" ]
    Assert.True((code2 = 0), err2)
    Assert.StartsWith("steps 250 in 2 invocation(s)", line "steps " out2)
    Assert.Contains("this invocation: 150 steps from step 100", out2)
    Assert.Contains("time ", err2)
    // the whole run's best loss and bounces: those of the uninterrupted run (the resume is bit-identical)
    Assert.Equal(line "best loss" out, line "best loss" out2)

    Assert.Equal(
        (line "steps " out).Replace("1 invocation(s)", ""),
        (line "steps " out2).Replace("2 invocation(s)", "")
    )

/// A study of 2 starts × 1 GDM run of 50 steps on a 2-D quadratic: cells in a fraction of a second.
let private tinyStudy (dir: string) : string =
    let study: EcdPde.Studies.Study.Study =
        {
            Name = "tiny"
            Problems =
                [
                    {
                        Name = "quad"
                        Function = "quadratic"
                        Dim = 2
                        Starts = EcdPde.Studies.Study.Uniform(-1.0, 1.0, 2)
                        Target = 1e-8
                    }
                ]
            Solvers =
                [
                    {
                        Label = "gdm"
                        Stages =
                            [
                                {
                                    Optimizer = "gdm"
                                    Settings = [ "lr", "0.05" ]
                                    Share = 1.0
                                }
                            ]
                    }
                ]
            Seeds = 1
            Steps = 50L
            WallSeconds = None
            Precision = "float64"
            Seed = 1UL
        }

    let path = Path.Combine(dir, "tiny-study.json")
    EcdPde.Studies.StudyFile.write study path
    path

let ``compare refuses a folder of another study naming the difference and one another process holds; --force moves it aside``
    ()
    =
    let study = tinyStudy (tempDir ())
    let dir = Path.Combine(tempDir (), "c")

    let compare (extra: string list) =
        ecdpde ([ "compare"; study; "--out"; dir; "--threads"; "1"; "--quiet" ] @ extra)

    let code, _, err = compare []
    Assert.True((code = 0), err)
    Assert.True(File.Exists(Path.Combine(dir, "study.json")))
    // the same study reads its cells back
    let code1, _, err1 = compare []
    Assert.True((code1 = 0), err1)
    let code2, _, err2 = compare [ "--seed"; "5" ]
    Assert.Equal(2, code2)
    Assert.Contains("seed: 1 there, 5 now", err2)
    Assert.Contains("--force", err2)

    using (FolderLock.acquire dir) (fun _ ->
        let code3, _, err3 = compare []
        Assert.Equal(2, code3)
        Assert.Contains(sprintf "PID %d" Environment.ProcessId, err3))

    let code4, _, err4 = compare [ "--seed"; "5"; "--force" ]
    Assert.True((code4 = 0), err4)
    let parent = Path.GetDirectoryName dir |> Option.ofObj |> Option.defaultValue "."
    let moved = Assert.Single(Directory.GetDirectories(parent, "c.replaced-*"))
    // never deleted: the old study is still there
    Assert.Contains("\"seed\": 1", File.ReadAllText(Path.Combine(moved, "study.json")))
    Assert.Contains("\"seed\": 5", File.ReadAllText(Path.Combine(dir, "study.json")))

let ``discover warns on stderr when the problem has no boundary condition`` () =
    let script = Path.Combine(tempDir (), "free.fsx")

    File.WriteAllText(
        script,
        String.Join(
            "\n",
            [
                "open Pde.FSharp.Language"
                "open Pde.FSharp.Geometry"
                "open Pde.FSharp.Problems"
                "let u = field \"u\""
                "let problem = Problem.create Domain.unitSquare [ u ] |> Problem.equation (laplacian u + exp u)"
            ]
        )
    )

    let run (example: string) =
        tinyDiscoverOf example (Path.Combine(tempDir (), "d")) []

    // the warning comes before anything runs
    let code, _, err = run script
    Assert.True(code = 0 || code = 1 || code = 2, err)
    Assert.StartsWith("warning: the problem has no boundary condition and no data", err)
    // a problem with its boundary condition: no warning
    let code2, _, err2 = run "bratu"
    Assert.True(code2 = 0 || code2 = 1, err2)
    Assert.DoesNotContain("no boundary condition", err2)

[<Tests>]
let tests =
    testList
        "ReliabilityTests"
        [
            testCase
                "a rerun of discover with other settings is refused naming them, and --force moves the old folder aside"
                ``a rerun of discover with other settings is refused naming them, and --force moves the old folder aside``
            testCase
                "a folder another process writes is refused naming its PID"
                ``a folder another process writes is refused naming its PID``
            testCase
                "SIGINT writes a final checkpoint and exits 130; the run then resumes"
                ``SIGINT writes a final checkpoint and exits 130; the run then resumes``
            testCase
                "the summary after optimize --resume covers the whole run"
                ``the summary after optimize --resume covers the whole run``
            testCase
                "compare refuses a folder of another study naming the difference and one another process holds; --force moves it aside"
                ``compare refuses a folder of another study naming the difference and one another process holds; --force moves it aside``
            testCase
                "discover warns on stderr when the problem has no boundary condition"
                ``discover warns on stderr when the problem has no boundary condition``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.ReliabilityTests"
