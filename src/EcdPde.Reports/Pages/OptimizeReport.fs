/// `report.html` for a folder of optimization runs (what `ecdpde optimize --trace … --checkpoint …` wrote, or one
/// run folder of a discovery): per run its settings (from the `.settings.json` beside the trace, else from the
/// checkpoint), a summary (steps, initial, final and best loss, bounces, energy drift), the checkpoints found, and
/// the loss, energy and |energy drift| curves (log axes where they span decades). One self-contained page with
/// interactive Plotly figures.
module EcdPde.Reports.OptimizeReport

open System
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

/// True for a checkpoint (optimizer state) file.
let isCheckpoint (path: string) =
    path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
    && JsonFile.formatTag path = Some checkpointFormat

/// The trace and checkpoint files directly in `dir`, in name order.
let files (dir: string) =
    let all = Directory.GetFiles dir |> Array.sort
    all |> Array.filter isTrace, all |> Array.filter isCheckpoint

/// True when `dir` holds a trace or a checkpoint.
let recognizes (dir: string) =
    let traces, checkpoints = files dir
    traces.Length + checkpoints.Length > 0

/// A trace read through the one trace reader (`Trace.read`): its whole rows, and its problems (lines skipped, or
/// the whole file refused when its header is not the trace header) each naming the file.
let private readTrace (path: string) =
    try
        let t = Trace.read path
        t.Rows, t.Problems |> List.map (sprintf "%s: %s" (fileName path))
    with :? JsonFile.ResultFileException as e ->
        [||], [ sprintf "%s: %s" (fileName path) e.Problem ]

/// What the trace reader did not read in the traces of `dir` (each naming the file): what the page lists under the
/// runs, for the command line to print as well.
let traceProblems (dir: string) =
    fst (files dir) |> List.ofArray |> List.collect (readTrace >> snd)

/// The settings recorded beside a trace (OptimizeSettingsFile.read), as table rows: the request, then one row per
/// invocation (the first run and each resume); Error names the file and the problem when it cannot be read.
let private settingsRows (trace: string) =
    let path = OptimizeSettingsFile.pathFor trace

    if not (File.Exists path) then
        Ok []
    else
        try
            let s = OptimizeSettingsFile.read path

            Ok(
                [ [ "optimizer"; s.Optimizer ] ]
                @ [ for KeyValue(k, v) in s.Hyperparameters -> [ k; v ] ]
                @ [
                    [ "function"; s.Function ]
                    [ "dim"; string s.Dim ]
                    [ "x0"; s.X0 ]
                    [ "steps"; string s.Steps ]
                    [ "seed"; string s.Seed ]
                    [ "precision"; s.Precision ]
                    [ "trace"; s.Trace ]
                    [ "checkpoint"; s.Checkpoint ]
                    [ "tool version"; s.ToolVersion ]
                    [ ".NET"; s.Dotnet ]
                ]
                @ [
                    for i, v in List.indexed s.Invocations ->
                        [
                            (if i = 0 then "run" else sprintf "resume %d" i)
                            sprintf
                                "%d steps to step %d, %s s, %s"
                                v.Steps
                                v.EndStep
                                (Number.short v.Seconds)
                                v.End
                        ]
                ]
            )
        with :? JsonFile.ResultFileException as e ->
            Error(sprintf "%s: %s" (fileName path) e.Problem)

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
let private series (runs: (string * Trace.TraceRow[]) list) (pick: Trace.TraceRow -> float) =
    runs
    |> List.mapi (fun i (path, rows) ->
        Plot.curve (fileName path) (Plot.color i) (rows |> Array.map (fun r -> float r.Step, pick r)))

/// A chart of `pick` for every run; its y axis logarithmic when the values span decades.
let private chartOf
    (runs: (string * Trace.TraceRow[]) list)
    (title: string)
    (yLabel: string)
    (pick: Trace.TraceRow -> float)
    =
    let curves = series runs pick
    let y = Plot.autoAxis yLabel (curves |> Seq.collect _.Y)

    Plot.chart (if y.Log then title + " (log scale)" else title) (Plot.linear "step") y curves
    |> Plot.figure,
    y.Log

