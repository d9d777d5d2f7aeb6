/// The command line as Argu unions, with the help text beside each case.
module EcdPde.Cli.Arguments

open Argu

/// `ecdpde optimize …`
type OptimizeArgs =
    | [<Mandatory; Unique>] Optimizer of name: string
    | [<Mandatory; Unique>] Function of name: string
    | [<Unique>] Dim of n: int
    | [<Unique>] X0 of values: string
    | Set of key_value: string
    | [<Unique>] Steps of s: int64
    | [<Unique>] Seed of k: uint64
    | [<Unique>] Precision of p: string
    | [<Unique>] Trace of file: string
    | [<Unique>] Checkpoint of file: string
    | [<Unique>] Checkpoint_Every of steps: int64
    | Resume
    | Quiet

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Optimizer _ -> "bbi | ecdsep | gdm | adam | adamw | lbfgs."
            | Function _ -> "ackley | ackley002 | zakharov | two-basin | rosenbrock | rastrigin | quadratic."
            | Dim _ -> "number of variables (default 2)."
            | X0 _ -> "starting point: one value for every coordinate, or V1,V2,… (default 1)."
            | Set _ -> "hyperparameter by its documented name, e.g. --set lr=0.01 (repeatable)."
            | Steps _ -> "number of steps (default 1000)."
            | Seed _ -> "seed of every random draw (default 0)."
            | Precision _ -> "float64 (default) or float32."
            | Trace _ -> "write a CSV trace (step,loss,energy,…; step 0 = the start)."
            | Checkpoint _ ->
                "save the optimizer state to this file (atomically) every --checkpoint-every steps and at the end."
            | Checkpoint_Every _ -> "checkpoint interval in steps (default 10000)."
            | Resume -> "continue from the --checkpoint file if it exists (bit-identical continuation)."
            | Quiet -> "no progress lines on stderr."

/// `ecdpde reproduce …`
type ReproduceArgs =
    | [<MainCommand; Unique>] Experiment of name: string
    | [<Unique>] Starts of n: int
    | [<Unique>] Tries of n: int
    | [<Unique>] Runs of n: int
    | [<Unique>] Seed of k: uint64
    | [<Unique>] Out of dir: string

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Experiment _ -> "ackley | zakharov | two-basin | drift | all."
            | Starts _ -> "Ackley: number of random starts (default 100, the paper's)."
            | Tries _ -> "Ackley: tries per start (default 5, the authors')."
            | Runs _ -> "two-basin: number of runs (default 2000, the authors')."
            | Seed _ -> "seed (default 2022)."
            | Out _ -> "output folder for results.json and results.md (default out/reproduce)."

