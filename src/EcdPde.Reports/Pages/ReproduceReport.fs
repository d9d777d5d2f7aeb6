/// `report.html` for a folder written by `ecdpde reproduce`: its results.json (ReproductionFile) as one self-contained
/// page with interactive Plotly figures, one section per experiment that ran: Ackley (table; starts solved within the
/// first t tries), Zakharov (table; the first step below each threshold, log axes), the two-basin ratio (its 95%
/// interval beside the volume formula and the authors' measurement) and ECDSep's energy drift (log-log, with the
/// slope a second-order integrator has).
module EcdPde.Reports.ReproduceReport

open System
open System.IO
open EcdPde.Runs
open EcdPde.Studies
open EcdPde.Studies.ReproductionFile

let private g = Number.short

/// Ackley: the fraction of starts solved within the first t tries, per optimizer.
let ackleyChart (rows: AckleyRow list) =
    Plot.chart
        "Ackley: starts solved within the first t tries"
        (Plot.linear "tries per start")
        (Plot.linear "fraction of starts solved")
        (rows
         |> List.mapi (fun i r ->
             { Plot.curve
                   r.Optimizer
                   (Plot.color i)
                   (r.SolvedByTries |> List.mapi (fun t f -> float (t + 1), f) |> Array.ofList) with
                 Style = Plot.LinesAndMarkers
             }))
    |> Plot.figure

/// Zakharov: the first step below each threshold, per optimizer (log axes; a threshold never reached is a gap).
let zakharovChart (rows: ZakharovRow list) =
    Plot.chart
        "Zakharov: first step with the loss below the threshold"
        (Plot.logarithmic "threshold")
        (Plot.logarithmic "step")
        (rows
         |> List.mapi (fun i r ->
             { Plot.curve
                   r.Optimizer
                   (Plot.color i)
                   [|
                       for f in r.FirstBelow ->
                           f.Threshold, f.Step |> Option.map float |> Option.defaultValue nan
                   |] with
                 Style = Plot.LinesAndMarkers
             }))
    |> Plot.figure

/// Two basins: the measured ratio and its 95% interval, with the volume formula and the authors' value as lines.
let twoBasinChart (t: TwoBasin) =
    { Plot.chart
          "Two basins: runs ending in basin 1 per run ending in basin 2"
          (Plot.linear "runs")
          (Plot.linear "ratio")
          [
              { Plot.curve
                    "95% interval"
                    (Plot.color 0)
                    [| float t.Runs, t.RatioLow; float t.Runs, t.RatioHigh |] with
                  ShowLegend = true
              }
              { Plot.curve "measured ratio" (Plot.color 0) [| float t.Runs, t.Ratio |] with
                  Style = Plot.Markers
              }
          ] with
        Shapes =
            [
                Plot.hLine (sprintf "volume formula %s" (g t.Predicted)) (Plot.color 1) t.Predicted
                Plot.hLine (sprintf "authors %s" (g t.Authors)) (Plot.color 2) t.Authors
            ]
    }
    |> Plot.figure

/// Drift: max |E − E0| against Δt (log-log), with the line of the expected slope through the largest step.
let driftChart (d: Drift) =
    let points = d.Points |> List.map (fun p -> p.Dt, p.MaxDrift) |> Array.ofList

    let reference =
        match points |> Array.sortBy fst |> Array.tryLast with
        | Some(dt0, e0) -> points |> Array.map (fun (dt, _) -> dt, e0 * (dt / dt0) ** d.Expected)
        | None -> [||]

    Plot.chart
        "ECDSep energy drift against the step size"
        (Plot.logarithmic "Δt")
        (Plot.logarithmic "max |E − E0|")
        [
            { Plot.curve (sprintf "measured (slope %s)" (g d.Slope)) (Plot.color 0) points with
                Style = Plot.LinesAndMarkers
            }
            { Plot.curve (sprintf "slope %s" (g d.Expected)) "#888888" reference with
                Style = Plot.Dashed
            }
        ]
    |> Plot.figure