/// The loss, energy and (when any is recorded) |energy drift| figures with their captions.
let private lossFigures (runs: (string * Trace.TraceRow[]) list) =
    let scale (log: bool) =
        if log then
            "log scale: the values span decades"
        else
            "linear scale"

    let hasDrift =
        runs
        |> List.exists (fun (_, rows) ->
            rows
            |> Array.exists (fun r -> Double.IsFinite r.EnergyDrift && r.EnergyDrift <> 0.0))

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
                        if r.EnergyDrift = 0.0 then nan else abs r.EnergyDrift)

                Html.figure
                    drift
                    (sprintf
                        "|energy drift| per step (%s; steps with zero drift are not drawn)."
                        (scale driftLog))
        ]

/// One run's row of the summary table: trace, rows, last step, initial, final and best loss, bounces, final
/// energy, max |energy drift|.
let private summaryRow (path: string, rows: Trace.TraceRow[]) =
    let last = Array.tryLast rows

    let pick f =
        last |> Option.map f |> Option.defaultValue nan

    let bounces =
        rows |> Array.sumBy (fun r -> if r.Events.Contains "Bounce" then 1 else 0)

    [
        fileName path
        string rows.Length
        Number.short (pick (fun r -> float r.Step))
        Number.short (rows |> Array.tryHead |> Option.map _.Loss |> Option.defaultValue nan)
        Number.short (pick _.Loss)
        Number.short (finiteMin (rows |> Seq.map _.Loss))
        string bounces
        Number.short (pick _.Energy)
        Number.short (
            rows
            |> Array.map (fun r -> abs r.EnergyDrift)
            |> Array.filter Double.IsFinite
            |> fun a -> if a.Length = 0 then nan else Array.max a
        )
    ]

/// The summary table of the runs ("" when there is no trace), then what the trace reader skipped, if anything.
let private runsSection (runs: (string * Trace.TraceRow[]) list) (problems: string list) =
    [
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
                 (runs |> List.map summaryRow))
    ]
    @ (if problems.IsEmpty then
           []
       else
           [
               Html.paragraph
                   "Trace problems: these lines are not whole rows and are not read (a final loss is never taken from them):"
               Html.bullets problems
           ])

/// One trace's settings as a table under its name, or a note when no settings file lies beside it or it cannot be
/// read.
let private settingsSection (trace: string) =
    match settingsRows trace with
    | Ok [] ->
        [
            Html.paragraph (
                sprintf
                    "%s: no settings file (%s) beside the trace; the checkpoints below show the optimizer and its hyperparameters."
                    (fileName trace)
                    (fileName (OptimizeSettingsFile.pathFor trace))
            )
        ]
    | Ok rows -> [ Html.heading 3 (fileName trace); Html.table [ "setting"; "value" ] rows ]
    | Error problem ->
        [
            Html.heading 3 (fileName trace)
            Html.paragraph ("Settings not read: " + problem)
        ]

/// The table of the checkpoints found ("" when there is none).
let private checkpointsSection (checkpoints: string[]) =
    if checkpoints.Length = 0 then
        ""
    else
        Html.heading 3 "Checkpoints"
        + Html.table
            [ "file"; "optimizer"; "precision"; "steps"; "hyperparameters" ]
            (checkpoints |> Array.map checkpointRow |> List.ofArray)

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
    let problems = read |> List.collect (fun (_, (_, p)) -> p)

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
        ]
        @ runsSection runs problems
        @ [ Html.heading 2 "Settings" ]
        @ (runs |> List.collect (fst >> settingsSection))
        @ [
            checkpointsSection checkpoints
            Html.paragraph (
                sprintf "Report written by EcdPde %s on %s." ToolVersion.informational ToolVersion.runtime
            )
            Html.heading 2 "Curves"
        ]
        @ lossFigures runs

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, Html.page "Optimization runs" body)
    path
