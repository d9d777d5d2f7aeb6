/// `ecdpde drift trace|find|scaling`: the energy-drift analyzer on the command line. Prints a table, writes
/// CSV + JSON + a self-contained HTML report into --out.
module EcdPde.Cli.DriftCommand

open System
open System.Diagnostics
open Argu
open Ecd.Core.Drift
open Ecd.Core.Optimizers
open EcdPde.Studies.Drift
open EcdPde.Reports.Drift
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Cli.Arguments
open EcdPde.Cli.DriftArguments
open EcdPde.Cli.Common

let private seedOf (common: Shared) = defaultArg common.Seed 0UL

let private outOf (common: Shared) (mode: string) =
    defaultArg common.Out (IO.Path.Combine("out", "drift", mode))

let private methodOf (m: DriftMethod) =
    match m with
    | DriftMethod.Leapfrog -> Dynamics.Leapfrog
    | DriftMethod.Euler -> Dynamics.Euler
    | DriftMethod.Bbi -> Dynamics.Bbi
    | DriftMethod.Ecdsep -> Dynamics.EcdSep

let private noiseOf (args: ParseResults<DriftArgs>) =
    let sigma = args.GetResult(DriftArgs.Sigma, 0.0)

    let channel =
        match args.GetResult(DriftArgs.Noise, Noise.None) with
        | Noise.None -> NoiseChannel.None
        | Noise.Gradient -> NoiseChannel.Gradient
        | Noise.Momentum -> NoiseChannel.Momentum

    if not (Double.IsFinite sigma && sigma >= 0.0) then
        invalidArg "sigma" (sprintf "--sigma = %s must be a finite number ≥ 0" (Number.exact sigma))

    if channel = NoiseChannel.None && sigma > 0.0 then
        invalidArg
            "sigma"
            (sprintf
                "--sigma = %s has no effect with --noise none; choose --noise gradient or momentum"
                (Number.exact sigma))

    if channel <> NoiseChannel.None && sigma = 0.0 then
        invalidArg "sigma" (sprintf "--noise %O needs --sigma > 0 (got 0)" channel)

    NoiseOptions.On(channel, sigma)

let private specOf (args: ParseResults<DriftArgs>) (m: Dynamics.Method) : Dynamics.Spec =
    {
        Method = m
        Function = args.GetResult(DriftArgs.Function, "quadratic")
        Dim = args.GetResult(DriftArgs.Dim, 2)
        X0 =
            args.TryGetResult DriftArgs.X0
            |> Option.map (parseFloats "--x0")
            |> Option.defaultValue []
        P0 =
            args.TryGetResult DriftArgs.P0
            |> Option.map (parseFloats "--p0")
            |> Option.defaultValue []
        Mass = args.GetResult(DriftArgs.Mass, SeparableHamiltonian.DefaultMass)
        Settings = keyValues (args.GetResults DriftArgs.Set)
    }

let private protocolOf (args: ParseResults<DriftArgs>) : TailDrift.Protocol =
    let p: TailDrift.Protocol =
        {
            Steps = args.GetResult(DriftArgs.Steps, 1000L)
            Warmup = args.GetResult(DriftArgs.Warmup, 0L)
            TailFraction = args.GetResult(DriftArgs.Tail, 0.2)
        }

    TailDrift.validate p
    p

let private commonContext (common: Shared) (noise: NoiseOptions) =
    [
        "command", common.CommandLine
        "noise", ReportFiles.describeNoise noise
        "base seed", string (seedOf common)
    ]

let private finish (dir: string) (files: string list) =
    printfn ""
    printfn "results written to %s (%s)" (IO.Path.GetFullPath dir) (String.Join(", ", files))
    0

let private trace (common: Shared) (args: ParseResults<DriftArgs>) (mode: ParseResults<DriftTraceArgs>) =
    let m = methodOf (mode.GetResult(DriftTraceArgs.Method, DriftMethod.Leapfrog))
    let noise = noiseOf args
    let p = protocolOf args
    let dt = mode.GetResult(DriftTraceArgs.Dt, 0.0025)

    if not (Double.IsFinite dt && dt > 0.0) then
        invalidArg "dt" (sprintf "--dt = %s must be a finite number > 0" (Number.exact dt))

    let dyn = Dynamics.build (specOf args m)
    let seed = seedOf common
    let measured = TailDrift.run dyn p noise dt seed

    let context =
        commonContext common noise
        @ [
            "dynamics", dyn.Description
            "dt", Number.exact dt
            "seed of the run", string seed
        ]

    printfn "%s" dyn.Description
    printfn "noise: %s, seed %d" (ReportFiles.describeNoise noise) seed
    printfn "%s" (TraceReport.table measured)
    let dir = outOf common "trace"
    ReportFiles.write dir "trace.csv" (TraceReport.csv measured) |> ignore

    ReportFiles.write dir "trace.json" (TraceReport.json context dyn.Description measured)
    |> ignore

    ReportFiles.write dir "trace.html" (TraceReport.html context dyn.Description measured)
    |> ignore

    match measured.Stopped with
    | Some why ->
        eprintfn "warning: the run ended early: %s" why
        finish dir [ "trace.csv"; "trace.json"; "trace.html" ] |> ignore
        3
    | None -> finish dir [ "trace.csv"; "trace.json"; "trace.html" ]

