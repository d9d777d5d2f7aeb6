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

/// Everything as JSON.
let json (context: (string * string) list) (o: ScalingOutcome) =
    ReportFiles.json
        {|
            mode = "scaling"
            settings = context |> List.map (fun (k, v) -> {| name = k; value = v |})
            parameters =
                {|
                    dts = o.Settings.Dts
                    seeds = o.Settings.Seeds
                    fixedSteps =
                        match o.Settings.Length with
                        | FixedSteps n -> n
                        | Horizon _ -> 0L
                    horizon =
                        match o.Settings.Length with
                        | Horizon t -> t
                        | FixedSteps _ -> nan
                    warmup = o.Settings.Warmup
                    tailFraction = o.Settings.TailFraction
                    noiseChannel = (string o.Noise.Channel).ToLowerInvariant()
                    sigma = o.Noise.Sigma
                |}
            noise = ReportFiles.describeNoise o.Noise
            confidence = o.Settings.Confidence
            methods =
                o.Methods
                |> List.map (fun m ->
                    {|
                        ``method`` = m.Method
                        description = m.Description
                        symplectic = m.Symplectic
                        slope =
                            match m.Fit with
                            | Some f -> f.Slope
                            | None -> nan
                        slopeLow =
                            match m.Fit with
                            | Some f -> fst f.SlopeInterval
                            | None -> nan
                        slopeHigh =
                            match m.Fit with
                            | Some f -> snd f.SlopeInterval
                            | None -> nan
                        slopeStandardError =
                            match m.Fit with
                            | Some f -> f.SlopeStandardError
                            | None -> nan
                        intercept =
                            match m.Fit with
                            | Some f -> f.Intercept
                            | None -> nan
                        rSquared =
                            match m.Fit with
                            | Some f -> f.RSquared
                            | None -> nan
                        fitPoints = m.FitPoints |> List.map (fun (x, y) -> [| x; y |])
                        excluded = m.Excluded
                        runs =
                            m.Runs
                            |> List.map (fun r ->
                                {|
                                    dt = r.Dt
                                    run = r.Run
                                    steps = r.Steps
                                    tailMedianAbsDeltaH = r.TailMedianAbs
                                    tailMeanDeltaH = r.TailMean
                                |})
                    |})
        |}

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
