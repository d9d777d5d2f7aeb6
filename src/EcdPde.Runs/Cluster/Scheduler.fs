/// Where independent runs execute: as threads of this process, or as the tasks of Slurm job arrays (each run one
/// array task, a dependent follow-up job continuing the command). Generic: nothing here knows what a run computes.
module EcdPde.Runs.Scheduler

open System

/// How runs are submitted to Slurm (`sbatch` options of every array task and follow-up job).
type SlurmOptions =
    {
        /// `--partition` (None: the cluster's default partition).
        Partition: string option
        /// `--time` of every task, in Slurm's forms (MM, HH:MM:SS, D-HH:MM…; None: the partition's default).
        Time: string option
        /// `--cpus-per-task` (default 1); set `--threads` so that a run's engine threads fit into it.
        CpusPerTask: int
        /// `--mem` of every task, e.g. 4G (None: the cluster's default).
        Memory: string option
        /// Further `sbatch` options, each as on sbatch's command line (`--qos=long`, `--account=proj`).
        Extra: string list
        /// `--requeue`: Slurm requeues a task whose node fails or that is preempted (default true).
        Requeue: bool
        /// How often the unfinished runs of a batch are resubmitted by the follow-up job before they are reported as
        /// failed (default 2).
        Retries: int
    }

/// Where runs execute.
type Scheduler =
    /// As threads of this process (the default).
    | Local
    /// As Slurm job arrays; the command returns once the jobs are submitted.
    | Slurm of SlurmOptions

/// The Slurm options when none is given: one CPU per task, `--requeue`, two resubmissions.
let defaults =
    {
        Partition = None
        Time = None
        CpusPerTask = 1
        Memory = None
        Extra = []
        Requeue = true
        Retries = 2
    }

let private safe (option: string) (value: string) =
    if
        value.Trim() = ""
        || value |> Seq.exists (fun c -> Char.IsControl c || Char.IsWhiteSpace c)
    then
        invalidArg option (sprintf "%s: '%s' must be one word without spaces or line breaks" option value)

/// Checks the options (each error names the option and the value); returns them unchanged.
let validate (o: SlurmOptions) =
    if o.CpusPerTask < 1 then
        invalidArg "cpus-per-task" (sprintf "--cpus-per-task must be at least 1 (got %d)" o.CpusPerTask)

    if o.Retries < 0 then
        invalidArg "retries" (sprintf "--retries must be at least 0 (got %d)" o.Retries)

    o.Partition |> Option.iter (safe "--partition")
    o.Memory |> Option.iter (safe "--mem")

    match o.Time with
    | Some t when t = "" || t |> Seq.exists (fun c -> not (Char.IsDigit c || c = ':' || c = '-')) ->
        invalidArg "time" (sprintf "--time: '%s' is not a Slurm time (MM, HH:MM:SS or D-HH:MM:SS)" t)
    | _ -> ()

    for extra in o.Extra do
        if not (extra.StartsWith "-") || extra |> Seq.exists Char.IsControl then
            invalidArg
                "sbatch-option"
                (sprintf
                    "--sbatch-option: '%s' is not an sbatch option (write it as on sbatch's line, e.g. --qos=long)"
                    extra)

    o
