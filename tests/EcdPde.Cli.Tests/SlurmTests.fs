/// `--scheduler slurm` against a real single-node Slurm cluster on the loopback (scripts/slurm-local.sh), started and
/// stopped by each test: discovery runs as chained job arrays give the same solutions.json solutions as the local run
/// with the same seed and threads, also when a task is cancelled mid-run and resubmitted; a study runs as one array
/// with the local cells, and so do a multi-solution study's workflows (SlurmMultiSolutionTests); cancelled tasks are
/// reported failed after the allowed resubmissions, with no result;
/// `ecdpde status` counts the runs. Without root or the packages the tests fail in CI
/// (CI=true) and are skipped elsewhere.
module EcdPde.Cli.Tests.SlurmTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open Xunit
open Expecto
open EcdPde.Runs
open EcdPde.Cli.Tests.SlurmSupport

/// discover's small problem: Adam from four own initializations finds the paper PDE's first solution in 400 steps,
/// so a deflation round follows; every round is polished: four chained batches.
let private discoverArgs (out: string) =
    [
        "discover"
        "paper-pde"
        "--optimizer"
        "adam"
        "--set"
        "lr=0.01"
        "--restarts"
        "--steps"
        "400"
        "--runs"
        "4"
        "--deflation-rounds"
        "1"
        "--deflation-steps"
        "200"
        "--polish-steps"
        "50"
        "--fixed-steps"
        "--no-warm-starts"
        "--threads"
        "1"
        "--seed"
        "3"
        "--out"
        out
        "--quiet"
    ]

/// The local run of discoverArgs (once per test process).
let private localDiscovery =
    lazy
        (let dir = CliTests.tempDir ()
         let code, _, err = ecdpde (discoverArgs dir)
         Expect.equal code 0 (sprintf "the local discovery finds a solution: %s" err)
         dir)

/// solutions.json's solutions and unconverged runs, as JSON text.
let private solutionsOf (dir: string) =
    use doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "solutions.json")))
    let root = doc.RootElement

    root.GetProperty("solutions").GetArrayLength(),
    root.GetProperty("solutions").GetRawText()
    + root.GetProperty("unconverged").GetRawText()

let private submit (args: string list) =
    let code, out, err = ecdpde (args @ [ "--scheduler"; "slurm" ])
    Expect.equal code 0 (sprintf "the submission exits 0: %s %s" out err)
    Expect.stringContains out "submitted tasks" "it says what it submitted"
    out

let ``discover with --scheduler slurm runs chained job arrays and gives the local run's solutions`` () =
    let local = localDiscovery.Value

    withCluster (fun () ->
        let dir = CliTests.tempDir ()
        let out = submit (discoverArgs dir)
        Expect.stringContains out "tasks 0-3 of round-0" "round 0's four runs are one array"
        let script = File.ReadAllText(Path.Combine(dir, "jobs", "round-0.sbatch"))
        Expect.stringContains script "#SBATCH --array=0-3" "the script is written with its array"
        Expect.stringContains script "--task \"round-0:${SLURM_ARRAY_TASK_ID}\"" "task i runs run i"
        let total, (d, r, q, s, f), text = statusCounts dir
        Expect.equal (total, d + r + q, s, f) (4, 4, 0, 0) (sprintf "right after the submission: %s" text)
        waitForResult dir "solutions.json" 300.0
        let found, solutions = solutionsOf dir
        let localFound, localSolutions = solutionsOf local
        Expect.isGreaterThan found 0 "a solution is found (so the deflation round ran)"
        Expect.equal found localFound "as many solutions as locally"

        Expect.equal
            solutions
            localSolutions
            "solutions.json's solutions are bit-identical to the local run's"

        for batch in [ "round-0-polish.sbatch"; "round-1.sbatch"; "round-1-polish.sbatch" ] do
            Expect.isTrue
                (File.Exists(Path.Combine(dir, "jobs", batch)))
                (sprintf "the chained array %s" batch)

        let total, counts, text = statusCounts dir
        // 4 runs of round 0 and their polish, 1 deflated run and its polish
        Expect.equal (total, counts) (10, (10, 0, 0, 0, 0)) (sprintf "every run done: %s" text)
        Expect.stringContains text "solutions.json" "status names the result")

