/// Fuzz tests of the readers this project owns (tests/Shared/Corruption.fs): seeded random corruptions of a valid
/// checkpoint (resumed through Optimize.run, which checks it with Checkpoint.loadChecked), of a trace (Trace.read, and
/// a resume that rewrites it), of a folder identity (FolderIdentity.claim) and of an optimize settings file
/// (OptimizeSettingsFile.read, and a resume that reads it) are each read or refused by an error
/// naming the file, never an unhandled exception.
module EcdPde.Runs.Tests.ResultFileFuzzTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Runs

let private tempDir () =
    let d = TempFolders.path "ecdpde-fuzz-"

    Directory.CreateDirectory d |> ignore
    d

/// The seed of every fuzz run in this file.
let seed = 20240615

let private request (dir: string) (optimizer: string) (settings: (string * string) list) (steps: int64) =
    ({
        Optimizer = optimizer
        Settings = settings
        Function = "ackley"
        Dim = 2
        X0 = [ 1.5 ]
        Steps = steps
        Seed = 3UL
        Precision = Optimize.Float64
        Trace = Some(Path.Combine(dir, "t.csv"))
        Checkpoint = Some(Path.Combine(dir, "c.json"))
        CheckpointEvery = 10L
        Resume = true
    }
    : Optimize.OptimizeRequest)

/// A folder with a finished 30-step run of `optimizer`: its checkpoint and trace texts.
let private finished (optimizer: string) (settings: (string * string) list) =
    let dir = tempDir ()
    Optimize.run (request dir optimizer settings 30L) ignore |> ignore
    File.ReadAllText(Path.Combine(dir, "c.json")), File.ReadAllText(Path.Combine(dir, "t.csv"))

let ``corrupt checkpoints are resumed or refused naming the file (GDM, BBI, Adam)`` () =
    [
        "gdm", [ "lr", "0.001" ]
        "bbi", [ "lr", "0.01"; "nFixedBounces", "3" ]
        "adam", [ "lr", "0.01" ]
    ]
    |> List.collect (fun (optimizer, settings) ->
        let checkpoint, trace = finished optimizer settings
        let dir = tempDir ()

        Corruption.run seed 250 checkpoint dir "c.json" (fun _ ->
            File.WriteAllText(Path.Combine(dir, "t.csv"), trace)
            Optimize.run (request dir optimizer settings 40L) ignore |> ignore))
    |> Corruption.expectNone

let ``corrupt traces are read or refused naming the file, with every skipped line reported`` () =
    let _, trace = finished "gdm" [ "lr", "0.001" ]
    let dir = tempDir ()

    Corruption.run seed 300 trace dir "t.csv" (fun path ->
        let t = Trace.read path
        let lines = File.ReadAllLines path |> Array.length
        // every line after the header is a row or a problem
        Assert.Equal(lines - 1, t.Rows.Length + t.Problems.Length))
    |> Corruption.expectNone

let ``a resume over a corrupt trace runs or is refused naming the file`` () =
    let checkpoint, trace = finished "gdm" [ "lr", "0.001" ]
    let dir = tempDir ()

    Corruption.run (seed + 1) 150 trace dir "t.csv" (fun _ ->
        File.WriteAllText(Path.Combine(dir, "c.json"), checkpoint)
        Optimize.run (request dir "gdm" [ "lr", "0.001" ] 40L) ignore |> ignore
        // the rows of the resumed steps are whole, one per step, and the trace ends at the last step
        let t = Trace.read (Path.Combine(dir, "t.csv"))
        let resumed = t.Rows |> Array.filter (fun r -> r.Step > 30L) |> Array.map _.Step
        Assert.Equal<int64[]>([| 31L .. 40L |], resumed)
        Assert.Equal(40L, (Array.last t.Rows).Step))
    |> Corruption.expectNone

