/// The bounce-only study: where do BBI's energy-conserving bounces take the BBI paper's PDE? For each k, every run
/// starts from the same network initialization and differs only in its bounce seed (no deflation, the paper's
/// protocol); each run's field is matched to the radial solutions of the PDE, at the end of the BBI run and after a
/// short L-BFGS polish on the plain loss (what `discover` does with a bounce run). The fractions of runs that end at
/// each solution, as functions of δE and the bounce schedule (T0, N_b, T1), with Wilson 95% intervals.
/// The study is an ordinary Study (one problem per k, one solver per schedule, bounce seeds as seeds), so it runs,
/// resumes and goes to Slurm like every study; only its cells run to their end (CellRun.runPdeToEnd) instead of
/// stopping at the first solution reached.
module EcdPde.Studies.BounceStudy

open System
open System.Globalization
open EcdPde.Runs.Statistics
open EcdPde.Studies.Study

/// A bounce schedule of BBI (the BBI paper's δE, T0, N_b, T1).
type Schedule =
    {
        /// δE (`deltaEn`): the energy is E = V(θ₀) + δE.
        DeltaEn: float
        /// T0 (`threshold0`): steps between two fixed bounces.
        Threshold0: int64
        /// N_b (`nFixedBounces`): how many fixed bounces in all.
        FixedBounces: int64
        /// T1 (`threshold`): a progress bounce after this many steps without a new least V.
        Threshold: int64
    }

/// The label of a schedule: `dE=1,T0=200,Nb=10,T1=2000` (the solver's label in the study).
let label (s: Schedule) =
    String.Format(
        CultureInfo.InvariantCulture,
        "dE={0},T0={1},Nb={2},T1={3}",
        s.DeltaEn,
        s.Threshold0,
        s.FixedBounces,
        s.Threshold
    )

/// The study's settings.
type BounceSettings =
    {
        Name: string
        /// The values of k of the paper's PDE (`pde:paper-pde:k=K`: its default network, points and gates).
        Ks: float list
        Schedules: Schedule list
        /// BBI's learning rate (`discover`'s: 0.002).
        Lr: float
        /// Runs per (k, schedule): bounce seeds 0 … Seeds − 1, all from the one initialization of that k.
        Seeds: int
        /// BBI steps per run.
        Steps: int64
        /// L-BFGS steps on the plain loss after the BBI run (`discover`'s polish: 300); 0 = none.
        PolishSteps: int64
        /// A field is at a radial solution when it passes the example's gates and its relative L² distance to it on the
        /// grid is at most this (`discover`'s distinctness threshold, 0.1).
        MatchTolerance: float
        /// The seed of the initializations and of every bounce.
        Seed: uint64
    }

/// `discover`'s bounce schedule (DiscoverySettings.bbi): δE 1, T0 200, N_b 10, T1 2000.
let discoverSchedule =
    {
        DeltaEn = 1.0
        Threshold0 = 200L
        FixedBounces = 10L
        Threshold = 2000L
    }

/// The default size (docs/studies.md): k = 2, 5, 10; `discover`'s bounce schedule (T0 200, N_b 10, T1 2000) with
/// δE = 0 (the BBI paper's) and δE = 1000 (of the order of the initial loss at k = 2 and 5 — 352 and 7546 with the
/// default network — so that the run can climb well above its start), and at δE = 0 a dense schedule (a fixed bounce
/// every 50 steps, 40 of them, a progress bounce after 500 steps without a new least loss); 10 bounce seeds; BBI at
/// `discover`'s lr 0.002 for 3000 steps (three quarters of `discover`'s run: the machine's budget), then
/// `discover`'s polish (300 L-BFGS steps); match tolerance 0.1. 90 cells, about 12 s of CPU each.
let defaults =
    {
        Name = "bounce-only"
        Ks = [ 2.0; 5.0; 10.0 ]
        Schedules =
            [
                { discoverSchedule with DeltaEn = 0.0 }
                { discoverSchedule with
                    DeltaEn = 1000.0
                }
                {
                    DeltaEn = 0.0
                    Threshold0 = 50L
                    FixedBounces = 40L
                    Threshold = 500L
                }
            ]
        Lr = 0.002
        Seeds = 10
        Steps = 3000L
        PolishSteps = 300L
        MatchTolerance = 0.1
        Seed = 0UL
    }

