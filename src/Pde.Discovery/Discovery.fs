/// The entry point of discovery from F#: `Discovery.run problem settings` finds the distinct solutions of any problem
/// of the PDE language in x and y (the same `Problem` value that `Train.solve` takes) and writes them, with the
/// runs' traces, checkpoints and a solutions.json, into the settings' output folder.
module Pde.Discovery.Discovery

open Pde.FSharp.Problems

/// The settings to start from (`{ Discovery.defaults with Runs = 4 }`): see DiscoverySettings.defaults.
let defaults = DiscoverySettings.defaults

/// Discovers (or resumes the discovery of) the solutions of `problem`; `progress` is called after every step.
let runWith (progress: Workflow.DiscoveryProgress -> unit) (problem: Problem) (settings: DiscoverySettings) =
    Workflow.run problem settings progress

/// Discovers (or resumes the discovery of) the solutions of `problem`, printing a progress line every 5 s on stderr.
let run (problem: Problem) (settings: DiscoverySettings) =
    let clock = System.Diagnostics.Stopwatch.StartNew()
    let mutable last = 0.0

    let progress (p: Workflow.DiscoveryProgress) =
        if clock.Elapsed.TotalSeconds - last >= 5.0 then
            last <- clock.Elapsed.TotalSeconds

            eprintfn
                "%s: round %d, runs done %d/%d, run %d step %d, loss %.4g"
                settings.Name
                p.Round
                p.Ensemble.RunsDone
                p.Ensemble.RunsTotal
                p.Ensemble.Run
                p.Ensemble.Report.Step
                p.Ensemble.Report.Loss

    runWith progress problem settings
