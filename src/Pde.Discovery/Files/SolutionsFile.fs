/// `solutions.json`, the result of a discovery: the problem and its parameters, the settings of the search, every
/// distinct solution (the runs that reached it and how each started, residual and boundary statistics, norms,
/// probes, its classical check, its field and residual on the evaluation grid), the runs that did not converge, the
/// evaluation grid and the collocation points. One record type, one writer, one reader (format ecdpde-solutions/3).
module Pde.Discovery.SolutionsFile

open Pde.Discovery.Solutions

/// The format tag of solutions.json.
let format = "ecdpde-solutions/3"

/// The problem that was searched.
type ProblemRecord =
    {
        Name: string
        /// Its parameters by name (k, lambda, epsilon, …).
        Parameters: Map<string, float>
        /// Its fields, in order.
        Fields: string list
        /// The problem as written: domain, fields, constants and every condition with its weight.
        Definition: string
    }

/// A probe value u(x, y).
type Probe = RunResultFile.Probe

/// The nearest classical solution of a field.
type ClassicalCheck =
    {
        /// Its description ("no classical solution" when there is none).
        Nearest: string
        /// Relative L² distance on the evaluation grid; written as null (read as NaN) when there is no classical
        /// solution, and Nearest then says so.
        RelativeL2Distance: float
    }

/// The automatic classical certification of a solution: Newton on a finite-difference discretization of the
/// problem, started from the network's field.
type CertificationRecord =
    {
        /// "certified" (Newton converged near the network's field), "moved" (it converged to another solution:
        /// the classical one is reported, with the distance the network was from it) or "not certified".
        Status: string
        /// Why not certified, or what the classical solution is.
        Detail: string
        /// Relative L² distance network ↔ classical solution (null when there is none).
        Distance: float
        /// Estimated relative discretization error of the classical solution (Richardson; null when none).
        ErrorEstimate: float
        /// Grid resolution of the classical solution (0 when none).
        Resolution: int
        /// The classical solution's first field on the evaluation grid.
        Classical: float[] option
    }

/// One distinct solution.
type SolutionRecord =
    {
        /// Number of runs that reached it.
        Runs: int
        /// Those runs, in run order.
        RunIds: RunId list
        /// How each of them started (same order as RunIds).
        RunStarts: string list
        /// The run whose field stands for the solution (smallest residual).
        RepresentativeRun: RunId
        /// Round in which it was first found (0 = the first ensemble).
        FirstFoundInRound: int
        ResidualL2: float
        ResidualMax: float
        /// What the residual was judged against (see QualityGates).
        ResidualScale: float
        BoundaryMax: float
        BoundaryScale: float
        /// max |u| on the grid.
        MaxAbs: float
        /// Weighted L² norm of u on the grid.
        L2Norm: float
        FinalLoss: float
        Probes: Probe list
        /// The user's classical check (the nearest of the solutions the user supplied).
        ClassicalCheck: ClassicalCheck
        /// The automatic classical certification (None when it was not asked for).
        Certification: CertificationRecord option
        /// The first field on the evaluation grid.
        Field: float[]
        /// The other fields on the evaluation grid, in order.
        MoreFields: float[][]
        /// The PDE residual on the grid (None when the run's weights were not kept).
        Residual: float[] option
    }

/// A run that failed a quality gate.
type UnconvergedRecord =
    {
        Run: RunId
        Reason: string
        ResidualL2: float
        BoundaryMax: float
        FinalLoss: float
    }

/// An optimizer and its hyperparameters as given.
type OptimizerRecord =
    {
        Optimizer: string
        Settings: Map<string, string>
    }

/// The settings of the search.
type SearchSettings =
    {
        Optimizer: OptimizerRecord
        DeflationOptimizer: OptimizerRecord
        PolishOptimizer: OptimizerRecord
        Runs: int
        Steps: int64
        Seed: uint64
        /// "shared" or "per-run".
        Initialization: string
        DeflationRounds: int
        DeflationRuns: int
        DeflationSteps: int64
        PolishSteps: int64
        DistinctThreshold: float
        /// The gates: relative (the rule) and, when given, absolute bounds (null when not).
        RelativeResidualGate: float
        RelativeBoundaryGate: float
        MaxResidualL2: float option
        MaxBoundary: float option
    }

