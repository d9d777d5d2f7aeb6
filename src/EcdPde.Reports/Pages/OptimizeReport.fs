/// `report.html` for a folder of optimization runs (what `ecdpde optimize --trace … --checkpoint …` wrote, or one
/// run folder of a discovery): per run its settings (from the `.settings.json` beside the trace, else from the
/// checkpoint), a summary (steps, initial, final and best loss, bounces, energy drift), the checkpoints found, and
/// the loss, energy and |energy drift| curves on log scales. Self-contained: inline SVG, no scripts.
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

let private readRows (path: string) =
    let lines = File.ReadAllLines path
    let header = lines[0].Split(',')
    let column (name: string) = Array.IndexOf(header, name)
    let drift, events = column "energy_drift", column "events"

    let parse (c: string[]) (i: int) =
        if i < 0 || i >= c.Length then
            nan
        else
            match Double.TryParse(c[i], NumberStyles.Float, CultureInfo.InvariantCulture) with
            | true, v -> v
            | _ -> nan

    lines
    |> Array.skip 1
    |> Array.map (fun line -> line.Split(','))
    |> Array.filter (fun c -> c.Length >= 3)
    |> Array.map (fun c ->
        {
            Step = parse c 0
            Loss = parse c 1
            Energy = parse c 2
            Drift = parse c drift
            Events = if events >= 0 && events < c.Length then c[events] else ""
        })

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

    let runs = traces |> Array.map (fun t -> t, readRows t) |> List.ofArray

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

    let series (pick: Row -> float) =
        runs
        |> List.mapi (fun i (path, rows) ->
            Svg.Line(fileName path, Svg.color i, rows |> Array.map (fun r -> r.Step, pick r)))

    let allPositive (pick: Row -> float) =
        runs
        |> List.forall (fun (_, rows) ->
            rows |> Array.forall (fun r -> not (Double.IsFinite(pick r)) || pick r > 0.0))

    let chart (title: string) (yLabel: string) (pick: Row -> float) (log: bool) =
        Svg.chart title "step" yLabel (series pick) |> Svg.withYLog log |> Svg.render

    let energyLog = allPositive _.Energy

    let hasDrift =
        runs
        |> List.exists (fun (_, rows) ->
            rows |> Array.exists (fun r -> Double.IsFinite r.Drift && r.Drift <> 0.0))

    let figures =
        if runs.IsEmpty then
            [ Html.paragraph "No trace file in this folder: nothing to plot." ]
        else
            [
                Html.figure (chart "Loss" "loss" _.Loss true) "Loss F(θ) per step (log scale)."
                Html.figure
                    (chart "Energy" "energy" _.Energy energyLog)
                    (if energyLog then
                         "Energy E per step (log scale; BBI/ECDSep: the conserved quantity; Adam, GDM, L-BFGS: the loss)."
                     else
                         "Energy E per step (linear scale: some values are ≤ 0; BBI/ECDSep: the conserved quantity; Adam, GDM, L-BFGS: the loss).")
                if hasDrift then
                    Html.figure
                        (chart "Energy drift" "|E − E0|" (fun r -> abs r.Drift) true)
                        "|energy drift| per step (log scale; steps with zero drift are not drawn)."
            ]

    let body =
        [
            Html.paragraph (
                sprintf
                    "Folder: %s — %d trace(s), %d checkpoint(s). This page needs no network: everything is inline."
                    (fileName (Path.TrimEndingDirectorySeparator(Path.GetFullPath dir)))
                    traces.Length
                    checkpoints.Length
            )
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