/// The boundary finder's settings from `drift find`'s options (defaults where absent).
let private finderSettings (mode: ParseResults<DriftFindArgs>) : BoundaryFinder.FinderSettings =
    {
        DtLo = mode.GetResult(DriftFindArgs.Dt_Lo, BoundaryFinder.defaults.DtLo)
        DtHi = mode.GetResult(DriftFindArgs.Dt_Hi, BoundaryFinder.defaults.DtHi)
        Seeds = mode.GetResult(DriftFindArgs.Seeds, BoundaryFinder.defaults.Seeds)
        Tolerance = mode.GetResult(DriftFindArgs.Tol, BoundaryFinder.defaults.Tolerance)
        ScanPoints = mode.GetResult(DriftFindArgs.Scan, BoundaryFinder.defaults.ScanPoints)
        Significance = mode.GetResult(DriftFindArgs.Significance, BoundaryFinder.defaults.Significance)
    }

/// One trial of the finder: the tail-mean ΔH of every seed at `dt`, with a progress line per trial.
let private trialSampler
    (common: Shared)
    (dyn: IEnergyDynamics)
    (p: TailDrift.Protocol)
    (noise: NoiseOptions)
    (settings: BoundaryFinder.FinderSettings)
    =
    let seed = seedOf common
    let say = progress common
    let clock = Stopwatch.StartNew()
    let mutable count = 0

    fun dt ->
        let values =
            TailDrift.runSeeds dyn p noise seed settings.Seeds dt |> Array.map _.TailMean

        count <- count + 1

        say (
            sprintf
                "trial %d: dt = %s, mean tail ΔH = %s (%.1f s)"
                count
                (Number.exact dt)
                (Number.sci (Array.average values))
                clock.Elapsed.TotalSeconds
        )

        values

/// The two example runs drawn in the report: at the ends of the final bracket (or of the search bracket).
let private exampleRuns
    (dyn: IEnergyDynamics)
    (p: TailDrift.Protocol)
    (noise: NoiseOptions)
    (seed: uint64)
    (settings: BoundaryFinder.FinderSettings)
    (outcome: BoundaryFinder.FinderOutcome)
    =
    let exampleDts =
        match outcome.Verdict with
        | BoundaryFinder.Found(_, lo, hi)
        | BoundaryFinder.Unresolved(lo, hi, _) -> [ lo; hi ]
        | BoundaryFinder.NoFlip _ -> [ settings.DtLo; settings.DtHi ]

    exampleDts
    |> List.map (fun dt -> TailDrift.run dyn p noise dt (TailDrift.runSeed seed 0))

let private find (common: Shared) (args: ParseResults<DriftArgs>) (mode: ParseResults<DriftFindArgs>) =
    let m = methodOf (mode.GetResult(DriftFindArgs.Method, DriftMethod.Leapfrog))
    let noise = noiseOf args
    let p = protocolOf args
    let settings = finderSettings mode
    BoundaryFinder.validate settings
    let dyn = Dynamics.build (specOf args m)
    let seed = seedOf common

    let outcome =
        BoundaryFinder.find settings (trialSampler common dyn p noise settings)

    let examples = exampleRuns dyn p noise seed settings outcome

    let context =
        commonContext common noise
        @ [
            "dynamics", dyn.Description
            "bracket", sprintf "[%s, %s]" (Number.exact settings.DtLo) (Number.exact settings.DtHi)
            "steps per run (warm-up + measured)", sprintf "%d + %d" p.Warmup p.Steps
            "tail", sprintf "last %g of the measured steps" p.TailFraction
            "seeds per trial", string settings.Seeds
            "tolerance", Number.exact settings.Tolerance
            "significance", sprintf "|mean| ≥ %g·SE" settings.Significance
        ]

    printfn "%s" dyn.Description

    printfn
        "noise: %s; %d seeds per trial; %d + %d steps per run"
        (ReportFiles.describeNoise noise)
        settings.Seeds
        p.Warmup
        p.Steps

    printfn "%s" (FinderReport.table outcome)
    let dir = outOf common "find"
    ReportFiles.write dir "trials.csv" (FinderReport.csv outcome) |> ignore

    ReportFiles.write dir "find.json" (FinderReport.json context dyn.Description outcome)
    |> ignore

    ReportFiles.write dir "find.html" (FinderReport.html context dyn.Description outcome examples)
    |> ignore

    finish dir [ "trials.csv"; "find.json"; "find.html" ]

/// The methods of `drift scaling --methods` (distinct, in the order given); refused when empty.
let private scalingMethods (mode: ParseResults<DriftScalingArgs>) =
    let methods =
        mode
            .GetResult(DriftScalingArgs.Methods, "leapfrog,euler")
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map Dynamics.parseMethod
        |> List.ofArray
        |> List.distinct

    if methods.IsEmpty then
        invalidArg "methods" "--methods is empty: give at least one of leapfrog, euler, bbi, ecdsep"

    methods

