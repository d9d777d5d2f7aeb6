/// multi-solution.json: the multi-solution study's result (its settings, the classical solutions per problem and
/// every row), one record type written and read through JsonFile with the format tag "ecdpde-multi-solution/2".
module EcdPde.Studies.MultiSolutionFile

open System.Collections.Generic
open EcdPde.Studies.MultiSolution

/// The format tag of multi-solution.json.
let format = "ecdpde-multi-solution/2"

/// A problem of the study's settings.
type MultiSolutionProblem =
    { Function: string; StepsPerRun: int64 }

/// A strategy of the study's settings: its label, its kind, and the fields of that kind.
type StrategyEntry =
    {
        Label: string
        /// bounces, bounces+deflation, restarts, classical-newton or deflated.
        Kind: string
        /// restarts and deflated: the optimizer and its settings (null for the other kinds).
        Optimizer: string option
        Settings: Dictionary<string, string> option
        /// classical-newton: the constant guesses (null for the other kinds).
        Guesses: float list option
    }

/// The study's settings.
type SettingsEntry =
    {
        Problems: MultiSolutionProblem list
        Strategies: StrategyEntry list
        BudgetsRuns: int list
        Seeds: int
        DistinctThreshold: float
        MatchTolerance: float
        /// The reduced size of every problem (null: the examples' own).
        Size: StudySize option
    }

/// The classical solutions of a problem.
type ClassicalEntry =
    {
        Problem: string
        Solutions: string list
    }

/// A distinct solution's nearest classical solution.
type NearestEntry =
    {
        Classical: string
        RelativeL2Distance: float
    }

/// A row of the result (see MultiSolution.Row).
type RowEntry =
    {
        Problem: string
        Strategy: string
        Seed: int
        BudgetRuns: int option
        BudgetSteps: int64 option
        RunsUsed: int
        Converged: int
        Distinct: int
        Matched: string list
        Nearest: NearestEntry list
        Seconds: float
        Evaluations: int64
        Certified: int
        CpuSeconds: float
    }

/// multi-solution.json.
type MultiSolutionResult =
    {
        Format: string
        Name: string
        Settings: SettingsEntry
        Classical: ClassicalEntry list
        Rows: RowEntry list
        Seconds: float
    }

let private strategyEntry (st: StrategySpec) =
    let entry kind =
        {
            Label = st.Label
            Kind = kind
            Optimizer = None
            Settings = None
            Guesses = None
        }

    match st.Strategy with
    | Bounces -> entry "bounces"
    | BouncesDeflation -> entry "bounces+deflation"
    | Restarts(optimizer, settings) ->
        let d = Dictionary<string, string>()

        for k, v in settings do
            d[k] <- v

        { entry "restarts" with
            Optimizer = Some optimizer
            Settings = Some d
        }
    | ClassicalNewton guesses ->
        { entry "classical-newton" with
            Guesses = Some guesses
        }
    | Deflated(optimizer, settings) ->
        { entry "deflated" with
            Optimizer = Some optimizer
            Settings = Some(Dictionary(dict settings))
        }

/// The settings of a multi-solution study as recorded.
let settingsEntry (s: MultiSolutionSettings) =
    {
        Problems =
            s.Problems
            |> List.map (fun p ->
                ({
                    Function = p.Function
                    StepsPerRun = p.StepsPerRun
                }
                : MultiSolutionProblem))
        Strategies = s.Strategies |> List.map strategyEntry
        BudgetsRuns = s.Budgets
        Seeds = s.Seeds
        DistinctThreshold = s.Threshold
        MatchTolerance = s.MatchTolerance
        Size = s.Size
    }

let private rowEntry (r: Row) : RowEntry =
    {
        Problem = r.Problem
        Strategy = r.Strategy
        Seed = r.Seed
        BudgetRuns = r.BudgetRuns
        BudgetSteps = r.BudgetSteps
        RunsUsed = r.RunsUsed
        Converged = r.Converged
        Distinct = r.Distinct
        Matched = r.Matched
        Nearest =
            r.Nearest
            |> List.map (fun (name, d) ->
                ({
                    Classical = name
                    RelativeL2Distance = d
                }
                : NearestEntry))
        Seconds = r.Seconds
        Evaluations = r.Evaluations
        Certified = r.Certified
        CpuSeconds = r.CpuSeconds
    }

