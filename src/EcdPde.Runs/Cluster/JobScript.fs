/// The batch scripts EcdPde submits with `sbatch`, written into the output folder (`jobs/…`) so that a user can read
/// and rerun exactly what was submitted: an array script whose task i runs the command for task i of a batch, and a
/// follow-up script that reruns the command once the array has ended.
module EcdPde.Runs.JobScript

open System
open System.Text
open EcdPde.Runs.Scheduler

/// A word for bash: in single quotes (a quote inside written as '\'').
let quote (word: string) = "'" + word.Replace("'", "'\\''") + "'"

/// Slurm's `--array` list of task ids: ascending, runs of consecutive ids as ranges ("0-3,5,7-8").
let arraySpec (indices: int list) =
    if indices.IsEmpty then
        invalidArg "indices" "an array needs at least one task"

    if indices |> List.exists (fun i -> i < 0) then
        invalidArg "indices" (sprintf "array task ids are ≥ 0 (got %A)" indices)

    let ranges =
        indices
        |> List.distinct
        |> List.sort
        |> List.fold
            (fun acc i ->
                match acc with
                | (lo, hi) :: rest when i = hi + 1 -> (lo, i) :: rest
                | _ -> (i, i) :: acc)
            []
        |> List.rev

    String.Join(
        ",",
        ranges
        |> List.map (fun (lo, hi) -> if lo = hi then string lo else sprintf "%d-%d" lo hi)
    )

/// The value of an `#SBATCH` directive. sbatch reads these lines with its own parser, which splits at white space and
/// groups what stands in double quotes: a value with white space (a folder "my runs/…") is written in double quotes;
/// a double quote, a backslash or a line break cannot be carried and is refused, naming `what`.
let directiveValue (what: string) (value: string) =
    if value |> Seq.exists (fun c -> c = '"' || c = '\\' || c = '\n' || c = '\r') then
        invalidArg
            what
            (sprintf
                "%s '%s': an #SBATCH line cannot carry a double quote, a backslash or a line break; use a folder without them"
                what
                value)
    elif value |> Seq.exists Char.IsWhiteSpace then
        "\"" + value + "\""
    else
        value

/// What every script of a command shares.
type ScriptSettings =
    {
        Options: SlurmOptions
        /// The folder the job runs in (relative paths of the command are resolved there).
        WorkingDirectory: string
        /// The command's program and arguments (e.g. dotnet, ecdpde.dll, discover, …).
        Command: string list
        /// The folder of the jobs' logs.
        Logs: string
    }

let private header (s: ScriptSettings) (name: string) (log: string) (lines: string list) =
    let o = s.Options
    let text = StringBuilder("#!/bin/bash\n")

    for comment in lines do
        text.Append("# ").AppendLine(comment) |> ignore

    let directive (d: string) =
        text.Append("#SBATCH ").AppendLine(d) |> ignore

    directive ("--job-name=" + directiveValue "the job name" name)
    directive ("--chdir=" + directiveValue "the working directory" s.WorkingDirectory)
    directive ("--output=" + directiveValue "the log folder" (IO.Path.Combine(s.Logs, log)))
    directive "--open-mode=append"
    directive (sprintf "--cpus-per-task=%d" o.CpusPerTask)

    o.Partition
    |> Option.iter (fun p -> directive ("--partition=" + directiveValue "--partition" p))

    o.Time
    |> Option.iter (fun t -> directive ("--time=" + directiveValue "--time" t))

    o.Memory
    |> Option.iter (fun m -> directive ("--mem=" + directiveValue "--mem" m))

    if o.Requeue then
        directive "--requeue"

    for extra in o.Extra do
        directive extra

    text

let private command (s: ScriptSettings) (extra: string list) =
    String.Join(" ", (s.Command |> List.map quote) @ extra)

/// The array script of a batch: task `SLURM_ARRAY_TASK_ID` runs the command with `taskOption "KEY:ID"`, for the
/// given task ids.
let array (s: ScriptSettings) (key: string) (taskOption: string) (indices: int list) =
    let name = "ecdpde-" + key.Replace('/', '-')

    let text =
        header
            s
            name
            (key.Replace('/', '-') + "-%A_%a.out")
            [
                sprintf
                    "Written by ecdpde: tasks %s of the batch %s, one array task each."
                    (arraySpec indices)
                    key
                "Each task runs the command for its own task (SLURM_ARRAY_TASK_ID) and ends; a finished task is"
                "skipped and an interrupted one resumes from its checkpoint, so this script may be resubmitted as is."
            ]

    text.AppendLine("#SBATCH --array=" + arraySpec indices) |> ignore
    text.AppendLine() |> ignore

    text.AppendLine("exec " + command s [ taskOption; sprintf "\"%s:${SLURM_ARRAY_TASK_ID}\"" key ])
    |> ignore

    text.ToString()

/// The follow-up script: reruns the command with `followUpOption`; it reads the finished tasks back, resubmits the
/// unfinished ones or submits the next batch, or writes the result. Submitted with `--dependency=afterany:ARRAY`.
let followUp (s: ScriptSettings) (followUpOption: string) =
    let text =
        header
            s
            "ecdpde-follow-up"
            "follow-up-%j.out"
            [
                "Written by ecdpde: continues the command once the array before it has ended (submitted with"
                "--dependency=afterany:ARRAY). It reads the finished tasks back and submits what comes next, or"
                "writes the result; rerunning the command by hand does the same."
            ]

    text.AppendLine() |> ignore
    text.AppendLine("exec " + command s [ followUpOption ]) |> ignore
    text.ToString()