let private ackleySection (rows: AckleyRow list) =
    [
        Html.heading 2 "Ackley (b = 0.02, n = 2): success = best loss < 5e-4 within 30 000 steps, float32"
        Html.table
            [
                "optimizer"
                "starts"
                "tries per start"
                "starts solved"
                "first-try successes"
                "paper"
                "cell seconds"
            ]
            [
                for r in rows ->
                    [
                        r.Optimizer
                        string r.Starts
                        string r.Tries + (if r.Deterministic then " (deterministic)" else "")
                        string r.Successes
                        string r.FirstTrySuccesses
                        r.Paper
                        g r.CellSeconds
                    ]
            ]
        Html.figure
            (ackleyChart rows)
            "A start counts as solved when one of its tries (bounce seeds) reaches the target. Hover for values."
    ]

let private zakharovSection (rows: ZakharovRow list) =
    let thresholds =
        rows |> List.tryHead |> Option.map _.FirstBelow |> Option.defaultValue []

    [
        Html.heading 2 "Zakharov (n = 10, start all ones), float64"
        Html.table
            ([ "optimizer"; "steps"; "best loss" ]
             @ (thresholds |> List.map (fun f -> sprintf "first step < %s" (g f.Threshold))))
            [
                for r in rows ->
                    [ r.Optimizer; string r.Steps; g r.BestLoss ]
                    @ (r.FirstBelow
                       |> List.map (fun f -> f.Step |> Option.map string |> Option.defaultValue "never"))
            ]
        Html.figure (zakharovChart rows) "Log axes; a threshold an optimizer never reached leaves a gap."
    ]

let private twoBasinSection (t: TwoBasin) =
    [
        Html.heading 2 "Two basins: ratio of BBI runs ending in basin 1 vs basin 2"
        Html.table
            [
                "runs"
                "basin 1"
                "basin 2"
                "unresolved"
                "ratio"
                "95% interval"
                "volume formula"
                "authors"
            ]
            [
                [
                    string t.Runs
                    string t.Basin1
                    string t.Basin2
                    string t.Unresolved
                    g t.Ratio
                    sprintf "[%s, %s]" (g t.RatioLow) (g t.RatioHigh)
                    g t.Predicted
                    sprintf "%s (2000 runs)" (g t.Authors)
                ]
            ]
        Html.figure
            (twoBasinChart t)
            "The vertical segment is the 95% interval of the measured ratio; dashed lines: the volume formula and the authors' measurement."
    ]

let private driftSection (d: Drift) =
    [
        Html.heading 2 "ECDSep energy drift (consEn off, ν = 0), quadratic κ = 1…4, F0 = −1, time span 2"
        Html.table [ "Δt"; "max |E − E0|" ] [ for p in d.Points -> [ g p.Dt; g p.MaxDrift ] ]
        Html.paragraph (
            sprintf "Log-log slope %s (a second-order integrator: %s)." (g d.Slope) (g d.Expected)
        )
        Html.figure (driftChart d) "Log-log axes; the dashed line has the expected slope."
    ]

/// The page of a reproduction.
let page (r: Reproduction) =
    let section (part: 'T option) (draw: 'T -> string list) =
        part |> Option.map draw |> Option.defaultValue []

    Html.page
        "Reproduction of the published synthetic experiments"
        ([
            Html.paragraph (
                sprintf
                    "Seed %d. Run by EcdPde %s on %s; this page needs no network: plotly.js and every figure are inline."
                    r.Seed
                    r.ToolVersion
                    r.Dotnet
            )
         ]
         @ section r.Ackley ackleySection
         @ section r.Zakharov zakharovSection
         @ section r.TwoBasin twoBasinSection
         @ section r.Drift driftSection)

/// True when `dir` holds a reproduction's results.json.
let recognizes (dir: string) = File.Exists(Path.Combine(dir, name))

/// Builds the report of the reproduction folder `dir` from its results.json and writes `dir/report.html`; returns
/// its path.
let write (dir: string) =
    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, page (read (Path.Combine(dir, name))))
    path
