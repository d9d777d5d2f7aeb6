/// Per-step traces of a run as CSV: one row per step, step 0 = the starting point.
module EcdPde.Runs.Trace

open System
open System.Globalization
open System.IO
open Ecd.Core.Optimizers

/// Column names, in order. The first three (step, loss, energy) are the stable interface other tools read.
let columns =
    [
        "step"
        "loss"
        "energy"
        "energy_drift"
        "potential"
        "kinetic"
        "momentum_norm"
        "gradient_norm"
        "status"
        "events"
        "evaluations"
    ]

let private num (x: float) =
    x.ToString("R", CultureInfo.InvariantCulture)

/// One CSV row for a step report.
let row (r: StepReport) =
    let events =
        if r.Events = StepEvents.None then
            ""
        else
            r.Events.ToString().Replace(", ", "|")

    String.Join(
        ",",
        [
            string r.Step
            num r.Loss
            num r.Energy
            num r.EnergyDrift
            num r.Potential
            num r.Kinetic
            num r.MomentumNorm
            num r.GradientNorm
            string r.Status
            events
            string r.Evaluations
        ]
    )

/// A CSV trace file being written. Rows are flushed every `flushEvery` rows and on dispose,
/// so a crash loses at most that many rows.
type TraceWriter(path: string, append: bool, ?flushEvery: int) =
    let flushEvery = defaultArg flushEvery 1000

    do
        match Path.GetDirectoryName(Path.GetFullPath path) with
        | null -> ()
        | dir -> Directory.CreateDirectory dir |> ignore

    let fresh = not append || not (File.Exists path)
    let writer = new StreamWriter(path, append = not fresh)
    let mutable pending = 0

    do
        if fresh then
            writer.WriteLine(String.Join(",", columns))

    /// Appends one step's row.
    member _.Write(r: StepReport) =
        writer.WriteLine(row r)
        pending <- pending + 1

        if pending >= flushEvery then
            writer.Flush()
            pending <- 0

    /// Flushes buffered rows to disk.
    member _.Flush() = writer.Flush()

    interface IDisposable with
        member _.Dispose() = writer.Dispose()

/// Drops rows with step ≥ `fromStep` (used when resuming from a checkpoint taken at `fromStep`).
let truncateFrom (path: string) (fromStep: int64) =
    if File.Exists path then
        let keep =
            File.ReadLines path
            |> Seq.indexed
            |> Seq.filter (fun (i, line) ->
                i = 0
                || (match Int64.TryParse(line.Split(',').[0]) with
                    | true, s -> s < fromStep
                    | _ -> false))
            |> Seq.map snd
            |> Array.ofSeq

        File.WriteAllLines(path, keep)
