/// `ecdpde status DIR`: where the runs of an output folder stand. A folder whose runs went to Slurm (jobs/jobs.json)
/// is read through JobStatus (result files, squeue, sacct where accounting is enabled); a local discovery folder
/// through its run folders.
module EcdPde.Cli.StatusCommand

open System
open System.IO
open Argu
open EcdPde.Runs
open EcdPde.Runs.JobStatus
open Pde.Discovery
open EcdPde.Cli.Arguments

let private line (name: string) (tasks: TaskStatus list) =
    let d, r, q, s, f = counts tasks

    sprintf
        "%-16s %3d runs: %d done, %d running, %d queued, %d stopped, %d failed"
        name
        tasks.Length
        d
        r
        q
        s
        f

/// The status of a folder whose runs were submitted to Slurm.
let private ofJobs (dir: string) (jobs: JobsFile.Jobs) =
    let queue, note =
        try
            Slurm.queue (), ""
        with :? Slurm.SlurmCommandException as e ->
            [], sprintf " (squeue: %s)" e.Message

    let ended = Slurm.accounting (JobsFile.jobIds jobs) |> Option.defaultValue []

    let tasks = JobStatus.tasks dir jobs queue ended

    for b in jobs.Batches do
        printfn "%s" (line b.Key (tasks |> List.filter (fun t -> t.Batch = b.Key)))

    printfn "%s" (line "all" tasks)

    for t in tasks |> List.filter (fun t -> t.State = Stopped || t.State = Failed) do
        printfn
            "%s:%d %s%s"
            t.Batch
            t.Index
            (if t.State = Failed then
                 "failed (no more resubmissions)"
             else
                 "stopped")
            (t.Ended |> Option.map (sprintf ", its job ended %s") |> Option.defaultValue "")

    match JobStatus.followUps jobs queue with
    | [] -> printfn "no follow-up job in the queue%s" note
    | ids -> printfn "follow-up job(s) in the queue: %s%s" (String.Join(", ", ids)) note

/// The status of a local discovery folder (no jobs submitted): its runs, done or not.
let private ofRuns (dir: string) =
    let runs = RunFolders.list dir

    let finished =
        runs
        |> List.filter (fun (_, folder) -> File.Exists(Path.Combine(folder, "result.json")))

    printfn
        "%-16s %3d runs: %d done, 0 running, 0 queued, %d stopped, 0 failed (local runs; a rerun of the command continues the stopped ones)"
        "all"
        runs.Length
        finished.Length
        (runs.Length - finished.Length)

/// Runs the command; returns the exit code.
let run (args: ParseResults<StatusArgs>) =
    let dir = args.GetResult StatusArgs.Folder

    if not (Directory.Exists dir) then
        invalidArg "folder" (sprintf "%s: no such folder" dir)

    match JobsFile.tryRead dir with
    | Some jobs -> ofJobs dir jobs
    | None when File.Exists(Path.Combine(dir, DiscoveryFolderFile.name)) -> ofRuns dir
    | None ->
        invalidArg
            "folder"
            (sprintf "%s holds neither submitted jobs (jobs/jobs.json) nor a discovery (discovery.json)" dir)

    let result =
        [ "solutions.json"; "summary.md" ]
        |> List.tryFind (fun f -> File.Exists(Path.Combine(dir, f)))

    match result with
    | Some f -> printfn "result: %s" (Path.GetFullPath(Path.Combine(dir, f)))
    | None -> printfn "result: not written yet"

    0
