/// `solutions.json`, the result of a discovery: the problem and its parameters, the settings of the search, every
/// distinct solution (the runs that reached it and how each started, residual and boundary statistics, norms,
/// probes, its classical check, its field and residual on the evaluation grid), the runs that did not converge, the
/// evaluation grid and the collocation points. One record type, one writer, one reader (format ecdpde-solutions/2).
module Pde.Discovery.SolutionsFile

open Pde.Discovery.Solutions

/// The format tag of solutions.json.
let format = "ecdpde-solutions/2"

/// The problem that was searched.
type ProblemRecord =
    {
        Name: string
        /// Its parameters by name (k, lambda, epsilon, …).
        Parameters: Map<string, float>
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
        BoundaryMax: float
        /// max |u| on the grid.
        MaxAbs: float
        /// Weighted L² norm of u on the grid.
        L2Norm: float
        FinalLoss: float
        Probes: Probe list
        ClassicalCheck: ClassicalCheck
        /// u on the evaluation grid.
        Field: float[]
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
    }

/// The tool that wrote the file.
type ToolRecord = { Version: string; Dotnet: string }

/// The collocation points of the loss (every coordinate of each point).
type Collocation =
    {
        Interior: float[][]
        Boundary: float[][]
    }

/// solutions.json.
type Solutions =
    {
        Format: string
        Problem: ProblemRecord
        Settings: SearchSettings
        Tool: ToolRecord
        Solutions: SolutionRecord list
        Unconverged: UnconvergedRecord list
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
    (round: int)
    (starts: RunId -> string)
    (residual: float[] option)
    (s: DistinctSolution)
    =
    let r = s.Representative

    {
        Runs = s.Members.Length
        RunIds = s.Members |> List.map (fun c -> c.Run)
        RunStarts = s.Members |> List.map (fun c -> starts c.Run)
        RepresentativeRun = r.Run
        FirstFoundInRound = round
        ResidualL2 = r.ResidualL2
        ResidualMax = r.ResidualMax
        BoundaryMax = r.BoundaryMax
        MaxAbs = s.MaxAbs
        L2Norm = s.L2Norm
        FinalLoss = r.FinalLoss
        Probes = r.Probes |> List.map (fun (x, y, u) -> { X = x; Y = y; U = u })
        ClassicalCheck =
            {
                Nearest = fst check
                RelativeL2Distance = snd check
            }
        Field = r.Values
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
