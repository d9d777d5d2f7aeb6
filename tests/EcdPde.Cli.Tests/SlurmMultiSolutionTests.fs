/// `compare` on a multi-solution settings file with `--scheduler slurm`: its workflows run as one job array, started
/// from a folder whose name has a space, into an output folder whose name has one, and give the local study's rows.
/// Listed with the other Slurm tests (SlurmTests), which share the cluster.
module EcdPde.Cli.Tests.SlurmMultiSolutionTests

open System
open System.IO
open Expecto
open EcdPde.Runs
open EcdPde.Cli.Tests.SlurmSupport

/// A tiny multi-solution study as a settings file (the paper's PDE at k = 2, 20 steps per run, bounces and Adam
/// restarts, budgets of 1 and 2 runs: two workflows of two runs), in `dir`.
let private multiSolutionFile (dir: string) =
    let settings: EcdPde.Studies.MultiSolution.MultiSolutionSettings =
        { EcdPde.Studies.MultiSolution.defaults with
            Name = "tiny-ms"
            Problems =
                [
                    ({
                        Function = "pde:paper-pde:k=2"
                        StepsPerRun = 20L
                    }
                    : EcdPde.Studies.MultiSolution.ProblemSpec)
                ]
            Strategies =
                EcdPde.Studies.MultiSolution.strategies
                |> List.filter (fun s -> s.Label = "bounces" || s.Label = "restarts-adam")
            Budgets = [ 1; 2 ]
        }

    let path = Path.Combine(dir, "tiny ms.json")
    JsonFile.write path (EcdPde.Studies.MultiSolutionFile.folderOf settings "native")
    path

/// The rows of OUT/multi-solution.json without their wall and CPU seconds (they differ from run to run).
let private multiSolutionRows (dir: string) =
    EcdPde.Studies.MultiSolutionFile.read (Path.Combine(dir, "multi-solution.json"))
    |> snd
    |> List.map (fun r ->
        { r with
            Seconds = 0.0
            CpuSeconds = 0.0
        })

let ``compare multi-solution runs its workflows as one job array, from folders with spaces, with the local rows``
    ()
    =
    let spaced = Path.Combine(CliTests.tempDir (), "with space")
    Directory.CreateDirectory spaced |> ignore
    let file = multiSolutionFile spaced
    let local = Path.Combine(spaced, "local run")

    let code, _, err =
        ecdpde [ "compare"; file; "--out"; local; "--threads"; "2"; "--quiet" ]

    Expect.equal code 0 (sprintf "the local study: %s" err)

    withCluster (fun () ->
        // started in a folder with a space, into a relative output folder with a space
        let code, out, err =
            runIn
                (Some spaced)
                "dotnet"
                [
                    Path.Combine(AppContext.BaseDirectory, "ecdpde.dll")
                    "compare"
                    file
                    "--out"
                    "slurm run"
                    "--quiet"
                    "--scheduler"
                    "slurm"
                ]

        Expect.equal code 0 (sprintf "the submission exits 0: %s %s" out err)
        Expect.stringContains out "tasks 0-1 of workflows" "the two workflows are one array"
        let dir = Path.Combine(spaced, "slurm run")
        let script = File.ReadAllText(Path.Combine(dir, "jobs", "workflows.sbatch"))
        Expect.stringContains script (sprintf "#SBATCH --chdir=\"%s\"" spaced) "the working folder in quotes"
        waitForResult dir "summary.md" 300.0
        Expect.equal (multiSolutionRows dir) (multiSolutionRows local) "the rows of the local study"
        let total, counts, text = statusCounts dir
        Expect.equal (total, counts) (2, (2, 0, 0, 0, 0)) text)

