/// Fuzz tests of the command line (seeded, a few dozen processes, each with a timeout): corrupt result files given to
/// `report`, a corrupt checkpoint resumed by `optimize --resume`, a corrupt discovery.json under a rerun of `discover`,
/// and random flag/value combinations of every verb. Every exit code is in the documented set, never 134 (a crash)
/// or 70 (an internal error), and stderr never holds a stack trace.
module EcdPde.Cli.Tests.FuzzCliTests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Xunit
open Expecto
open EcdPde.Reports.Tests.ReportFolders

let private seed = 20240615

/// Runs ecdpde with `args`, killed after `seconds`: exit code, stdout, stderr.
let private ecdpde (seconds: int) (args: string list) =
    let psi =
        ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)

    psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ecdpde.dll"))

    for a in args do
        psi.ArgumentList.Add a

    use p =
        match Process.Start psi with
        | null -> failwith "could not start dotnet"
        | p -> p

    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()

    if not (p.WaitForExit(TimeSpan.FromSeconds(float seconds))) then
        p.Kill true
        failwithf "ecdpde %s did not finish within %d s" (String.Join(" ", args)) seconds

    p.ExitCode, out.Result, err.Result

let private stackTrace = Regex(@"^\s+at \S+.*\(", RegexOptions.Multiline)

/// Fails unless the exit code is one of `allowed` and stderr holds no stack trace.
let private expectExit (allowed: int list) (what: string) (code: int, _: string, err: string) =
    if not (List.contains code allowed) || stackTrace.IsMatch err then
        failwithf "%s: exit %d (expected one of %A)\n%s" what code allowed err

let private corruptions (count: int) (file: string) =
    Corruption.cases seed count (File.ReadAllText file)

let ``report on folders with corrupt solutions.json or traces exits 0 or 2`` () =
    for c in corruptions 6 (Path.Combine(discovery "d" "paper-pde" true, "solutions.json")) do
        let dir = discovery "d" "paper-pde" true
        File.WriteAllBytes(Path.Combine(dir, "solutions.json"), c.Bytes)

        ecdpde 60 [ "report"; dir ]
        |> expectExit [ 0; 2 ] (sprintf "solutions.json, %s" c.Mutation)

    let runs = optimization "adam.csv"

    for c in corruptions 6 (Path.Combine(runs, "adam.csv")) do
        let dir = optimization "adam.csv"
        File.WriteAllBytes(Path.Combine(dir, "adam.csv"), c.Bytes)

        ecdpde 60 [ "report"; dir ]
        |> expectExit [ 0; 2 ] (sprintf "adam.csv, %s" c.Mutation)

let private optimize (dir: string) (steps: int) =
    [
        "optimize"
        "--optimizer"
        "bbi"
        "--set"
        "lr=0.01"
        "--function"
        "ackley"
        "--dim"
        "2"
        "--x0"
        "1.5"
        "--steps"
        string steps
        "--checkpoint"
        Path.Combine(dir, "c.json")
        "--trace"
        Path.Combine(dir, "t.csv")
        "--resume"
        "--quiet"
    ]

let ``optimize --resume over a corrupt checkpoint exits 0, 2 or 3`` () =
    let dir = CliTests.tempDir ()
    ecdpde 60 (optimize dir 20) |> expectExit [ 0 ] "the first run"
    let valid = Path.Combine(dir, "c.json")

    for c in Corruption.cases seed 8 (File.ReadAllText valid) do
        let d = CliTests.tempDir ()
        File.Copy(Path.Combine(dir, "t.csv"), Path.Combine(d, "t.csv"))
        File.WriteAllBytes(Path.Combine(d, "c.json"), c.Bytes)

        ecdpde 60 (optimize d 30)
        |> expectExit [ 0; 2; 3 ] (sprintf "c.json, %s" c.Mutation)

let private discover (dir: string) =
    [
        "discover"
        "paper-pde"
        "--runs"
        "1"
        "--steps"
        "3"
        "--deflation-rounds"
        "0"
        "--threads"
        "1"
        "--out"
        dir
        "--quiet"
    ]

let ``a rerun of discover over a corrupt discovery.json exits 0, 1 or 2`` () =
    let dir = Path.Combine(CliTests.tempDir (), "d")
    ecdpde 120 (discover dir) |> expectExit [ 0; 1 ] "the first run"

    for c in Corruption.cases seed 4 (File.ReadAllText(Path.Combine(dir, "discovery.json"))) do
        File.WriteAllBytes(Path.Combine(dir, "discovery.json"), c.Bytes)

        ecdpde 120 (discover dir)
        |> expectExit [ 0; 1; 2 ] (sprintf "discovery.json, %s" c.Mutation)

