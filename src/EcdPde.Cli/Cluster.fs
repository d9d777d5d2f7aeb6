/// `--scheduler local|slurm` and the Slurm options of `discover` and `compare`: the scheduler, what this process is
/// to the jobs (started by hand, a follow-up job, an array task) and the executor that runs or submits the runs.
module EcdPde.Cli.Cluster

open System
open System.IO
open Argu
open EcdPde.Runs
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

/// The cluster options of a command line.
type Cluster =
    {
        Scheduler: Scheduler.Scheduler
        Role: SlurmExecutor.Role
        /// The command line as given (for the jobs' command).
        Argv: string list
    }

/// The cluster options of the parsed command line `argv`.
let ofResults (argv: string list) (results: ParseResults<Command>) =
    let scheduler =
        match results.TryGetResult Scheduler with
        | Some SchedulerKind.Slurm ->
            Scheduler.Slurm(
                Scheduler.validate
                    { Scheduler.defaults with
                        Partition = results.TryGetResult Partition
                        Time = results.TryGetResult Time
                        CpusPerTask = results.GetResult(Cpus_Per_Task, Scheduler.defaults.CpusPerTask)
                        Memory = results.TryGetResult Mem
                        Extra = results.GetResults Sbatch_Option
                        Requeue = not (results.Contains No_Requeue)
                        Retries = results.GetResult(Retries, Scheduler.defaults.Retries)
                    }
            )
        | _ ->
            let slurmOnly =
                [
                    results.Contains Partition, "--partition"
                    results.Contains Time, "--time"
                    results.Contains Cpus_Per_Task, "--cpus-per-task"
                    results.Contains Mem, "--mem"
                    results.Contains Sbatch_Option, "--sbatch-option"
                    results.Contains Retries, "--retries"
                    results.Contains No_Requeue, "--no-requeue"
                    results.Contains Task, "--task"
                    results.Contains Follow_Up, "--follow-up"
                ]

            match slurmOnly |> List.tryFind fst with
            | Some(_, option) -> invalidArg option (sprintf "%s applies with --scheduler slurm only" option)
            | None -> Scheduler.Local

    let role =
        match results.TryGetResult Task with
        | Some task -> SlurmExecutor.Task(SlurmExecutor.parseTask task)
        | None when results.Contains Follow_Up -> SlurmExecutor.FollowUp
        | None -> SlurmExecutor.Submitter

    {
        Scheduler = scheduler
        Role = role
        Argv = argv
    }

/// Refuses `--scheduler` on a verb that does not run batches.
let refuse (verb: string) (c: Cluster) =
    if c.Scheduler <> Scheduler.Local then
        invalidArg
            "scheduler"
            (sprintf "--scheduler applies to discover, continue and compare, not to %s" verb)

/// The shared options as the runs see them: under Slurm without `--threads`, `--cpus-per-task` threads (so that a
/// task uses what it was given and the count is recorded in the command, not taken from a node's cores).
let shared (c: Cluster) (common: Shared) =
    match c.Scheduler, common.Threads with
    | Scheduler.Slurm o, None ->
        { common with
            Threads = Some o.CpusPerTask
        }
    | _ -> common

/// The program that runs this command: the apphost, or `dotnet ecdpde.dll`.
let private program () =
    let host = Environment.ProcessPath |> Option.ofObj |> Option.defaultValue "dotnet"

    if Path.GetFileNameWithoutExtension host = "dotnet" then
        let entry = Reflection.Assembly.GetEntryAssembly()

        match entry with
        | null -> [ host ]
        | a -> [ host; a.Location ]
    else
        [ host ]

/// The command the jobs rerun: this command line without `--force` (a follow-up must not move the folder aside) and
/// the role options, with the thread count spelled out.
let private jobCommand (c: Cluster) (threads: int) =
    let rec strip (args: string list) =
        match args with
        | "--force" :: rest
        | "--follow-up" :: rest -> strip rest
        | "--task" :: _ :: rest -> strip rest
        | a :: rest -> a :: strip rest
        | [] -> []

    let args = strip c.Argv

    let args =
        if List.contains "--threads" args then
            args
        else
            args @ [ "--threads"; string threads ]

    program () @ args

/// The executor of the runs written under `root`.
let executor (c: Cluster) (common: Shared) (root: string) : TaskBatch.Executor =
    match c.Scheduler with
    | Scheduler.Local -> TaskBatch.inProcess
    | Scheduler.Slurm o ->
        SlurmExecutor.executor
            {
                Options = o
                Root = Path.GetFullPath root
                WorkingDirectory = Environment.CurrentDirectory
                Command = jobCommand c (defaultArg (shared c common).Threads o.CpusPerTask)
                TaskOption = "--task"
                FollowUpOption = "--follow-up"
                Role = c.Role
            }

/// After the command's work returned: an array task must have stopped at its own task, never here.
let ended (c: Cluster) =
    match c.Role with
    | SlurmExecutor.Task(key, index) ->
        invalidOp (
            sprintf
                "--task %s:%d: the command has no such batch (its settings differ from the submitted ones?)"
                key
                index
        )
    | _ -> ()
