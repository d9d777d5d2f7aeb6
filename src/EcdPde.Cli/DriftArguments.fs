/// The command line of `drift` (its subcommands trace, find, scaling) as Argu unions, with the help text beside each
/// case; the top-level union is in Arguments.
module EcdPde.Cli.DriftArguments

open Argu

/// `drift … --noise`.
[<RequireQualifiedAccess>]
type Noise =
    | None
    | Gradient
    | Momentum

/// `drift trace|find --method`.
[<RequireQualifiedAccess>]
type DriftMethod =
    | Leapfrog
    | Euler
    | Bbi
    | Ecdsep

/// `ecdpde drift trace …`
[<RequireQualifiedAccess>]
type DriftTraceArgs =
    | [<Unique>] Method of DriftMethod
    | [<Unique>] Dt of dt: float

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Method _ -> "leapfrog (default) | euler | bbi | ecdsep."
            | Dt _ -> "the step size (default 0.0025)."

/// `ecdpde drift find …`
[<RequireQualifiedAccess>]
type DriftFindArgs =
    | [<Unique>] Method of DriftMethod
    | [<Unique>] Dt_Lo of dt: float
    | [<Unique>] Dt_Hi of dt: float
    | [<Unique>] Seeds of n: int
    | [<Unique>] Tol of dt: float
    | [<Unique>] Scan of n: int
    | [<Unique>] Significance of z: float

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Method _ -> "leapfrog (default) | euler | bbi | ecdsep."
            | Dt_Lo _ -> "lower end of the bracket (default 0.0022)."
            | Dt_Hi _ -> "upper end of the bracket (default 0.0028)."
            | Seeds _ -> "runs per step size (default 20)."
            | Tol _ -> "bisect until the bracket is narrower than this (default 1e-5)."
            | Scan _ -> "interior points scanned when the ends do not bracket a flip (default 8)."
            | Significance _ -> "a sign is significant when |mean| ≥ z·SE (default 2)."

/// `ecdpde drift scaling …`
[<RequireQualifiedAccess>]
type DriftScalingArgs =
    | [<Unique>] Methods of names: string
    | [<Unique>] Dts of values: string
    | [<Unique>] Horizon of t: float
    | [<Unique>] Seeds of n: int

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Methods _ ->
                "comma-separated methods out of leapfrog, euler, bbi, ecdsep (default leapfrog,euler)."
            | Dts _ -> "comma-separated step sizes (default 0.04,0.02,0.01,0.005)."
            | Horizon _ ->
                "fixed time span T, round(T/Δt) steps per run (default 10; or --steps for fixed steps)."
            | Seeds _ -> "runs per step size (default 5)."

/// `ecdpde drift trace|find|scaling …`: the modes are subcommands; the options they share are inherited, so they may
/// stand before or after the mode.
[<RequireQualifiedAccess>]
type DriftArgs =
    | [<CliPrefix(CliPrefix.None)>] Trace of ParseResults<DriftTraceArgs>
    | [<CliPrefix(CliPrefix.None)>] Find of ParseResults<DriftFindArgs>
    | [<CliPrefix(CliPrefix.None)>] Scaling of ParseResults<DriftScalingArgs>
    | [<Inherit; Unique>] Function of name: string
    | [<Inherit; Unique>] Dim of n: int
    | [<Inherit; Unique>] X0 of values: string
    | [<Inherit; Unique>] P0 of values: string
    | [<Inherit; Unique>] Mass of m: float
    | [<Inherit>] Set of ``key=value``: string
    | [<Inherit; Unique>] Noise of Noise
    | [<Inherit; Unique>] Sigma of s: float
    | [<Inherit; Unique>] Steps of n: int64
    | [<Inherit; Unique>] Warmup of n: int64
    | [<Inherit; Unique>] Tail of fraction: float

    interface IArgParserTemplate with
        member a.Usage =
            match a with
            | Trace _ -> "watch H(t) and ΔH(t) of one run."
            | Find _ -> "find the dt* where the tail drift changes sign (scan + bisection over seeds)."
            | Scaling _ -> "log-log slope of the drift against Δt, per method."
            | Function _ ->
                "the potential U of leapfrog/euler and the objective of bbi/ecdsep (default quadratic: ½|x|², the toy oscillator)."
            | Dim _ -> "number of coordinates (default 2)."
            | X0 _ -> "start x (θ for the optimizers): one value or V1,V2,… (default 1,0)."
            | P0 _ -> "start p for leapfrog/euler: one value or V1,V2,… (default 0,1)."
            | Mass _ -> "mass m of H = |p|²/2m + U(x) for leapfrog/euler (default 0.35)."
            | Set _ ->
                "bbi/ecdsep hyperparameter, e.g. --set eta=1.2 (repeatable; drift defaults: consEn=false, no bounces; lr is Δt)."
            | Noise _ ->
                "none (default) | gradient (√Δt·σ·ξ added to each gradient) | momentum (√Δt·σ·ξ added to p after each step)."
            | Sigma _ -> "noise intensity σ (needed with --noise gradient|momentum)."
            | Steps _ ->
                "measured steps per run (default 1000; scaling: fixed steps at every Δt instead of --horizon)."
            | Warmup _ -> "steps before E0 is re-based to H(t) (default 0)."
            | Tail _ -> "fraction of the measured steps forming the tail (default 0.2)."