let ``a task cancelled mid-run is resubmitted, resumes from its checkpoint, and the result is unchanged`` () =
    let local = localDiscovery.Value

    withCluster (fun () ->
        let dir = CliTests.tempDir ()
        submit (discoverArgs dir) |> ignore
        let arrayJob = (JobsFile.tryRead dir).Value.Batches.Head.Submissions.Head.ArrayJob
        let run1 = Path.Combine(dir, "round-0", "runs", "run-001")
        let trace = Path.Combine(run1, "trace.csv")
        let clock = Stopwatch.StartNew()

        while not (File.Exists trace && File.ReadAllLines(trace).Length > 20) do
            if clock.Elapsed.TotalSeconds > 180.0 then
                failtest "run 1 did not start within 180 s"

            Threading.Thread.Sleep 100

        Expect.isFalse
            (File.Exists(Path.Combine(run1, "result.json")))
            "run 1 is mid-run when it is cancelled"

        let code, _, err = run "scancel" [ sprintf "%s_1" arrayJob ]
        Expect.equal code 0 (sprintf "scancel: %s" err)
        waitForResult dir "solutions.json" 300.0
        let round0 = (JobsFile.tryRead dir).Value.Batches.Head

        Expect.equal
            (round0.Submissions |> List.map (fun s -> s.Tasks))
            [ [ 0..3 ]; [ 1 ] ]
            "run 1 alone resubmitted"

        let cancelled =
            Path.Combine(dir, "jobs", "logs", sprintf "round-0-%s_1.out" arrayJob)

        Expect.stringContains
            (File.ReadAllText cancelled)
            "SIGTERM"
            "the cancelled task stopped at a checkpoint"

        Expect.equal (solutionsOf dir) (solutionsOf local) "the same solutions as the local run")

/// A synthetic study of 12 cells (BBI: 4 starts × 2 seeds; GDM, deterministic: 4 starts), no wall-clock limit.
let private studyFile () =
    let path = Path.Combine(CliTests.tempDir (), "mini.json")

    File.WriteAllText(
        path,
        """{ "format": "ecdpde-study/1", "name": "mini", "seeds": 2, "steps": 3000, "precision": "float64", "seed": 5,
  "problems": [ { "name": "ackley2", "function": "ackley002", "dim": 2, "starts": { "uniform": [-4, 4, 4] }, "target": 5e-4 } ],
  "solvers": [ { "label": "bbi", "stages": [ { "optimizer": "bbi", "settings": { "lr": "0.0096", "deltaEn": "2", "v0": "1e-4", "threshold0": "20", "threshold": "100", "nFixedBounces": "4" } } ] },
               { "label": "gdm", "stages": [ { "optimizer": "gdm", "settings": { "lr": "0.001" } } ] } ] }"""
    )

    path

/// cells.csv without its wall-clock columns (seconds_to_target, seconds).
let private cellsWithoutSeconds (dir: string) =
    File.ReadAllLines(Path.Combine(dir, "cells.csv"))
    |> Array.map (fun line ->
        line.Split(',')
        |> Array.indexed
        |> Array.filter (fun (i, _) -> i <> 7 && i <> 12)
        |> Array.map snd
        |> fun cols -> String.Join(",", cols))

let ``a study runs as one job array and its cells equal the local ones`` () =
    let study = studyFile ()
    let local = CliTests.tempDir ()

    let code, _, err =
        ecdpde [ "compare"; study; "--out"; local; "--threads"; "2"; "--quiet" ]

    Expect.equal code 0 (sprintf "the local study: %s" err)

    withCluster (fun () ->
        let dir = CliTests.tempDir ()
        let out = submit [ "compare"; study; "--out"; dir; "--quiet" ]
        Expect.stringContains out "tasks 0-11 of cells" "the 12 cells are one array"
        waitForResult dir "summary.md" 240.0
        let cells = (JobsFile.tryRead dir).Value.Batches

        Expect.equal
            (cells |> List.map (fun b -> b.Key, b.Submissions.Length))
            [ "cells", 1 ]
            "one submission"

        let local, slurm = cellsWithoutSeconds local, cellsWithoutSeconds dir
        Expect.equal slurm.Length 13 "12 cells and the header"
        Expect.sequenceEqual slurm local "every cell as in the local study"
        let total, counts, text = statusCounts dir
        Expect.equal (total, counts) (12, (12, 0, 0, 0, 0)) text)

