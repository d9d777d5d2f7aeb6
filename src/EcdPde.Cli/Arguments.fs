/// The command line as Argu unions, with the help text beside each case: one top-level union whose cases are the
/// verbs (subcommands) and the options every verb shares (`--threads`, `--out`, `--seed`, `--quiet`, inherited, so
/// they are spelled the same and may stand before or after the verb). Closed choices are unions, so Argu checks them
/// and lists them in the help.
module EcdPde.Cli.Arguments

open System
open Argu
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open EcdPde.Cli.DriftArguments

/// `reproduce EXPERIMENT`.
[<RequireQualifiedAccess>]
type Experiment =
    | Ackley
    | Zakharov
    | Two_Basin
    | Drift
    | All

/// `--backend`: where losses and optimizers run.
[<RequireQualifiedAccess>]
type Backend =
    /// The native engine and the core's optimizers.
    | Native
    /// TorchSharp (libtorch): the TorchSharp optimizers, the PDE loss by autograd.
    | Torch

let private optimizerNames () =
    String.Join(" | ", OptimizerCatalog.Names)

let private functionNames () =
    String.Join(" | ", SyntheticFunctions.Catalogue |> Seq.map (fun (struct (name, _)) -> name))

/// `ecdpde optimize …`
[<RequireQualifiedAccess>]
type OptimizeArgs =
    | [<Mandatory; Unique>] Optimizer of name: string
    | [<Mandatory; Unique>] Function of name: string
    | [<Unique>] Dim of n: int
    | [<Unique>] X0 of values: string
    | Set of ``key=value``: string
    | [<Unique>] Steps of s: int64
    | [<Unique>] Precision of EcdPde.Runs.Optimize.Precision
    | [<Unique>] Backend of Backend
    | [<Unique>] Trace of file: string
    | [<Unique>] Checkpoint of file: string
    | [<Unique>] Checkpoint_Every of steps: int64
    | Resume

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Optimizer _ -> optimizerNames () + " (`ecdpde list` shows every --set key)."
            | Function _ -> functionNames () + "."
            | Dim _ -> "number of variables (default 2)."
            | X0 _ -> "starting point: one value for every coordinate, or V1,V2,… (default 1)."
            | Set _ -> "hyperparameter by its documented name, e.g. --set lr=0.01 (repeatable)."
            | Steps _ -> "number of steps, at least 1 (default 1000)."
            | Precision _ -> "float64 (default) or float32."
            | Backend _ ->
                "native (default: the core's optimizers) or torch (the TorchSharp optimizers bbi, ecdsep, gdm; same trace and checkpoint files)."
            | Trace _ ->
                "write a CSV trace (step,loss,energy,…; step 0 = the start); default with --out: OUT/trace.csv."
            | Checkpoint _ ->
                "save the optimizer state to this file (atomically) every --checkpoint-every steps and at the end; default with --out: OUT/state.json."
            | Checkpoint_Every _ -> "checkpoint interval in steps, at least 1 (default 10000)."
            | Resume ->
                "continue from the checkpoint (--checkpoint or --out) if it exists (bit-identical continuation)."

/// `ecdpde reproduce …`
[<RequireQualifiedAccess>]
type ReproduceArgs =
    | [<MainCommand; Unique>] Experiment of experiment: Experiment
    | [<Unique>] Starts of n: int
    | [<Unique>] Tries of n: int
    | [<Unique>] Runs of n: int
    | Force

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Experiment _ -> "ackley | zakharov | two-basin | drift | all (default all)."
            | Force ->
                "start over when OUT/ackley holds cells of other settings (--starts, --tries, --seed): the old folder is moved aside to FOLDER.replaced-TIME (never deleted)."
            | Starts _ -> "Ackley: number of random starts (default 100, the paper's)."
            | Tries _ -> "Ackley: tries per start (default 5, the authors')."
            | Runs _ -> "two-basin: number of runs (default 2000, the authors')."

