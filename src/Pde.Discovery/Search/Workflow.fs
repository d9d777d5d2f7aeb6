/// The discovery workflow: a bounce ensemble from one initialization, then deflated rounds until one finds nothing
/// new; gates and deduplication on an evaluation grid; the classical certification, completion and warm starts;
/// `solutions.json` (with the evaluation grid and the collocation points), per-run traces, checkpoints and results on
/// disk. Resumable: finished runs are read back.
module Pde.Discovery.Workflow

open System
open System.IO
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Terms
open Pde.Discovery.Search

/// The result.
type DiscoveryOutcome =
    {
        Found: ClassicalCheck.Found list
        Rejected: (Candidate * string) list
        Candidates: Candidate list
        /// Why the search stopped.
        StopReason: string
        /// The classical certification of every distinct solution (same order as Found; empty when not asked).
        Certifications: Pde.FSharp.Classical.Certify.Certification list
        /// Runs that came near a solution no network solution is (Newton from their field converged near it) but
        /// failed a gate or slid back in the polish: (run, what happened).
        NearMisses: (RunId * string) list
        /// Runs that failed a gate, accepted as their field was certified (network ↔ classical distance).
        AcceptedByCertification: (RunId * float) list
        /// Classical solutions that no network run reached.
        ClassicalOnly: SolutionsFile.ClassicalOnlyRecord list
        Path: string
        /// The network and interior points of the search that ended (grown ones when capacity grew, see Capacity).
        Network: Pde.FSharp.Training.Architecture
        InteriorPoints: int
        /// The folder of that search's runs (the discovery's, or its `capacity-j`).
        RunsFolder: string
    }

/// Progress (for a live display).
type DiscoveryProgress = Pde.Discovery.DiscoveryProgress
type TrainingProgress = Pde.Discovery.TrainingProgress

/// The search settings as the user gave them (the output folder's identity).
let settingsRecord (s: DiscoverySettings) : SolutionsFile.SearchSettings =
    {
        Optimizer = SolutionsFile.optimizer s.Optimizer s.OptimizerSettings
        DeflationOptimizer = SolutionsFile.optimizer s.DeflationOptimizer s.DeflationOptimizerSettings
        PolishOptimizer = SolutionsFile.optimizer (fst s.PolishOptimizer) (snd s.PolishOptimizer)
        Runs = s.Runs
        Steps = s.Steps
        Seed = s.Seed
        Initialization =
            match s.Initialization with
            | Shared -> "shared"
            | PerRun -> "per-run"
        DeflationRounds = s.DeflationRounds
        DeflationRuns = s.DeflationRuns
        DeflationSteps = s.DeflationSteps
        PolishSteps = s.PolishSteps
        DistinctThreshold = s.Threshold
        RelativeResidualGate = s.Gates.RelativeResidual
        RelativeBoundaryGate = s.Gates.RelativeBoundary
        MaxResidualL2 = s.Gates.MaxResidualL2
        MaxBoundary = s.Gates.MaxBoundary
    }

/// The search settings as used (solutions.json): the deflated optimizer's settings filled in for `dimension` weights.
let settingsUsed (s: DiscoverySettings) (dimension: int) : SolutionsFile.SearchSettings =
    { settingsRecord s with
        DeflationOptimizer =
            SolutionsFile.optimizer
                s.DeflationOptimizer
                (Deflation.optimizerSettings s.DeflationOptimizer dimension s.DeflationOptimizerSettings)
    }

/// The problem record of solutions.json and discovery.json.
let problemRecord (example: Subject) : SolutionsFile.ProblemRecord =
    {
        Name = example.Name
        Parameters = Map.ofList example.Parameters
        Fields = example.Problem.Fields
        Definition = describe example.Problem
    }

/// solutions.json of a finished search.
let private solutionsFile
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (outcome: DiscoveryOutcome)
    : SolutionsFile.Solutions =
    // the PDE residual of a run's final network on the grid (for the residual map); None when its weights were not
    // kept (result files written before they were)
    let residualOf (c: Candidate) =
        if search.Keeps c then
            Some(residualMap example search.Spec s.Seed c.Theta)
        else
            None

    {
        Format = SolutionsFile.format
        Problem = problemRecord example
        Settings = settingsUsed s search.Theta0.Length
        Tool = SolutionsFile.tool ()
        Solutions =
            outcome.Found
            |> List.mapi (fun i f ->
                SolutionsFile.solution
                    f.Classical
                    (List.tryItem i outcome.Certifications
                     |> Option.map (Certification.record example))
                    f.Round
                    search.Started
                    (residualOf f.Solution.Representative)
                    example.Grid.Length
                    f.Solution)
        Unconverged = outcome.Rejected |> List.map SolutionsFile.unconverged
        StopReason = outcome.StopReason
        NearMisses = outcome.NearMisses |> List.map (fun (run, what) -> { Run = run; What = what })
        AcceptedByCertification =
            outcome.AcceptedByCertification
            |> List.map (fun (run, d) ->
                {
                    Run = run
                    What =
                        sprintf
                            "failed a gate; accepted because Newton on the finite-difference problem converged %.2g from its field (certified)"
                            d
                })
        ClassicalOnly = outcome.ClassicalOnly
        Grid = example.Grid
        Collocation =
            {
                Interior = interiorPoints search.Discretization
                Boundary = boundaryPoints search.Discretization
            }
    }

