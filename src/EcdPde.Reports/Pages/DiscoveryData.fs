/// What the discovery report shows, read from a discovery folder: solutions.json and every run's trace.csv. All file
/// reading of the discovery report is here; the page and its charts take these records.
module EcdPde.Reports.DiscoveryData

open System
open System.Globalization
open System.IO
open System.Text.Json
open EcdPde.Runs.JsonRead

/// The classical check of a solution: the nearest classical solution and the relative L² distance to it.
type Check = { Nearest: string; Distance: float }

/// One distinct solution.
type Solution =
    {
        Runs: int
        RunIds: int list
        /// How each run of RunIds started (same order), when recorded.
        RunStarts: string list
        Representative: string
        FirstRound: string
        ResidualL2: float
        ResidualMax: float
        BoundaryMax: float
        MaxAbs: float
        FinalLoss: float
        Check: Check option
        /// The field at the grid points, when stored.
        Field: float[] option
        /// The signed PDE residual at the grid points, when stored.
        Residual: float[] option
    }

/// A run that did not give a solution.
type Rejected =
    {
        Run: int
        Reason: string
        ResidualL2: float
        BoundaryMax: float
        FinalLoss: float
    }

/// One trace: steps, loss and energy per row.
type Trace =
    {
        Step: float[]
        Loss: float[]
        Energy: float[]
    }

/// A run's traces: the run itself and, for deflated runs, the polish on the plain loss after it.
type RunTrace =
    {
        Round: int
        Index: int
        Run: Trace
        Polish: Trace option
    }

/// A discovery folder.
type Discovery =
    {
        Folder: string
        Problem: string
        /// The problem's parameters as (name, value) texts.
        Parameters: (string * string) list
        /// Every recorded setting as (name, value) texts.
        Settings: (string * string) list
        ToolVersion: string option
        ToolDotnet: string option
        Threshold: float option
        Grid: (float * float)[]
        Collocation: ((float * float)[] * (float * float)[]) option
        Solutions: Solution list
        Rejected: Rejected list
        Traces: RunTrace list
    }

/// The run id of a run: round · 1000 + index (the encoding solutions.json uses).
let runId (round: int) (index: int) = round * 1000 + index

/// The rows of a trace CSV (its first three columns: step, loss, energy); unreadable rows are skipped.
let readTrace (path: string) =
    let rows =
        if not (File.Exists path) then
            [||]
        else
            File.ReadLines path
            |> Seq.skip 1
            |> Seq.choose (fun line ->
                let c = line.Split(',')

                let parse (s: string) =
                    Double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture)

                if c.Length < 3 then
                    None
                else
                    match parse c[0], parse c[1], parse c[2] with
                    | (true, s), (true, l), (true, e) -> Some(s, l, e)
                    | _ -> None)
            |> Array.ofSeq

    {
        Step = rows |> Array.map (fun (s, _, _) -> s)
        Loss = rows |> Array.map (fun (_, l, _) -> l)
        Energy = rows |> Array.map (fun (_, _, e) -> e)
    }

let private leaf (path: string) =
    Path.GetFileName(Path.TrimEndingDirectorySeparator path)
    |> Option.ofObj
    |> Option.defaultValue path

let private indexAfter (prefix: string) (path: string) =
    let name = leaf path

    match Int32.TryParse(name.Substring(min name.Length prefix.Length)) with
    | true, v when name.StartsWith prefix -> Some v
    | _ -> None

/// Every run's trace under `dir` (round-R/runs/run-III/trace.csv, and round-R/polish/runs/run-III/trace.csv for the
/// polish after a deflated run), in order.
let traces (dir: string) =
    let runsIn (folder: string) =
        if Directory.Exists folder then
            Directory.GetDirectories(folder, "run-*")
            |> Array.sort
            |> Array.choose (fun d ->
                indexAfter "run-" d |> Option.map (fun i -> i, Path.Combine(d, "trace.csv")))
        else
            [||]

    [
        for roundDir in Directory.GetDirectories(dir, "round-*") |> Array.sort do
            match indexAfter "round-" roundDir with
            | Some round ->
                let polish = runsIn (Path.Combine(roundDir, "polish", "runs")) |> Map.ofArray

                for index, trace in runsIn (Path.Combine(roundDir, "runs")) ->
                    {
                        Round = round
                        Index = index
                        Run = readTrace trace
                        Polish = polish.TryFind index |> Option.map readTrace
                    }
            | None -> ()
    ]
    |> List.sortBy (fun t -> t.Round, t.Index)

let private textOf (key: string) (e: JsonElement) =
    property key e |> Option.map text |> Option.defaultValue "–"

