/// `ecdpde status DIR`: where the runs of an output folder stand. A folder whose runs went to Slurm (jobs/jobs.json)
/// is read through JobStatus (result files, squeue, sacct where accounting is enabled); a folder run locally through
/// its own files (run folders, study cells, workflows). A continuation folder is shown per parameter value (its runs,
/// and from continuation.json its branches and certified solutions), a study or multi-solution folder per batch.
module EcdPde.Cli.StatusCommand

open System
open System.IO
open Argu
open EcdPde.Runs
open EcdPde.Runs.JobStatus
open Pde.Discovery
open EcdPde.Studies
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

/// The tasks of a folder run without Slurm: the batches' result files, done when present, else running while a
/// command holds the folder's lock (`writing`), stopped when none does.
let private localTasks (dir: string) (writing: bool) (batches: (string * string list) list) =
    [
        for key, results in batches do
            for i, result in List.indexed results ->
                {
                    Batch = key
                    Index = i
                    State =
                        if File.Exists(Path.Combine(dir, result)) then Done
                        elif writing then Running
                        else Stopped
                    Ended = None
                }
    ]

/// Every ensemble of runs under `dir` (a discovery folder, a continuation's value folders, capacity attempts, polish
/// phases): the folders `…/runs/run-III`, as batches keyed by the ensemble's folder relative to `dir`.
let private runBatches (dir: string) =
    Directory.GetDirectories(dir, "runs", SearchOption.AllDirectories)
    |> Array.filter (fun runs -> not (Path.GetRelativePath(dir, runs).StartsWith "jobs"))
    |> Array.sort
    |> Array.map (fun runs ->
        let ensemble = Path.GetDirectoryName runs |> Option.ofObj |> Option.defaultValue dir

        Path.GetRelativePath(dir, ensemble).Replace('\\', '/'),
        Directory.GetDirectories(runs, "run-*")
        |> Array.sort
        |> Array.map (fun run -> Path.GetRelativePath(dir, Path.Combine(run, "result.json")))
        |> List.ofArray)
    |> List.ofArray

/// The batches of a study folder run locally: its cells (study.json names them).
let private studyBatches (dir: string) =
    let study = StudyFile.read (Path.Combine(dir, StudyFile.name))

    [
        "cells",
        StudyRunner.cells study
        |> Array.map (fun (p, solver, si, seed, _) ->
            Path.GetRelativePath(dir, StudyCell.path dir p solver si seed))
        |> List.ofArray
    ]

/// The tasks of a folder whose runs went to Slurm, and a printer of what else the queue says.
let private slurmTasks (dir: string) (jobs: JobsFile.Jobs) =
    let queue, note =
        try
            Slurm.queue (), ""
        with :? Slurm.SlurmCommandException as e ->
            [], sprintf " (squeue: %s)" e.Message

    let ended = Slurm.accounting (JobsFile.jobIds jobs) |> Option.defaultValue []
    let tasks = JobStatus.tasks dir jobs queue ended
    let followUps = JobStatus.followUps jobs queue

    let details () =
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

        match followUps with
        | [] -> printfn "no follow-up job in the queue%s" note
        | ids -> printfn "follow-up job(s) in the queue: %s%s" (String.Join(", ", ids)) note

    tasks, followUps, details

/// A continuation folder: a line per parameter value (its runs; when finished, its branches and certified solutions).
let private continuationLines (dir: string) (tasks: TaskStatus list) =
    let folder = ContinuationFile.readFolder dir

    let values =
        ParameterPath.values (ParameterPath.create folder.Parameter folder.Start folder.Stop folder.Step)

    let filePath = Path.Combine(dir, ContinuationFile.name)

    let file =
        if File.Exists filePath then
            Some(ContinuationFile.read filePath)
        else
            None

    let finished = file |> Option.map _.Values |> Option.defaultValue []

    for i, v in List.indexed values do
        let prefix = Continuation.valueFolder i + "/"
        let own = tasks |> List.filter (fun t -> t.Batch.StartsWith prefix)

        let state =
            match finished |> List.tryFind (fun p -> p.Index = i) with
            | Some p ->
                let alive = p.Branches |> List.filter (fun b -> b.Status <> "ended")

                let certified = alive |> List.filter (fun b -> b.Certification.Status = "certified")

                sprintf
                    "finished: %d branch(es) alive, %d certified, %d ended"
                    alive.Length
                    certified.Length
                    (p.Branches.Length - alive.Length)
            | None when own.IsEmpty -> "not started"
            | None -> "not finished"

        printfn "%s; %s = %g, %s" (line (Continuation.valueFolder i) own) folder.Parameter v state

    printfn "%s" (line "all" tasks)

    let complete = file |> Option.exists _.Complete

    printfn
        "continuation: %d of %d value(s) finished%s"
        finished.Length
        values.Length
        (if complete then ", complete" else "")

    complete

