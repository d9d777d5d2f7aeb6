/// A study cell: one solver from one start with one seed on one problem. Its outcome (CellResult) is stored as
/// `cells/PROBLEM__SOLVER__startNNN__seedNN.json`, one record type written and read through JsonFile with the format
/// tag "ecdpde-study-cell/1".
module EcdPde.Studies.StudyCell

open System
open System.IO
open EcdPde.Studies.Study

/// One point of a cell's convergence history.
type HistoryPoint =
    {
        Step: int64
        Evaluations: int64
        /// The best loss seen up to this step.
        BestLoss: float
    }

/// The outcome of one cell.
type CellResult =
    {
        Problem: string
        Solver: string
        Start: int
        SeedIndex: int
        Success: bool
        StepsToTarget: int64 option
        EvaluationsToTarget: int64 option
        SecondsToTarget: float option
        BestLoss: float
        FinalLoss: float
        Steps: int64
        Evaluations: int64
        Seconds: float
        /// Best loss every `historyEvery` steps and at the last step (empty in cells stored by older versions).
        History: HistoryPoint[]
        /// PDE problems: the classical solution reached (None for a failure and for synthetic problems).
        Solution: string option
        /// PDE problems: relative L² distance to the nearest classical solution when the run ended (or reached it).
        Distance: float option
    }

/// A PDE cell's field at the end of one solver stage (a cell run to its end, CellRun.runPdeToEnd).
type StageEnd =
    {
        /// The stage's index in the solver.
        Stage: int
        Optimizer: string
        /// Steps of the cell up to the end of this stage (all stages so far).
        Steps: int64
        /// Bounce steps in this stage (BBI's fixed and progress bounces; 0 for the other optimizers).
        Bounces: int64
        /// The loss at the stage's last step.
        Loss: float
        /// The field on the example's grid: gates, distances to the classical solutions.
        Assessment: PdeProblem.Assessment
    }

/// Steps between two points of a cell's convergence history: about 100 points per run.
let historyEvery (study: Study) = max 1L (study.Steps / 100L)

/// Steps between two success checks of a PDE cell (a check evaluates the field on the example's grid): 20 per run.
let checkEvery (study: Study) = max 1L (study.Steps / 20L)

/// The format tag of a cell file.
let format = "ecdpde-study-cell/1"

/// A cell file.
type CellFile = { Format: string; Cell: CellResult }

let private fileName (r: string) =
    String(
        r
        |> Seq.map (fun c ->
            if Char.IsLetterOrDigit c || c = '-' || c = '.' then
                c
            else
                '_')
        |> Array.ofSeq
    )

/// The file of a cell under the study folder `dir`.
let path (dir: string) (p: StudyProblem) (s: Solver) (start: int) (seed: int) =
    Path.Combine(
        dir,
        "cells",
        sprintf "%s__%s__start%03d__seed%02d.json" (fileName p.Name) (fileName s.Label) start seed
    )

/// Writes a cell file atomically.
let write (path: string) (r: CellResult) =
    EcdPde.Runs.JsonFile.write path { Format = format; Cell = r }

/// Reads a cell file (ResultFileException naming the file and the problem when it cannot).
let read (path: string) =
    (EcdPde.Runs.JsonFile.read<CellFile> format path).Cell
