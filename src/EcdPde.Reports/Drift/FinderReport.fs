/// The dt* finder's outputs: the verdict, the trials table (terminal, CSV, JSON) and an HTML page with the trials,
/// the bisection path and example ΔH(t) curves at the final bracket.
module EcdPde.Reports.Drift.FinderReport

open EcdPde.Studies.Drift
open System
open System.Text
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Studies.Drift.BoundaryFinder

/// The verdict in one sentence.
let verdictText (o: FinderOutcome) =
    match o.Verdict with
    | Found(est, lo, hi) ->
        sprintf
            "dt* ≈ %s: the sign of the mean tail ΔH flips in [%s, %s] (width %s < tol %s; every deciding trial significant at %g SE)"
            (Number.short est)
            (Number.short lo)
            (Number.short hi)
            (Number.short (hi - lo))
            (Number.short o.Settings.Tolerance)
            o.Settings.Significance
    | Unresolved(lo, hi, why) ->
        sprintf
            "dt* not determined to the tolerance: the sign flips significantly somewhere in [%s, %s], but %s"
            (Number.short lo)
            (Number.short hi)
            why
    | NoFlip why -> "dt* not found: " + why

/// mean/SE as text: "∞" for identical runs (SE = 0), "n/a" with one seed.
let zText (t: Trial) =
    if t.StandardError = 0.0 && t.Mean <> 0.0 then
        (if t.Mean > 0.0 then "+∞" else "−∞")
    elif Double.IsFinite t.ZScore then
        Number.decimals 2 t.ZScore
    else
        "n/a"

/// Trial rows: #, stage, dt, mean tail ΔH, SE, mean/SE, sign, significant, bracket after.
let rows (o: FinderOutcome) =
    o.Trials
    |> List.map (fun t ->
        [
            string t.Index
            string t.Stage
            Number.short t.Dt
            Number.sci t.Mean
            Number.sci t.StandardError
            zText t
            t.Label
            (if t.Significant then "yes" else "no")
            (match t.BracketAfter with
             | Some(a, b) -> sprintf "[%s, %s]" (Number.short a) (Number.short b)
             | None -> "")
        ])

/// The table's headers.
let headers =
    [
        "#"
        "stage"
        "dt"
        "mean tail ΔH"
        "SE"
        "mean/SE"
        "sign"
        "significant"
        "bracket after"
    ]

/// Verdict, notes and the trials as terminal text.
let table (o: FinderOutcome) =
    String.Join(
        "\n",
        [ TextTable.render headers (rows o); ""; verdictText o ]
        @ (o.Notes |> List.map (fun n -> "note: " + n))
    )

/// index,stage,dt,mean_tail_dH,standard_error,z,runs,label,significant,bracket_lo,bracket_hi
let csv (o: FinderOutcome) =
    let b =
        StringBuilder(
            "index,stage,dt,mean_tail_dH,standard_error,z,runs,label,significant,bracket_lo,bracket_hi\n"
        )

    for t in o.Trials do
        let lo, hi =
            match t.BracketAfter with
            | Some(a, c) -> Number.exact a, Number.exact c
            | None -> "", ""

        b.AppendLine(
            String.Join(
                ",",
                [
                    string t.Index
                    string t.Stage
                    Number.exact t.Dt
                    Number.exact t.Mean
                    Number.exact t.StandardError
                    Number.exact t.ZScore
                    string t.Values.Length
                    t.Label
                    (if t.Significant then "true" else "false")
                    lo
                    hi
                ]
            )
        )
        |> ignore

    b.ToString().Replace("\r\n", "\n")

/// The format tag of find.json.
let format = "ecdpde-drift-find/1"

/// The verdict as recorded: kind found / unresolved / no-flip, the estimate (null unless found), the bracket (null
/// for no-flip), the reason and the verdict in words.
type VerdictEntry =
    {
        Kind: string
        Estimate: float
        BracketLo: float
        BracketHi: float
        Reason: string
        Text: string
    }

/// A trial as recorded; BracketAfter is empty when none was recorded.
type TrialEntry =
    {
        Index: int
        /// endpoint, scan or bisection.
        Stage: string
        Dt: float
        MeanTailDeltaH: float
        StandardError: float
        Label: string
        Significant: bool
        BracketAfter: float[]
        Runs: float[]
    }

