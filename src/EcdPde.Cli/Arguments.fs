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

/// Top level.
type Command =
    | [<CliPrefix(CliPrefix.None)>] Optimize of ParseResults<OptimizeArgs>
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None)>] List

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Optimize _ -> "run one optimizer on a synthetic function."
            | Reproduce _ ->
                "reproduce the published synthetic experiments (Ackley, Zakharov, two basins, energy drift)."
            | List -> "list functions, optimizers and their hyperparameters."