/// `ecdpde drift trace|find|scaling …`: one union for the three modes; each option says where it applies.
[<RequireQualifiedAccess>]
type DriftArgs =
    | [<MainCommand; Unique>] Mode of mode: string
    | [<Unique>] Method of name: string
    | [<Unique>] Methods of names: string
    | [<Unique>] Function of name: string
    | [<Unique>] Dim of n: int
    | [<Unique>] X0 of values: string
    | [<Unique>] P0 of values: string
    | [<Unique>] Mass of m: float
    | Set of key_value: string
    | [<Unique>] Noise of channel: string
    | [<Unique>] Sigma of s: float
    | [<Unique>] Dt of dt: float
    | [<Unique>] Dt_Lo of dt: float
    | [<Unique>] Dt_Hi of dt: float
    | [<Unique>] Dts of values: string
    | [<Unique>] Steps of n: int64
    | [<Unique>] Horizon of t: float
    | [<Unique>] Warmup of n: int64
    | [<Unique>] Tail of fraction: float
    | [<Unique>] Seed of k: uint64
    | [<Unique>] Seeds of n: int
    | [<Unique>] Tol of dt: float
    | [<Unique>] Scan of n: int
    | [<Unique>] Significance of z: float
    | [<Unique>] Out of dir: string
    | Quiet

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | DriftArgs.Mode _ ->
                "trace (watch H(t) and ΔH(t)) | find (the dt* where the tail drift changes sign) | scaling (log-log slope of the drift)."
            | DriftArgs.Method _ -> "trace, find: leapfrog (default) | euler | bbi | ecdsep."
            | DriftArgs.Methods _ -> "scaling: comma-separated methods (default leapfrog,euler)."
            | DriftArgs.Function _ ->
                "the potential U of leapfrog/euler and the objective of bbi/ecdsep (default quadratic: ½|x|², the toy oscillator)."
            | DriftArgs.Dim _ -> "number of coordinates (default 2)."
            | DriftArgs.X0 _ -> "start x (θ for the optimizers): one value or V1,V2,… (default 1,0)."
            | DriftArgs.P0 _ -> "start p for leapfrog/euler: one value or V1,V2,… (default 0,1)."
            | DriftArgs.Mass _ -> "mass m of H = |p|²/2m + U(x) for leapfrog/euler (default 0.35)."
            | DriftArgs.Set _ ->
                "bbi/ecdsep hyperparameter, e.g. --set eta=1.2 (repeatable; drift defaults: consEn=false, no bounces; lr is Δt)."
            | DriftArgs.Noise _ ->
                "none (default) | gradient (√Δt·σ·ξ added to each gradient) | momentum (√Δt·σ·ξ added to p after each step)."
            | DriftArgs.Sigma _ -> "noise intensity σ (needed with --noise gradient|momentum)."
            | DriftArgs.Dt _ -> "trace: the step size (default 0.0025)."
            | DriftArgs.Dt_Lo _ -> "find: lower end of the bracket (default 0.0022)."
            | DriftArgs.Dt_Hi _ -> "find: upper end of the bracket (default 0.0028)."
            | DriftArgs.Dts _ -> "scaling: comma-separated step sizes (default 0.04,0.02,0.01,0.005)."
            | DriftArgs.Steps _ ->
                "measured steps per run (default 1000; scaling: fixed steps at every Δt instead of --horizon)."
            | DriftArgs.Horizon _ -> "scaling: fixed time span T, round(T/Δt) steps per run (default 10)."
            | DriftArgs.Warmup _ -> "steps before E0 is re-based to H(t) (default 0)."
            | DriftArgs.Tail _ -> "fraction of the measured steps forming the tail (default 0.2)."
            | DriftArgs.Seed _ -> "base seed; run i uses a seed derived from it (default 0)."
            | DriftArgs.Seeds _ -> "find, scaling: runs per step size (default 20 for find, 5 for scaling)."
            | DriftArgs.Tol _ -> "find: bisect until the bracket is narrower than this (default 1e-5)."
            | DriftArgs.Scan _ ->
                "find: interior points scanned when the ends do not bracket a flip (default 8)."
            | DriftArgs.Significance _ -> "find: a sign is significant when |mean| ≥ z·SE (default 2)."
            | DriftArgs.Out _ -> "output folder for CSV, JSON and the HTML report (default out/drift/<mode>)."
            | DriftArgs.Quiet -> "no progress lines on stderr."

