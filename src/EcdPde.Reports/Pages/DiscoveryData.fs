/// What the discovery report shows, read from a discovery folder: solutions.json (SolutionsFile.read) and every
/// run's trace.csv (Trace.read), the run folders as RunFolders.list enumerates them. All file reading of the
/// discovery report is here; the page and its charts take these records.
module EcdPde.Reports.DiscoveryData

open System
open System.IO
open EcdPde.Runs
open Pde.Discovery
open Pde.Discovery.Solutions
open Pde.Discovery.SolutionsFile

/// The classical check of a solution: the nearest classical solution and the relative L² distance to it.
type Check = { Nearest: string; Distance: float }

/// One distinct solution.
type Solution =
    {
        Runs: int
        RunIds: RunId list
        /// How each run of RunIds started (same order), when recorded.
        RunStarts: string list
        Representative: RunId
        FirstRound: int
        ResidualL2: float
        ResidualMax: float
        BoundaryMax: float
        MaxAbs: float
        FinalLoss: float
        Check: Check option
        /// The automatic classical certification, when it ran.
        Certification: CertificationRecord option
        /// The field at the grid points, when stored.
        Field: float[] option
        /// The signed PDE residual at the grid points, when stored.
        Residual: float[] option
    }

/// A run that did not give a solution.
type Rejected =
    {
        Run: RunId
        Reason: string
        ResidualL2: float
        BoundaryMax: float
        FinalLoss: float
    }

/// One trace: steps, loss and energy per whole row, and what the trace reader did not read (each naming the file).
type Trace =
    {
        Step: float[]
        Loss: float[]
        Energy: float[]
        Problems: string list
    }

/// A run's traces: the run itself and, for deflated runs, the polish on the plain loss after it.
type RunTrace =
    {
        Id: RunId
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
        /// Why the search stopped.
        StopReason: string
        NearMisses: NearMissRecord list
        /// Runs that failed a gate and were accepted because their field was certified.
        AcceptedByCertification: NearMissRecord list
        /// Classical solutions no network run reached.
        ClassicalOnly: ClassicalOnlyRecord list
        Traces: RunTrace list
    }

/// The whole rows of a trace (Trace.read: step, loss, energy) and its problems (lines skipped, or the whole file
/// when it is not a trace), each naming the file; empty when the run has no trace yet.
let readTrace (path: string) =
    let rows, problems =
        if File.Exists path then
            try
                let t = EcdPde.Runs.Trace.read path
                t.Rows, t.Problems |> List.map (sprintf "%s: %s" path)
            with :? JsonFile.ResultFileException as e ->
                [||], [ sprintf "%s: %s" path e.Problem ]
        else
            [||], []

    {
        Step = rows |> Array.map (fun r -> float r.Step)
        Loss = rows |> Array.map _.Loss
        Energy = rows |> Array.map _.Energy
        Problems = problems
    }

let private leaf (path: string) =
    Path.GetFileName(Path.TrimEndingDirectorySeparator path)
    |> Option.ofObj
    |> Option.defaultValue path

/// Every run's trace under `dir` (the run folders of RunFolders.list, round-R/runs/run-III, and for the polish
/// after a deflated run round-R/polish/runs/run-III), in run order.
let traces (dir: string) =
    RunFolders.list dir
    |> List.map (fun (id, folder) ->
        let polish = Path.Combine(RunFolders.polishFolder dir id, "trace.csv")

        {
            Id = id
            Run = readTrace (Path.Combine(folder, "trace.csv"))
            Polish = if File.Exists polish then Some(readTrace polish) else None
        })

/// What the trace reader did not read in the traces of `traces` (each naming the file), in run order.
let traceProblems (traces: RunTrace list) =
    traces
    |> List.collect (fun t -> t.Run.Problems @ (t.Polish |> Option.map _.Problems |> Option.defaultValue []))

/// Values on the grid (field, residual) when stored: one per grid point and not all NaN.
let private gridValues (gridLength: int) (values: float[] option) =
    match values with
    | Some v when gridLength > 0 && v.Length = gridLength && v |> Array.exists Double.IsFinite -> Some v
    | _ -> None