let private hasJobs (dir: string) = (JobsFile.tryRead dir).IsSome

/// The result line and the folder's state: complete, in progress (jobs in the queue, or a local command holding the
/// folder's lock: `writer`), given up, or stopped.
let private conclude
    (dir: string)
    (complete: bool)
    (writer: string option)
    (tasks: TaskStatus list)
    (followUps: string list)
    =
    let result =
        [ ContinuationFile.name; "solutions.json"; "summary.md"; BounceStudyFile.name ]
        |> List.tryFind (fun f -> File.Exists(Path.Combine(dir, f)))

    match result with
    | Some f when complete || f <> ContinuationFile.name ->
        printfn "result: %s" (Path.GetFullPath(Path.Combine(dir, f)))
    | Some f ->
        printfn "result: %s (partial: not every value is finished)" (Path.GetFullPath(Path.Combine(dir, f)))
    | None -> printfn "result: not written yet"

    let _, r, q, _, f = counts tasks

    let state =
        if complete then
            "complete"
        elif writer.IsSome then
            sprintf "in progress: an ecdpde command (%s) is writing it" writer.Value
        elif r + q > 0 || not followUps.IsEmpty then
            "in progress (jobs in the queue)"
        elif f > 0 then
            "given up: tasks failed after every resubmission; see jobs/logs, then rerun the same command"
        elif not (hasJobs dir) then
            "stopped: no command is writing it; rerun the same command to continue"
        else
            "stopped: rerun the same command to continue"

    printfn "state: %s" state

/// Runs the command; returns the exit code.
let run (args: ParseResults<StatusArgs>) =
    let dir = args.GetResult StatusArgs.Folder

    if not (Directory.Exists dir) then
        invalidArg "folder" (sprintf "%s: no such folder" dir)

    let has (file: string) = File.Exists(Path.Combine(dir, file))
    let isContinuation = has ContinuationFile.folderName

    let writer = FolderLock.holder dir

    let tasks, followUps, details =
        match JobsFile.tryRead dir with
        | Some jobs -> slurmTasks dir jobs
        | None ->
            let batches =
                if isContinuation || has DiscoveryFolderFile.name then
                    runBatches dir
                elif has MultiSolutionFile.folderName then
                    MultiSolutionRun.batches
                        (MultiSolutionFile.readSettings (Path.Combine(dir, MultiSolutionFile.folderName)))
                        dir
                elif has StudyFile.name then
                    studyBatches dir
                else
                    invalidArg
                        "folder"
                        (sprintf
                            "%s holds no output of ecdpde: neither submitted jobs (jobs/jobs.json) nor a discovery (discovery.json), continuation (continuation-folder.json), study (study.json) or multi-solution study (multi-solution-folder.json)"
                            dir)

            localTasks dir writer.IsSome batches,
            [],
            fun () ->
                match writer with
                | Some w -> printfn "(local runs, written now by an ecdpde command: %s)" w
                | None -> printfn "(local runs; a rerun of the command continues the stopped ones)"

    let complete =
        if isContinuation then
            continuationLines dir tasks
        else
            for key in tasks |> List.map _.Batch |> List.distinct do
                printfn "%s" (line key (tasks |> List.filter (fun t -> t.Batch = key)))

            printfn "%s" (line "all" tasks)

            // written only once every task is finished: a partial result is never written
            [ "solutions.json"; "summary.md"; BounceStudyFile.name ] |> List.exists has

    details ()
    conclude dir complete writer tasks followUps
    0