let private row (r: RowEntry) : Row =
    {
        Problem = r.Problem
        Strategy = r.Strategy
        Seed = r.Seed
        BudgetRuns = r.BudgetRuns
        BudgetSteps = r.BudgetSteps
        RunsUsed = r.RunsUsed
        Converged = r.Converged
        Distinct = r.Distinct
        Matched = r.Matched
        Nearest = r.Nearest |> List.map (fun n -> n.Classical, n.RelativeL2Distance)
        Seconds = r.Seconds
        Evaluations = r.Evaluations
        Certified = r.Certified
        CpuSeconds = r.CpuSeconds
    }

/// The file record of an outcome.
let ofOutcome (o: MultiSolutionOutcome) =
    {
        Format = format
        Name = o.Settings.Name
        Settings = settingsEntry o.Settings
        Classical =
            o.Classical
            |> List.map (fun (problem, names) -> ({ Problem = problem; Solutions = names }: ClassicalEntry))
        Rows = o.Rows |> List.map rowEntry
        Seconds = o.Seconds
    }

/// Writes multi-solution.json atomically.
let write (path: string) (o: MultiSolutionOutcome) =
    EcdPde.Runs.JsonFile.write path (ofOutcome o)

/// Reads the classical solutions per problem and the rows back from multi-solution.json (ResultFileException naming
/// the file and the problem when it cannot).
let read (path: string) =
    let file = EcdPde.Runs.JsonFile.read<MultiSolutionResult> format path

    file.Classical |> List.map (fun c -> c.Problem, c.Solutions), file.Rows |> List.map row

/// The format tag of multi-solution-folder.json.
let folderFormat = "ecdpde-multi-solution-folder/2"

/// The file name of a multi-solution folder's identity.
let folderName = "multi-solution-folder.json"

/// multi-solution-folder.json, the identity of a multi-solution study's folder: the settings a rerun must match to
/// read its workflows back (claimed through EcdPde.Runs.FolderIdentity; every workflow runs on one core, so the
/// number of workflows at once does not change results and is not part of it). CLIMutable so that a file without the
/// optional `backend` (every native folder) reads back; JsonFile refuses any other field left out.
[<CLIMutable>]
type MultiSolutionFolder =
    {
        Format: string
        Name: string
        Settings: SettingsEntry
        /// The backend of the workflows' losses when it is not the native engine ("torch"); left out for the native
        /// engine (so that a native folder keeps the identity it always had).
        [<System.Text.Json.Serialization.JsonIgnore(Condition =
            System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)>]
        Backend: string option
    }

/// The identity of a folder for `settings` whose workflows run on the backend named `backend`.
let folderOf (settings: MultiSolutionSettings) (backend: string) =
    {
        Format = folderFormat
        Name = settings.Name
        Settings = settingsEntry settings
        Backend = if backend = "native" then None else Some backend
    }

/// The optimizer settings of a strategy entry ([] when it has none).
let private settingsOf (e: StrategyEntry) =
    e.Settings
    |> Option.map (fun d -> [ for KeyValue(k, v) in d -> k, v ])
    |> Option.defaultValue []

let private strategy (e: StrategyEntry) : StrategySpec =
    let kind =
        match e.Kind, e.Optimizer, e.Guesses with
        | "bounces", _, _ -> Bounces
        | "bounces+deflation", _, _ -> BouncesDeflation
        | "restarts", Some optimizer, _ -> Restarts(optimizer, settingsOf e)
        | "classical-newton", _, Some guesses -> ClassicalNewton guesses
        | "deflated", Some optimizer, _ -> Deflated(optimizer, settingsOf e)
        | kind, _, _ ->
            invalidArg
                "strategy"
                (sprintf
                    "strategy '%s': kind '%s' needs its fields (bounces, bounces+deflation, restarts or deflated with an optimizer, classical-newton with guesses)"
                    e.Label
                    kind)

    { Label = e.Label; Strategy = kind }

/// The settings of a multi-solution settings file (`ecdpde-multi-solution-folder/2`, the record a multi-solution
/// folder keeps as its identity; `compare FILE` runs it): the study named in it with those problems, strategies,
/// budgets and seeds.
let readSettings (path: string) : MultiSolutionSettings =
    let f = EcdPde.Runs.JsonFile.read<MultiSolutionFolder> folderFormat path

    {
        Name = f.Name
        Problems =
            f.Settings.Problems
            |> List.map (fun p ->
                ({
                    Function = p.Function
                    StepsPerRun = p.StepsPerRun
                }
                : ProblemSpec))
        Strategies = f.Settings.Strategies |> List.map strategy
        Budgets = f.Settings.BudgetsRuns
        Seeds = f.Settings.Seeds
        Threshold = f.Settings.DistinctThreshold
        MatchTolerance = f.Settings.MatchTolerance
        Size = f.Settings.Size
    }