/// `ecdpde discover …`
[<RequireQualifiedAccess>]
type DiscoverArgs =
    | [<MainCommand; Unique>] Example of name: string
    | Param of ``name=value``: string
    | [<Unique>] Runs of n: int
    | [<Unique>] Steps of s: int64
    | [<Unique>] Optimizer of name: string
    | Set of ``key=value``: string
    | [<Unique>] Deflation_Optimizer of name: string
    | Deflation_Set of ``key=value``: string
    | [<Unique>] Deflation_Steps of s: int64
    | [<Unique>] Polish_Steps of s: int64
    | [<Unique>] Deflation_Rounds of n: int
    | [<Unique>] Deflation_Runs of n: int
    | Restarts
    | Force
    | Full
    | [<Unique>] Backend of Backend
    | Fixed_Steps
    | [<Unique>] Capacity_Growths of n: int
    | No_Warm_Starts

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Example _ ->
                "a built-in example ("
                + String.Join(", ", Pde.Discovery.BuiltInExamples.names)
                + "; `ecdpde list` shows each with its parameters) or an F# script SCRIPT.fsx that binds `problem` (a Problem of the PDE language; optionally `settings`, `parameters`, `classical` — see docs/discovery.md)."
            | Param _ ->
                "a parameter of the example, name=value, e.g. --param k=5 (repeatable; paper-pde: k, bratu: lambda, allen-cahn: epsilon). continue: the followed one as name=start:stop:step, e.g. --param k=2:20:1 (a script's: one of its constants)."
            | Runs _ ->
                "runs of the first ensemble: same initialization, different bounce seeds (default: the example's, 2–4)."
            | Steps _ -> "steps per run (default: the example's, 4000–6000)."
            | Optimizer _ ->
                "optimizer (default bbi with δE 1, T0 200, N_b 10, T1 2000 and the example's lr: 0.002, bratu 0.005)."
            | Set _ -> "optimizer hyperparameter key=value (repeatable; replaces the default settings)."
            | Deflation_Optimizer _ ->
                "optimizer of the deflated rounds (default adam with lr 0.001; ecdsep and bbi get their missing settings from the network's size, see docs/discovery.md)."
            | Deflation_Set _ -> "deflation optimizer hyperparameter key=value (repeatable)."
            | Deflation_Steps _ -> "steps of every deflated run (default: the example's)."
            | Polish_Steps _ ->
                "steps on the plain loss after each deflated run, so that minima made by the deflation slide back (default: the example's; allen-cahn 0)."
            | Deflation_Rounds _ ->
                "rounds of deflated runs after the first ensemble, at most (default 4, allen-cahn 3; stops early when one finds nothing new)."
            | Deflation_Runs _ ->
                "runs per deflation round: the first from the initialization, the others from fresh initializations (for known solutions near zero) and from the known solutions with output scaled by 2, −1, ½ (default: the example's, 1–4)."
            | Full ->
                "full size: paper-pde with the BBI paper's network, points, weights and optimizer (k 20, 2 million steps; days on a CPU — set --steps); bratu, allen-cahn with a 64×4 network, 4000 + 800 points, 5× the steps."
            | Backend _ ->
                "where the loss is computed: native (the Taylor-mode engine, default) or torch (TorchSharp autograd; the same loss, slower on a CPU)."
            | Restarts -> "every run from its own initialization (random restarts) instead of one shared one."
            | Fixed_Steps ->
                "every training run takes exactly --steps / --deflation-steps (default: a run stops when its loss stalls — two blocks of a tenth of its steps without a 5% decrease, not before BBI's last fixed bounce — and goes on while it falls, up to 3× its steps)."
            | Capacity_Growths _ ->
                "how often the network may grow (widths doubled; Fourier features scaled to the data's wavenumber when they oscillate) when no run of the first ensemble passed the gates and runs plateaued (stalled) above them (default 1; 0 = never)."
            | No_Warm_Starts ->
                "no warm starts from the classical solutions that no network reached (default: fitted to each by least squares, then trained on the PDE loss)."
            | Force ->
                "start over when the output folder holds a discovery with other settings: the old folder is moved aside to FOLDER.replaced-TIME (never deleted)."

