/// A batch of independent tasks (the runs of one ensemble, the cells of a study) and the executor that runs them:
/// in this process, or handed to a scheduler. A task is finished when its result file exists; a caller builds the
/// batch, `execute` runs or hands off what is unfinished and returns only once every task is finished.
module EcdPde.Runs.TaskBatch

open System
open System.IO

/// Independent tasks 0 … Count−1 kept in one folder.
type TaskBatch =
    {
        /// The batch's folder (its tasks write inside it).
        Folder: string
        Count: int
        /// The file whose existence means task i is finished.
        ResultFile: int -> string
        /// The folder task i alone writes (locked while a task of an array runs it), when it has one.
        TaskFolder: int -> string option
        /// Runs these tasks in this process (in parallel as the caller decides), each leaving its result file.
        RunHere: int list -> unit
    }

/// What happens to a batch's unfinished tasks.
type Executor =
    {
        /// Runs the unfinished tasks here, or hands them off and stops the command with an exception.
        Execute: TaskBatch -> unit
        /// This process is one task among many working in the same folder at once (an array task): it locks the
        /// folder of its task, not the whole folder.
        IsTask: bool
    }

/// The tasks of `b` without a result file, in order.
let unfinished (b: TaskBatch) =
    [ 0 .. b.Count - 1 ] |> List.filter (fun i -> not (File.Exists(b.ResultFile i)))

/// Every unfinished task as threads of this process.
let inProcess =
    {
        Execute = fun b -> b.RunHere(unfinished b)
        IsTask = false
    }

/// The work of the command was handed to a scheduler (jobs submitted); the command stops here, successfully.
type WorkSubmitted(message: string, jobs: string list) =
    inherit Exception(message)

    /// The ids of the submitted jobs.
    member _.Jobs = jobs

/// This process ran the one task it was started for; the command stops here, successfully.
type TaskFinished(batch: string, index: int) =
    inherit Exception(sprintf "task %d of %s finished" index batch)

/// Tasks of a batch did not finish after every allowed submission: the result would be partial, so none is written.
type TasksFailed(batch: string, tasks: int list, submissions: int) =
    inherit
        Exception(
            sprintf
                "%d task(s) of %s did not finish after %d submission(s): %s; no result was written (a partial one would look complete). See the logs in jobs/logs, then rerun the same command to submit them again"
                tasks.Length
                batch
                submissions
                (String.Join(", ", tasks))
        )

/// A batch that still has unfinished tasks after its executor returned (an executor that neither ran nor handed
/// them off).
type TasksUnfinished(folder: string, tasks: int list) =
    inherit
        InvalidOperationException(
            sprintf "%s: tasks %s are not finished after execution" folder (String.Join(", ", tasks))
        )

/// Runs (or hands off) the unfinished tasks of `b`; returns once every task has its result file.
let execute (executor: Executor) (b: TaskBatch) =
    if b.Count < 0 then
        invalidArg "count" (sprintf "a batch has at least 0 tasks (got %d)" b.Count)

    executor.Execute b

    match unfinished b with
    | [] -> ()
    | left -> raise (TasksUnfinished(b.Folder, left))

/// The lock of an output folder for this process: the folder's own lock (one writer) unless the process is one task
/// of an array, which locks only its task's folder (taken by the executor).
let lockFolder (executor: Executor) (folder: string) : IDisposable =
    if executor.IsTask then
        Directory.CreateDirectory folder |> ignore

        { new IDisposable with
            member _.Dispose() = ()
        }
    else
        FolderLock.acquire folder
