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
        (let dir =
            Path.Combine(Path.GetTempPath(), "ecdpde-fuzz-discover-" + Guid.NewGuid().ToString("N"))

         let example = BuiltInExamples.byName "paper-pde" Examples.Default Map.empty
         let d = example.Defaults

         let s: Workflow.DiscoverySettings =
             {
                 Runs = 1
                 Steps = 3L
                 Optimizer = d.Optimizer
                 OptimizerSettings = d.OptimizerSettings
                 DeflationOptimizer = d.DeflationOptimizer
                 DeflationOptimizerSettings = d.DeflationOptimizerSettings
                 DeflationSteps = 3L
                 PolishSteps = 0L
                 PolishOptimizer = Examples.polishOptimizer
                 Seed = 0UL
                 Initialization = Workflow.Shared
                 Threads = 1
                 OutDir = dir
                 DeflationRounds = 0
                 DeflationRuns = 1
                 Threshold = 0.1
                 Executor = EcdPde.Runs.TaskBatch.inProcess
             }

         Workflow.run example s ignore |> ignore
         dir, example, s)

let private fuzz (file: string) (count: int) (read: string -> string -> unit) =
    let dir, _, _ = folder.Value
    let valid = File.ReadAllText(Path.Combine(dir, file))

    let work =
        Path.Combine(Path.GetTempPath(), "ecdpde-fuzz-" + Guid.NewGuid().ToString("N"))

    Corruption.run seed count valid work (nonNull (Path.GetFileName file)) (read work)
    |> Corruption.expectNone

let ``corrupt result.json files are read or refused naming the file`` () =
    fuzz (Path.Combine("round-0", "runs", "run-000", "result.json")) 250 (fun _ path ->
        RunResultFile.read path |> ignore)

let ``corrupt solutions.json files are read or refused naming the file`` () =
    fuzz "solutions.json" 250 (fun _ path -> SolutionsFile.read path |> ignore)

let ``a rerun over a corrupt discovery.json is refused naming the file or the folder`` () =
    let _, example, s = folder.Value
    // the identity a rerun claims is checked before any training: a rerun with 0 runs would fail after it
    fuzz "discovery.json" 250 (fun work _ ->
        try
            Workflow.run
                example
                { s with
                    OutDir = work
                    Runs = 1
                    Steps = 0L
                }
                ignore
            |> ignore
        with :? EcdPde.Runs.FolderIdentity.IdentityMismatchException as e ->
            Assert.Contains("discovery.json", e.Message))

[<Tests>]
let tests =
    testList
        "ResultFileFuzzTests"
        [
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