let private numberOf (key: string) (e: JsonElement) =
    property key e |> Option.map number |> Option.defaultValue nan

let private ints (key: string) (e: JsonElement) =
    match property key e with
    | Some a when a.ValueKind = JsonValueKind.Array -> [ for r in a.EnumerateArray() -> int (number r) ]
    | _ -> []

let private texts (key: string) (e: JsonElement) =
    match property key e with
    | Some a when a.ValueKind = JsonValueKind.Array -> [ for r in a.EnumerateArray() -> text r ]
    | _ -> []

/// The values of `key` of a solution, when stored: one per grid point and not all NaN.
let private gridValues (gridLength: int) (key: string) (s: JsonElement) =
    match property key s with
    | Some f when gridLength > 0 ->
        let values = numbers f

        if values.Length = gridLength && values |> Array.exists Double.IsFinite then
            Some values
        else
            None
    | _ -> None

let private solution (gridLength: int) (s: JsonElement) =
    {
        Runs = property "runs" s |> Option.map (number >> int) |> Option.defaultValue 0
        RunIds = ints "run_ids" s
        RunStarts = texts "run_starts" s
        Representative = textOf "representative_run" s
        FirstRound = textOf "first_found_in_round" s
        ResidualL2 = numberOf "residual_l2" s
        ResidualMax = numberOf "residual_max" s
        BoundaryMax = numberOf "boundary_max" s
        MaxAbs = numberOf "max_abs" s
        FinalLoss = numberOf "final_loss" s
        Check =
            property "classical_check" s
            |> Option.map (fun c ->
                {
                    Nearest =
                        property "nearest" c
                        |> Option.map text
                        |> Option.defaultValue "no classical solution"
                    Distance = numberOf "relative_l2_distance" c
                })
        Field = gridValues gridLength "field" s
        Residual = gridValues gridLength "residual" s
    }

/// The interior and boundary collocation points (2-D ones only), when recorded.
let private collocation (root: JsonElement) =
    let points (key: string) (c: JsonElement) =
        property key c
        |> Option.map (fun a ->
            [ for p in a.EnumerateArray() -> [| for v in p.EnumerateArray() -> number v |] ])

    match property "collocation" root with
    | Some c ->
        match points "interior" c, points "boundary" c with
        | Some interior, Some boundary when
            not (interior.IsEmpty && boundary.IsEmpty)
            && (interior @ boundary) |> List.forall (fun p -> p.Length = 2)
            ->
            let pairs (ps: float[] list) =
                ps |> List.map (fun p -> p[0], p[1]) |> Array.ofList

            Some(pairs interior, pairs boundary)
        | _ -> None
    | None -> None

/// Reads the discovery folder `dir` (an error naming the folder when it holds no solutions.json).
let read (dir: string) =
    let path = Path.Combine(dir, "solutions.json")

    if not (File.Exists path) then
        invalidArg
            "dir"
            (sprintf "'%s' holds no solutions.json (is it an `ecdpde discover` output folder?)" dir)

    use doc = JsonDocument.Parse(File.ReadAllText path)
    let root = doc.RootElement
    let problem = root.GetProperty "problem"

    let grid =
        match property "grid" root with
        | Some g -> [| for p in g.EnumerateArray() -> number (p[0]), number (p[1]) |]
        | None -> [||]

    let tool (name: string) =
        property "tool" root |> Option.bind (property name) |> Option.map text

    {
        Folder = leaf (Path.GetFullPath dir)
        Problem = property "name" problem |> Option.map text |> Option.defaultValue "?"
        Parameters =
            [
                for p in problem.EnumerateObject() do
                    if p.Name <> "name" then
                        yield p.Name, text p.Value
            ]
        Settings =
            match property "settings" root with
            | Some s -> [ for p in s.EnumerateObject() -> p.Name, text p.Value ]
            | None -> []
        ToolVersion = tool "version"
        ToolDotnet = tool "dotnet"
        Threshold =
            property "settings" root
            |> Option.bind (property "distinct_threshold")
            |> Option.map number
            |> Option.filter Double.IsFinite
        Grid = grid
        Collocation = collocation root
        Solutions =
            [
                for s in root.GetProperty("solutions").EnumerateArray() -> solution grid.Length s
            ]
        Rejected =
            match property "unconverged" root with
            | Some u ->
                [
                    for r in u.EnumerateArray() ->
                        {
                            Run = property "run" r |> Option.map (number >> int) |> Option.defaultValue -1
                            Reason = textOf "reason" r
                            ResidualL2 = numberOf "residual_l2" r
                            BoundaryMax = numberOf "boundary_max" r
                            FinalLoss = numberOf "final_loss" r
                        }
                ]
            | None -> []
        Traces = traces dir
    }
