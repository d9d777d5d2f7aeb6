/// Trace mode's outputs: the summary table, H(t)/ΔH(t) as CSV and JSON, and an HTML page with both curves.
module EcdPde.Reports.Drift.TraceReport

open EcdPde.Studies.Drift
open System
open System.Text
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Studies.Drift.TailDrift

/// Largest |ΔH| over the measured steps (after the warm-up).
let maxAbsDrift (m: DriftMeasurement) =
    let w = int m.Protocol.Warmup

    if m.Energy.Length <= w then
        nan
    else
        m.Energy[w..] |> Array.map (fun h -> abs (h - m.E0)) |> Array.max

/// The summary as (quantity, value) rows.
let summary (m: DriftMeasurement) =
    [
        "Δt", Number.short m.Dt
        "steps (warm-up + measured)", sprintf "%d + %d" m.Protocol.Warmup m.Protocol.Steps
        "E0 = H(t) after the warm-up", Number.exact m.E0
        sprintf "tail = steps %d…%d" m.TailStart (m.Energy.Length - 1),
        sprintf "last %g of the measured steps" m.Protocol.TailFraction
        "mean ΔH over the tail", Number.sci m.TailMean
        "median |ΔH| over the tail", Number.sci m.TailMedianAbs
        "max |ΔH| (measured steps)", Number.sci (maxAbsDrift m)
        "sign of the tail drift",
        (if m.TailMean > 0.0 then "anti-dissipative (ΔH > 0)"
         elif m.TailMean < 0.0 then "dissipative (ΔH < 0)"
         elif m.TailMean = 0.0 then "zero"
         else "n/a")
    ]
    @ (match m.Stopped with
       | Some why -> [ "stopped early", why ]
       | None -> [])

/// The summary as a terminal table.
let table (m: DriftMeasurement) =
    TextTable.render [ "quantity"; "value" ] (summary m |> List.map (fun (k, v) -> [ k; v ]))

let private phase (m: DriftMeasurement) (k: int) =
    if int64 k < m.Protocol.Warmup then "warmup"
    elif k >= m.TailStart then "tail"
    else "measure"

/// step,t,phase,H,dH — one row per step, step 0 = the start.
let csv (m: DriftMeasurement) =
    let b = StringBuilder("step,t,phase,H,dH\n")

    m.Energy
    |> Array.iteri (fun k h ->
        b
            .Append(k)
            .Append(',')
            .Append(Number.exact (float k * m.Dt))
            .Append(',')
            .Append(phase m k)
            .Append(',')
            .Append(Number.exact h)
            .Append(',')
            .Append(Number.exact (h - m.E0))
            .Append('\n')
        |> ignore)

    b.ToString()

/// The format tag of trace.json.
let format = "ecdpde-drift-trace/1"

/// trace.json: the run's settings, the measurement and its series (one record, written and read through JsonFile).
type TraceFile =
    {
        Format: string
        /// "trace".
        Mode: string
        /// The dynamics, in words.
        Dynamics: string
        Settings: ReportFiles.Setting list
        Dt: float
        Seed: uint64
        Warmup: int64
        /// Measured steps after the warm-up.
        Steps: int64
        TailFraction: float
        TailStart: int
        E0: float
        TailMeanDeltaH: float
        TailMedianAbsDeltaH: float
        MaxAbsDeltaH: float
        /// Why the run stopped early ("" when it did not).
        Stopped: string
        T: float[]
        Energy: float[]
        DeltaH: float[]
    }

/// Everything as JSON (the series included): trace.json.
let json (context: (string * string) list) (description: string) (m: DriftMeasurement) =
    JsonFile.serialize
        {
            Format = format
            Mode = "trace"
            Dynamics = description
            Settings = ReportFiles.settingsOf context
            Dt = m.Dt
            Seed = m.Seed
            Warmup = m.Protocol.Warmup
            Steps = m.Protocol.Steps
            TailFraction = m.Protocol.TailFraction
            TailStart = m.TailStart
            E0 = m.E0
            TailMeanDeltaH = m.TailMean
            TailMedianAbsDeltaH = m.TailMedianAbs
            MaxAbsDeltaH = maxAbsDrift m
            Stopped = defaultArg m.Stopped ""
            T = m.Times
            Energy = m.Energy
            DeltaH = m.DeltaH
        }

/// Reads trace.json back: (settings, dynamics description, measurement); a file that cannot be read is a
/// JsonFile.ResultFileException naming it.
let read (path: string) =
    let f: TraceFile = JsonFile.read format path

    let m: DriftMeasurement =
        {
            Dt = f.Dt
            Seed = f.Seed
            Protocol =
                {
                    Steps = f.Steps
                    Warmup = f.Warmup
                    TailFraction = f.TailFraction
                }
            Energy = f.Energy
            E0 = f.E0
            TailStart = f.TailStart
            TailMean = f.TailMeanDeltaH
            TailMedianAbs = f.TailMedianAbsDeltaH
            Stopped = if f.Stopped = "" then None else Some f.Stopped
        }

    ReportFiles.contextOf f.Settings, f.Dynamics, m

/// The bands marking the warm-up and the tail on a time axis.
let bands (m: DriftMeasurement) =
    [
        if m.Protocol.Warmup > 0L then
            Plot.vBand "warm-up" "#888888" 0.0 (float m.Protocol.Warmup * m.Dt)
        Plot.vBand "tail" "#ff7f0e" (float m.TailStart * m.Dt) (float (m.Energy.Length - 1) * m.Dt)
    ]

let private timeChart
    (title: string)
    (yLabel: string)
    (curve: Plot.Curve)
    (rule: Plotly.NET.LayoutObjects.Shape)
    (m: DriftMeasurement)
    =
    { Plot.chart title (Plot.linear "t") (Plot.linear yLabel) [ curve ] with
        Shapes = bands m @ [ rule ]
    }
    |> Plot.figure

/// The H(t) chart.
let energyChart (m: DriftMeasurement) =
    timeChart
        "H(t)"
        "H"
        (Plot.curve "H(t)" (Plot.color 0) (Array.zip m.Times m.Energy))
        (Plot.hLine "E0" "#444444" m.E0)
        m

/// The ΔH(t) chart.
let driftChart (title: string) (m: DriftMeasurement) =
    timeChart
        title
        "ΔH = H − E0"
        (Plot.curve "ΔH(t)" (Plot.color 1) (Array.zip m.Times m.DeltaH))
        (Plot.hLine "0" "#444444" 0.0)
        m

/// A self-contained HTML page: settings, summary, H(t) and ΔH(t).
let html (context: (string * string) list) (description: string) (m: DriftMeasurement) =
    Html.page
        "Energy drift trace"
        [
            Html.paragraph description
            ReportFiles.contextTable context
            Html.heading 2 "Summary"
            Html.table [ "quantity"; "value" ] (summary m |> List.map (fun (k, v) -> [ k; v ]))
            Html.heading 2 "Energy"
            Html.figure
                (energyChart m)
                "H(t) along the run. Grey band: warm-up (E0 is re-based to H at its end); orange band: the tail over which the mean ΔH and the median |ΔH| are taken."
            Html.figure
                (driftChart "ΔH(t)" m)
                "ΔH(t) = H(t) − E0. Above 0 the run has gained energy (anti-dissipative), below 0 it has lost energy (dissipative)."
        ]
