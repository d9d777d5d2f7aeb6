/// The study file (`study.json`, see docs/studies.md): a study as one record type written and read through JsonFile
/// with the format tag "ecdpde-study/1". Written by hand or by `ecdpde compare` (the study it ran, beside its cells);
/// the fields marked optional may be left out.
module EcdPde.Studies.StudyFile

open System.Collections.Generic
open System.Text.Json
open System.Text.Json.Serialization
open EcdPde.Studies.Study

/// The name of a study folder's study file (the study it holds, and the folder's identity).
let name = "study.json"

/// The format tag of a study file.
let format = "ecdpde-study/1"

/// Where a problem's runs start: exactly one of the three.
[<CLIMutable>]
type StartsEntry =
    {
        /// Every start at this point (one value: every coordinate).
        [<JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)>]
        Fixed: float list option
        /// [lo, hi, count]: starts uniform in [lo, hi]ⁿ.
        [<JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)>]
        Uniform: float list option
        /// Network initializations (PDE problems).
        [<JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)>]
        Initializations: int option
    }

/// A problem.
[<CLIMutable>]
type StudyProblemEntry =
    {
        [<JsonRequired>]
        Name: string
        [<JsonRequired>]
        Function: string
        /// Optional for a PDE problem.
        Dim: int option
        [<JsonRequired>]
        Starts: StartsEntry
        [<JsonRequired>]
        Target: float
    }

/// A stage of a solver.
[<CLIMutable>]
type StageEntry =
    {
        [<JsonRequired>]
        Optimizer: string
        /// Optional: hyperparameters by name (strings or numbers).
        Settings: Dictionary<string, JsonElement> option
        /// Optional: 1 when left out.
        Share: float option
    }

/// A solver.
[<CLIMutable>]
type SolverEntry =
    {
        [<JsonRequired>]
        Label: string
        [<JsonRequired>]
        Stages: StageEntry list
    }

/// study.json.
[<CLIMutable>]
type StudyEntry =
    {
        [<JsonRequired>]
        Format: string
        [<JsonRequired>]
        Name: string
        [<JsonRequired>]
        Seeds: int
        [<JsonRequired>]
        Steps: int64
        /// Optional: float64 when left out.
        Precision: string option
        /// Optional: 0 when left out.
        Seed: uint64 option
        /// Optional: no wall-clock limit when left out.
        [<JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)>]
        WallSeconds: float option
        [<JsonRequired>]
        Problems: StudyProblemEntry list
        [<JsonRequired>]
        Solvers: SolverEntry list
        /// Written by `ecdpde compare` into a study folder whose PDE cells ran on another backend than the native
        /// engine ("torch"); left out for the native engine. Part of the folder's identity, so that cells of two
        /// backends never mix in one folder; a study file given to `compare` may leave it out (`--backend` sets it).
        [<JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)>]
        Backend: string option
    }

let private startsEntry (starts: Starts) =
    let none =
        {
            Fixed = None
            Uniform = None
            Initializations = None
        }

    match starts with
    | Fixed xs -> { none with Fixed = Some xs }
    | Uniform(lo, hi, count) ->
        { none with
            Uniform = Some [ lo; hi; float count ]
        }
    | Initializations n -> { none with Initializations = Some n }

let private stageEntry (st: SolverStage) =
    let settings = Dictionary<string, JsonElement>()

    for k, v in st.Settings do
        settings[k] <- JsonSerializer.SerializeToElement v

    {
        Optimizer = st.Optimizer
        Settings = Some settings
        Share = Some st.Share
    }

/// The file record of a study.
let ofStudy (study: Study) =
    {
        Format = format
        Name = study.Name
        Seeds = study.Seeds
        Steps = study.Steps
        Precision = Some study.Precision
        Seed = Some study.Seed
        WallSeconds = study.WallSeconds
        Problems =
            study.Problems
            |> List.map (fun p ->
                {
                    Name = p.Name
                    Function = p.Function
                    Dim = Some p.Dim
                    Starts = startsEntry p.Starts
                    Target = p.Target
                })
        Solvers =
            study.Solvers
            |> List.map (fun s ->
                {
                    Label = s.Label
                    Stages = s.Stages |> List.map stageEntry
                })
        Backend = None
    }

/// The identity of a study folder whose PDE cells run on the backend named `backend`: the study's record, with the
/// backend unless it is the native engine (so a native folder keeps the record it always had).
let identity (study: Study) (backend: string) =
    { ofStudy study with
        Backend = if backend = "native" then None else Some backend
    }

let private starts (path: string) (e: StartsEntry) =
    match e.Initializations, e.Fixed, e.Uniform with
    | Some n, _, _ -> Initializations n
    | None, Some xs, _ -> Fixed xs
    | None, None, Some [ lo; hi; count ] -> Uniform(lo, hi, int count)
    | None, None, Some _ -> invalidArg "study" (sprintf "%s: 'uniform' needs [lo, hi, count]" path)
    | None, None, None ->
        invalidArg "study" (sprintf "%s: 'starts' needs 'fixed', 'uniform' or 'initializations'" path)

let private problem (path: string) (p: StudyProblemEntry) : StudyProblem =
    {
        Name = p.Name
        Function = p.Function
        Dim =
            match p.Dim with
            | Some d -> d
            | None when PdeProblem.isPde p.Function -> 0
            | None -> invalidArg "study" (sprintf "%s: field 'dim' is missing" path)
        Starts = starts path p.Starts
        Target = p.Target
    }

let private stage (st: StageEntry) : SolverStage =
    {
        Optimizer = st.Optimizer
        Settings =
            match st.Settings with
            | Some s -> [ for KeyValue(k, v) in s -> k, v.ToString() ]
            | None -> []
        Share = st.Share |> Option.defaultValue 1.0
    }

/// The study of a file record (`path` for messages).
let toStudy (path: string) (e: StudyEntry) : Study =
    {
        Name = e.Name
        Problems = e.Problems |> List.map (problem path)
        Solvers =
            e.Solvers
            |> List.map (fun s ->
                ({
                    Label = s.Label
                    Stages = s.Stages |> List.map stage
                }
                : Solver))
        Seeds = e.Seeds
        Steps = e.Steps
        WallSeconds = e.WallSeconds
        Precision = e.Precision |> Option.defaultValue "float64"
        Seed = e.Seed |> Option.defaultValue 0UL
    }

/// Writes a study file atomically.
let write (study: Study) (path: string) =
    EcdPde.Runs.JsonFile.write path (ofStudy study)

/// Reads a study file (ResultFileException naming the file and the problem when it cannot; ArgumentException naming
/// the field for bad starts or a missing dimension).
let read (path: string) =
    EcdPde.Runs.JsonFile.read<StudyEntry> format path |> toStudy path