let ``tasks that never finish are reported failed after the allowed submissions, with no result, until a rerun``
    ()
    =
    let study = studyFile ()

    withCluster (fun () ->
        let dir = CliTests.tempDir ()
        let args = [ "compare"; study; "--out"; dir; "--quiet" ]
        submit (args @ [ "--retries"; "0" ]) |> ignore
        let arrayJob = (JobsFile.tryRead dir).Value.Batches.Head.Submissions.Head.ArrayJob
        // the whole array at once: its follow-up (afterany) finds the cells unfinished and may not resubmit them
        run "scancel" [ arrayJob ] |> ignore
        let clock = Stopwatch.StartNew()

        while not (queueEmpty ()) do
            if clock.Elapsed.TotalSeconds > 120.0 then
                failtest "the follow-up did not end within 120 s"

            Threading.Thread.Sleep 500

        let cells = (JobsFile.tryRead dir).Value.Batches.Head
        Expect.isTrue cells.GaveUp "the batch is given up"
        Expect.isFalse (File.Exists(Path.Combine(dir, "summary.md"))) "no summary of a partial study"
        let total, (d, r, q, s, f), text = statusCounts dir
        Expect.equal (total, d + f, r + q + s) (12, 12, 0) text
        Expect.isGreaterThan f 0 (sprintf "cancelled cells count as failed: %s" text)
        // no accounting here: the controller's memory of ended jobs (squeue --states=all) says how they ended
        Expect.stringContains text "its job ended CANCELLED" "how the cancelled cells' jobs ended"

        let followUp =
            Directory.GetFiles(Path.Combine(dir, "jobs", "logs"), "follow-up-*.out")
            |> Array.exactlyOne
            |> File.ReadAllText

        Expect.stringContains
            followUp
            "did not finish after 1 submission(s)"
            "the follow-up says what failed"
        // a rerun by hand submits the unfinished cells again, and the study completes
        let out = submit args
        Expect.stringContains out "of cells as job array" "the rerun resubmits"
        waitForResult dir "summary.md" 240.0
        let total, counts, text = statusCounts dir
        Expect.equal (total, counts) (12, (12, 0, 0, 0, 0)) text)

[<Tests>]
let tests =
    testList
        "SlurmTests"
        [
            testCase
                "discover with --scheduler slurm runs chained job arrays and gives the local run's solutions"
                ``discover with --scheduler slurm runs chained job arrays and gives the local run's solutions``
            testCase
                "a task cancelled mid-run is resubmitted, resumes from its checkpoint, and the result is unchanged"
                ``a task cancelled mid-run is resubmitted, resumes from its checkpoint, and the result is unchanged``
            testCase
                "a study runs as one job array and its cells equal the local ones"
                ``a study runs as one job array and its cells equal the local ones``
            testCase
                "compare multi-solution runs its workflows as one job array, from folders with spaces, with the local rows"
                SlurmMultiSolutionTests
                    .``compare multi-solution runs its workflows as one job array, from folders with spaces, with the local rows``
            testCase
                "the deflation strategies' shared round 0 runs once per problem and seed as its own array, with the local rows"
                SlurmMultiSolutionTests
                    .``the deflation strategies' shared round 0 runs once per problem and seed as its own array, with the local rows``
            testCase
                "continue with --scheduler slurm chains its values' arrays and writes the local run's continuation.json"
                SlurmContinuationTests
                    .``continue with --scheduler slurm chains its values' arrays and writes the local run's continuation.json``
            testCase
                "tasks that never finish are reported failed after the allowed submissions, with no result, until a rerun"
                ``tasks that never finish are reported failed after the allowed submissions, with no result, until a rerun``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.SlurmTests"
