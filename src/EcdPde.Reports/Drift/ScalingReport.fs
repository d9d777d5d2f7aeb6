/// The drift scaling's outputs: the slope table (terminal), per-run CSV, JSON, and an HTML page with the log-log fit.
module EcdPde.Reports.Drift.ScalingReport

open EcdPde.Studies.Drift
open System
open System.Text
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Runs.Statistics
open EcdPde.Studies.Drift.Scaling

let private interval (f: Regression.LineFit) =
    let lo, hi = f.SlopeInterval

    if Double.IsFinite lo then
        sprintf "[%s, %s]" (Number.decimals 3 lo) (Number.decimals 3 hi)
    else
        "n/a (2 points)"

/// One row per method: method, scheme, slope, interval, points, R², excluded.
let slopeRows (o: ScalingOutcome) =
    o.Methods
    |> List.map (fun m ->
        let scheme = if m.Symplectic then "symplectic" else "not symplectic"

        match m.Fit with
        | Some f ->
            [
                m.Method
                scheme
                Number.decimals 3 f.Slope
                interval f
                string f.Points
                Number.decimals 4 f.RSquared
                string m.Excluded
            ]
        | None ->
            [
                m.Method
                scheme
                "n/a"
                "n/a"
                string m.FitPoints.Length
                "n/a"
                string m.Excluded
            ])

/// Headers of the slope table.
let slopeHeaders (o: ScalingOutcome) =
    [
        "method"
        "scheme"
        "slope"
        sprintf "%g%% CI (t)" (100.0 * o.Settings.Confidence)
        "points"
        "R²"
        "excluded"
    ]

/// One row per method and dt: median, min and max over runs of the tail-median |ΔH|.
let perDtRows (o: ScalingOutcome) =
    [
        for m in o.Methods do
            for dt, runs in m.Runs |> List.groupBy _.Dt do
                let v = runs |> List.map _.TailMedianAbs |> Array.ofList

                [
                    m.Method
                    Number.exact dt
                    string runs.Head.Steps
                    string v.Length
                    Number.sci (Summary.median v)
                    Number.sci (Array.min v)
                    Number.sci (Array.max v)
                ]
    ]

/// Headers of the per-dt table.
let perDtHeaders =
    [ "method"; "dt"; "steps"; "runs"; "median tail-median |ΔH|"; "min"; "max" ]

/// Both tables as terminal text.
let table (o: ScalingOutcome) =
    TextTable.render perDtHeaders (perDtRows o)
    + "\n\n"
    + TextTable.render (slopeHeaders o) (slopeRows o)

/// method,dt,run,steps,tail_median_abs_dH,tail_mean_dH — one row per run.
let csv (o: ScalingOutcome) =
    let b = StringBuilder("method,dt,run,steps,tail_median_abs_dH,tail_mean_dH\n")

    for m in o.Methods do
        for r in m.Runs do
            b
                .Append(m.Method)
                .Append(',')
                .Append(Number.exact r.Dt)
                .Append(',')
                .Append(r.Run)
                .Append(',')
                .Append(r.Steps)
                .Append(',')
                .Append(Number.exact r.TailMedianAbs)
                .Append(',')
                .Append(Number.exact r.TailMean)
                .Append('\n')
            |> ignore

    b.ToString()

/// The format tag of scaling.json.
let format = "ecdpde-drift-scaling/1"

/// The study's parameters as recorded: FixedSteps is 0 for a time span, Horizon null for fixed steps; the noise
/// channel none, gradient or momentum.
type ParametersEntry =
    {
        Dts: float list
        Seeds: int
        FixedSteps: int64
        Horizon: float
        Warmup: int64
        TailFraction: float
        NoiseChannel: string
        Sigma: float
    }

/// One method as recorded: its fit (null numbers when none was fitted), the fitted points and the runs.
type MethodEntry =
    {
        Method: string
        Description: string
        Symplectic: bool
        Slope: float
        SlopeLow: float
        SlopeHigh: float
        SlopeStandardError: float
        Intercept: float
        RSquared: float
        FitPoints: float[] list
        Excluded: int
        /// The runs (tail_median_abs and tail_mean: the median |ΔH| and the mean ΔH over the tail).
        Runs: RunPoint list
    }

/// scaling.json: the settings, the parameters, the noise and every method (one record, written and read through
/// JsonFile).
type ScalingFile =
    {
        Format: string
        /// "scaling".
        Mode: string
        Settings: ReportFiles.Setting list
        Parameters: ParametersEntry
        /// The noise in words.
        Noise: string
        Confidence: float
        Methods: MethodEntry list
    }

let private methodEntry (m: MethodScaling) =
    let fitted (f: Regression.LineFit -> float) =
        m.Fit |> Option.map f |> Option.defaultValue nan

    {
        Method = m.Method
        Description = m.Description
        Symplectic = m.Symplectic
        Slope = fitted _.Slope
        SlopeLow = fitted (fun f -> fst f.SlopeInterval)
        SlopeHigh = fitted (fun f -> snd f.SlopeInterval)
        SlopeStandardError = fitted _.SlopeStandardError
        Intercept = fitted _.Intercept
        RSquared = fitted _.RSquared
        FitPoints = m.FitPoints |> List.map (fun (x, y) -> [| x; y |])
        Excluded = m.Excluded
        Runs = m.Runs
    }