/// `--full`: 30 bounce seeds per (k, schedule), and `discover`'s own schedule (δE 1) beside the default ones (four
/// times the default's work).
let full =
    { defaults with
        Seeds = 30
        Schedules = defaults.Schedules @ [ discoverSchedule ]
    }

/// Checks the settings; errors name the field and the value.
let validate (s: BounceSettings) =
    let fail msg =
        invalidArg "settings" (sprintf "bounce study '%s': %s" s.Name msg)

    if s.Ks.IsEmpty then
        fail "it has no values of k"

    match s.Ks |> List.tryFind (fun k -> not (k > 0.0 && Double.IsFinite k)) with
    | Some k -> fail (sprintf "k must be > 0 (got %g)" k)
    | None -> ()

    if s.Ks |> List.distinct |> List.length <> s.Ks.Length then
        fail (sprintf "a value of k is repeated (%s)" (String.Join(", ", s.Ks |> List.map (sprintf "%g"))))

    if s.Schedules.IsEmpty then
        fail "it has no bounce schedules"

    if s.Schedules |> List.distinct |> List.length <> s.Schedules.Length then
        fail "a bounce schedule is repeated"

    if not (s.Lr > 0.0) then
        fail (sprintf "the learning rate must be > 0 (got %g)" s.Lr)

    if s.Seeds < 1 then
        fail (sprintf "seeds must be at least 1 (got %d)" s.Seeds)

    if s.Steps < 1L then
        fail (sprintf "steps must be at least 1 (got %d)" s.Steps)

    if s.PolishSteps < 0L then
        fail (sprintf "polish steps must be at least 0 (got %d)" s.PolishSteps)

    if not (s.MatchTolerance > 0.0) then
        fail (sprintf "the match tolerance must be > 0 (got %g)" s.MatchTolerance)

    s

/// The study problem of k: the paper's PDE at k from one initialization.
let problemName (k: float) =
    String.Format(CultureInfo.InvariantCulture, "paper-pde-k{0}", k)

/// The solver of a schedule: BBI for the run's steps, then (with polish steps) L-BFGS on the plain loss.
let solver (s: BounceSettings) (schedule: Schedule) : Solver =
    let total = float (s.Steps + s.PolishSteps)

    let text (x: float) =
        x.ToString("R", CultureInfo.InvariantCulture)

    let bbi =
        {
            Optimizer = "bbi"
            Settings =
                [
                    "lr", text s.Lr
                    "deltaEn", text schedule.DeltaEn
                    "threshold0", string schedule.Threshold0
                    "nFixedBounces", string schedule.FixedBounces
                    "threshold", string schedule.Threshold
                ]
            Share = float s.Steps / total
        }

    let polishName, polishSettings = Pde.Discovery.DiscoverySettings.polishOptimizer

    {
        Label = label schedule
        Stages =
            if s.PolishSteps = 0L then
                [ { bbi with Share = 1.0 } ]
            else
                [
                    bbi
                    {
                        Optimizer = polishName
                        Settings = polishSettings
                        Share = float s.PolishSteps / total
                    }
                ]
    }

/// The settings as a Study (validated): a problem per k (one initialization), a solver per schedule, the bounce seeds
/// as seeds, the BBI steps and the polish as the step budget.
let study (s: BounceSettings) : Study =
    let s = validate s

    {
        Name = s.Name
        Problems =
            s.Ks
            |> List.map (fun k ->
                pdeProblem
                    (problemName k)
                    (String.Format(CultureInfo.InvariantCulture, "pde:paper-pde:k={0}", k))
                    1
                    s.MatchTolerance)
        Solvers = s.Schedules |> List.map (solver s)
        Seeds = s.Seeds
        Steps = s.Steps + s.PolishSteps
        WallSeconds = None
        Precision = "float64"
        Seed = s.Seed
    }
    |> EcdPde.Studies.Study.validate

/// Where a run's field ended.
type Ending =
    /// At this radial solution: gates passing, within the match tolerance of it.
    | AtSolution of string
    /// Gates passing, but farther than the match tolerance from every radial solution.
    | Unmatched
    /// A quality gate failed: no solution.
    | FailedGate

/// Where the field of an assessment ended.
let ending (tolerance: float) (a: PdeProblem.Assessment) =
    if not a.GatesPass then FailedGate
    elif a.Distance <= tolerance then AtSolution a.Nearest
    else Unmatched

