/// What survives a signal, a second writer and a rerun with other settings: the folder lock, the folder identity
/// and the interrupt of the run loop (a final checkpoint, then a bit-identical resume).
module EcdPde.Runs.Tests.SafetyTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Runs

let private tempDir () =
    let d = TempFolders.path "ecdpde-safety-"

    Directory.CreateDirectory d |> ignore
    d

/// A small identity record like the ones result folders store.
type Identity =
    {
        Format: string
        Seed: int
        Optimizer: string
    }

let ``a second writer of a folder is refused with the holder's PID, and the lock is released on dispose`` () =
    let dir = tempDir ()
    let first = FolderLock.acquire dir

    let e =
        Assert.Throws<FolderLock.FolderLockedException>(fun () -> FolderLock.acquire dir |> ignore)

    Assert.Contains(sprintf "PID %d" Environment.ProcessId, e.Message)
    Assert.Contains(dir, e.Message)
    // the read-only probe names the holder while the lock is held, and nobody after
    Assert.Equal(Some(sprintf "PID %d" Environment.ProcessId), FolderLock.holder dir)
    first.Dispose()
    Assert.Equal(None, FolderLock.holder dir)
    Assert.Equal(None, FolderLock.holder (Path.Combine(dir, "never-locked")))
    (FolderLock.acquire dir).Dispose()

let ``a folder claimed with one identity refuses another, naming what differs, and moves aside on request``
    ()
    =
    let dir = tempDir ()

    let a =
        {
            Format = "test-identity/1"
            Seed = 1
            Optimizer = "bbi"
        }

    FolderIdentity.claim "test-identity/1" dir "identity.json" a
    // the same identity resumes
    FolderIdentity.claim "test-identity/1" dir "identity.json" a

    let e =
        Assert.Throws<FolderIdentity.IdentityMismatchException>(fun () ->
            FolderIdentity.claim
                "test-identity/1"
                dir
                "identity.json"
                { a with Seed = 2; Optimizer = "adam" })

    Assert.Contains("seed: 1 there, 2 now", e.Message)
    Assert.Contains("optimizer: \"bbi\" there, \"adam\" now", e.Message)
    Assert.Contains("--force", e.Message)
    let moved = FolderIdentity.moveAside dir
    Assert.True(moved.IsSome && moved.Value.Contains ".replaced-")
    Assert.False(Directory.Exists dir)
    Assert.True(File.Exists(Path.Combine(moved.Value, "identity.json")))

let ``a corrupt folder identity is an error naming the file`` () =
    let dir = tempDir ()
    File.WriteAllText(Path.Combine(dir, "identity.json"), "{\"format\": \"test-identity/1\", \"seed\": ")

    let e =
        Assert.Throws<JsonFile.ResultFileException>(fun () ->
            FolderIdentity.claim
                "test-identity/1"
                dir
                "identity.json"
                {
                    Format = "test-identity/1"
                    Seed = 1
                    Optimizer = "bbi"
                })

    Assert.Contains("identity.json", e.Message)
    Assert.Contains("not valid JSON", e.Message)

let private request dir steps : Optimize.OptimizeRequest =
    {
        Optimizer = "bbi"
        Settings = [ "lr", "0.05"; "nFixedBounces", "3"; "threshold0", "20" ]
        Function = "ackley"
        Dim = 3
        X0 = [ 2.5 ]
        Steps = steps
        Seed = 11UL
        Precision = Optimize.Float64
        Trace = Some(Path.Combine(dir, "t.csv"))
        Checkpoint = Some(Path.Combine(dir, "c.json"))
        CheckpointEvery = 100L
        Resume = true
    }

let ``an interrupt stops the run with a final checkpoint, and the rerun ends bit-identically`` () =
    let straight, stopped = tempDir (), tempDir ()
    Optimize.run (request straight 400L) ignore |> ignore

    try
        let e =
            Assert.Throws<Interrupt.RunInterrupted>(fun () ->
                Optimize.run (request stopped 400L) (fun r ->
                    if r.Step = 157L then
                        Interrupt.request 130)
                |> ignore)

        Assert.Equal(130, e.ExitCode)
    finally
        Interrupt.clear ()

    // the checkpoint is the state the run stopped in (not the periodic one at step 100)
    let bbi =
        Ecd.Core.Optimizers.OptimizerCatalog.Create<float>(
            "bbi",
            [ Collections.Generic.KeyValuePair("lr", "0.05") ]
        )

    Assert.Equal(158L, (Checkpoint.load bbi (Path.Combine(stopped, "c.json"))).Steps)
    Optimize.run (request stopped 400L) ignore |> ignore

    for f in [ "t.csv"; "c.json" ] do
        Assert.Equal<byte[]>(
            File.ReadAllBytes(Path.Combine(straight, f)),
            File.ReadAllBytes(Path.Combine(stopped, f))
        )

[<Tests>]
let tests =
    testList
        "SafetyTests"
        [
            testCase
                "a second writer of a folder is refused with the holder's PID, and the lock is released on dispose"
                ``a second writer of a folder is refused with the holder's PID, and the lock is released on dispose``
            testCase
                "a folder claimed with one identity refuses another, naming what differs, and moves aside on request"
                ``a folder claimed with one identity refuses another, naming what differs, and moves aside on request``
            testCase
                "a corrupt folder identity is an error naming the file"
                ``a corrupt folder identity is an error naming the file``
            testCase
                "an interrupt stops the run with a final checkpoint, and the rerun ends bit-identically"
                ``an interrupt stops the run with a final checkpoint, and the rerun ends bit-identically``
        ]
    // alone: the interrupt test sets the process-wide stop request, which every run loop of the process sees
    |> testSequenced
