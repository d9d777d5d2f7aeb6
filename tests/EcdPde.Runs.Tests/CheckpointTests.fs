/// Checkpoints carry the run's identity: a resume under other settings, a checkpoint with a non-finite θ and a
/// truncated checkpoint are refused with errors that name the file and the problem.
module EcdPde.Runs.Tests.CheckpointTests

open System
open System.IO
open Xunit
open Expecto
open Ecd.Core.Optimizers
open EcdPde.Runs

let private tempDir () =
    let d = TempFolders.path "ecdpde-checkpoint-"

    Directory.CreateDirectory d |> ignore
    d

let private request dir : Optimize.OptimizeRequest =
    {
        Optimizer = "gdm"
        Settings = [ "lr", "0.001" ]
        Function = "ackley"
        Dim = 2
        X0 = [ 1.5 ]
        Steps = 50L
        Seed = 3UL
        Precision = Optimize.Float64
        Trace = None
        Checkpoint = Some(Path.Combine(dir, "c.json"))
        CheckpointEvery = 10L
        Resume = true
    }

let private refused (r: Optimize.OptimizeRequest) =
    Assert.Throws<JsonFile.ResultFileException>(fun () -> Optimize.run r ignore |> ignore).Message

let ``a checkpoint is refused under another function, option or seed, naming the difference`` () =
    let dir = tempDir ()
    Optimize.run (request dir) ignore |> ignore
    let r = { request dir with Steps = 80L }

    Assert.Contains(
        "function: ackley in the checkpoint, rosenbrock now",
        refused { r with Function = "rosenbrock" }
    )

    Assert.Contains(
        "option lr: 0.001 in the checkpoint, 0.002 now",
        refused { r with Settings = [ "lr", "0.002" ] }
    )

    Assert.Contains("seed: 3 in the checkpoint, 4 now", refused { r with Seed = 4UL })
    Assert.Contains("c.json", refused { r with Seed = 4UL })
    // the same settings resume
    Optimize.run r ignore |> ignore

let ``a checkpoint with a non-finite θ is refused`` () =
    let dir = tempDir ()
    let path = Path.Combine(dir, "c.json")
    Optimize.run (request dir) ignore |> ignore

    let gdm =
        OptimizerCatalog.Create<float>("gdm", [ Collections.Generic.KeyValuePair("lr", "0.001") ])

    let state = Checkpoint.load gdm path
    state.Theta[0] <- nan
    let text = File.ReadAllText path
    // keep the run's identity: rewrite only the state
    Checkpoint.save gdm state [] path

    let objectOf (json: string) =
        match Text.Json.Nodes.JsonNode.Parse json with
        | :? Text.Json.Nodes.JsonObject as o -> o
        | _ -> failwith "a checkpoint is a JSON object"

    let saved = objectOf (File.ReadAllText path)

    match (objectOf text)["identity"] with
    | null -> failwith "the checkpoint has an identity"
    | identity -> saved["identity"] <- identity.DeepClone()

    File.WriteAllText(path, saved.ToJsonString())
    Assert.Contains("non-finite parameters", refused { request dir with Steps = 80L })

let ``a truncated or empty checkpoint is refused naming the file`` () =
    let dir = tempDir ()
    let path = Path.Combine(dir, "c.json")
    Optimize.run (request dir) ignore |> ignore
    let text = File.ReadAllText path
    File.WriteAllText(path, text.Substring(0, text.Length / 2))
    let message = refused { request dir with Steps = 80L }
    Assert.Contains(path, message)
    Assert.Contains("not a checkpoint", message)
    File.WriteAllText(path, "")
    Assert.Contains("not a checkpoint", refused { request dir with Steps = 80L })

[<Tests>]
let tests =
    testList
        "CheckpointTests"
        [
            testCase
                "a checkpoint is refused under another function, option or seed, naming the difference"
                ``a checkpoint is refused under another function, option or seed, naming the difference``
            testCase
                "a checkpoint with a non-finite θ is refused"
                ``a checkpoint with a non-finite θ is refused``
            testCase
                "a truncated or empty checkpoint is refused naming the file"
                ``a truncated or empty checkpoint is refused naming the file``
        ]
    |> testSequencedGroup "EcdPde.Runs.Tests.CheckpointTests"