/// The field judged: at the end of the BBI run, or after the polish.
type Phase =
    | Trained
    | Polished

/// The stage end of a cell's phase: the BBI stage (0), or the polish (1). A run that stopped before its polish (a
/// non-finite loss) ends where it stopped: its last stage stands for the polished phase.
let stageOf (phase: Phase) (stages: StudyCell.StageEnd list) =
    match phase with
    | Trained -> stages |> List.tryFind (fun st -> st.Stage = 0)
    | Polished ->
        stages
        |> List.tryFind (fun st -> st.Stage = 1)
        |> Option.orElse (List.tryLast stages)

/// How many runs of a group ended one way, and the Wilson 95% interval of that fraction.
type Count =
    {
        /// A radial solution's name, "other (gates pass, no radial solution within the tolerance)" or "none (failed a
        /// gate)".
        Outcome: string
        Runs: int
        Low: float
        High: float
    }

/// The outcome name of runs that passed the gates away from every radial solution.
[<Literal>]
let OtherOutcome = "other (gates pass, no radial solution within the tolerance)"

/// The outcome name of runs that failed a gate.
[<Literal>]
let NoneOutcome = "none (failed a gate)"

/// Counts with Wilson intervals for `runs` runs: one per classical solution (in the given order), then other and none.
let counts (classical: string list) (tolerance: float) (assessments: PdeProblem.Assessment list) =
    let n = assessments.Length
    let endings = assessments |> List.map (ending tolerance)

    let count outcome k =
        let lo, hi = if n = 0 then nan, nan else Proportion.wilson k n

        {
            Outcome = outcome
            Runs = k
            Low = lo
            High = hi
        }

    [
        for c in classical -> count c (endings |> List.filter ((=) (AtSolution c)) |> List.length)
        yield count OtherOutcome (endings |> List.filter ((=) Unmatched) |> List.length)
        yield count NoneOutcome (endings |> List.filter ((=) FailedGate) |> List.length)
    ]

/// A name for the runs of a group that ended at a known solution, for the failed runs' nearest solutions.
type Nearest = { Solution: string; Runs: int }

/// One line of the result: the runs of one (k, schedule), judged at one phase.
type Row =
    {
        K: float
        Schedule: Schedule
        /// "end of BBI" or "after the polish".
        Phase: string
        Runs: int
        /// Runs at each radial solution, elsewhere, and failing a gate, with Wilson 95% intervals.
        Counts: Count list
        /// The runs that failed a gate: their nearest radial solution (where they were heading).
        FailedNearest: Nearest list
        /// Median over the runs that failed a gate of the relative L² distance to their nearest radial solution.
        MedianFailedDistance: float
        /// Median residual L² on the grid over all runs.
        MedianResidual: float
        /// Median bounces of the BBI run (fixed and progress bounces).
        MedianBounces: float
        /// Median seconds of a whole run (BBI and polish, one core).
        MedianSeconds: float
    }

/// The name of a phase in a row.
let phaseName (phase: Phase) =
    match phase with
    | Trained -> "end of BBI"
    | Polished -> "after the polish"

/// The row of a group: its runs' stage ends at the phase (`bounces` and `seconds` per run, for the medians).
let row
    (tolerance: float)
    (classical: string list)
    (k: float)
    (schedule: Schedule)
    (phase: Phase)
    (runs: (PdeProblem.Assessment * int64 * float) list)
    =
    let assessments = runs |> List.map (fun (a, _, _) -> a)
    let failed = assessments |> List.filter (fun a -> not a.GatesPass)
    let median (xs: float seq) = Summary.median (Array.ofSeq xs)

    {
        K = k
        Schedule = schedule
        Phase = phaseName phase
        Runs = runs.Length
        Counts = counts classical tolerance assessments
        FailedNearest =
            failed
            |> List.countBy _.Nearest
            |> List.sortBy fst
            |> List.map (fun (name, n) -> { Solution = name; Runs = n })
        MedianFailedDistance = failed |> Seq.map _.Distance |> median
        MedianResidual = assessments |> Seq.map _.ResidualL2 |> median
        MedianBounces = runs |> Seq.map (fun (_, b, _) -> float b) |> median
        MedianSeconds = runs |> Seq.map (fun (_, _, t) -> t) |> median
    }
