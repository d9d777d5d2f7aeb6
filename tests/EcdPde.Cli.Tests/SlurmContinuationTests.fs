/// `continue --scheduler slurm` against the local Slurm cluster: every ensemble of every parameter value is a job array
/// chained by follow-up jobs, and continuation.json is byte-identical to the local run's with the same seed and
/// threads; `ecdpde status` shows the folder per parameter value while it runs and when it is complete. Listed with
/// the other Slurm tests (SlurmTests), which share the cluster.
module EcdPde.Cli.Tests.SlurmContinuationTests

open System.IO
open Expecto
open Pde.Discovery
open EcdPde.Cli.Tests.SlurmSupport

let private continueArgs = ContinueCliTests.bratuArgs

let ``continue with --scheduler slurm chains its values' arrays and writes the local run's continuation.json``
    ()
    =
    let local, code, _, err = ContinueCliTests.localBratu.Value
    Expect.equal code 0 (sprintf "the local continuation finds a branch: %s" err)
    let localFile = ContinuationFile.read (Path.Combine(local, ContinuationFile.name))
    Expect.isTrue localFile.Complete "the local continuation is complete"

    withCluster (fun () ->
        let dir = CliTests.tempDir ()
        let code, out, err = ecdpde (continueArgs dir @ [ "--scheduler"; "slurm" ])
        Expect.equal code 0 (sprintf "the submission exits 0: %s %s" out err)
        Expect.stringContains out "of value-000/round-0 as job array" "the first value's round 0 is an array"
        let _, status, _ = ecdpde [ "status"; dir ]

        Expect.stringContains
            status
            "lambda = 3, not finished"
            (sprintf "status right after the submission: %s" status)

        Expect.stringContains status "lambda = 2.5, not started" status
        Expect.stringContains status "continuation: 0 of 2 value(s) finished" status
        Expect.stringContains status "state: in progress" status
        waitForResult dir ContinuationFile.name 400.0
        // continuation.json is rewritten after every value: wait for the last follow-up (the queue is empty then)
        let file = ContinuationFile.read (Path.Combine(dir, ContinuationFile.name))
        Expect.isTrue file.Complete "the Slurm continuation is complete"

        Expect.equal
            (File.ReadAllText(Path.Combine(dir, ContinuationFile.name)))
            (File.ReadAllText(Path.Combine(local, ContinuationFile.name)))
            "continuation.json is byte-identical to the local run's (it records no times)"

        Expect.isTrue
            (File.Exists(Path.Combine(dir, "jobs", "value-001-round-0.sbatch")))
            "the second value's continued runs were an array of their own"

        let total, counts, text = statusCounts dir
        let localTotal, _, _ = statusCounts local
        Expect.equal counts (total, 0, 0, 0, 0) (sprintf "every run done: %s" text)
        Expect.equal total localTotal "as many runs as locally"

        for v in file.Values do
            let alive = v.Branches |> List.filter (fun b -> b.Status <> "ended")
            let certified = alive |> List.filter (fun b -> b.Certification.Status = "certified")

            Expect.stringContains
                text
                (sprintf
                    "lambda = %g, finished: %d branch(es) alive, %d certified"
                    v.Value
                    alive.Length
                    certified.Length)
                "status shows each value's branches"

        Expect.stringContains text "continuation: 2 of 2 value(s) finished, complete" text
        Expect.stringContains text "state: complete" text)
