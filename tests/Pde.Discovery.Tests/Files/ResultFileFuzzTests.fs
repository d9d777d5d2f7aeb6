/// Fuzz tests of the discovery folder's readers (tests/Shared/Corruption.fs): seeded random corruptions of a real
/// result.json (RunResultFile.read), solutions.json (SolutionsFile.read) and discovery.json (the folder identity a
/// rerun claims) are each read or refused by an error naming the file or folder, never an unhandled exception.
module Pde.Discovery.Tests.ResultFileFuzzTests

open System
open System.IO
open Xunit
open Expecto
open Pde.Discovery

let private seed = 20240615

/// A finished tiny discovery of paper-pde (1 run of 3 steps, no deflation): its folder and settings.
let private folder =
    lazy
        (let dir = TempFolders.path "ecdpde-fuzz-discover-"

         let problem, d =
             BuiltInExamples.byName "paper-pde" BuiltInExamples.Default Map.empty

         let s =
             { d with
                 Runs = 1
                 Steps = 3L
                 DeflationSteps = 3L
                 PolishSteps = 0L
                 Seed = 0UL
                 Threads = 1
                 OutDir = Some dir
                 DeflationRounds = 0
                 DeflationRuns = 1
                 GridPoints = 200
                 Certify = false
             }

         Workflow.run problem s ignore |> ignore
         dir, problem, s)

let private fuzz (file: string) (count: int) (read: string -> string -> unit) =
    let dir, _, _ = folder.Value
    let valid = File.ReadAllText(Path.Combine(dir, file))

    let work = TempFolders.path "ecdpde-fuzz-"

    Corruption.run seed count valid work (nonNull (Path.GetFileName file)) (read work)
    |> Corruption.expectNone

let ``corrupt result.json files are read or refused naming the file`` () =
    fuzz (Path.Combine("round-0", "runs", "run-000", "result.json")) 250 (fun _ path ->
        RunResultFile.read path |> ignore)

let ``corrupt solutions.json files are read or refused naming the file`` () =
    fuzz "solutions.json" 250 (fun _ path -> SolutionsFile.read path |> ignore)

let ``a rerun over a corrupt discovery.json is refused naming the file or the folder`` () =
    let _, example, s = folder.Value
    // the identity a rerun claims is checked before any training: a rerun with an unknown optimizer would fail after it
    fuzz "discovery.json" 250 (fun work _ ->
        try
            Workflow.run
                example
                { s with
                    OutDir = Some work
                    Optimizer = "no-such-optimizer"
                }
                ignore
            |> ignore
        with :? EcdPde.Runs.FolderIdentity.IdentityMismatchException as e ->
            Assert.Contains("discovery.json", e.Message))

let ``a solution with no classical solution to compare is written as null with its reason and read back`` () =
    let dir, problem, s = folder.Value
    // a script whose classical check finds nothing
    let none = Subject.compile problem { s with Classical = Some(fun _ -> []) }

    let candidate: Solutions.Candidate =
        {
            Run = { Round = 0; Index = 0 }
            Seed = 0UL
            Values = Array.create none.Grid.Length 0.5
            ResidualL2 = 0.1
            ResidualMax = 0.2
            ResidualScale = 10.0
            BoundaryMax = 0.01
            BoundaryScale = 1.0
            FinalLoss = 0.05
            Probes = []
            Theta = [| 1.0 |]
        }

    let checkedSolution =
        ClassicalCheck.checkAll
            none
            0.0
            [
                {
                    Representative = candidate
                    Members = [ candidate ]
                    MaxAbs = 0.5
                    L2Norm = 0.5
                }
            ]
        |> List.exactlyOne

    Assert.Equal("no classical solution", fst checkedSolution.Classical)
    Assert.True(Double.IsNaN(snd checkedSolution.Classical))
    // written with that check, solutions.json holds null (never NaN or Infinity) and reads back as NaN
    let file = SolutionsFile.read (Path.Combine(dir, "solutions.json"))

    let record: SolutionsFile.SolutionRecord =
        {
            Runs = 1
            RunIds = [ candidate.Run ]
            RunStarts = [ "bounces, from the shared initialization" ]
            RepresentativeRun = candidate.Run
            FirstFoundInRound = 0
            ResidualL2 = candidate.ResidualL2
            ResidualMax = candidate.ResidualMax
            ResidualScale = candidate.ResidualScale
            BoundaryMax = candidate.BoundaryMax
            BoundaryScale = candidate.BoundaryScale
            MaxAbs = 0.5
            L2Norm = 0.5
            FinalLoss = candidate.FinalLoss
            Probes = []
            ClassicalCheck =
                {
                    Nearest = fst checkedSolution.Classical
                    RelativeL2Distance = snd checkedSolution.Classical
                }
            Certification = None
            Field = candidate.Values
            MoreFields = [||]
            Residual = None
        }

    let out = TempFolders.path "ecdpde-no-classical-"

    Directory.CreateDirectory out |> ignore
    let path = SolutionsFile.write out { file with Solutions = [ record ] }
    let text = File.ReadAllText path
    Assert.Contains("\"relative_l2_distance\": null", text)
    Assert.DoesNotContain("Infinity", text)
    Assert.DoesNotContain("NaN", text)
    let back = SolutionsFile.read path
    Assert.Equal("no classical solution", back.Solutions.Head.ClassicalCheck.Nearest)
    Assert.True(Double.IsNaN back.Solutions.Head.ClassicalCheck.RelativeL2Distance)

[<Tests>]
let tests =
    testList
        "ResultFileFuzzTests"
        [
            testCase
                "a solution with no classical solution to compare is written as null with its reason and read back"
                ``a solution with no classical solution to compare is written as null with its reason and read back``
            testCase
                "corrupt result.json files are read or refused naming the file"
                ``corrupt result.json files are read or refused naming the file``
            testCase
                "corrupt solutions.json files are read or refused naming the file"
                ``corrupt solutions.json files are read or refused naming the file``
            testCase
                "a rerun over a corrupt discovery.json is refused naming the file or the folder"
                ``a rerun over a corrupt discovery.json is refused naming the file or the folder``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.ResultFileFuzzTests"
