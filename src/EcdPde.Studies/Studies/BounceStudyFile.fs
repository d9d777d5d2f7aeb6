/// The bounce-only study's files, one record type each, written and read through JsonFile: a cell
/// (`cells/PROBLEM__SCHEDULE__start000__seedNN.json`, format "ecdpde-bounce-cell/1": the study cell and its field at
/// the end of every stage) and the result (`bounce-only.json`, format "ecdpde-bounce-study/1": the settings, the
/// radial solutions per k and every row).
module EcdPde.Studies.BounceStudyFile

open System.IO
open EcdPde.Runs
open EcdPde.Studies.BounceStudy

/// The format tag of a cell file.
let cellFormat = "ecdpde-bounce-cell/1"

/// A cell of the bounce study: the study cell (its Success, Solution and Distance are the last stage's field) and the
/// field at the end of every stage (the BBI run, then the polish).
type BounceCell =
    {
        Format: string
        Cell: StudyCell.CellResult
        Stages: StudyCell.StageEnd list
    }

/// Writes a cell file atomically.
let writeCell (path: string) (cell: BounceCell) = JsonFile.write path cell

/// Reads a cell file (ResultFileException naming the file and the problem when it cannot).
let readCell (path: string) =
    JsonFile.read<BounceCell> cellFormat path

/// The format tag of the result file.
let format = "ecdpde-bounce-study/1"

/// The result file's name in the study folder.
let name = "bounce-only.json"

/// The radial solutions of the paper's PDE at one k (the names runs are matched to).
type ClassicalEntry = { K: float; Solutions: string list }

/// bounce-only.json.
type BounceStudyResult =
    {
        Format: string
        Settings: BounceSettings
        Classical: ClassicalEntry list
        Rows: Row list
        /// Wall-clock seconds of the command that wrote the file (cells read back cost nothing).
        Seconds: float
        /// CPU seconds of that process.
        CpuSeconds: float
        /// Seconds of every cell's run summed (measured while each ran, one core each; includes cells read back).
        CellSeconds: float
    }

/// The result file of the study folder `dir`.
let path (dir: string) = Path.Combine(dir, name)

/// Writes `dir/bounce-only.json` atomically.
let write (dir: string) (r: BounceStudyResult) = JsonFile.write (path dir) r

/// Reads `dir/bounce-only.json`.
let read (dir: string) =
    JsonFile.read<BounceStudyResult> format (path dir)
