/// Fuzz tests of the study files' readers (tests/Shared/Corruption.fs): seeded random corruptions of a study cell
/// (StudyCell.read), a study (StudyFile.read), multi-solution.json (MultiSolutionFile.read) and run-costs.json
/// (RunCosts.read) are each read or refused by an error naming the file, never an unhandled exception.
module EcdPde.Studies.Tests.StudyFileFuzzTests

open System
open System.IO
open Expecto
open EcdPde.Studies
open Pde.Discovery.Solutions

let private seed = 20240615

let private tempDir () =
    let d = TempFolders.path "ecdpde-fuzz-"

    Directory.CreateDirectory d |> ignore
    d

/// The text `write` leaves in `fileName`.
let private written (fileName: string) (write: string -> unit) =
    let path = Path.Combine(tempDir (), fileName)
    write path
    File.ReadAllText path

let private cell: StudyCell.CellResult =
    {
        Problem = "ackley-2d"
        Solver = "bbi"
        Start = 3
        SeedIndex = 1
        Success = true
        StepsToTarget = Some 120L
        EvaluationsToTarget = Some 121L
        SecondsToTarget = None
        BestLoss = 1e-4
        FinalLoss = 2e-4
        Steps = 200L
        Evaluations = 201L
        Seconds = 0.25
        History =
            [|
                {
                    Step = 0L
                    Evaluations = 1L
                    BestLoss = 3.0
                }
                {
                    Step = 100L
                    Evaluations = 101L
                    BestLoss = 0.1
                }
            |]
        Solution = Some "radial"
        Distance = Some 0.01
    }

let ``corrupt study cells are read or refused naming the file`` () =
    let valid = written "cell.json" (fun p -> StudyCell.write p cell)

    Corruption.run seed 250 valid (tempDir ()) "cell.json" (fun path -> StudyCell.read path |> ignore)
    |> Corruption.expectNone

let ``corrupt study files are read or refused naming the file`` () =
    let valid = written "study.json" (fun p -> StudyFile.write BuiltInStudies.ackley p)

    Corruption.run seed 250 valid (tempDir ()) "study.json" (fun path -> StudyFile.read path |> ignore)
    |> Corruption.expectNone

let ``corrupt multi-solution files are read or refused naming the file`` () =
    let row: MultiSolution.Row =
        {
            Problem = "bratu"
            Strategy = "bounces"
            Seed = 0
            BudgetRuns = Some 4
            BudgetSteps = Some 4000L
            RunsUsed = 4
            Converged = 3
            Distinct = 2
            Matched = [ "lower"; "upper" ]
            Nearest = [ "lower", 0.01; "upper", 0.02 ]
            Seconds = 1.5
            Evaluations = 4004L
            Certified = 2
            CpuSeconds = 1.25
        }

    let outcome: MultiSolution.MultiSolutionOutcome =
        {
            Settings = MultiSolution.defaults
            Classical = [ "bratu", [ "lower"; "upper" ] ]
            Rows =
                [
                    row
                    { row with
                        Strategy = "classical-newton"
                        BudgetRuns = None
                        BudgetSteps = None
                    }
                ]
            Seconds = 3.0
        }

    let valid =
        written "multi-solution.json" (fun p -> MultiSolutionFile.write p outcome)

    Corruption.run seed 250 valid (tempDir ()) "multi-solution.json" (fun path ->
        MultiSolutionFile.read path |> ignore)
    |> Corruption.expectNone

let ``corrupt run-costs files are read or refused naming the file`` () =
    let run (round, index) = { Round = round; Index = index }

    let costs =
        [ run (0, 0); run (0, 1); run (1, 0) ]
        |> List.mapi (fun i r ->
            r,
            ({
                Run = r
                Seconds = 0.5 + float i
                Evaluations = 100L * int64 (i + 1)
                CpuSeconds = 0.25 + float i
            }
            : RunCosts.RunCost))
        |> Map.ofList

    let source = tempDir ()
    RunCosts.write source costs
    let valid = File.ReadAllText(Path.Combine(source, "run-costs.json"))

    Corruption.run seed 250 valid (tempDir ()) "run-costs.json" (fun path ->
        RunCosts.read (Path.GetDirectoryName path |> nonNull) |> ignore)
    |> Corruption.expectNone

[<Tests>]
let tests =
    testList
        "StudyFileFuzzTests"
        [
            testCase
                "corrupt study cells are read or refused naming the file"
                ``corrupt study cells are read or refused naming the file``
            testCase
                "corrupt study files are read or refused naming the file"
                ``corrupt study files are read or refused naming the file``
            testCase
                "corrupt multi-solution files are read or refused naming the file"
                ``corrupt multi-solution files are read or refused naming the file``
            testCase
                "corrupt run-costs files are read or refused naming the file"
                ``corrupt run-costs files are read or refused naming the file``
        ]
    |> testSequencedGroup "EcdPde.Studies.Tests.StudyFileFuzzTests"
