/// The `ecdpde` grammar: verbs as Argu subcommands, the shared options on every verb, `--param` from the examples'
/// parameter metadata, `list`, `--help` with the exit codes, and every bad input ending in a documented exit code with
/// a message naming the problem (never an unhandled exception).
module EcdPde.Cli.Tests.CliGrammarTests

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text.Json
open Xunit
open Expecto
open Ecd.Core.Optimizers
open Pde.Discovery

let private ecdpde = CliTests.ecdpde
let private tempDir = CliTests.tempDir

/// Runs `ecdpde` with extra environment variables.
let private ecdpdeWith (environment: (string * string) list) (args: string list) =
    let psi =
        ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)

    psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ecdpde.dll"))

    for a in args do
        psi.ArgumentList.Add a

    for name, value in environment do
        psi.Environment[name] <- value

    use p =
        match Process.Start psi with
        | null -> failwith "could not start dotnet"
        | p -> p

    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, out.Result, err.Result

/// The exit codes `--help` and the README document.
let documentedExitCodes = set [ 0; 1; 2; 3; 70; 130; 143 ]

let private optimize =
    [ "optimize"; "--optimizer"; "bbi"; "--function"; "ackley"; "--set"; "lr=0.01" ]

/// Verbs × bad inputs: the exit code, and what stderr must name.
let private badInputs (dir: string) =
    let file = Path.Combine(dir, "a-file")
    File.WriteAllText(file, "not a folder")
    let script = Path.Combine(dir, "script.fsx")
    File.WriteAllText(script, "let problem = 1\n")

    [
        // top level
        [], 2, [ "give a command" ]
        [ "frobnicate" ], 2, [ "'frobnicate'" ]
        [ "--threads"; "x"; "list" ], 2, [ "--threads" ]
        // optimize
        [ "optimize"; "--function"; "ackley" ], 2, [ "--optimizer" ]
        optimize @ [ "--precision"; "float16" ], 2, [ "--precision"; "float16" ]
        optimize @ [ "--steps"; "0" ], 2, [ "--steps" ]
        optimize @ [ "--steps"; "-5" ], 2, [ "--steps"; "-5" ]
        optimize @ [ "--steps"; "abc" ], 2, [ "--steps"; "abc" ]
        optimize @ [ "--resume" ], 2, [ "--resume"; "--checkpoint" ]
        optimize
        @ [ "--checkpoint"; Path.Combine(dir, "s.json"); "--checkpoint-every"; "0" ],
        2,
        [ "--checkpoint-every" ]
        optimize
        @ [ "--checkpoint"; Path.Combine(dir, "s.json"); "--checkpoint-every"; "-3" ],
        2,
        [ "--checkpoint-every"; "-3" ]
        optimize @ [ "--checkpoint-every"; "5" ], 2, [ "--checkpoint-every"; "--checkpoint" ]
        optimize @ [ "--threads"; "2" ], 2, [ "--threads"; "optimize" ]
        optimize @ [ "--dim"; "0" ], 2, [ "--dim" ]
        optimize @ [ "--x0"; "1;2" ], 2, [ "--x0" ]
        optimize @ [ "--seed"; "-1" ], 2, [ "--seed" ]
        optimize @ [ "--set"; "lr" ], 2, [ "key=value" ]
        optimize @ [ "--trace"; Path.Combine(file, "t.csv") ], 2, [ "a-file" ]
        // a folder that cannot be created (under /proc, so that it fails for root too)
        optimize @ [ "--steps"; "3"; "--trace"; "/proc/ecdpde-unwritable/t.csv" ],
        2,
        [ "/proc/ecdpde-unwritable" ]
        [
            "discover"
            "paper-pde"
            "--runs"
            "1"
            "--steps"
            "2"
            "--out"
            "/proc/ecdpde-unwritable/d"
        ],
        2,
        [ "/proc/ecdpde-unwritable" ]
        [ "optimize"; "--optimizer"; "sgd"; "--function"; "ackley" ], 2, [ "sgd" ]
        // reproduce
        [ "reproduce"; "everything" ], 2, [ "'everything'" ]
        [ "reproduce"; "ackley"; "--starts"; "0" ], 2, [ "--starts" ]
        [ "reproduce"; "two-basin"; "--runs"; "-1" ], 2, [ "--runs" ]
        [ "reproduce"; "drift"; "--threads"; "0" ], 2, [ "--threads" ]
        // drift
        [ "drift" ], 2, [ "drift trace" ]
        [ "drift"; "sweep" ], 2, [ "'sweep'" ]
        [ "drift"; "trace"; "--noise"; "loud" ], 2, [ "--noise"; "none|gradient|momentum" ]
        [ "drift"; "trace"; "--dt"; "1,5" ], 2, [ "--dt"; "1,5" ]
        [ "drift"; "trace"; "--threads"; "2" ], 2, [ "--threads"; "drift" ]
        [ "drift"; "find"; "--dt"; "0.01" ], 2, [ "--dt" ]
        [ "drift"; "trace"; "--dt-lo"; "0.01" ], 2, [ "--dt-lo" ]
        [ "drift"; "trace"; "--mass"; "NaN" ], 2, [ "mass" ]
        [ "drift"; "trace"; "--dim"; "0" ], 2, [ "dim" ]
        [ "drift"; "scaling"; "--methods"; "adam" ], 2, [ "'adam'" ]
        [ "drift"; "scaling"; "--dts"; "0.1,abc" ], 2, [ "--dts"; "abc" ]
        // compare
        [ "compare"; "nosuchstudy" ], 2, [ "nosuchstudy" ]
        [ "compare"; "ackley"; "--parallel"; "2" ], 2, [ "--parallel is now --threads" ]
        [ "compare"; "ackley"; "--threads"; "0" ], 2, [ "--threads" ]
        [ "compare"; "multi-solution"; "--seed"; "3" ], 2, [ "--seed" ]
        [ "compare"; "ackley"; "--full" ], 2, [ "--full" ]
        // discover
        [ "discover"; "bratu"; "--param"; "k=5" ], 2, [ "bratu"; "'k'"; "lambda" ]
        [ "discover"; "bratu"; "--k"; "5" ], 2, [ "--param k=" ]
        [ "discover"; "allen-cahn"; "--epsilon"; "0.1" ], 2, [ "--param epsilon=" ]
        [ "discover"; "bratu"; "--param"; "lambda" ], 2, [ "name=value" ]
        [ "discover"; "bratu"; "--param"; "lambda=abc" ], 2, [ "lambda"; "abc" ]
        [ "discover"; "bratu"; "--param"; "lambda=1,5" ], 2, [ "1,5" ]
        [ "discover"; "bratu"; "--param"; "lambda=2"; "--param"; "lambda=3" ], 2, [ "lambda"; "twice" ]
        [ "discover"; "bratu"; "--param"; "lambda=-1" ], 2, [ "λ must be > 0" ]
        [ "discover"; "bratu"; "--threads"; "0" ], 2, [ "--threads" ]
        [ "discover"; "bratu"; "--threads"; "-2" ], 2, [ "--threads"; "-2" ]
        [ "discover"; "bratu"; "--steps"; "0" ], 2, [ "--steps" ]
        [ "discover"; "bratu"; "--runs"; "0" ], 2, [ "--runs" ]
        [ "discover"; "bratu"; "--deflation-rounds"; "-1" ], 2, [ "--deflation-rounds" ]
        [ "discover"; "bratu"; "--deflation-runs"; "0" ], 2, [ "--deflation-runs" ]
        [ "discover"; "nope" ], 2, [ "'nope'"; "paper-pde" ]
        [ "discover"; script; "--param"; "lambda=5" ], 2, [ "--param" ]
        [ "discover"; script ], 2, [ "script.fsx"; "problem" ]
        // report
        [ "report" ], 2, [ "<dir>" ]
        [ "report"; Path.Combine(dir, "missing") ], 2, [ "missing" ]
        [ "report"; dir; "--seed"; "1" ], 2, [ "--seed"; "report" ]
        // list
        [ "list"; "--bogus" ], 2, [ "--bogus" ]
        [ "list"; "--out"; dir ], 2, [ "--out"; "list" ]
    ]