let private solution (gridLength: int) (s: SolutionRecord) =
    {
        Runs = s.Runs
        RunIds = s.RunIds
        RunStarts = s.RunStarts
        Representative = s.RepresentativeRun
        FirstRound = s.FirstFoundInRound
        ResidualL2 = s.ResidualL2
        ResidualMax = s.ResidualMax
        BoundaryMax = s.BoundaryMax
        MaxAbs = s.MaxAbs
        FinalLoss = s.FinalLoss
        Check =
            Some
                {
                    Nearest = s.ClassicalCheck.Nearest
                    Distance = s.ClassicalCheck.RelativeL2Distance
                }
        Certification =
            s.Certification
            |> Option.map (fun c ->
                { c with
                    Classical = gridValues gridLength c.Classical
                })
        Field = gridValues gridLength (Some s.Field)
        Residual = gridValues gridLength s.Residual
    }

/// The interior and boundary collocation points (2-D ones only), when recorded.
let private collocation (file: Solutions) =
    let c = file.Collocation
    let all = Array.append c.Interior c.Boundary

    if all.Length > 0 && all |> Array.forall (fun p -> p.Length = 2) then
        let pairs (ps: float[][]) = ps |> Array.map (fun p -> p[0], p[1])
        Some(pairs c.Interior, pairs c.Boundary)
    else
        None

/// An optimizer and its settings as text.
let private optimizerText (o: OptimizerRecord) =
    if o.Settings.IsEmpty then
        o.Optimizer
    else
        sprintf
            "%s (%s)"
            o.Optimizer
            (String.Join(", ", o.Settings |> Map.toList |> List.map (fun (k, v) -> k + " = " + v)))

/// The settings of the search as (name, value) texts.
let private settings (st: SearchSettings) =
    [
        "optimizer", optimizerText st.Optimizer
        "runs", string st.Runs
        "steps", string st.Steps
        "seed", string st.Seed
        "initialization", st.Initialization
        "deflation rounds", string st.DeflationRounds
        "deflation runs", string st.DeflationRuns
        "deflation steps", string st.DeflationSteps
        "deflation optimizer", optimizerText st.DeflationOptimizer
        "polish steps", string st.PolishSteps
        "polish optimizer", optimizerText st.PolishOptimizer
        "distinct threshold", Number.short st.DistinctThreshold
    ]

/// Reads the discovery folder `dir` (an error naming the folder when it holds no solutions.json).
let read (dir: string) =
    let path = Path.Combine(dir, "solutions.json")

    if not (File.Exists path) then
        invalidArg
            "dir"
            (sprintf "'%s' holds no solutions.json (is it an `ecdpde discover` output folder?)" dir)

    let file = SolutionsFile.read path

    let grid =
        file.Grid
        |> Array.filter (fun p -> p.Length >= 2)
        |> Array.map (fun p -> p[0], p[1])

    {
        Folder = leaf (Path.GetFullPath dir)
        Problem = file.Problem.Name
        Parameters =
            file.Problem.Parameters
            |> Map.toList
            |> List.map (fun (k, v) -> k, Number.short v)
        Settings = settings file.Settings
        ToolVersion = Some file.Tool.Version
        ToolDotnet = Some file.Tool.Dotnet
        Threshold = Some file.Settings.DistinctThreshold |> Option.filter Double.IsFinite
        Grid = grid
        Collocation = collocation file
        Solutions = file.Solutions |> List.map (solution grid.Length)
        StopReason = file.StopReason
        NearMisses = file.NearMisses
        AcceptedByCertification = file.AcceptedByCertification
        ClassicalOnly = file.ClassicalOnly |> List.filter (fun c -> c.Field.Length = grid.Length)
        Rejected =
            file.Unconverged
            |> List.map (fun r ->
                {
                    Run = r.Run
                    Reason = r.Reason
                    ResidualL2 = r.ResidualL2
                    BoundaryMax = r.BoundaryMax
                    FinalLoss = r.FinalLoss
                })
        Traces = traces dir
    }
