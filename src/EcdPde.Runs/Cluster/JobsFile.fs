/// `jobs/jobs.json` of an output folder (format `ecdpde-jobs/1`): every batch handed to Slurm, its tasks' result
/// files and each submission (array and follow-up job ids, scripts). Written only by the process that holds the
/// folder's lock (the command and its follow-up jobs, never an array task); read by `ecdpde status`.
module EcdPde.Runs.JobsFile

open System
open System.IO

/// The format tag.
let format = "ecdpde-jobs/1"

/// One submission of (part of) a batch.
type Submission =
    {
        /// The array's job id.
        ArrayJob: string
        /// The follow-up job's id (it depends on the array with afterany).
        FollowUpJob: string
        /// The task ids submitted (the array's task ids).
        Tasks: int list
        /// The array script and the follow-up script, relative to the output folder.
        Script: string
        FollowUpScript: string
        /// UTC time of the submission (ISO 8601).
        Submitted: string
    }

/// A batch of tasks handed to Slurm.
type BatchRecord =
    {
        /// The batch's folder relative to the output folder (the key of `--task KEY:I`).
        Key: string
        /// Task i's result file relative to the output folder (the task is finished once it exists).
        Results: string list
        /// Submissions since the command was last started by hand (the follow-up jobs resubmit at most
        /// `--retries` times).
        Attempts: int
        /// The follow-up gave up on the unfinished tasks after every allowed submission.
        GaveUp: bool
        Submissions: Submission list
    }

/// jobs.json.
type Jobs =
    {
        Format: string
        /// The command the jobs run (program and arguments).
        Command: string list
        Batches: BatchRecord list
    }

/// The folder of the scripts, logs and jobs.json within an output folder.
let folder (root: string) = Path.Combine(root, "jobs")

/// The path of jobs.json in an output folder.
let path (root: string) = Path.Combine(folder root, "jobs.json")

/// Reads jobs.json of an output folder; None when nothing was submitted from it.
let tryRead (root: string) =
    if File.Exists(path root) then
        Some(JsonFile.read<Jobs> format (path root))
    else
        None

/// Writes jobs.json atomically.
let write (root: string) (jobs: Jobs) =
    Directory.CreateDirectory(folder root) |> ignore
    JsonFile.write (path root) jobs

/// The batch `key` of a jobs file, if it was ever submitted.
let batch (jobs: Jobs) (key: string) =
    jobs.Batches |> List.tryFind (fun b -> b.Key = key)

/// The jobs file with the record of batch `key` replaced (or added at the end).
let withBatch (jobs: Jobs) (record: BatchRecord) =
    if jobs.Batches |> List.exists (fun b -> b.Key = record.Key) then
        { jobs with
            Batches = jobs.Batches |> List.map (fun b -> if b.Key = record.Key then record else b)
        }
    else
        { jobs with
            Batches = jobs.Batches @ [ record ]
        }

/// Every job id recorded (arrays and follow-ups).
let jobIds (jobs: Jobs) =
    jobs.Batches
    |> List.collect (fun b -> b.Submissions |> List.collect (fun s -> [ s.ArrayJob; s.FollowUpJob ]))
    |> List.distinct

/// The current UTC time as recorded.
let now () =
    DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", Globalization.CultureInfo.InvariantCulture)