/// Every verb × bad input ends with the expected documented exit code and a message naming the problem; no stack
/// trace, no unhandled exception.
let ``bad input on every verb exits 2 and names the problem`` () =
    let dir = tempDir ()

    let failures =
        [
            for args, expected, needles in badInputs dir do
                let code, _, err = ecdpde args

                let problems =
                    [
                        if code <> expected then
                            sprintf "exit %d (expected %d)" code expected
                        if not (documentedExitCodes.Contains code) then
                            sprintf "exit %d is not documented" code
                        if err.Contains "Unhandled exception" || err.Contains "   at " then
                            "a stack trace"
                        for n in needles do
                            if not (err.Contains n) then
                                sprintf "stderr lacks '%s'" n
                    ]

                if not problems.IsEmpty then
                    sprintf "ecdpde %s: %s\n%s" (String.Join(" ", args)) (String.Join("; ", problems)) err
        ]

    Assert.True(failures.IsEmpty, String.Join("\n\n", failures))


/// `ecdpde list` exits 0 and shows every function, optimizer with every --set key, and example with its parameters.
let ``list shows functions, optimizers with their keys and examples with their parameters`` () =
    let code, out, err = ecdpde [ "list" ]
    Assert.True((code = 0), err)

    for struct (name, _) in Ecd.Core.Objectives.SyntheticFunctions.Catalogue do
        Assert.Contains(name, out)

    for name in OptimizerCatalog.Names do
        Assert.Contains(name, out)

        for key in OptimizerCatalog.Keys name do
            Assert.Contains(key, out)

    for b in BuiltInExamples.builtIns do
        Assert.Contains(b.Name, out)

        for p in b.Parameters do
            Assert.Contains(sprintf "--param %s=" p.Name, out)

    let code, out, _ = ecdpde [ "list"; "--examples" ]
    Assert.Equal(0, code)
    Assert.Contains("--param lambda=6", out)
    Assert.DoesNotContain("rosenbrock", out)


