/// Checkpoints of a run: the optimizer's full state (θ, momenta, counters, random generator), written atomically
/// so that a crash during a save never destroys the previous checkpoint.
module EcdPde.Runs.Checkpoint

open System.IO
open Ecd.Core.Optimizers

/// Saves `state` to `path` (write to a temporary file beside it, then rename over the old one).
let save (optimizer: IOptimizer<'T>) (state: OptimizerState<'T>) (path: string) =
    AtomicFile.write path (fun stream -> optimizer.Save(state, stream))

/// Loads a state saved by `save` for the same optimizer and precision.
let load (optimizer: IOptimizer<'T>) (path: string) : OptimizerState<'T> =
    use stream = File.OpenRead path
    optimizer.Load stream
