/// The executor of `--scheduler slurm`, the re-entrant command pattern: the command started by hand (or its
/// follow-up job) reads every finished task back and, at the first batch with unfinished tasks, writes the batch's
/// array script and a follow-up script into `jobs/`, submits the array (task i reruns the same command with
/// `--task KEY:i`, which runs task i alone) and a follow-up job depending on it (`afterany`, the same command with
/// `--follow-up`), and stops. The follow-up resubmits unfinished tasks (at most `Retries` times; a resubmitted task
/// resumes from its checkpoint) or goes on to the next batch, or to the result.
module EcdPde.Runs.SlurmExecutor

open System
open System.IO
open EcdPde.Runs.Scheduler
open EcdPde.Runs.TaskBatch

/// What this process is to the jobs.
type Role =
    /// Started by hand: submits the first unfinished batch; resubmissions count from zero again.
    | Submitter
    /// A follow-up job: submits the first unfinished batch, counting resubmissions.
    | FollowUp
    /// An array task: runs task `Index` of the batch `Key` and stops.
    | Task of key: string * index: int

/// Everything the executor needs.
type ExecutorSettings =
    {
        Options: SlurmOptions
        /// The output folder (absolute): batch keys are relative to it, `jobs/` is inside it.
        Root: string
        /// The folder the jobs run in.
        WorkingDirectory: string
        /// The command (program and arguments) without the role options.
        Command: string list
        /// The option that selects one task (`--task`) and the option of the follow-up (`--follow-up`).
        TaskOption: string
        FollowUpOption: string
        Role: Role
    }

/// The key of a batch folder within the output folder `root` ("round-1/polish").
let keyOf (root: string) (folder: string) =
    Path.GetRelativePath(root, folder).Replace('\\', '/')

/// `KEY:INDEX` (the value of `--task`) as (key, index).
let parseTask (text: string) =
    let at = text.LastIndexOf ':'

    match
        (if at > 0 then
             Int32.TryParse(text.Substring(at + 1))
         else
             (false, 0))
    with
    | true, i when i >= 0 -> text.Substring(0, at), i
    | _ -> invalidArg "task" (sprintf "--task: '%s' is not BATCH:INDEX (e.g. round-0:3)" text)

/// Runs task `index` of `b` (unless it is finished) under its folder's lock, then stops the command.
let private runTask (key: string) (index: int) (b: TaskBatch) =
    if index >= b.Count then
        invalidArg "task" (sprintf "--task %s:%d: the batch has %d tasks" key index b.Count)

    if not (File.Exists(b.ResultFile index)) then
        use _lock =
            match b.TaskFolder index with
            | Some folder -> FolderLock.acquire folder
            | None ->
                { new IDisposable with
                    member _.Dispose() = ()
                }

        b.RunHere [ index ]

    raise (TaskFinished(key, index))

/// Refuses to submit while jobs recorded for this folder are still queued or running (other than this job).
let private refuseWhileActive (setup: ExecutorSettings) (jobs: JobsFile.Jobs) =
    let own =
        Environment.GetEnvironmentVariable "SLURM_JOB_ID"
        |> Option.ofObj
        |> Option.defaultValue ""

    let recorded = set (JobsFile.jobIds jobs)

    let active =
        Slurm.queue ()
        |> List.filter (fun j -> recorded.Contains j.Job && j.Job <> own && Slurm.isActive j.State)
        |> List.map (fun j -> j.Job)
        |> List.distinct

    if not active.IsEmpty then
        raise (
            IOException(
                sprintf
                    "jobs %s of %s are still queued or running; nothing was submitted. Wait for them (ecdpde status %s) or cancel them (scancel) and rerun"
                    (String.Join(", ", active))
                    setup.Root
                    setup.Root
            )
        )

