/// Where the tasks handed to Slurm stand: done (result file present), running or queued (from `squeue`), stopped
/// (unfinished and no job of theirs in the queue: a follow-up resubmits them, or a rerun of the command does),
/// failed (the follow-up gave up on them after every allowed submission). `sacct`, where accounting is enabled,
/// says how a stopped task's last job ended.
module EcdPde.Runs.JobStatus

open System.IO

/// The state of one task.
type TaskState =
    | Done
    | Running
    | Queued
    | Stopped
    | Failed

/// One task of a batch and where it stands; `Ended` is how its last job ended when accounting says so.
type TaskStatus =
    {
        Batch: string
        Index: int
        State: TaskState
        Ended: string option
    }

/// The tasks of every batch in `jobs`, given the queue and (optionally) accounting.
let tasks (root: string) (jobs: JobsFile.Jobs) (queue: Slurm.JobState list) (ended: Slurm.JobState list) =
    let inQueue job task =
        queue |> List.tryFind (fun j -> j.Job = job && j.Task = Some task)

    [
        for b in jobs.Batches do
            for i, result in List.indexed b.Results do
                let last =
                    b.Submissions |> List.filter (fun s -> List.contains i s.Tasks) |> List.tryLast

                let queued = last |> Option.bind (fun s -> inQueue s.ArrayJob i)

                let endedAs =
                    last
                    |> Option.bind (fun s ->
                        ended |> List.tryFind (fun j -> j.Job = s.ArrayJob && j.Task = Some i))
                    |> Option.map (fun j -> j.State)

                let state =
                    if File.Exists(Path.Combine(root, result)) then
                        Done
                    else
                        match queued with
                        | Some q when q.State = "RUNNING" || q.State = "COMPLETING" -> Running
                        | Some q when Slurm.isActive q.State -> Queued
                        | _ when b.GaveUp -> Failed
                        | _ -> Stopped

                yield
                    {
                        Batch = b.Key
                        Index = i
                        State = state
                        Ended = (if state = Stopped || state = Failed then endedAs else None)
                    }
    ]

/// How many tasks are in each state: (done, running, queued, stopped, failed).
let counts (tasks: TaskStatus list) =
    let count s =
        tasks |> List.filter (fun t -> t.State = s) |> List.length

    count Done, count Running, count Queued, count Stopped, count Failed

/// The follow-up jobs of `jobs` still in the queue.
let followUps (jobs: JobsFile.Jobs) (queue: Slurm.JobState list) =
    jobs.Batches
    |> List.collect (fun b -> b.Submissions |> List.map (fun s -> s.FollowUpJob))
    |> List.filter (fun id -> queue |> List.exists (fun j -> j.Job = id && Slurm.isActive j.State))
    |> List.distinct