/// A solution that the classical completion found (deflated Newton seeded by the network runs' solutions) and no
/// network run reached: never mixed with what the networks found.
type ClassicalOnlyRecord =
    {
        /// How it was found.
        FoundBy: string
        MaxAbs: float
        L2Norm: float
        ErrorEstimate: float
        /// Its first field on the evaluation grid.
        Field: float[]
    }

/// The tool that wrote the file.
type ToolRecord = { Version: string; Dotnet: string }

/// The collocation points of the loss (every coordinate of each point).
type Collocation =
    {
        Interior: float[][]
        Boundary: float[][]
    }

/// A run that came near a solution no network solution is, but failed a gate or slid back in the polish.
type NearMissRecord = { Run: RunId; What: string }

/// solutions.json.
type Solutions =
    {
        Format: string
        Problem: ProblemRecord
        Settings: SearchSettings
        Tool: ToolRecord
        Solutions: SolutionRecord list
        Unconverged: UnconvergedRecord list
        /// Why the search stopped.
        StopReason: string
        /// Runs that came near a solution that no network solution is.
        NearMisses: NearMissRecord list
        /// Runs that failed a gate and were accepted because their field was certified.
        AcceptedByCertification: NearMissRecord list
        /// Classical solutions no network run reached.
        ClassicalOnly: ClassicalOnlyRecord list
        /// The evaluation grid (points).
        Grid: float[][]
        Collocation: Collocation
    }

/// An optimizer record.
let optimizer (name: string) (settings: (string * string) list) =
    {
        Optimizer = name
        Settings = Map.ofList settings
    }

/// The record of a distinct solution: its classical check, the round it was found in, how its runs started and
/// its residual on the grid.
let solution
    (check: string * float)
    (certification: CertificationRecord option)
    (round: int)
    (starts: RunId -> string)
    (residual: float[] option)
    (gridLength: int)
    (s: DistinctSolution)
    =
    let r = s.Representative
    let fields = r.Values.Length / max 1 gridLength

    {
        Runs = s.Members.Length
        RunIds = s.Members |> List.map (fun c -> c.Run)
        RunStarts = s.Members |> List.map (fun c -> starts c.Run)
        RepresentativeRun = r.Run
        FirstFoundInRound = round
        ResidualL2 = r.ResidualL2
        ResidualMax = r.ResidualMax
        ResidualScale = r.ResidualScale
        BoundaryMax = r.BoundaryMax
        BoundaryScale = r.BoundaryScale
        MaxAbs = s.MaxAbs
        L2Norm = s.L2Norm
        FinalLoss = r.FinalLoss
        Probes = r.Probes |> List.map (fun (x, y, u) -> { X = x; Y = y; U = u })
        ClassicalCheck =
            {
                Nearest = fst check
                RelativeL2Distance = snd check
            }
        Certification = certification
        Field = r.Values[.. gridLength - 1]
        MoreFields =
            Array.init (fields - 1) (fun k -> r.Values[(k + 1) * gridLength .. (k + 2) * gridLength - 1])
        Residual = residual
    }

/// The record of a run that failed a gate.
let unconverged (c: Candidate, reason: string) =
    {
        Run = c.Run
        Reason = reason
        ResidualL2 = c.ResidualL2
        BoundaryMax = c.BoundaryMax
        FinalLoss = c.FinalLoss
    }

/// The tool record of this process.
let tool () =
    {
        Version = EcdPde.Runs.ToolVersion.informational
        Dotnet = EcdPde.Runs.ToolVersion.runtime
    }

/// Writes `solutions.json` into `dir` (atomically) and returns its path.
let write (dir: string) (s: Solutions) =
    let path = System.IO.Path.Combine(dir, "solutions.json")
    EcdPde.Runs.JsonFile.write path s
    path

/// Reads a solutions.json (ResultFileException naming the file and the problem when it cannot).
let read (path: string) : Solutions =
    EcdPde.Runs.JsonFile.read<Solutions> format path
