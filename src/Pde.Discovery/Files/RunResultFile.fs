/// `result.json` of one discovery run: what the run left behind (the measured candidate and its trained θ).
/// Written when the run finishes; a run folder with it is finished and is read back instead of being redone.
module Pde.Discovery.RunResultFile

open Pde.Discovery.Solutions

/// The format tag of result.json.
let format = "ecdpde-run-result/3"

/// How a run ended.
type RunStop =
    {
        /// Why it stopped, in words: a stall (with what the rule saw), the step budget, the optimizer's own stop, a
        /// divergence.
        Reason: string
        /// Whether the stall rule stopped it (a plateau).
        Stalled: bool
        /// Steps it took.
        Steps: int64
    }

/// A probe value u(x, y).
type Probe = { X: float; Y: float; U: float }

/// result.json.
type RunResult =
    {
        Format: string
        Run: RunId
        Seed: uint64
        ResidualL2: float
        ResidualMax: float
        ResidualScale: float
        BoundaryMax: float
        BoundaryScale: float
        FinalLoss: float
        /// The fields on the evaluation grid.
        Values: float[]
        Probes: Probe list
        /// The trained parameters θ (the saved model).
        Theta: float[]
        /// How the run ended.
        Stop: RunStop
    }

/// The file record of a candidate that ended as `stop` says.
let ofCandidate (c: Candidate) (stop: RunStop) =
    {
        Format = format
        Run = c.Run
        Seed = c.Seed
        ResidualL2 = c.ResidualL2
        ResidualMax = c.ResidualMax
        ResidualScale = c.ResidualScale
        BoundaryMax = c.BoundaryMax
        BoundaryScale = c.BoundaryScale
        FinalLoss = c.FinalLoss
        Values = c.Values
        Probes = c.Probes |> List.map (fun (x, y, u) -> { X = x; Y = y; U = u })
        Theta = c.Theta
        Stop = stop
    }

/// The candidate of a file record.
let toCandidate (r: RunResult) : Candidate =
    {
        Run = r.Run
        Seed = r.Seed
        Values = r.Values
        ResidualL2 = r.ResidualL2
        ResidualMax = r.ResidualMax
        ResidualScale = r.ResidualScale
        BoundaryMax = r.BoundaryMax
        BoundaryScale = r.BoundaryScale
        FinalLoss = r.FinalLoss
        Probes = r.Probes |> List.map (fun p -> p.X, p.Y, p.U)
        Theta = r.Theta
    }

/// Writes result.json atomically.
let write (path: string) (c: Candidate) (stop: RunStop) =
    EcdPde.Runs.JsonFile.write path (ofCandidate c stop)

/// Reads result.json: the candidate and how its run ended (ResultFileException naming the file and the problem when
/// it cannot).
let readWithStop (path: string) =
    let r = EcdPde.Runs.JsonFile.read<RunResult> format path
    toCandidate r, r.Stop

/// Reads result.json (ResultFileException naming the file and the problem when it cannot).
let read (path: string) = readWithStop path |> fst