/// `ecdpde report …`
[<RequireQualifiedAccess>]
type ReportArgs =
    | [<MainCommand; Unique; Mandatory>] Folder of dir: string
    | Figures

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Folder _ ->
                "a run folder (what `ecdpde discover`, `ecdpde drift` or `ecdpde optimize --out/--trace/--checkpoint` wrote; the kind is recognized from its files); writes FOLDER/report.html."
            | Figures ->
                "also write the figures as standalone SVG files into FOLDER/figures (discovery folders: per solution heatmap, residual, surface; collocation points; loss; energy; all solutions in one grid)."

/// `ecdpde compare …`
[<RequireQualifiedAccess>]
type CompareArgs =
    | [<MainCommand; Unique>] Study of name_or_file: string
    | Full
    | Force
    | [<Unique>] Backend of Backend

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Study _ ->
                "a built-in study (ackley, zakharov, pinn, multi-solution, deflation-strategies, bounce-only), a study file (JSON, see docs/studies.md) or a multi-solution settings file (format ecdpde-multi-solution-folder/2, as a multi-solution folder keeps it)."
            | Backend _ ->
                "where the PDE losses of the study are computed: native (the Taylor-mode engine, default) or torch (TorchSharp autograd); part of the folder's identity, so cells of the two never mix."
            | Full ->
                "multi-solution: the full size (budgets of 1–16 runs, 3 seeds; about 2 hours) instead of the default (about 8 min on 2 idle cores); bounce-only: 30 bounce seeds per cell instead of 10."
            | Force ->
                "start over when the output folder holds a study with other settings: the old folder is moved aside to FOLDER.replaced-TIME (never deleted)."

/// `--scheduler`: where discover's runs and compare's cells execute.
[<RequireQualifiedAccess>]
type SchedulerKind =
    | Local
    | Slurm

/// `ecdpde status …`
[<RequireQualifiedAccess>]
type StatusArgs =
    | [<MainCommand; Unique; Mandatory>] Folder of dir: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Folder _ ->
                "an output folder of discover or compare: its runs queued, running, done, stopped and failed (from its files, and squeue/sacct where present)."

/// `ecdpde list …`: with no option, everything.
[<RequireQualifiedAccess>]
type ListArgs =
    | Functions
    | Optimizers
    | Examples

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Functions -> "the synthetic functions (optimize --function, drift --function)."
            | Optimizers -> "the optimizers and every --set key."
            | Examples -> "the discovery examples and their --param names, defaults and meaning."