/// A tiny deflation-strategy comparison as a settings file: Bratu at λ = 6 (tanh 8-8, 100 + 20 points, 200-point grid,
/// 20 steps per run), the four Deflated strategies of `compare deflation-strategies`, two seeds: two shared round 0s
/// and eight workflows.
let private deflationFile (dir: string) =
    let settings: EcdPde.Studies.MultiSolution.MultiSolutionSettings =
        { EcdPde.Studies.DeflationComparison.settings with
            Name = "tiny-deflation"
            Problems =
                [
                    ({
                        Function = "pde:bratu:lambda=6"
                        StepsPerRun = 20L
                    }
                    : EcdPde.Studies.MultiSolution.ProblemSpec)
                ]
            Seeds = 2
            Size =
                Some
                    {
                        Hidden = [ 8; 8 ]
                        InteriorPoints = 100
                        BoundaryPoints = 20
                        GridPoints = 200
                        DeflationRuns = Some 2
                    }
        }

    let path = Path.Combine(dir, "tiny-deflation.json")
    JsonFile.write path (EcdPde.Studies.MultiSolutionFile.folderOf settings "native")
    path

let ``the deflation strategies' shared round 0 runs once per problem and seed as its own array, with the local rows``
    ()
    =
    let root = CliTests.tempDir ()
    let file = deflationFile root
    let local = Path.Combine(root, "local")

    let code, _, err =
        ecdpde [ "compare"; file; "--out"; local; "--threads"; "2"; "--quiet" ]

    Expect.equal code 0 (sprintf "the local study: %s" err)
    let total, counts, text = statusCounts local
    Expect.equal (total, counts) (10, (10, 0, 0, 0, 0)) (sprintf "status of the local folder: %s" text)
    Expect.stringContains text "shared-round-0     2 runs" text

    withCluster (fun () ->
        let dir = Path.Combine(root, "slurm")

        let code, out, err =
            ecdpde [ "compare"; file; "--out"; dir; "--quiet"; "--scheduler"; "slurm" ]

        Expect.equal code 0 (sprintf "the submission exits 0: %s %s" out err)
        Expect.stringContains out "tasks 0-1 of shared-round-0" "the two shared round 0s are the first array"
        waitForResult dir "summary.md" 400.0
        Expect.equal (multiSolutionRows dir) (multiSolutionRows local) "the rows of the local study"
        let jobs = (JobsFile.tryRead dir).Value

        Expect.equal
            (jobs.Batches |> List.map (fun b -> b.Key, b.Results.Length))
            [ "shared-round-0", 2; "workflows", 8 ]
            "the shared round 0s, then the eight workflows"

        let round0 = jobs.Batches.Head
        let workflows = jobs.Batches[1]

        Expect.equal
            (round0.Submissions |> List.map _.Tasks)
            [ [ 0; 1 ] ]
            "each shared round 0 was one task, submitted once"

        Expect.equal
            (workflows.Submissions |> List.map _.Tasks)
            [ [ 0..7 ] ]
            "the workflows were one array, submitted after the round 0s"

        // every strategy's round 0 is the shared one, copied: the same run results
        for seed in 0..1 do
            let shared =
                Directory.GetDirectories(dir, sprintf "seed-%d" seed, SearchOption.AllDirectories)
                |> Array.filter (fun d -> d.Contains "shared-round-0")
                |> Array.exactlyOne

            let sharedRun =
                File.ReadAllText(Path.Combine(shared, "round-0", "runs", "run-000", "result.json"))

            let copies =
                Directory.GetDirectories(dir, sprintf "seed-%d" seed, SearchOption.AllDirectories)
                |> Array.filter (fun d -> not (d.Contains "shared-round-0"))

            Expect.equal copies.Length 4 "four strategies per seed"

            for c in copies do
                Expect.equal
                    (File.ReadAllText(Path.Combine(c, "round-0", "runs", "run-000", "result.json")))
                    sharedRun
                    (sprintf "%s has the shared round 0" c)

        let total, counts, text = statusCounts dir
        Expect.equal (total, counts) (10, (10, 0, 0, 0, 0)) text)