/// `--help` (top level and every verb) exits 0 and documents the exit codes.
let ``help documents the exit codes on every verb`` () =
    for args in
        [
            [ "--help" ]
            [ "optimize"; "--help" ]
            [ "reproduce"; "--help" ]
            [ "drift"; "--help" ]
            [ "drift"; "find"; "--help" ]
            [ "compare"; "--help" ]
            [ "discover"; "--help" ]
            [ "report"; "--help" ]
            [ "list"; "--help" ]
        ] do
        let code, out, err = ecdpde args
        Assert.True((code = 0), sprintf "%A: %s" args err)
        Assert.Contains("EXIT CODES", out)

        for code in documentedExitCodes do
            Assert.Contains(sprintf "\n    %d " code, out)

    let _, out, _ = ecdpde [ "--help" ]

    for verb in [ "optimize"; "reproduce"; "drift"; "compare"; "discover"; "report"; "list" ] do
        Assert.Contains(verb, out)

    for option in [ "--threads"; "--out"; "--seed"; "--quiet" ] do
        Assert.Contains(option, out)


/// The shared options mean the same before and after the verb; --out of optimize holds its trace and checkpoint.
let ``shared options stand before or after the verb, and optimize --out holds trace and checkpoint`` () =
    let dir = tempDir ()
    let a = Path.Combine(dir, "a")
    let b = Path.Combine(dir, "b")

    let code1, out1, err1 =
        ecdpde ([ "--seed"; "3"; "--quiet"; "--out"; a ] @ optimize @ [ "--steps"; "60" ])

    Assert.True((code1 = 0), err1)

    let code2, out2, err2 =
        ecdpde (optimize @ [ "--steps"; "60"; "--out"; b; "--seed"; "3"; "--quiet" ])

    Assert.True((code2 = 0), err2)
    Assert.Equal(out1, out2)
    Assert.Contains("seed 3", out1)

    Assert.Equal<string[]>(
        File.ReadAllLines(Path.Combine(a, "trace.csv")),
        File.ReadAllLines(Path.Combine(b, "trace.csv"))
    )

    Assert.True(File.Exists(Path.Combine(a, "state.json")))
    Assert.Equal(62, File.ReadAllLines(Path.Combine(a, "trace.csv")).Length)
    // resuming from --out continues to the new step count
    let code3, _, err3 =
        ecdpde (optimize @ [ "--steps"; "90"; "--out"; a; "--seed"; "3"; "--resume" ])

    Assert.True((code3 = 0), err3)
    Assert.Equal(92, File.ReadAllLines(Path.Combine(a, "trace.csv")).Length)
    // --seed on the shared level reaches drift too
    let code4, out4, err4 =
        ecdpde
            [
                "--seed"
                "4"
                "drift"
                "trace"
                "--steps"
                "50"
                "--out"
                Path.Combine(dir, "d")
            ]

    Assert.True((code4 = 0), err4)
    Assert.Contains("seed 4", out4)


