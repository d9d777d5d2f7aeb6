/// `results.json` of `ecdpde reproduce`: the published synthetic experiments' results (Ackley success counts, Zakharov
/// convergence, the two-basin ratio, ECDSep's energy drift), one record type written and read through JsonFile with
/// the format tag "ecdpde-reproduction/1". An experiment that was not run is null.
module EcdPde.Studies.ReproductionFile

open System.IO

/// The format tag of results.json.
let format = "ecdpde-reproduction/1"

/// The file name.
let name = "results.json"

/// One optimizer's row of the Ackley experiment.
type AckleyRow =
    {
        Optimizer: string
        /// Random starts.
        Starts: int
        /// Tries (bounce seeds) per start.
        Tries: int
        /// A deterministic optimizer runs once per start (its other tries would repeat the run).
        Deterministic: bool
        /// Starts solved by any try.
        Successes: int
        /// Starts solved by their first try.
        FirstTrySuccesses: int
        /// The fraction of starts solved within the first t tries, t = 1 … Tries.
        SolvedByTries: float list
        /// What the paper reports.
        Paper: string
        /// Seconds of the cells (their sum).
        CellSeconds: float
    }

/// The first step at which the loss fell below a threshold (null: never).
type FirstBelow =
    { Threshold: float; Step: int64 option }

/// One optimizer's row of the Zakharov experiment.
type ZakharovRow =
    {
        Optimizer: string
        Steps: int64
        BestLoss: float
        FirstBelow: FirstBelow list
    }

/// The two-basin experiment: BBI runs ending in basin 1 vs basin 2.
type TwoBasin =
    {
        Runs: int
        Basin1: int
        Basin2: int
        Unresolved: int
        Ratio: float
        /// The 95% interval of the ratio.
        RatioLow: float
        RatioHigh: float
        /// The volume formula's ratio.
        Predicted: float
        /// The authors' measured ratio.
        Authors: float
        Seconds: float
    }

/// One step size of the drift experiment.
type DriftPoint = { Dt: float; MaxDrift: float }

/// ECDSep's energy drift against the step size, and the log-log slope.
type Drift =
    {
        Points: DriftPoint list
        Slope: float
        /// The slope expected of a second-order (leapfrog) integrator.
        Expected: float
    }

/// results.json.
type Reproduction =
    {
        Format: string
        /// The seed of every experiment.
        Seed: uint64
        Ackley: AckleyRow list option
        Zakharov: ZakharovRow list option
        TwoBasin: TwoBasin option
        Drift: Drift option
        ToolVersion: string
        Dotnet: string
    }

/// Writes `r` to `dir/results.json` (atomically); returns the path.
let write (dir: string) (r: Reproduction) =
    let path = Path.Combine(dir, name)
    EcdPde.Runs.JsonFile.write path r
    path

/// Reads a results.json (ResultFileException naming the file and the problem when it cannot).
let read (path: string) : Reproduction = EcdPde.Runs.JsonFile.read format path
