/// `report.html` for a folder of optimization runs (what `ecdpde optimize --trace … --checkpoint …` wrote, or one
/// run folder of a discovery): per run its settings (from the `.settings.json` beside the trace, else from the
/// checkpoint), a summary (steps, initial, final and best loss, bounces, energy drift), the checkpoints found, and
/// the loss, energy and |energy drift| curves (log axes where they span decades). One self-contained page with
/// interactive Plotly figures.
module EcdPde.Reports.OptimizeReport

open System
open System.Globalization
open System.IO
open System.Text.Json
open EcdPde.Runs
open EcdPde.Runs.JsonRead

/// The format marker of checkpoint files (Ecd.Core's optimizer state).
let checkpointFormat = "ecdpde-optimizer-state/1"

let private fileName (path: string) =
    Path.GetFileName path |> Option.ofObj |> Option.defaultValue path

/// True for a CSV trace of `ecdpde optimize` (its header starts with step,loss,energy).
let isTrace (path: string) =
    if path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) then
        use r = new StreamReader(path)

        match r.ReadLine() |> Option.ofObj with
        | Some header -> header.StartsWith(String.Join(",", Trace.columns |> List.take 3))
        | None -> false
    else
        false

let private formatOf (path: string) =
    if path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) then
        match tryParseFile path with
        | Some doc ->
            use doc = doc
            str "format" doc.RootElement
        | None -> None
    else
        None

/// True for a checkpoint (optimizer state) file.
let isCheckpoint (path: string) = formatOf path = Some checkpointFormat

/// The trace and checkpoint files directly in `dir`, in name order.
let files (dir: string) =
    let all = Directory.GetFiles dir |> Array.sort
    all |> Array.filter isTrace, all |> Array.filter isCheckpoint

/// True when `dir` holds a trace or a checkpoint.
let recognizes (dir: string) =
    let traces, checkpoints = files dir
    traces.Length + checkpoints.Length > 0

/// One trace row: step, loss, energy, energy drift (NaN when absent), events.
type private Row =
    {
        Step: float
        Loss: float
        Energy: float
        Drift: float
        Events: string
    }

/// The rows of a trace (Trace.read, the trace's one reader) and its problems: lines that are not whole rows are
/// listed on the page, never plotted (a half row torn by a kill never becomes the final loss).
let private readTrace (path: string) =
    let t = Trace.read path

    t.Rows
    |> Array.map (fun r ->
        {
            Step = float r.Step
            Loss = r.Loss
            Energy = r.Energy
            Drift = r.EnergyDrift
            Events = r.Events
        }),
    t.Problems |> List.map (fun p -> sprintf "%s: %s" (fileName path) p)

/// The settings recorded beside a trace, as table rows.
let private settingsRows (trace: string) =
    let path = Optimize.settingsPath trace

    match (if File.Exists path then tryParseFile path else None) with
    | Some doc ->
        use doc = doc
        let root = doc.RootElement

        [
            for p in root.EnumerateObject() do
                match p.Name with
                | "format" -> ()
                | "hyperparameters" -> for h in p.Value.EnumerateObject() -> [ h.Name; text h.Value ]
                | _ -> yield [ p.Name; text p.Value ]
        ]
    | None -> []

/// A checkpoint as a table row: file, optimizer, precision, steps, hyperparameters.
let private checkpointRow (path: string) =
    match tryParseFile path with
    | Some doc ->
        use doc = doc
        let root = doc.RootElement

        let options =
            match property "options" root with
            | Some o when o.ValueKind = JsonValueKind.Object ->
                String.Join(", ", [ for p in o.EnumerateObject() -> sprintf "%s = %s" p.Name (text p.Value) ])
            | _ -> ""

        [
            fileName path
            str "optimizer" root |> Option.defaultValue "?"
            str "precision" root |> Option.defaultValue "?"
            property "state" root
            |> Option.bind (property "Steps")
            |> Option.map text
            |> Option.defaultValue "?"
            options
        ]
    | None -> [ fileName path; "unreadable"; ""; ""; "" ]

let private finiteMin (xs: float seq) =
    let v = xs |> Seq.filter Double.IsFinite |> Array.ofSeq
    if v.Length = 0 then nan else Array.min v

/// One run's curve of `pick` per step, in its palette colour, named by its trace file.
let private series (runs: (string * Row[]) list) (pick: Row -> float) =
    runs
    |> List.mapi (fun i (path, rows) ->
        Plot.curve (fileName path) (Plot.color i) (rows |> Array.map (fun r -> r.Step, pick r)))

/// A chart of `pick` for every run; its y axis logarithmic when the values span decades.
let private chartOf (runs: (string * Row[]) list) (title: string) (yLabel: string) (pick: Row -> float) =
    let curves = series runs pick
    let y = Plot.autoAxis yLabel (curves |> Seq.collect _.Y)

    Plot.chart (if y.Log then title + " (log scale)" else title) (Plot.linear "step") y curves
    |> Plot.figure,
    y.Log