/// Numbers are read and printed the invariant way whatever the machine's culture.
let ``numbers are culture invariant`` () =
    let dir = tempDir ()
    let args = optimize @ [ "--x0"; "0.5"; "--steps"; "20" ]
    let code, out, err = ecdpde args
    Assert.True((code = 0), err)

    for culture in [ "de_DE.UTF-8"; "fr_FR.UTF-8" ] do
        let codeC, outC, errC = ecdpdeWith [ "LANG", culture; "LC_ALL", culture ] args
        Assert.True((codeC = 0), errC)
        Assert.Equal(out, outC)

        let drift = [ "drift"; "trace"; "--dt"; "0.01"; "--steps"; "20"; "--out"; dir ]

        let codeD, outD, errD = ecdpdeWith [ "LANG", culture; "LC_ALL", culture ] drift
        Assert.True((codeD = 0), errD)
        let _, outInvariant, _ = ecdpde drift
        Assert.Equal(outInvariant, outD)


/// Every built-in example declares its parameters as data; byName takes them by name, fills in the defaults and
/// refuses a name the example does not have, naming the ones it has.
let ``examples declare their parameters and byName checks them`` () =
    for b in BuiltInExamples.builtIns do
        let _, e = BuiltInExamples.byName b.Name BuiltInExamples.Default Map.empty
        Assert.Equal(b.Name, e.Name)

        Assert.Equal<(string * float) list>(
            b.Parameters |> List.map (fun p -> p.Name, p.Default),
            e.Parameters
        )

        for p in b.Parameters do
            let given = p.Default * 0.9

            let _, e =
                BuiltInExamples.byName b.Name BuiltInExamples.Default (Map [ p.Name, given ])

            Assert.Equal(given, e.Parameters |> List.find (fun (n, _) -> n = p.Name) |> snd)

    let _, e = BuiltInExamples.byName "paper-pde" BuiltInExamples.Full Map.empty
    Assert.Equal<(string * float) list>([ "k", 20.0 ], e.Parameters)

    let error =
        Assert.Throws<ArgumentException>(fun () ->
            BuiltInExamples.byName "bratu" BuiltInExamples.Default (Map [ "k", 5.0 ])
            |> ignore)

    Assert.Contains("'k'", error.Message)
    Assert.Contains("lambda", error.Message)

    let error =
        Assert.Throws<ArgumentException>(fun () ->
            BuiltInExamples.byName "poisson" BuiltInExamples.Default Map.empty |> ignore)

    Assert.Contains("allen-cahn", error.Message)


/// `discover NAME --param name=value` reaches the example (written into solutions.json).
let ``discover passes --param to the example`` () =
    let out = tempDir ()

    let code, _, err =
        ecdpde
            [
                "discover"
                "bratu"
                "--param"
                "lambda=5"
                "--runs"
                "1"
                "--steps"
                "3"
                "--deflation-rounds"
                "0"
                "--polish-steps"
                "0"
                "--no-warm-starts"
                "--threads"
                "1"
                "--quiet"
                "--out"
                out
            ]

    // 3 steps (no polish, no warm starts fitted to the classical solutions) are no solution: exit 1 (finished without a
    // result)
    Assert.True((code = 1), err)
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "solutions.json")))
    let problem = doc.RootElement.GetProperty("problem")
    Assert.Equal("bratu", problem.GetProperty("name").GetString())
    Assert.Contains("5", problem.ToString())


/// A script that throws shows the exception's message, without .NET's "(Parameter '…')".
let ``a script that throws shows its message`` () =
    let script = Path.Combine(tempDir (), "throws.fsx")

    File.WriteAllText(
        script,
        "let problem : Pde.FSharp.Problems.Problem = failwith \"boom: this example is broken on purpose\"\n"
    )

    let code, _, err = ecdpde [ "discover"; script ]
    Assert.Equal(2, code)
    Assert.Contains("boom: this example is broken on purpose", err)
    Assert.Contains("throws.fsx", err)
    Assert.DoesNotContain("(Parameter '", err)

[<Tests>]
let tests =
    testList
        "CliGrammarTests"
        [
            testCase
                "bad input on every verb exits 2 and names the problem"
                ``bad input on every verb exits 2 and names the problem``
            testCase
                "list shows functions, optimizers with their keys and examples with their parameters"
                ``list shows functions, optimizers with their keys and examples with their parameters``
            testCase
                "help documents the exit codes on every verb"
                ``help documents the exit codes on every verb``
            testCase
                "shared options stand before or after the verb, and optimize --out holds trace and checkpoint"
                ``shared options stand before or after the verb, and optimize --out holds trace and checkpoint``
            testCase "numbers are culture invariant" ``numbers are culture invariant``
            testCase
                "examples declare their parameters and byName checks them"
                ``examples declare their parameters and byName checks them``
            testCase "discover passes --param to the example" ``discover passes --param to the example``
            testCase "a script that throws shows its message" ``a script that throws shows its message``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.CliGrammarTests"
