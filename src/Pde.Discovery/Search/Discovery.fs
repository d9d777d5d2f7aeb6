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

/// A progress display on stderr: a training line at most every `interval` (what the search is doing beyond its
/// rounds — the network it grew to —, round, runs done, the current run's step, loss and energy, and the steps per
/// second of all its runs together), and each stage of the judgement as it starts, with the time since the display
/// began.
let progressPrinter (interval: System.TimeSpan) =
    let clock = System.Diagnostics.Stopwatch.StartNew()
    let mutable last = System.TimeSpan.Zero
    let mutable lastSteps = 0L
    let mutable steps = 0L

    function
    | DiscoveryProgress.Training p ->
        steps <- steps + 1L

        if clock.Elapsed - last >= interval then
            let rate = float (steps - lastSteps) / (clock.Elapsed - last).TotalSeconds
            last <- clock.Elapsed
            lastSteps <- steps

            eprintfn
                "%sround %d  runs done %d/%d  run %d step %d  loss %.4g  energy %.4g  %.0f steps/s (all runs)"
                (if p.Note = "" then "" else "[" + p.Note + "]  ")
                p.Round
                p.Ensemble.RunsDone
                p.Ensemble.RunsTotal
                p.Ensemble.Run
                p.Ensemble.Report.Step
                p.Ensemble.Report.Loss
                p.Ensemble.Report.Energy
                rate
    | DiscoveryProgress.Judging what -> eprintfn "%s  (at %.0f s)" what clock.Elapsed.TotalSeconds

/// Discovers (or resumes the discovery of) the solutions of `problem`, printing a progress line every 5 s on stderr.
let run (problem: Problem) (settings: DiscoverySettings) =
    runWith (progressPrinter (System.TimeSpan.FromSeconds 5.0)) problem settings