/// Writes the scripts, submits the array and its follow-up; returns the submission.
let private submitBatch (setup: ExecutorSettings) (key: string) (number: int) (tasks: int list) =
    let jobsFolder = JobsFile.folder setup.Root
    let logs = Path.Combine(jobsFolder, "logs")
    Directory.CreateDirectory logs |> ignore

    let settings: JobScript.ScriptSettings =
        {
            Options = setup.Options
            WorkingDirectory = setup.WorkingDirectory
            Command = setup.Command
            Logs = logs
        }

    let name =
        key.Replace('/', '-')
        + (if number = 1 then "" else sprintf ".%d" number)
        + ".sbatch"

    let script = Path.Combine(jobsFolder, name)
    let followUpScript = Path.Combine(jobsFolder, "follow-up.sbatch")
    AtomicFile.writeText script (JobScript.array settings key setup.TaskOption tasks)
    AtomicFile.writeText followUpScript (JobScript.followUp settings setup.FollowUpOption)
    let arrayJob = Slurm.submit [] script

    let followUpJob =
        Slurm.submit [ "--dependency=afterany:" + arrayJob ] followUpScript

    {
        ArrayJob = arrayJob
        FollowUpJob = followUpJob
        Tasks = tasks
        Script = Path.GetRelativePath(setup.Root, script)
        FollowUpScript = Path.GetRelativePath(setup.Root, followUpScript)
        Submitted = JobsFile.now ()
    }
    : JobsFile.Submission

/// Submits the unfinished tasks of `b` (if any) and stops the command; after every allowed submission, records the
/// batch as given up and fails.
let private submit (setup: ExecutorSettings) (b: TaskBatch) =
    match unfinished b with
    | [] -> ()
    | tasks ->
        let key = keyOf setup.Root b.Folder

        let jobs =
            JobsFile.tryRead setup.Root
            |> Option.defaultValue
                {
                    Format = JobsFile.format
                    Command = setup.Command
                    Batches = []
                }

        refuseWhileActive setup jobs

        let record =
            JobsFile.batch jobs key
            |> Option.defaultValue
                {
                    Key = key
                    Results =
                        [
                            for i in 0 .. b.Count - 1 -> Path.GetRelativePath(setup.Root, b.ResultFile i)
                        ]
                    Attempts = 0
                    GaveUp = false
                    Submissions = []
                }

        let attempts = if setup.Role = FollowUp then record.Attempts else 0

        if attempts > setup.Options.Retries then
            JobsFile.write setup.Root (JobsFile.withBatch jobs { record with GaveUp = true })
            raise (TasksFailed(key, tasks, attempts))

        let s = submitBatch setup key (record.Submissions.Length + 1) tasks

        JobsFile.write
            setup.Root
            (JobsFile.withBatch
                { jobs with Command = setup.Command }
                { record with
                    Attempts = attempts + 1
                    GaveUp = false
                    Submissions = record.Submissions @ [ s ]
                })

        raise (
            WorkSubmitted(
                sprintf
                    "submitted tasks %s of %s as job array %s (%s) and the follow-up job %s (afterany:%s), which continues the command; watch it with: ecdpde status %s"
                    (JobScript.arraySpec tasks)
                    key
                    s.ArrayJob
                    s.Script
                    s.FollowUpJob
                    s.ArrayJob
                    setup.Root,
                [ s.ArrayJob; s.FollowUpJob ]
            )
        )

/// The executor of a setup.
let executor (setup: ExecutorSettings) : Executor =
    match setup.Role with
    | Task(key, index) ->
        {
            IsTask = true
            Execute =
                fun b ->
                    let batchKey = keyOf setup.Root b.Folder

                    if batchKey = key then
                        runTask key index b
                    else
                        match unfinished b with
                        | [] -> ()
                        | left ->
                            invalidOp (
                                sprintf
                                    "task %s:%d reached the batch %s, whose tasks %s are unfinished: a batch's tasks run only once the batches before it are finished"
                                    key
                                    index
                                    batchKey
                                    (JobScript.arraySpec left)
                            )
        }
    | Submitter
    | FollowUp ->
        {
            IsTask = false
            Execute = submit setup
        }