/// find.json: the finder's settings, trials, verdict, flips and notes (one record, written and read through
/// JsonFile). The example ΔH(t) runs at the final bracket are not stored.
type FindFile =
    {
        Format: string
        /// "find".
        Mode: string
        Dynamics: string
        Settings: ReportFiles.Setting list
        /// The finder's settings (dt_lo, dt_hi, seeds, tolerance, scan_points, significance).
        Search: FinderSettings
        Verdict: VerdictEntry
        Flips: float[] list
        Notes: string list
        Trials: TrialEntry list
    }

/// Everything as JSON: find.json.
let json (context: (string * string) list) (description: string) (o: FinderOutcome) =
    let kind, estimate, lo, hi, reason =
        match o.Verdict with
        | Found(e, a, b) -> "found", e, a, b, ""
        | Unresolved(a, b, why) -> "unresolved", nan, a, b, why
        | NoFlip why -> "no-flip", nan, nan, nan, why

    JsonFile.serialize
        {
            Format = format
            Mode = "find"
            Dynamics = description
            Settings = ReportFiles.settingsOf context
            Search = o.Settings
            Verdict =
                {
                    Kind = kind
                    Estimate = estimate
                    BracketLo = lo
                    BracketHi = hi
                    Reason = reason
                    Text = verdictText o
                }
            Flips = o.Flips |> List.map (fun (a, b) -> [| a; b |])
            Notes = o.Notes
            Trials =
                o.Trials
                |> List.map (fun t ->
                    {
                        Index = t.Index
                        Stage = string t.Stage
                        Dt = t.Dt
                        MeanTailDeltaH = t.Mean
                        StandardError = t.StandardError
                        Label = t.Label
                        Significant = t.Significant
                        BracketAfter =
                            match t.BracketAfter with
                            | Some(a, b) -> [| a; b |]
                            | None -> [||]
                        Runs = t.Values
                    })
        }

let private pair (xs: float[]) =
    match xs with
    | [| a; b |] -> Some(a, b)
    | _ -> None

/// Reads find.json back: (settings, dynamics description, outcome); a file that cannot be read, or a stage or verdict
/// kind it does not know, is a JsonFile.ResultFileException naming it.
let read (path: string) =
    let f: FindFile = JsonFile.read format path

    let fail (problem: string) =
        raise (JsonFile.ResultFileException(path, problem))

    let stage (t: TrialEntry) =
        match t.Stage with
        | "endpoint" -> Endpoint
        | "scan" -> Scan
        | "bisection" -> Bisection
        | other -> fail (sprintf "trial %d has the unknown stage \"%s\"" t.Index other)

    let v = f.Verdict

    let verdict =
        match v.Kind with
        | "found" -> Found(v.Estimate, v.BracketLo, v.BracketHi)
        | "unresolved" -> Unresolved(v.BracketLo, v.BracketHi, v.Reason)
        | "no-flip" -> NoFlip v.Reason
        | other -> fail (sprintf "has the unknown verdict \"%s\"" other)

    let outcome: FinderOutcome =
        {
            Settings = f.Search
            Trials =
                f.Trials
                |> List.map (fun t ->
                    ({
                        Index = t.Index
                        Stage = stage t
                        Dt = t.Dt
                        Mean = t.MeanTailDeltaH
                        StandardError = t.StandardError
                        Values = t.Runs
                        Significant = t.Significant
                        BracketAfter = pair t.BracketAfter
                    }
                    : Trial))
            Verdict = verdict
            Flips = f.Flips |> List.choose pair
            Notes = f.Notes
        }

    ReportFiles.contextOf f.Settings, f.Dynamics, outcome

