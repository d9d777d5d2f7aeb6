/// The backend of a study's PDE losses (`compare --backend`): the cells use it, it is part of the folder's identity
/// (study.json, multi-solution-folder.json), so that cells of two backends never mix, and a study without PDE problems
/// refuses one.
module EcdPde.Studies.Tests.StudyBackendTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Runs
open EcdPde.Studies
open EcdPde.Studies.Study
open Pde.FSharp.Training

let private temp () =
    TempFolders.path "ecdpde-study-backend-"

/// A backend named "counting" that computes the native loss and counts the losses it made.
type private Counting() =
    let mutable made = 0

    member _.Made = made

    interface ILossBackend with
        member _.Name = "counting"

        member _.Loss<'T
            when 'T: unmanaged
            and 'T: struct
            and 'T: (new: unit -> 'T)
            and 'T :> ValueType
            and 'T :> Numerics.IFloatingPointIeee754<'T>>
            (d, network: Ecd.Core.Engine.Network<'T>, weightDecay, pool)
            =
            Threading.Interlocked.Increment(&made) |> ignore
            Objective.native.Loss<'T>(d, network, weightDecay, pool)

/// The paper's PDE (k = 2) from one initialization, Adam, 20 steps: one cell.
let private tiny =
    {
        Name = "tiny-backend"
        Problems = [ pdeProblem "paper" "pde:paper-pde:k=2" 1 0.1 ]
        Solvers =
            [
                {
                    Label = "adam"
                    Stages =
                        [
                            {
                                Optimizer = "adam"
                                Settings = [ "lr", "0.003" ]
                                Share = 1.0
                            }
                        ]
                }
            ]
        Seeds = 1
        Steps = 20L
        WallSeconds = None
        Precision = "float64"
        Seed = 3UL
    }

let private untimed (r: StudyRunner.CellResult) =
    { r with
        Seconds = 0.0
        SecondsToTarget = None
    }

let ``a study folder belongs to one backend: its PDE cells use it, another backend's cells are refused`` () =
    let native = temp ()
    let nativeCells, _ = StudyRunner.run tiny native 1 (fun _ _ -> ())
    Assert.DoesNotContain("\"backend\"", File.ReadAllText(Path.Combine(native, StudyFile.name)))
    let counting = Counting()
    let backend = counting :> ILossBackend

    let mixed =
        Assert.Throws<FolderIdentity.IdentityMismatchException>(fun () ->
            StudyRunner.runWithOn backend TaskBatch.inProcess tiny native 1 (fun _ _ -> ())
            |> ignore)

    Assert.Contains("backend", mixed.Message)
    Assert.Equal(0, counting.Made)

    let other = temp ()

    let cells, ran =
        StudyRunner.runWithOn backend TaskBatch.inProcess tiny other 1 (fun _ _ -> ())

    Assert.Equal(1, ran)
    Assert.True(counting.Made > 0, "the cell's loss came from the backend")
    Assert.Contains("\"backend\": \"counting\"", File.ReadAllText(Path.Combine(other, StudyFile.name)))
    // the counting backend computes the native loss: the same cell
    Assert.Equal<StudyRunner.CellResult list>(List.map untimed nativeCells, List.map untimed cells)
    // and the native study is refused in the counting folder
    Assert.Throws<FolderIdentity.IdentityMismatchException>(fun () ->
        StudyRunner.run tiny other 1 (fun _ _ -> ()) |> ignore)
    |> ignore

let ``a backend on a study without PDE problems is refused, naming it`` () =
    let synthetic =
        { tiny with
            Problems =
                [
                    {
                        Name = "quad"
                        Function = "zakharov"
                        Dim = 2
                        Starts = Fixed [ 1.0 ]
                        Target = 1e-6
                    }
                ]
        }

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () ->
            StudyRunner.runWithOn
                (Counting() :> ILossBackend)
                TaskBatch.inProcess
                synthetic
                (temp ())
                1
                (fun _ _ -> ())
            |> ignore)

    Assert.Contains("no PDE problem", e.Message)

let ``a multi-solution folder's identity names a backend other than the native engine`` () =
    let native = MultiSolutionFile.folderOf MultiSolution.defaults "native"
    let torch = MultiSolutionFile.folderOf MultiSolution.defaults "torch"
    Assert.Equal(None, native.Backend)
    Assert.Equal(Some "torch", torch.Backend)
    Assert.DoesNotContain("\"backend\"", JsonFile.serialize native)
    Assert.Contains("\"backend\": \"torch\"", JsonFile.serialize torch)

let ``a multi-solution settings file reads back as the settings it records`` () =
    let path =
        Path.Combine(Directory.CreateDirectory(temp ()).FullName, "settings.json")

    JsonFile.write path (MultiSolutionFile.folderOf MultiSolution.full "native")
    let back = MultiSolutionFile.readSettings path
    Assert.Equal(MultiSolution.full, back)
    // the identity reads back as written, with or without a backend (its strategies' settings are dictionaries:
    // compared as the JSON they are written as)
    for backend in [ "native"; "torch" ] do
        let identity = MultiSolutionFile.folderOf MultiSolution.defaults backend
        JsonFile.write path identity

        let back: MultiSolutionFile.MultiSolutionFolder =
            JsonFile.read MultiSolutionFile.folderFormat path

        Assert.Equal(identity.Backend, back.Backend)
        Assert.Equal(JsonFile.serialize identity, JsonFile.serialize back)

[<Tests>]
let tests =
    testList
        "StudyBackendTests"
        [
            testCase
                "a study folder belongs to one backend: its PDE cells use it, another backend's cells are refused"
                ``a study folder belongs to one backend: its PDE cells use it, another backend's cells are refused``
            testCase
                "a backend on a study without PDE problems is refused, naming it"
                ``a backend on a study without PDE problems is refused, naming it``
            testCase
                "a multi-solution folder's identity names a backend other than the native engine"
                ``a multi-solution folder's identity names a backend other than the native engine``
            testCase
                "a multi-solution settings file reads back as the settings it records"
                ``a multi-solution settings file reads back as the settings it records``
        ]