/// `ecdpde discover …`
[<RequireQualifiedAccess>]
type DiscoverArgs =
    | [<MainCommand; Unique>] Example of name: string
    | [<Unique>] Runs of n: int
    | [<Unique>] Steps of s: int64
    | [<Unique>] Optimizer of name: string
    | Set of key_value: string
    | [<Unique>] Deflation_Optimizer of name: string
    | Deflation_Set of key_value: string
    | [<Unique>] Deflation_Steps of s: int64
    | [<Unique>] Polish_Steps of s: int64
    | [<Unique>] Seed of k: uint64
    | [<Unique>] Threads of t: int
    | [<Unique>] Out of dir: string
    | [<Unique>] K of k: float
    | [<Unique>] Lambda of lambda: float
    | [<Unique>] Epsilon of epsilon: float
    | [<Unique>] Deflation_Rounds of n: int
    | [<Unique>] Deflation_Runs of n: int
    | Restarts
    | Full
    | Quiet

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Example _ ->
                "paper-pde (−Δu + u² = f_k on the unit disk), bratu (Δu + λe^u = 0 on the unit square) or allen-cahn (ε²Δu + u − u³ = 0 on the unit square)."
            | Runs _ ->
                "runs of the first ensemble: same initialization, different bounce seeds (default: the example's, 2–4)."
            | Steps _ -> "steps per run (default: the example's, 4000–6000)."
            | Optimizer _ ->
                "optimizer (default bbi with δE 1, T0 200, N_b 10, T1 2000 and the example's lr: 0.002, bratu 0.005)."
            | Set _ -> "optimizer hyperparameter key=value (repeatable; replaces the default settings)."
            | Deflation_Optimizer _ -> "optimizer of the deflated rounds (default adam with lr 0.001)."
            | Deflation_Set _ -> "deflation optimizer hyperparameter key=value (repeatable)."
            | Deflation_Steps _ -> "steps of every deflated run (default: the example's)."
            | Polish_Steps _ ->
                "steps on the plain loss after each deflated run, so that minima made by the deflation slide back (default: the example's; allen-cahn 0)."
            | Seed _ -> "seed of the initialization and of every bounce (default 0)."
            | Threads _ -> "cores to use (default all)."
            | Out _ ->
                "output folder (default out/discover/<example>); rerunning there reads finished runs back."
            | K _ -> "paper-pde: k (default 2; the paper's full size is 20)."
            | Lambda _ -> "bratu: λ (default 6)."
            | Epsilon _ -> "allen-cahn: ε (default 0.15: three solutions; below 0.142 more)."
            | Deflation_Rounds _ ->
                "rounds of deflated runs after the first ensemble (default: the example's, 2–3; stops early when one finds nothing new)."
            | Deflation_Runs _ ->
                "runs per deflation round: the first from the initialization, the others from fresh initializations (for known solutions near zero) and from the known solutions with output scaled by 2, −1, ½ (default: the example's, 1–4)."
            | Full ->
                "full size: paper-pde with the BBI paper's network, points, weights and optimizer (k 20, 2 million steps; days on a CPU — set --steps); bratu, allen-cahn with a 64×4 network, 4000 + 800 points, 5× the steps."
            | Restarts -> "every run from its own initialization (random restarts) instead of one shared one."
            | Quiet -> "no progress lines."

/// `ecdpde report …`
[<RequireQualifiedAccess>]
type ReportArgs =
    | [<MainCommand; Unique; Mandatory>] Folder of dir: string
    | Figures

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Folder _ ->
                "a run folder (what `ecdpde discover`, `ecdpde drift` or `ecdpde optimize --trace/--checkpoint` wrote; the kind is recognized from its files); writes FOLDER/report.html."
            | Figures ->
                "also write the figures as standalone SVG files into FOLDER/figures (discovery folders: per solution heatmap, residual, surface; collocation points; loss; energy; all solutions in one grid)."

/// `ecdpde compare …`
[<RequireQualifiedAccess>]
type CompareArgs =
    | [<MainCommand; Unique>] Study of name_or_file: string
    | [<Unique>] Out of dir: string
    | [<Unique>] Parallel of n: int
    | Full

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Study _ ->
                "a built-in study (ackley, zakharov, pinn, multi-solution) or a study file (JSON, see docs/studies.md)."
            | Out _ ->
                "output folder (default out/compare/<study>); a rerun there skips finished cells or runs."
            | Parallel _ -> "cells (multi-solution: workflows) at a time (default: all cores)."
            | Full ->
                "multi-solution: the full size (budgets of 1–16 runs, 3 seeds; about 2 hours) instead of the default (about 8 min on 2 idle cores)."

/// Top level.
type Command =
    | [<CliPrefix(CliPrefix.None)>] Optimize of ParseResults<OptimizeArgs>
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None)>] Drift of ParseResults<DriftArgs>
    | [<CliPrefix(CliPrefix.None)>] Compare of ParseResults<CompareArgs>
    | [<CliPrefix(CliPrefix.None)>] Discover of ParseResults<DiscoverArgs>
    | [<CliPrefix(CliPrefix.None)>] Report of ParseResults<ReportArgs>
    | [<CliPrefix(CliPrefix.None)>] List

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
            | Report _ ->
                "write a self-contained report.html for a discover, drift or optimize output folder (plots, settings, versions)."
            | List -> "list functions, optimizers and their hyperparameters."
