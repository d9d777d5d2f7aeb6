/// Drift scaling, the paper's figure of merit: for a set of step sizes, the tail-median |ΔH| of every run, and per
/// method an OLS fit of log(tail-median |ΔH|) against log Δt with a confidence interval of the slope from the
/// t distribution. A symplectic scheme shows slope ≈ 2 without noise; a first-order one ≈ 1 (over a fixed time span).
module EcdPde.Studies.Drift.Scaling

open System
open Ecd.Core.Drift
open EcdPde.Runs.Statistics

/// How many steps a run at Δt takes.
type Length =
    /// The same number of measured steps at every Δt.
    | FixedSteps of int64
    /// A fixed time span T: round(T/Δt) measured steps (the classical order test).
    | Horizon of float

/// The scaling's settings.
type ScalingSettings =
    {
        /// Step sizes (> 0, at least two distinct).
        Dts: float list
        /// Runs (seeds) per step size.
        Seeds: int
        Length: Length
        /// Warm-up steps before E0 is re-based.
        Warmup: int64
        /// Tail fraction of the measured steps.
        TailFraction: float
        /// Level of the slope's interval (default 0.95).
        Confidence: float
    }

/// Δt = 0.04, 0.02, 0.01, 0.005 over a time span of 10, 5 seeds, no warm-up, the last 20%, 95%.
let defaults =
    {
        Dts = [ 0.04; 0.02; 0.01; 0.005 ]
        Seeds = 5
        Length = Horizon 10.0
        Warmup = 0L
        TailFraction = 0.2
        Confidence = 0.95
    }

/// Checks the settings; errors name the parameter and the value.
let validate (s: ScalingSettings) =
    if s.Dts.IsEmpty then
        invalidArg "dts" "dts is empty: give at least two step sizes"

    for dt in s.Dts do
        if not (Double.IsFinite dt && dt > 0.0) then
            invalidArg "dts" (sprintf "dts contains %g: every step size must be a finite number > 0" dt)

    if (List.distinct s.Dts).Length < 2 then
        invalidArg "dts" (sprintf "dts = %A: a slope needs at least two distinct step sizes" s.Dts)

    if s.Seeds < 1 then
        invalidArg "seeds" (sprintf "seeds = %d must be at least 1" s.Seeds)

    match s.Length with
    | FixedSteps n when n < 1L -> invalidArg "steps" (sprintf "steps = %d must be at least 1" n)
    | Horizon t when not (Double.IsFinite t && t > 0.0) ->
        invalidArg "horizon" (sprintf "horizon = %g must be a finite number > 0" t)
    | _ -> ()

    if not (s.Confidence > 0.0 && s.Confidence < 1.0) then
        invalidArg "confidence" (sprintf "confidence = %g must lie in (0, 1)" s.Confidence)

/// The measuring protocol at a step size.
let protocolAt (s: ScalingSettings) (dt: float) : TailDrift.Protocol =
    {
        Steps =
            match s.Length with
            | FixedSteps n -> n
            | Horizon t -> max 1L (int64 (Math.Round(t / dt)))
        Warmup = s.Warmup
        TailFraction = s.TailFraction
    }

/// One run's contribution.
type RunPoint =
    {
        Dt: float
        /// Index of the seed in the family.
        Run: int
        Steps: int64
        TailMedianAbs: float
        TailMean: float
    }

/// One method's runs and fit.
type MethodScaling =
    {
        Method: string
        Description: string
        Symplectic: bool
        Runs: RunPoint list
        /// The log-log fit over the distinct positive points (None when fewer than two distinct Δt remain).
        Fit: Regression.LineFit option
        /// Points in the fit: runs, with identical runs at the same Δt (deterministic dynamics) counted once.
        FitPoints: (float * float) list
        /// Runs left out of the fit because their tail-median |ΔH| is 0 or not finite.
        Excluded: int
    }

/// The scaling's result.
type ScalingOutcome =
    {
        Settings: ScalingSettings
        Noise: NoiseOptions
        Methods: MethodScaling list
    }

/// The fit points of a set of runs: positive finite values, duplicates at the same Δt counted once.
let fitPoints (runs: RunPoint list) =
    let usable =
        runs
        |> List.filter (fun p -> Double.IsFinite p.TailMedianAbs && p.TailMedianAbs > 0.0)

    usable |> List.map (fun p -> p.Dt, p.TailMedianAbs) |> List.distinct, runs.Length - usable.Length

/// Fits a method's runs (exposed for tests on synthetic data).
let fit (confidence: float) (runs: RunPoint list) =
    let points, excluded = fitPoints runs

    let fit =
        if (points |> List.map fst |> List.distinct).Length >= 2 then
            Some(Regression.fitLogLog confidence points)
        else
            None

    fit, points, excluded

/// Runs every method at every Δt with `settings.Seeds` seeds (run i uses TailDrift.runSeed seed i) and fits.
let run (settings: ScalingSettings) (noise: NoiseOptions) (seed: uint64) (dynamics: IEnergyDynamics list) =
    validate settings

    TailDrift.validate
        {
            Steps = 1L
            Warmup = settings.Warmup
            TailFraction = settings.TailFraction
        }

    let perMethod (d: IEnergyDynamics) =
        let runs =
            [
                for dt in settings.Dts do
                    let p = protocolAt settings dt
                    let ms = TailDrift.runSeeds d p noise seed settings.Seeds dt

                    for i, m in Array.indexed ms ->
                        {
                            Dt = dt
                            Run = i
                            Steps = p.Steps
                            TailMedianAbs = m.TailMedianAbs
                            TailMean = m.TailMean
                        }
            ]

        let f, points, excluded = fit settings.Confidence runs

        {
            Method = d.Name
            Description = d.Description
            Symplectic = d.IsSymplectic
            Runs = runs
            Fit = f
            FitPoints = points
            Excluded = excluded
        }

    {
        Settings = settings
        Noise = noise
        Methods = dynamics |> List.map perMethod
    }