/// A folder identity like the ones result folders store.
type FolderRecord =
    {
        Format: string
        Seed: uint64
        Optimizer: string
        Settings: Map<string, string>
        Threads: int
        Threshold: float
        Steps: int64 list
    }

let ``corrupt folder identities are accepted or refused naming the folder`` () =
    let record =
        {
            Format = "test-folder/1"
            Seed = 5UL
            Optimizer = "bbi"
            Settings = Map.ofList [ "lr", "0.01" ]
            Threads = 2
            Threshold = 0.1
            Steps = [ 100L; 200L ]
        }

    let dir = tempDir ()
    let valid = JsonFile.serialize record

    Corruption.run seed 200 valid dir "identity.json" (fun _ ->
        FolderIdentity.claim "test-folder/1" dir "identity.json" record)
    |> Corruption.expectNone

let ``corrupt optimize settings files are read or refused naming the file, also by a resume`` () =
    let dir = tempDir ()
    Optimize.run (request dir "bbi" [ "lr", "0.01" ] 30L) ignore |> ignore
    let valid = File.ReadAllText(Path.Combine(dir, "t.settings.json"))

    Corruption.run seed 250 valid (tempDir ()) "t.settings.json" (fun path ->
        OptimizeSettingsFile.read path |> ignore)
    |> Corruption.expectNone

    // a resume reads the invocations recorded so far: over a corrupt file it runs or is refused naming it
    let resumed = tempDir ()
    Optimize.run (request resumed "bbi" [ "lr", "0.01" ] 30L) ignore |> ignore
    let checkpoint = File.ReadAllBytes(Path.Combine(resumed, "c.json"))
    let trace = File.ReadAllBytes(Path.Combine(resumed, "t.csv"))

    Corruption.run (seed + 1) 100 valid resumed "t.settings.json" (fun _ ->
        File.WriteAllBytes(Path.Combine(resumed, "c.json"), checkpoint)
        File.WriteAllBytes(Path.Combine(resumed, "t.csv"), trace)
        Optimize.run (request resumed "bbi" [ "lr", "0.01" ] 40L) ignore |> ignore)
    |> Corruption.expectNone

let ``the corruptions are seeded: the same seed gives the same cases`` () =
    let text =
        JsonFile.serialize
            {|
                format = "x/1"
                values = [ 1.0; 2.5 ]
                name = "n"
            |}

    let a, b = Corruption.cases 7 100 text, Corruption.cases 7 100 text
    Assert.Equal<string list>(a |> List.map _.Mutation, b |> List.map _.Mutation)
    Assert.True(List.forall2 (fun (x: Corruption.Case) (y: Corruption.Case) -> x.Bytes = y.Bytes) a b)
    Assert.NotEqual<string list>(a |> List.map _.Mutation, Corruption.cases 8 100 text |> List.map _.Mutation)

[<Tests>]
let tests =
    testList
        "ResultFileFuzzTests"
        [
            testCase
                "corrupt checkpoints are resumed or refused naming the file (GDM, BBI, Adam)"
                ``corrupt checkpoints are resumed or refused naming the file (GDM, BBI, Adam)``
            testCase
                "corrupt traces are read or refused naming the file, with every skipped line reported"
                ``corrupt traces are read or refused naming the file, with every skipped line reported``
            testCase
                "a resume over a corrupt trace runs or is refused naming the file"
                ``a resume over a corrupt trace runs or is refused naming the file``
            testCase
                "corrupt folder identities are accepted or refused naming the folder"
                ``corrupt folder identities are accepted or refused naming the folder``
            testCase
                "corrupt optimize settings files are read or refused naming the file, also by a resume"
                ``corrupt optimize settings files are read or refused naming the file, also by a resume``
            testCase
                "the corruptions are seeded: the same seed gives the same cases"
                ``the corruptions are seeded: the same seed gives the same cases``
        ]
    |> testSequencedGroup "EcdPde.Runs.Tests.ResultFileFuzzTests"