/// The scaling study's settings from the drift options and `drift scaling`'s own (--steps xor --horizon).
let private scalingSettings
    (args: ParseResults<DriftArgs>)
    (mode: ParseResults<DriftScalingArgs>)
    : Scaling.ScalingSettings =
    {
        Dts =
            mode.TryGetResult DriftScalingArgs.Dts
            |> Option.map (parseFloats "--dts")
            |> Option.defaultValue Scaling.defaults.Dts
        Seeds = mode.GetResult(DriftScalingArgs.Seeds, Scaling.defaults.Seeds)
        Length =
            match args.TryGetResult DriftArgs.Steps, mode.TryGetResult DriftScalingArgs.Horizon with
            | Some _, Some _ ->
                invalidArg
                    "steps"
                    "give either --steps (fixed steps) or --horizon (fixed time span), not both"
            | Some n, None -> Scaling.FixedSteps n
            | None, Some t -> Scaling.Horizon t
            | None, None -> Scaling.defaults.Length
        Warmup = args.GetResult(DriftArgs.Warmup, 0L)
        TailFraction = args.GetResult(DriftArgs.Tail, 0.2)
        Confidence = Scaling.defaults.Confidence
    }

/// The dynamics of every method. --set applies only to the optimizers (bbi, ecdsep) and --p0 only to the
/// integrators (leapfrog, euler): refused when no method takes it, otherwise given only to the methods it applies to.
let private scalingDynamics (args: ParseResults<DriftArgs>) (methods: Dynamics.Method list) =
    let integrators, optimizers =
        methods |> List.partition (fun m -> m = Dynamics.Leapfrog || m = Dynamics.Euler)

    if optimizers.IsEmpty && args.Contains DriftArgs.Set then
        invalidArg "set" "--set applies to bbi and ecdsep, and --methods has neither"

    if integrators.IsEmpty && args.Contains DriftArgs.P0 then
        invalidArg "p0" "--p0 applies to leapfrog and euler, and --methods has neither"

    methods
    |> List.map (fun m ->
        let spec = specOf args m
        // --set and --p0 address only some methods; give each method the parts that apply to it.
        match m with
        | Dynamics.Leapfrog
        | Dynamics.Euler -> Dynamics.build { spec with Settings = [] }
        | _ -> Dynamics.build { spec with P0 = [] })

/// The context lines of the scaling report.
let private scalingContext
    (common: Shared)
    (noise: NoiseOptions)
    (methods: Dynamics.Method list)
    (settings: Scaling.ScalingSettings)
    =
    commonContext common noise
    @ [
        "methods", String.Join(", ", methods |> List.map string)
        "step sizes", String.Join(", ", settings.Dts |> List.map Number.exact)
        "run length",
        (match settings.Length with
         | Scaling.FixedSteps n -> sprintf "%d steps at every Δt" n
         | Scaling.Horizon t -> sprintf "time span %s: round(T/Δt) steps" (Number.exact t))
        "warm-up steps", string settings.Warmup
        "tail", sprintf "last %g of the measured steps" settings.TailFraction
        "seeds per step size", string settings.Seeds
    ]

let private scaling (common: Shared) (args: ParseResults<DriftArgs>) (mode: ParseResults<DriftScalingArgs>) =
    let noise = noiseOf args
    let methods = scalingMethods mode
    let settings = scalingSettings args mode
    Scaling.validate settings
    let dynamics = scalingDynamics args methods
    let seed = seedOf common
    let clock = Stopwatch.StartNew()
    let outcome = Scaling.run settings noise seed dynamics

    progress
        common
        (sprintf "%d runs in %.1f s" (outcome.Methods |> List.sumBy _.Runs.Length) clock.Elapsed.TotalSeconds)

    let context = scalingContext common noise methods settings

    for d in dynamics do
        printfn "%s" d.Description

    printfn "noise: %s; %d seeds per step size" (ReportFiles.describeNoise noise) settings.Seeds
    printfn "%s" (ScalingReport.table outcome)
    let dir = outOf common "scaling"
    ReportFiles.write dir "runs.csv" (ScalingReport.csv outcome) |> ignore

    ReportFiles.write dir "scaling.json" (ScalingReport.json context outcome)
    |> ignore

    ReportFiles.write dir "scaling.html" (ScalingReport.html context outcome)
    |> ignore

    finish dir [ "runs.csv"; "scaling.json"; "scaling.html" ]

/// Runs the command; returns the exit code (2 for bad input, 3 when a run ended early).
let run (common: Shared) (args: ParseResults<DriftArgs>) =
    refuse "drift (its runs use every core)" common [ "--threads" ]

    try
        match args.TryGetSubCommand() with
        | Some(DriftArgs.Trace mode) -> trace common args mode
        | Some(DriftArgs.Find mode) -> find common args mode
        | Some(DriftArgs.Scaling mode) -> scaling common args mode
        | _ -> invalidArg "drift" "drift needs a mode: drift trace, drift find or drift scaling"
    with TailDrift.RunFailed why ->
        eprintfn "error: %s" why
        3