/// The loss, energy and (when any is recorded) |energy drift| figures with their captions.
let private lossFigures (runs: (string * Row[]) list) =
    let scale (log: bool) =
        if log then
            "log scale: the values span decades"
        else
            "linear scale"

    let hasDrift =
        runs
        |> List.exists (fun (_, rows) ->
            rows |> Array.exists (fun r -> Double.IsFinite r.Drift && r.Drift <> 0.0))

    if runs.IsEmpty then
        [ Html.paragraph "No trace file in this folder: nothing to plot." ]
    else
        let loss, lossLog = chartOf runs "Loss" "loss" _.Loss
        let energy, energyLog = chartOf runs "Energy" "energy" _.Energy

        [
            Html.figure
                loss
                (sprintf "Loss F(θ) per step (%s). Hover for values; drag to zoom." (scale lossLog))
            Html.figure
                energy
                (sprintf
                    "Energy E per step (%s; BBI/ECDSep: the conserved quantity; Adam, GDM, L-BFGS: the loss)."
                    (scale energyLog))
            if hasDrift then
                let drift, driftLog =
                    chartOf runs "Energy drift" "|E − E0|" (fun r ->
                        if r.Drift = 0.0 then nan else abs r.Drift)

                Html.figure
                    drift
                    (sprintf
                        "|energy drift| per step (%s; steps with zero drift are not drawn)."
                        (scale driftLog))
        ]

/// Builds the report of the optimization-run folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let traces, checkpoints = files dir

    if traces.Length + checkpoints.Length = 0 then
        invalidArg
            "dir"
            (sprintf
                "'%s' holds no trace CSV (header step,loss,energy,…) and no checkpoint (%s); is it an `ecdpde optimize` output folder?"
                dir
                checkpointFormat)

    let read = traces |> Array.map (fun t -> t, readTrace t) |> List.ofArray
    let runs = read |> List.map (fun (t, (rows, _)) -> t, rows)
    let problems = read |> List.collect (fun (_, (_, problems)) -> problems)

    let summary =
        runs
        |> List.map (fun (path, rows) ->
            let last = Array.tryLast rows

            let pick f =
                last |> Option.map f |> Option.defaultValue nan

            let bounces =
                rows |> Array.sumBy (fun r -> if r.Events.Contains "Bounce" then 1 else 0)

            [
                fileName path
                string rows.Length
                Number.short (pick _.Step)
                Number.short (rows |> Array.tryHead |> Option.map _.Loss |> Option.defaultValue nan)
                Number.short (pick _.Loss)
                Number.short (finiteMin (rows |> Seq.map _.Loss))
                string bounces
                Number.short (pick _.Energy)
                Number.short (
                    rows
                    |> Array.map (fun r -> abs r.Drift)
                    |> Array.filter Double.IsFinite
                    |> fun a -> if a.Length = 0 then nan else Array.max a
                )
            ])

    let settingsSections =
        runs
        |> List.collect (fun (path, _) ->
            match settingsRows path with
            | [] ->
                [
                    Html.paragraph (
                        sprintf
                            "%s: no settings file (%s) beside the trace; the checkpoints below show the optimizer and its hyperparameters."
                            (fileName path)
                            (fileName (Optimize.settingsPath path))
                    )
                ]
            | rows -> [ Html.heading 3 (fileName path); Html.table [ "setting"; "value" ] rows ])

    let figures = lossFigures runs

    let body =
        [
            Html.paragraph (
                sprintf
                    "Folder: %s — %d trace(s), %d checkpoint(s). This page needs no network: everything is inline."
                    (fileName (Path.TrimEndingDirectorySeparator(Path.GetFullPath dir)))
                    traces.Length
                    checkpoints.Length
            )
            (if problems.IsEmpty then
                 ""
             else
                 Html.heading 2 "Trace problems"
                 + Html.paragraph
                     "Lines of the traces that are not whole rows; they are left out of the table and the figures."
                 + Html.table [ "problem" ] [ for p in problems -> [ p ] ])
            Html.heading 2 "Runs"
            (if runs.IsEmpty then
                 ""
             else
                 Html.table
                     [
                         "trace"
                         "rows"
                         "last step"
                         "initial loss"
                         "final loss"
                         "best loss"
                         "bounces"
                         "final energy"
                         "max |energy drift|"
                     ]
                     summary)
            Html.heading 2 "Settings"
        ]
        @ settingsSections
        @ [
            (if checkpoints.Length = 0 then
                 ""
             else
                 Html.heading 3 "Checkpoints"
                 + Html.table
                     [ "file"; "optimizer"; "precision"; "steps"; "hyperparameters" ]
                     (checkpoints |> Array.map checkpointRow |> List.ofArray))
            Html.paragraph (
                sprintf "Report written by EcdPde %s on %s." ToolVersion.informational ToolVersion.runtime
            )
            Html.heading 2 "Curves"
        ]
        @ figures

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, Html.page "Optimization runs" body)
    path