/// Top level: the verbs, and the options they share.
type Command =
    | [<CliPrefix(CliPrefix.None)>] Optimize of ParseResults<OptimizeArgs>
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None)>] Drift of ParseResults<DriftArgs>
    | [<CliPrefix(CliPrefix.None)>] Compare of ParseResults<CompareArgs>
    | [<CliPrefix(CliPrefix.None)>] Discover of ParseResults<DiscoverArgs>
    | [<CliPrefix(CliPrefix.None)>] Continue of ParseResults<DiscoverArgs>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<ReportArgs>
    | [<CliPrefix(CliPrefix.None)>] List of ParseResults<ListArgs>
    | [<CliPrefix(CliPrefix.None)>] Status of ParseResults<StatusArgs>
    | [<Inherit; Unique>] Threads of n: int
    | [<Inherit; Unique>] Out of dir: string
    | [<Inherit; Unique>] Seed of k: uint64
    | [<Inherit>] Quiet
    | [<Inherit; Unique>] Scheduler of SchedulerKind
    | [<Inherit; Unique>] Partition of name: string
    | [<Inherit; Unique>] Time of limit: string
    | [<Inherit; Unique>] Cpus_Per_Task of n: int
    | [<Inherit; Unique>] Mem of size: string
    | [<Inherit; EqualsAssignmentOrSpaced>] Sbatch_Option of option: string
    | [<Inherit; Unique>] Retries of n: int
    | [<Inherit>] No_Requeue
    | [<Inherit; Unique; Hidden>] Task of ``batch:index``: string
    | [<Inherit; Hidden>] Follow_Up

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Optimize _ -> "run one optimizer on a synthetic function."
            | Reproduce _ ->
                "reproduce the published synthetic experiments (Ackley, Zakharov, two basins, energy drift)."
            | Drift _ ->
                "energy-drift analyzer: trace H(t), find the dt* where the tail drift flips sign, fit the drift scaling."
            | Compare _ ->
                "comparative study: problems × solvers × starts × seeds, success rates with intervals, costs, profiles."
            | Discover _ ->
                "find distinct solutions of a nonlinear PDE from one initialization (bounces, then deflation), checked classically."
            | Continue _ ->
                "follow every solution along a parameter (deflated continuation: --param NAME=START:STOP:STEP, and discover's options): continuation.json and a bifurcation diagram."
            | Report _ ->
                "write a self-contained report.html for a discover, drift or optimize output folder (plots, settings, versions)."
            | Status _ -> "queued, running, done, stopped and failed runs of an output folder."
            | List _ ->
                "list functions, optimizers with their --set keys, and examples with their --param names."
            | Threads _ ->
                "cores to use, at least 1 (default all): discover (runs at a time), compare (cells or workflows at a time), reproduce ackley (cells at a time)."
            | Out _ ->
                "output folder (optimize: OUT/trace.csv and OUT/state.json; the others: default out/<verb>/…; a rerun there reads finished work back)."
            | Seed _ -> "seed of every random draw (default 0; reproduce: 2022; compare: the study's)."
            | Quiet -> "no progress lines on stderr."
            | Scheduler _ ->
                "discover, continue, compare: local (default: threads of this process) or slurm (every run, study cell or multi-solution workflow a task of a Slurm job array; the command submits and returns, a follow-up job continues it; see docs/cluster.md)."
            | Partition _ -> "slurm: sbatch --partition (default: the cluster's)."
            | Time _ ->
                "slurm: time limit of every task, sbatch --time (e.g. 2:00:00; default: the partition's)."
            | Cpus_Per_Task _ ->
                "slurm: sbatch --cpus-per-task (default 1; also the default --threads under slurm)."
            | Mem _ -> "slurm: memory of every task, sbatch --mem (e.g. 4G; default: the cluster's)."
            | Sbatch_Option _ ->
                "slurm: a further sbatch option, e.g. --sbatch-option=--qos=long (repeatable)."
            | Retries _ ->
                "slurm: how often the follow-up job resubmits unfinished tasks before reporting them failed (default 2)."
            | No_Requeue ->
                "slurm: submit without sbatch --requeue (a task on a failed node is not requeued)."
            | Task _ -> "(internal) run only this task of a batch: what an array task runs."
            | Follow_Up -> "(internal) the follow-up job of an array."

/// The exit codes, as the help's footer and the README state them.
let exitCodes =
    """EXIT CODES:

    0    success.
    1    finished without a result: discover found no solution that passed the quality gates.
    2    bad input: an unknown or invalid option, value, example, script or file; the message names it.
    3    a run stopped early: the loss or gradient became NaN/infinite (the last finite state is kept).
    4    --scheduler slurm: tasks did not finish after every resubmission; no result was written.
    70   internal error (a bug; please report the message).
    130  interrupted (SIGINT): every run stopped at a checkpoint; rerun the same command to continue.
    143  terminated (SIGTERM): the same. A second signal stops at once (the last periodic checkpoints stay)."""
