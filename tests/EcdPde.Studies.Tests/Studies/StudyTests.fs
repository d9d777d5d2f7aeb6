/// Comparative studies: validation, resumable runner, summaries.
module EcdPde.Studies.Tests.StudyTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Studies
open EcdPde.Studies.Study

let private tiny =
    {
        Name = "tiny"
        Problems =
            [
                {
                    Name = "quad"
                    Function = "quadratic"
                    Dim = 3
                    Starts = Uniform(-1.0, 1.0, 3)
                    Target = 1e-8
                }
                {
                    Name = "rosen"
                    Function = "rosenbrock"
                    Dim = 2
                    Starts = Fixed [ -1.2; 1.0 ]
                    Target = 1e-6
                }
            ]
        Solvers =
            [
                {
                    Label = "gdm"
                    Stages =
                        [
                            {
                                Optimizer = "gdm"
                                Settings = [ "lr", "0.0001"; "momentum", "0.9" ]
                                Share = 1.0
                            }
                        ]
                }
                {
                    Label = "adam-lbfgs"
                    Stages =
                        [
                            {
                                Optimizer = "adam"
                                Settings = [ "lr", "0.01" ]
                                Share = 0.5
                            }
                            {
                                Optimizer = "lbfgs"
                                Settings = []
                                Share = 0.5
                            }
                        ]
                }
            ]
        Seeds = 2
        Steps = 2000L
        WallSeconds = None
        Precision = "float64"
        Seed = 5UL
    }

let private temp () = TempFolders.path "ecdpde-study-"

let ``a study runs every cell once; a rerun skips the finished cells and reads the same results`` () =
    let dir = temp ()
    let first, ran = StudyRunner.run tiny dir 2 (fun _ _ -> ())
    // 3 starts + 1 start, for 2 solvers; both are deterministic (GDM, Adam → L-BFGS), so one seed per start
    Assert.Equal(8, first.Length)
    Assert.Equal(8, ran)
    File.Delete(Directory.GetFiles(Path.Combine(dir, "cells")) |> Array.head)
    let again, ranAgain = StudyRunner.run tiny dir 2 (fun _ _ -> ())
    Assert.Equal(1, ranAgain)
    // identical except wall-clock times (the deleted cell ran again)
    let untimed (r: StudyRunner.CellResult) =
        { r with
            Seconds = 0.0
            SecondsToTarget = r.SecondsToTarget |> Option.map (fun _ -> 0.0)
        }

    Assert.Equal<StudyRunner.CellResult list>(List.map untimed first, List.map untimed again)

let ``summaries: L-BFGS solves the quadratic and Rosenbrock, small-step GDM does not reach Rosenbrock's target``
    ()
    =
    let results, _ = StudyRunner.run tiny (temp ()) 2 (fun _ _ -> ())
    let summary = StudyRunner.summarise tiny results

    let find p s =
        summary |> List.find (fun x -> x.Problem = p && x.Solver = s)

    let quadLbfgs = find "quad" "adam-lbfgs"
    // deterministic: one run per start
    Assert.Equal(3, quadLbfgs.Successes)
    Assert.Equal(3, quadLbfgs.StartsSolved)
    let lo, hi = quadLbfgs.SuccessLow, quadLbfgs.SuccessHigh
    Assert.True(lo > 0.4 && hi = 1.0)
    Assert.Equal(1, (find "rosen" "adam-lbfgs").Successes)
    Assert.Equal(0, (find "rosen" "gdm").Successes)
    Assert.True(Double.IsNaN((find "rosen" "gdm").MedianSteps))
    let costs = StudyRunner.profileCosts tiny results
    Assert.True(Double.IsPositiveInfinity(costs.[1].[0])) // gdm on Rosenbrock never reaches the target

let ``invalid studies give clear errors`` () =
    let check (s: Study) (text: string) =
        let e = Assert.ThrowsAny<ArgumentException>(fun () -> validate s |> ignore)
        Assert.Contains(text, e.Message)

    check { tiny with Seeds = 0 } "seeds"
    check { tiny with Steps = -5L } "step budget"

    check
        { tiny with
            Solvers =
                [
                    {
                        Label = "x"
                        Stages =
                            [
                                {
                                    Optimizer = "sgd"
                                    Settings = []
                                    Share = 1.0
                                }
                            ]
                    }
                ]
        }
        "unknown optimizer 'sgd'"

    check { tiny with Solvers = [] } "no solvers"
    check { tiny with WallSeconds = Some -1.0 } "wall-time"

    check
        { tiny with
            Solvers =
                [
                    {
                        Label = "x"
                        Stages =
                            [
                                {
                                    Optimizer = "bbi"
                                    Settings = [ "lr", "-1" ]
                                    Share = 1.0
                                }
                            ]
                    }
                ]
        }
        "lr"

    Assert.Throws<Ecd.Core.Optimizers.HyperparameterException>(fun () ->
        validate
            { tiny with
                Solvers =
                    [
                        {
                            Label = "x"
                            Stages =
                                [
                                    {
                                        Optimizer = "bbi"
                                        Settings = [ "lr", "-1" ]
                                        Share = 1.0
                                    }
                                ]
                        }
                    ]
            }
        |> ignore)
    |> ignore

let ``a study file reads back into the same study`` () =
    let path = temp () + ".json"

    File.WriteAllText(
        path,
        """{ "format": "ecdpde-study/1", "name": "file-study", "seeds": 2, "steps": 500, "precision": "float32", "seed": 9,
             "problems": [ { "name": "q", "function": "quadratic", "dim": 2, "starts": { "uniform": [-1, 1, 4] }, "target": 1e-6 } ],
             "solvers": [ { "label": "bbi", "stages": [ { "optimizer": "bbi", "settings": { "lr": "0.01", "v0": "0" } } ] } ] }"""
    )

    let s = BuiltInStudies.resolve path |> validate
    Assert.Equal("file-study", s.Name)
    Assert.Equal(Uniform(-1.0, 1.0, 4), s.Problems[0].Starts)
    Assert.Equal<(string * string) list>([ "lr", "0.01"; "v0", "0" ], s.Solvers[0].Stages[0].Settings)

    let e =
        Assert.Throws<ArgumentException>(fun () -> BuiltInStudies.resolve "no-such-study" |> ignore)

    Assert.Contains("ackley", e.Message)

[<Tests>]
let tests =
    testList
        "StudyTests"
        [
            testCase
                "a study runs every cell once; a rerun skips the finished cells and reads the same results"
                ``a study runs every cell once; a rerun skips the finished cells and reads the same results``
            testCase
                "summaries: L-BFGS solves the quadratic and Rosenbrock, small-step GDM does not reach Rosenbrock's target"
                ``summaries: L-BFGS solves the quadratic and Rosenbrock, small-step GDM does not reach Rosenbrock's target``
            testCase "invalid studies give clear errors" ``invalid studies give clear errors``
            testCase
                "a study file reads back into the same study"
                ``a study file reads back into the same study``
        ]
    |> testSequencedGroup "EcdPde.Studies.Tests.StudyTests"
