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

/// The header line of a trace.
let header = String.Join(",", columns)

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
            writer.WriteLine header

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

/// One row of a trace file.
type TraceRow =
    {
        Step: int64
        Loss: float
        Energy: float
        EnergyDrift: float
        Potential: float
        Kinetic: float
        MomentumNorm: float
        GradientNorm: float
        Status: string
        /// Events of the step, '|'-separated ("" when none).
        Events: string
        Evaluations: int64
    }

/// A line of a trace as a row: None unless it is a whole row (every column, numbers where numbers belong).
let parseRow (line: string) =
    let float (s: string) =
        match Double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, v -> Some v
        | _ -> None

    let integer (s: string) =
        match Int64.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) with
        | true, v -> Some v
        | _ -> None

    let c = line.Split(',')

    if c.Length <> columns.Length then
        None
    else
        let numbers = c[1..7] |> Array.choose float

        match integer c[0], integer c[10] with
        | Some step, Some evaluations when numbers.Length = 7 ->
            Some
                {
                    Step = step
                    Loss = numbers[0]
                    Energy = numbers[1]
                    EnergyDrift = numbers[2]
                    Potential = numbers[3]
                    Kinetic = numbers[4]
                    MomentumNorm = numbers[5]
                    GradientNorm = numbers[6]
                    Status = c[8]
                    Events = c[9]
                    Evaluations = evaluations
                }
        | _ -> None

/// True when the file's last byte is a line break: every row the writer finishes ends with one, so a last line
/// without it was torn by a crash mid-write, even when what is left of it still parses (a cut in the last column).
let private endsWithLineBreak (path: string) =
    use s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)

    s.Length > 0L
    && (s.Seek(-1L, SeekOrigin.End) |> ignore
        s.ReadByte() = int '\n')

/// Drops rows with step ≥ `fromStep` (used when resuming from a checkpoint taken at `fromStep`), and any row
/// that is not a whole row (a row torn by a crash mid-write); the file is replaced atomically.
let truncateFrom (path: string) (fromStep: int64) =
    if File.Exists path then
        // a file that is not a trace (another file given as --trace, or a header destroyed) is never overwritten
        match File.ReadLines path |> Seq.tryHead with
        | Some first when first = header -> ()
        | _ ->
            raise (
                JsonFile.ResultFileException(
                    path,
                    sprintf
                        "is not a trace (its first line is not \"%s\"); it is left as it is: move it away or give another trace file"
                        header
                )
            )

        let whole (line: string) =
            parseRow line |> Option.exists (fun r -> r.Step < fromStep)

        let lines = File.ReadAllLines path
        let torn = not (endsWithLineBreak path)

        let keep =
            lines
            |> Array.indexed
            |> Array.filter (fun (i, line) -> i = 0 || (whole line && not (torn && i = lines.Length - 1)))
            |> Array.map snd

        AtomicFile.writeLines path keep

/// A trace file as read: its rows, and what was wrong with the lines that are not rows (a torn last row after an
/// interrupted write, garbage), each naming the line.
type TraceFile =
    {
        Rows: TraceRow[]
        Problems: string list
    }

/// Reads a trace written by TraceWriter. A missing file, or one whose header is not the trace header, is a
/// JsonFile.ResultFileException naming it; lines that are not whole rows are skipped and listed in Problems.
let read (path: string) : TraceFile =
    let text = JsonFile.readText path
    // every row the writer finishes ends with a line break: a last line without one was torn by a crash
    let torn = not (text.EndsWith '\n')
    // lines as File.ReadAllLines splits them (\n, \r\n or \r)
    let lines =
        use reader = new StringReader(text)

        [|
            let mutable line = reader.ReadLine()

            while not (isNull line) do
                yield nonNull line
                line <- reader.ReadLine()
        |]

    if lines.Length = 0 || lines[0] <> header then
        raise (
            JsonFile.ResultFileException(path, sprintf "is not a trace: its first line is not \"%s\"" header)
        )

    let rows = ResizeArray<TraceRow>()
    let problems = ResizeArray<string>()

    for i in 1 .. lines.Length - 1 do
        match parseRow lines[i] with
        | Some r when not (torn && i = lines.Length - 1) -> rows.Add r
        | _ when i = lines.Length - 1 ->
            problems.Add(
                sprintf "line %d is an incomplete last row (a run interrupted while writing); skipped" (i + 1)
            )
        | _ -> problems.Add(sprintf "line %d is not a trace row; skipped" (i + 1))

    {
        Rows = rows.ToArray()
        Problems = List.ofSeq problems
    }