/// Mean tail ΔH ± z·SE against dt; significant trials coloured by sign, others grey; the final bracket as a band.
let trialsChart (o: FinderOutcome) =
    let z = o.Settings.Significance

    let pick (f: Trial -> bool) =
        o.Trials
        |> List.filter f
        |> List.map (fun t -> t.Dt, t.Mean, z * t.StandardError)
        |> Array.ofList

    let verdictShapes =
        match o.Verdict with
        | Found(e, lo, hi) ->
            [
                Plot.vBand "final bracket" "#2ca02c" lo hi
                Plot.vLine "dt* estimate" "#2ca02c" e
            ]
        | Unresolved(lo, hi, _) -> [ Plot.vBand "significant bracket" "#9467bd" lo hi ]
        | NoFlip _ -> []

    { Plot.chart "Trials: mean tail ΔH ± z·SE" (Plot.linear "dt") (Plot.linear "mean tail ΔH") [] with
        Traces =
            [
                Plot.errorBarTrace
                    "anti-dissipative"
                    "#d62728"
                    (pick (fun t -> t.Significant && t.Mean > 0.0))
                Plot.errorBarTrace "dissipative" "#1f77b4" (pick (fun t -> t.Significant && t.Mean < 0.0))
                Plot.errorBarTrace "not significant" "#999999" (pick (fun t -> not t.Significant))
            ]
        Shapes = verdictShapes @ [ Plot.hLine "0" "#444444" 0.0 ]
    }
    |> Plot.figure

/// The bisection path: the bracket's ends after each trial from the one that closed the first bracket on, and the dt
/// each of those trials evaluated. None when no bracket was formed.
let pathChart (o: FinderOutcome) =
    let withBracket =
        o.Trials
        |> List.choose (fun t -> t.BracketAfter |> Option.map (fun (a, b) -> t, a, b))

    if withBracket.IsEmpty then
        None
    else
        let arr = Array.ofList withBracket

        { Plot.chart
              "Bisection path"
              (Plot.linear "bisection step (0 = the first bracket)")
              (Plot.linear "dt")
              [
                  Plot.curve "bracket low" "#1f77b4" (arr |> Array.mapi (fun k (_, a, _) -> float k, a))
                  Plot.curve "bracket high" "#d62728" (arr |> Array.mapi (fun k (_, _, b) -> float k, b))
                  { Plot.curve
                        "midpoint evaluated"
                        "#444444"
                        (arr |> Array.mapi (fun k (t, _, _) -> float k, t.Dt) |> Array.skip 1) with
                      Style = Plot.Markers
                  }
              ] with
            Shapes =
                match o.Verdict with
                | Found(e, _, _) -> [ Plot.hLine "dt* estimate" "#2ca02c" e ]
                | _ -> []
        }
        |> Plot.figure
        |> Some

/// A self-contained HTML page. `examples` are measured runs (e.g. seed 0 at the final bracket's ends) whose ΔH(t) is drawn.
let html
    (context: (string * string) list)
    (description: string)
    (o: FinderOutcome)
    (examples: TailDrift.DriftMeasurement list)
    =
    Html.page
        "dt* boundary finder"
        [
            Html.paragraph description
            ReportFiles.contextTable context
            Html.heading 2 "Verdict"
            sprintf "<p class=\"verdict\">%s</p>\n" (Html.escape (verdictText o))
            Html.bullets o.Notes
            Html.heading 2 "Trials"
            Html.table headers (rows o)
            Html.paragraph
                "Each trial runs every seed at one dt, takes the mean of ΔH over the last part of each run (the tail) and averages over seeds. A sign counts only when |mean| ≥ z·SE; anti-dissipative = positive mean tail ΔH (the run gains energy), dissipative = negative."
            Html.figure
                (trialsChart o)
                "Mean tail ΔH per trial with ±z·SE bars. Grey: the sign is not statistically significant."
            (match pathChart o with
             | None -> Html.paragraph "No bracket was formed, so there is no bisection path."
             | Some chart ->
                 Html.figure
                     chart
                     "The bracket [low, high] when it was formed (step 0) and after each bisection step, with the midpoint each step evaluated.")
            (if examples.IsEmpty then
                 ""
             else
                 Html.heading 2 "Example runs"
                 + String.Join(
                     "",
                     examples
                     |> List.map (fun m ->
                         Html.figure
                             (TraceReport.driftChart
                                 (sprintf "ΔH(t) at dt = %s, run 0" (Number.short m.Dt))
                                 m)
                             (sprintf
                                 "Run 0 at dt = %s: mean tail ΔH = %s."
                                 (Number.short m.Dt)
                                 (Number.sci m.TailMean)))
                 ))
        ]