/// Flag/value pairs per verb: valid and invalid values, and flags of other verbs.
let private pool =
    [
        "optimize",
        [
            [ "--optimizer"; "bbi" ]
            [ "--optimizer"; "nope" ]
            [ "--function"; "rosenbrock" ]
            [ "--function"; "" ]
            [ "--dim"; "0" ]
            [ "--dim"; "-3" ]
            [ "--dim"; "3" ]
            [ "--x0"; "1,2" ]
            [ "--x0"; "NaN" ]
            [ "--set"; "lr=abc" ]
            [ "--set"; "lr=-1" ]
            [ "--set"; "nokey" ]
            [ "--steps"; "-5" ]
            [ "--steps"; "99999999999999999999" ]
            [ "--precision"; "float16" ]
            [ "--precision"; "float32" ]
            [ "--checkpoint-every"; "0" ]
            [ "--resume" ]
            [ "--trace"; "/dev/null/x.csv" ]
            [ "--threads"; "0" ]
            [ "--seed"; "-1" ]
            [ "--bogus" ]
        ]
        "discover",
        [
            [ "--param"; "k=2" ]
            [ "--param"; "k" ]
            [ "--param"; "zz=1" ]
            [ "--runs"; "0" ]
            [ "--set"; "lr=x" ]
            [ "--optimizer"; "adam" ]
            [ "--deflation-optimizer"; "nope" ]
            [ "--deflation-steps"; "-1" ]
            [ "--polish-steps"; "1e3" ]
            [ "--deflation-runs"; "0" ]
            [ "--restarts" ]
            [ "--threads"; "-2" ]
            [ "--k"; "5" ]
            [ "--seed"; "x" ]
        ]
        "drift",
        [
            [ "--function"; "nope" ]
            [ "--dim"; "0" ]
            [ "--mass"; "NaN" ]
            [ "--mass"; "-1" ]
            [ "--noise"; "loud" ]
            [ "--sigma"; "-0.5" ]
            [ "--steps"; "0" ]
            [ "--tail"; "2" ]
            [ "--warmup"; "-1" ]
            [ "trace"; "--bogus" ]
            [ "find"; "--nope" ]
            [ "scaling"; "--x" ]
        ]
        "compare",
        [
            [ "no-such-study" ]
            [ "/no/such/file.json" ]
            [ "--full"; "--bogus" ]
            [ "--threads"; "0" ]
            [ "--seed"; "abc" ]
        ]
        "reproduce",
        [
            [ "no-such-experiment" ]
            [ "ackley"; "--starts"; "0" ]
            [ "ackley"; "--tries"; "-1" ]
            [ "ackley"; "--runs"; "x" ]
            [ "--threads"; "-1" ]
        ]
        "report",
        [
            [ "/no/such/folder" ]
            [ "--figures" ]
            [ "--out"; "x" ]
            [ "--threads"; "2" ]
            [ "." ]
        ]
        "list",
        [
            [ "--functions" ]
            [ "--optimizers" ]
            [ "--examples" ]
            [ "--seed"; "1" ]
            [ "--bogus" ]
        ]
    ]

/// Flags that make any invocation fail validation (so that a combination never starts a long run).
let private invalid =
    [
        [ "--steps"; "-1" ]
        [ "--threads"; "-1" ]
        [ "--bogus-flag" ]
        [ "--seed"; "not-a-number" ]
    ]

/// The `n` random invocations of the argument fuzz (seeded).
let invocations (n: int) =
    let rng = Random seed

    [
        for _ in 1..n do
            let verb, flags = pool[rng.Next pool.Length]
            let picked = [ for _ in 1 .. 1 + rng.Next 3 -> flags[rng.Next flags.Length] ]

            // optimize and discover with tiny runs; the others (which may run long) always with a failing flag
            let cheap =
                match verb with
                | "optimize" -> [ [ "--steps"; "3"; "--quiet" ] ]
                | "discover" ->
                    [
                        [
                            "paper-pde"
                            "--runs"
                            "1"
                            "--steps"
                            "2"
                            "--deflation-rounds"
                            "0"
                            "--quiet"
                        ]
                        [ "--out"; TempFolders.path "ecdpde-fuzz-" ]
                    ]
                | "list"
                | "report" -> []
                | _ -> [ invalid[rng.Next invalid.Length] ]

            yield verb :: List.concat (cheap @ picked)
    ]

let ``random flag/value combinations of every verb exit in {0, 1, 2, 3} without a stack trace`` () =
    let all = invocations 28

    // every verb is fuzzed
    for verb, _ in pool do
        Assert.Contains(verb, all |> List.map List.head)

    for args in all do
        ecdpde 60 args |> expectExit [ 0; 1; 2; 3 ] (String.Join(" ", args))

let ``the argument fuzz is seeded`` () =
    let strip =
        List.map (List.filter (fun (a: string) -> not (a.Contains "ecdpde-fuzz-")))

    Assert.Equal<string list list>(strip (invocations 28), strip (invocations 28))

[<Tests>]
let tests =
    testList
        "FuzzCliTests"
        [
            testCase
                "report on folders with corrupt solutions.json or traces exits 0 or 2"
                ``report on folders with corrupt solutions.json or traces exits 0 or 2``
            testCase
                "optimize --resume over a corrupt checkpoint exits 0, 2 or 3"
                ``optimize --resume over a corrupt checkpoint exits 0, 2 or 3``
            testCase
                "a rerun of discover over a corrupt discovery.json exits 0, 1 or 2"
                ``a rerun of discover over a corrupt discovery.json exits 0, 1 or 2``
            testCase
                "random flag/value combinations of every verb exit in {0, 1, 2, 3} without a stack trace"
                ``random flag/value combinations of every verb exit in {0, 1, 2, 3} without a stack trace``
            testCase "the argument fuzz is seeded" ``the argument fuzz is seeded``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.FuzzCliTests"
