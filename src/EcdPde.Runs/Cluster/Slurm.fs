/// Slurm's commands as EcdPde uses them: `sbatch --parsable` to submit, `squeue` for the jobs still queued or
/// running, `sacct` (where accounting is enabled) for how finished jobs ended. The parsers are separate from the
/// calls so that they can be tested on recorded output.
module EcdPde.Runs.Slurm

open System
open System.Diagnostics
open System.IO

/// A Slurm command that failed (not found, or a non-zero exit).
type SlurmCommandException(message: string) =
    inherit IOException(message)

/// One job or array task as `squeue`/`sacct` show it.
type JobState =
    {
        /// The job id (for an array task, the array's job id).
        Job: string
        /// The array task id, for a task of an array.
        Task: int option
        /// Slurm's state name: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, …
        State: string
    }

/// Runs `program args`; returns (exit code, stdout, stderr), or raises SlurmCommandException when it cannot start.
let private call (program: string) (args: string list) =
    let psi =
        ProcessStartInfo(
            program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        )

    for a in args do
        psi.ArgumentList.Add a

    let started =
        try
            Process.Start psi
        with :? ComponentModel.Win32Exception as e ->
            raise (
                SlurmCommandException(
                    sprintf
                        "%s could not be started (%s): --scheduler slurm needs Slurm's commands on the PATH (e.g. `module load slurm`)"
                        program
                        e.Message
                )
            )

    use p =
        match started with
        | null -> raise (SlurmCommandException(sprintf "%s could not be started" program))
        | p -> p

    let err = p.StandardError.ReadToEndAsync()
    let out = p.StandardOutput.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out, err.Result

/// The job id `sbatch --parsable` printed ("1234" or "1234;cluster").
let parseJobId (output: string) =
    let line = output.Trim().Split('\n') |> Array.last
    let id = (line.Split(';')[0]).Trim()

    if id = "" || not (id |> Seq.forall Char.IsDigit) then
        raise (SlurmCommandException(sprintf "sbatch printed no job id: '%s'" (output.Trim())))

    id

/// Submits `script` with further sbatch options; returns the job id.
let submit (options: string list) (script: string) =
    let code, out, err = call "sbatch" ([ "--parsable" ] @ options @ [ script ])

    if code <> 0 then
        raise (SlurmCommandException(sprintf "sbatch %s failed (exit %d): %s" script code (err.Trim())))

    parseJobId out

/// A job id column of squeue/sacct ("12", "12_3", "12_[4-7]" of a not yet expanded array, "12.batch" of a step):
/// the job and the task; None for steps and unexpanded ranges.
let private parseJobColumn (column: string) =
    if column.Contains '.' || column.Contains '[' then
        None
    else
        match column.Split('_') with
        | [| job |] -> Some(job, None)
        | [| job; task |] ->
            match Int32.TryParse task with
            | true, t -> Some(job, Some t)
            | _ -> None
        | _ -> None

/// Lines of `JOBID|STATE` (squeue -o "%i|%T", sacct -P -o JobID,State) as job states; other lines are skipped.
let parseStates (output: string) =
    [
        for line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries) do
            match line.Trim().Split('|') with
            | [| column; state |] ->
                match parseJobColumn column with
                | Some(job, task) ->
                    // sacct writes "CANCELLED by 0": the state is the first word
                    yield
                        {
                            Job = job
                            Task = task
                            State = state.Trim().Split(' ')[0]
                        }
                | None -> ()
            | _ -> ()
    ]

/// The jobs and array tasks still in the queue (pending, running, completing, requeued …), one entry per task.
let queue () =
    let code, out, err = call "squeue" [ "-h"; "-r"; "-o"; "%i|%T" ]

    if code <> 0 then
        raise (SlurmCommandException(sprintf "squeue failed (exit %d): %s" code (err.Trim())))

    parseStates out

/// The states of a job that is still in the queue (not yet ended).
let isActive (state: string) =
    not (
        List.contains
            state
            [
                "COMPLETED"
                "FAILED"
                "CANCELLED"
                "TIMEOUT"
                "NODE_FAIL"
                "OUT_OF_MEMORY"
                "BOOT_FAIL"
                "DEADLINE"
                "PREEMPTED"
            ]
    )

/// How the given jobs ended, from Slurm's accounting (`sacct`); where accounting is disabled (no slurmdbd), from the
/// controller's memory of recently ended jobs (`squeue --states=all`, which keeps an ended job for the cluster's
/// MinJobAge, 300 s by default); None when neither answers.
let accounting (jobs: string list) =
    let answer (program: string) (args: string list) =
        try
            match call program args with
            | 0, out, _ -> Some(parseStates out)
            | _ -> None
        with :? SlurmCommandException ->
            None

    if jobs.IsEmpty then
        Some []
    else
        match answer "sacct" [ "-n"; "-P"; "-X"; "-j"; String.Join(",", jobs); "-o"; "JobID,State" ] with
        | Some states -> Some states
        | None ->
            answer "squeue" [ "-h"; "-r"; "-t"; "all"; "-o"; "%i|%T" ]
            |> Option.map (List.filter (fun j -> List.contains j.Job jobs && not (isActive j.State)))