let private folderRecord
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    : DiscoveryFolderFile.DiscoveryFolder =
    {
        Format = DiscoveryFolderFile.format
        Problem = problemRecord example
        Settings = settingsRecord s
        Threads = search.Cores
        Start = EcdPde.Runs.Checkpoint.hashOf search.Theta0
        Points = sprintf "%A" example.Points + " on the " + s.Backend.Name + " backend"
    }

/// The near misses among `others` (runs that were not solutions, with what happened to them): fields not known from
/// which Newton converges near them, to a solution not known either (it joins `classical`).
let private nearMissesOf
    (example: Subject)
    (isNew: float[] -> bool)
    (certify: Candidate -> Certify.Certification)
    (classical: ResizeArray<Certify.ClassicalSolution>)
    (others: (Candidate * string) list)
    =
    [
        for c, what in others do
            if isNew c.Values then
                match certify c with
                | Certify.Certified(sol, d) when isNew (Certification.onGrid example sol) ->
                    classical.Add sol

                    yield
                        c.Run, sol, sprintf "came %.2g from a solution no network solution is, but %s" d what
                | _ -> ()
    ]

/// Certifies every distinct solution (Newton from its field), looks for near misses among the runs that were not
/// solutions, and completes the set classically (deflated Newton seeded by every classical solution, those runs'
/// fields and fresh initializations): the certifications (in the order of `found`), the near misses, and the
/// classical solutions no network run reached (with their fields on the grid).
let private certifyAll
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (found: ClassicalCheck.Found list)
    (rejected: (Candidate * string) list)
    =
    let networkValues = found |> List.map (fun f -> f.Solution.Representative.Values)
    // the one floor of every classical judgement (DiscoverySearch.Floor): each field against its own size
    let floor = search.Floor
    let options = Certification.options example floor

    let fieldsOf (theta: float[]) =
        Certification.fieldsOf example search.Spec s.Seed theta

    // one Newton solve per run for the whole search (the review of its gates solved it already)
    let certify (c: Candidate) = search.CertifyAt(c.Theta, floor)

    let certifications = found |> List.map (fun f -> certify f.Solution.Representative)

    let classical = ResizeArray(certifications |> List.choose Certification.solutionOf)

    let isNew (v: float[]) =
        (networkValues @ [ for k in classical -> Certification.onGrid example k ])
        |> List.forall (fun n -> not (sameSolution example.Weights floor s.Threshold v n))

    let others =
        (rejected |> List.map (fun (c, reason) -> c, "failed a gate (" + reason + ")"))
        @ (search.BeforePolish
           |> List.map (fun c -> c, "slid back to a known solution in the polish on the plain loss"))
        |> List.filter (fst >> search.Keeps)

    // the near-miss check solves only fields not known yet: those solves first, side by side
    let unknown = others |> List.map fst |> List.filter (_.Values >> isNew)

    search.Judging(
        sprintf
            "certification: Newton from the fields of %d run(s) that were not solutions (near misses)"
            unknown.Length
    )

    search.SolveAll unknown
    let nearMisses = nearMissesOf example isNew certify classical others

    let fresh = [ for i in 0..3 -> fieldsOf (search.Fresh(-1, i)) ]

    let modes =
        Certification.modeSeeds
            example
            (classical
             |> Seq.map (fun k -> Certification.onGrid example k |> maxAbs)
             |> Seq.fold max 0.0)

    search.Judging(
        sprintf
            "classical completion: deflated Newton from %d classical solution(s), the fields of %d run(s), %d fresh initializations and %d sine modes"
            classical.Count
            others.Length
            fresh.Length
            modes.Length
    )

    let completed =
        Certification.complete
            example
            options
            search.Cores
            (List.ofSeq classical)
            ((others |> List.map (fun (c, _) -> fieldsOf c.Theta)) @ fresh @ modes)
            floor
            (networkValues
             @ (nearMisses |> List.map (fun (_, sol, _) -> Certification.onGrid example sol)))

    certifications,
    nearMisses |> List.map (fun (run, _, what) -> run, what),
    (nearMisses
     |> List.map (fun (run, sol, _) -> Certification.nearMissRecord example run sol, sol))
    @ completed