/// Everything as JSON: scaling.json.
let json (context: (string * string) list) (o: ScalingOutcome) =
    JsonFile.serialize
        {
            Format = format
            Mode = "scaling"
            Settings = ReportFiles.settingsOf context
            Parameters =
                {
                    Dts = o.Settings.Dts
                    Seeds = o.Settings.Seeds
                    FixedSteps =
                        match o.Settings.Length with
                        | FixedSteps n -> n
                        | Horizon _ -> 0L
                    Horizon =
                        match o.Settings.Length with
                        | Horizon t -> t
                        | FixedSteps _ -> nan
                    Warmup = o.Settings.Warmup
                    TailFraction = o.Settings.TailFraction
                    NoiseChannel = (string o.Noise.Channel).ToLowerInvariant()
                    Sigma = o.Noise.Sigma
                }
            Noise = ReportFiles.describeNoise o.Noise
            Confidence = o.Settings.Confidence
            Methods = o.Methods |> List.map methodEntry
        }

let private methodOf (confidence: float) (m: MethodEntry) : MethodScaling =
    let fitPoints =
        m.FitPoints
        |> List.choose (fun p ->
            match p with
            | [| x; y |] -> Some(x, y)
            | _ -> None)

    {
        Method = m.Method
        Description = m.Description
        Symplectic = m.Symplectic
        Runs = m.Runs
        Fit =
            if Double.IsFinite m.Slope then
                Some
                    {
                        Slope = m.Slope
                        Intercept = m.Intercept
                        SlopeStandardError = m.SlopeStandardError
                        SlopeInterval = m.SlopeLow, m.SlopeHigh
                        Confidence = confidence
                        Points = fitPoints.Length
                        DegreesOfFreedom = fitPoints.Length - 2
                        RSquared = m.RSquared
                    }
            else
                None
        FitPoints = fitPoints
        Excluded = m.Excluded
    }

/// Reads scaling.json back: (settings, outcome); a file that cannot be read, or a noise channel it does not know, is
/// a JsonFile.ResultFileException naming it.
let read (path: string) =
    let f: ScalingFile = JsonFile.read format path
    let p = f.Parameters

    let noise =
        match p.NoiseChannel with
        | "none" -> Ecd.Core.Drift.NoiseOptions.Off
        | "gradient" -> Ecd.Core.Drift.NoiseOptions.On(Ecd.Core.Drift.NoiseChannel.Gradient, p.Sigma)
        | "momentum" -> Ecd.Core.Drift.NoiseOptions.On(Ecd.Core.Drift.NoiseChannel.Momentum, p.Sigma)
        | other ->
            raise (JsonFile.ResultFileException(path, sprintf "has the unknown noise channel \"%s\"" other))

    let settings: ScalingSettings =
        {
            Dts = p.Dts
            Seeds = p.Seeds
            Length =
                if Double.IsFinite p.Horizon then
                    Horizon p.Horizon
                else
                    FixedSteps p.FixedSteps
            Warmup = p.Warmup
            TailFraction = p.TailFraction
            Confidence = f.Confidence
        }

    let outcome: ScalingOutcome =
        {
            Settings = settings
            Noise = noise
            Methods = f.Methods |> List.map (methodOf f.Confidence)
        }

    ReportFiles.contextOf f.Settings, outcome

/// Log-log chart: every fitted point per method (dots) and its fitted line (dashed, its slope and interval in the
/// legend), toggling together.
let chart (o: ScalingOutcome) =
    let curves =
        o.Methods
        |> List.mapi (fun i m ->
            let col = Plot.color i
            let dts = m.FitPoints |> List.map fst

            [
                { Plot.curve m.Method col (Array.ofList m.FitPoints) with
                    Style = Plot.Markers
                    Group = Some m.Method
                }
                match m.Fit with
                | Some f when not dts.IsEmpty ->
                    let line =
                        [| List.min dts; List.max dts |]
                        |> Array.map (fun dt -> dt, exp (f.Intercept + f.Slope * log dt))

                    { Plot.curve
                          (sprintf "%s fit: slope %s %s" m.Method (Number.decimals 3 f.Slope) (interval f))
                          col
                          line with
                        Style = Plot.Dashed
                        Group = Some m.Method
                    }
                | _ -> ()
            ])
        |> List.concat

    Plot.chart
        "Drift scaling: tail-median |ΔH| against Δt"
        (Plot.logarithmic "Δt")
        (Plot.logarithmic "tail-median |ΔH|")
        curves
    |> Plot.figure

/// A self-contained HTML page.
let html (context: (string * string) list) (o: ScalingOutcome) =
    Html.page
        "Energy drift scaling"
        [
            ReportFiles.contextTable context
            Html.bullets (o.Methods |> List.map (fun m -> m.Description))
            Html.heading 2 "Slopes"
            Html.table (slopeHeaders o) (slopeRows o)
            Html.paragraph (
                sprintf
                    "OLS of log(tail-median |ΔH|) on log Δt over every run (identical runs at one Δt, as deterministic dynamics give, count once; zero values are excluded); the %g%% interval of the slope uses the t distribution with n − 2 degrees of freedom."
                    (100.0 * o.Settings.Confidence)
            )
            Html.figure
                (chart o)
                "Each dot is one run's tail-median |ΔH|; dashed lines are the fits. Over a fixed time span a symplectic second-order scheme without noise has slope 2, a first-order one slope 1."
            Html.heading 2 "Per step size"
            Html.table perDtHeaders (perDtRows o)
        ]
