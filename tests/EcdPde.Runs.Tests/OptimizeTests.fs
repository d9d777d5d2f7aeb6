/// `Optimize.run` over several invocations: the summary after a resume covers the whole run (steps, invocations,
/// time, best loss and bounces), checked against one uninterrupted run of the same request; and the settings file
/// beside the trace (OptimizeSettingsFile) round-trips, reads its first format, and refuses what is not one.
module EcdPde.Runs.Tests.OptimizeTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Runs

let private tempDir () =
    let d = TempFolders.path "ecdpde-optimize-"

    Directory.CreateDirectory d |> ignore
    d

let private request (dir: string) (steps: int64) (trace: bool) : Optimize.OptimizeRequest =
    {
        Optimizer = "bbi"
        Settings = [ "lr", "0.05"; "nFixedBounces", "3"; "threshold0", "20" ]
        Function = "ackley"
        Dim = 3
        X0 = [ 2.5 ]
        Steps = steps
        Seed = 11UL
        Precision = Optimize.Float64
        Trace = if trace then Some(Path.Combine(dir, "t.csv")) else None
        Checkpoint = Some(Path.Combine(dir, "c.json"))
        CheckpointEvery = 50L
        Resume = true
    }

let ``the summary after a resume covers the whole run, as one uninterrupted run does`` () =
    let straight, resumed = tempDir (), tempDir ()
    let o, whole = Optimize.run (request straight 300L true) ignore
    Assert.Equal(300L, whole.Steps)
    Assert.Equal(1, whole.Invocations)
    Assert.Equal(o.BestLoss, whole.BestLoss)
    Assert.Equal(o.Bounces, whole.Bounces)
    Assert.True(o.Bounces > 0L, "the run must bounce for the count to be tested")
    // the same run in three invocations: 120 steps, then to 200, then to 300
    for steps in [ 120L; 200L ] do
        Optimize.run (request resumed steps true) ignore |> ignore

    let last, all = Optimize.run (request resumed 300L true) ignore
    Assert.Equal(100L, last.StepsTaken)
    Assert.Equal(300L, all.Steps)
    Assert.Equal(3, all.Invocations)
    Assert.True(all.FromTrace)
    // best loss and bounces of every step, not of the last 100 (the resume is bit-identical)
    Assert.Equal(whole.BestLoss, all.BestLoss)
    Assert.Equal(whole.Bounces, all.Bounces)
    Assert.Equal(o.FinalLoss, last.FinalLoss)

    let recorded =
        (OptimizeSettingsFile.read (Path.Combine(resumed, "t.settings.json"))).Invocations

    Assert.Equal<int64 list>([ 120L; 80L; 100L ], recorded |> List.map _.Steps)
    Assert.Equal<int64 list>([ 120L; 200L; 300L ], recorded |> List.map _.EndStep)
    Assert.Equal(recorded |> List.sumBy _.Seconds, all.Seconds)
    Assert.True(recorded |> List.forall (fun i -> i.Seconds > 0.0 && i.End = "Completed"))
    // a fresh run (no --resume) in the same place starts the list again
    let _, fresh =
        Optimize.run
            { request resumed 300L true with
                Resume = false
            }
            ignore

    Assert.Equal(1, fresh.Invocations)

let ``without a trace the best loss of a resumed run is this invocation's, and the summary says so`` () =
    let dir = tempDir ()
    Optimize.run (request dir 100L false) ignore |> ignore
    let o, whole = Optimize.run (request dir 150L false) ignore
    Assert.False(whole.FromTrace)
    Assert.Equal(150L, whole.Steps)
    Assert.Equal(2, whole.Invocations)
    Assert.Equal(o.BestLoss, whole.BestLoss)
    // the settings file lies beside the checkpoint
    Assert.True(File.Exists(Path.Combine(dir, "c.settings.json")))

let ``an interrupted invocation is recorded, and the resume adds the rest`` () =
    let dir = tempDir ()

    try
        Assert.Throws<Interrupt.RunInterrupted>(fun () ->
            Optimize.run (request dir 300L true) (fun r ->
                if r.Step = 90L then
                    Interrupt.request 130)
            |> ignore)
        |> ignore
    finally
        Interrupt.clear ()

    let stopped =
        (OptimizeSettingsFile.read (Path.Combine(dir, "t.settings.json"))).Invocations

    Assert.Equal<string list>([ "Interrupted" ], stopped |> List.map _.End)
    let _, whole = Optimize.run (request dir 300L true) ignore
    Assert.Equal(2, whole.Invocations)
    Assert.Equal(300L, whole.Steps)

let ``the settings file round-trips, reads its first format and refuses what is not one`` () =
    let dir = tempDir ()
    let path = Path.Combine(dir, "t.settings.json")

    let s =
        Optimize.settingsOf
            (request dir 10L true)
            [
                {
                    Steps = 10L
                    EndStep = 10L
                    Seconds = 0.5
                    End = "Completed"
                }
            ]

    OptimizeSettingsFile.write path s
    Assert.Equal(s, OptimizeSettingsFile.read path)
    // the first format: the same fields, no invocations
    let v1 =
        File.ReadAllText(path).Replace(OptimizeSettingsFile.format, OptimizeSettingsFile.formatV1)
        |> fun t -> t.Substring(0, t.IndexOf ",\n  \"invocations\"") + "\n}"

    File.WriteAllText(path, v1)
    Assert.Equal({ s with Invocations = [] }, OptimizeSettingsFile.read path)

    for bad, expected in
        [
            "", "not valid JSON"
            "{\"format\": \"ecdpde-solutions/2\"}", "has format ecdpde-solutions/2"
            "{\"format\": \"ecdpde-optimize-settings/2\", \"dim\": \"two\"}", "does not match"
        ] do
        File.WriteAllText(path, bad)

        let e =
            Assert.Throws<JsonFile.ResultFileException>(fun () -> OptimizeSettingsFile.read path |> ignore)

        Assert.Contains(expected, e.Message)
        Assert.Contains("t.settings.json", e.Message)

[<Tests>]
let tests =
    testList
        "OptimizeTests"
        [
            testCase
                "the summary after a resume covers the whole run, as one uninterrupted run does"
                ``the summary after a resume covers the whole run, as one uninterrupted run does``
            testCase
                "without a trace the best loss of a resumed run is this invocation's, and the summary says so"
                ``without a trace the best loss of a resumed run is this invocation's, and the summary says so``
            testCase
                "an interrupted invocation is recorded, and the resume adds the rest"
                ``an interrupted invocation is recorded, and the resume adds the rest``
            testCase
                "the settings file round-trips, reads its first format and refuses what is not one"
                ``the settings file round-trips, reads its first format and refuses what is not one``
        ]
    |> testSequencedGroup "EcdPde.Runs.Tests.OptimizeTests"