/// A distinct solution whose representative (its least residual member) Newton does not certify, represented by its
/// first member in order of residual that Newton certifies, if any: members are the same solution within the threshold
/// of the largest solution's size (the floor), so at the paper's PDE k = 20 a field 0.36 from sin²(20r²) (moved) and a
/// warm start 0.04 from it (certified) were one solution beside the bowl, ten times larger, and the moved one stood for
/// it. Solves are cached per run (DiscoverySearch.CertifyAt).
let representedCertified (search: DiscoverySearch) (example: Subject) (solution: DistinctSolution) =
    // weights of another network are NotCertified by CertifyAt
    let certified (c: Candidate) =
        match search.CertifyAt(c.Theta, search.Floor) with
        | Certify.Certified _ -> true
        | _ -> false

    if certified solution.Representative then
        solution
    else
        match
            solution.Members
            |> List.sortBy _.ResidualL2
            |> List.tryFind (fun c -> c.Run <> solution.Representative.Run && certified c)
        with
        | Some c ->
            { solution with
                Representative = c
                MaxAbs = maxAbs c.Values
                L2Norm = normL2 example.Weights c.Values
            }
        | None -> solution

/// Gates, deduplication, the user's classical check and the certification of a search's candidates.
let private judgeAll
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (candidates: Candidate list)
    =
    if s.Certify then
        search.Judging(
            sprintf
                "judging %d run(s): the gates, and Newton on the finite-difference problem from each field"
                candidates.Length
        )

    let solutions, rejected = search.Classify candidates

    let solutions =
        if s.Certify then
            solutions |> List.map (representedCertified search example)
        else
            solutions

    let found = ClassicalCheck.checkAll example search.Reference.FieldFloor solutions

    let certifications, nearMisses, classicalOnly =
        if s.Certify then
            certifyAll search example s found rejected
        else
            [], [], []

    found, rejected, certifications, nearMisses, classicalOnly

/// What the search concluded when no network found a solution, said plainly before why it stopped ("" otherwise).
let private verdict
    (found: ClassicalCheck.Found list)
    (classicalOnly: (SolutionsFile.ClassicalOnlyRecord * _) list)
    =
    match found, classicalOnly with
    | [], [] ->
        "no solution found (no network run passed the gates and the classical review, and deflated Newton from the runs' fields and fresh initializations converged to none); "
    | [], others ->
        sprintf
            "no network found a solution; the classical solver found %d (listed apart, not as the networks'); "
            others.Length
    | _ -> ""

/// Runs (or resumes) the discovery of a compiled subject.
let runSubject (example: Subject) (s: DiscoverySettings) (progress: DiscoveryProgress -> unit) =
    let outDir = DiscoverySettings.outDir s
    Directory.CreateDirectory outDir |> ignore
    use _lock = EcdPde.Runs.TaskBatch.lockFolder s.Executor outDir
    let first = DiscoverySearch(example, s, progress)

    EcdPde.Runs.FolderIdentity.claim
        DiscoveryFolderFile.format
        outDir
        DiscoveryFolderFile.name
        (folderRecord first example s)

    let search, example, attempt, candidates, stopReason =
        Capacity.searchGrowing first example s progress

    // with the last attempt's settings: a network on fresh points is not polished on fixed ones (k = 10: 57 → 117)
    let judge = judgeAll search example s

    let candidates, judged =
        WarmTargets.rounds search example attempt judge candidates (judge candidates)

    let found, rejected, certifications, nearMisses, classicalOnly = judged

    let outcome =
        {
            Found = found
            Rejected = rejected
            Candidates = candidates
            StopReason = verdict found classicalOnly + stopReason
            Certifications = certifications
            NearMisses = nearMisses
            AcceptedByCertification = search.Rescued
            ClassicalOnly = classicalOnly |> List.map fst
            Path = Path.Combine(outDir, "solutions.json")
            Network = example.Architecture
            InteriorPoints = example.Points.Interior
            RunsFolder = DiscoverySettings.outDir attempt
        }

    SolutionsFile.write outDir (solutionsFile search example s outcome) |> ignore

    outcome

/// Runs (or resumes) the discovery of the solutions of `problem` (any problem of the PDE language in x, y).
let run (problem: Pde.FSharp.Problems.Problem) (s: DiscoverySettings) (progress: DiscoveryProgress -> unit) =
    runSubject (compile problem s) s progress
