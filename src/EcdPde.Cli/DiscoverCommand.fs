/// `ecdpde discover`: distinct solutions of a nonlinear PDE from one initialization, with a live progress display.
module EcdPde.Cli.DiscoverCommand

open System
open System.IO
open Argu
open Ecd.Core.Optimizers
open Pde.Discovery
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

/// The example the arguments name: a built-in one with its `--param` values, or a script's.
let private exampleOf (args: ParseResults<DiscoverArgs>) =
    let name = args.GetResult(DiscoverArgs.Example, "paper-pde")
    let parameters = parameters (args.GetResults DiscoverArgs.Param)

    if name.EndsWith(".fsx", StringComparison.OrdinalIgnoreCase) then
        if not parameters.IsEmpty then
            invalidArg "param" "--param applies to the built-in examples; a script sets its own parameters"

        if args.Contains DiscoverArgs.Full then
            invalidArg "full" "--full applies to the built-in examples; a script sets its own size"

        ScriptExample.load name
    else
        let size =
            if args.Contains DiscoverArgs.Full then
                Examples.Full
            else
                Examples.Default

        BuiltInExamples.byName name size parameters

/// The workflow settings from the arguments and the example's defaults; a bad optimizer, hyperparameter or count
/// fails here, before any run.
let private settingsOf (common: Shared) (args: ParseResults<DiscoverArgs>) (example: Examples.Example) =
    let defaults = example.Defaults
    let optimizer = args.GetResult(DiscoverArgs.Optimizer, defaults.Optimizer)

    let settingsOf (sets: string list) (chosen: string) (defaultName: string) defaultSettings =
        match sets with
        | [] when chosen = defaultName -> defaultSettings
        | [] -> []
        | sets -> keyValues sets

    let settings =
        settingsOf (args.GetResults DiscoverArgs.Set) optimizer defaults.Optimizer defaults.OptimizerSettings

    let deflationOptimizer =
        args.GetResult(DiscoverArgs.Deflation_Optimizer, defaults.DeflationOptimizer)

    let deflationSettings =
        settingsOf
            (args.GetResults DiscoverArgs.Deflation_Set)
            deflationOptimizer
            defaults.DeflationOptimizer
            defaults.DeflationOptimizerSettings

    for name, values in [ optimizer, settings; deflationOptimizer, deflationSettings ] do
        OptimizerCatalog.Create<float>(name, values |> List.map Collections.Generic.KeyValuePair)
        |> ignore

    let s: Workflow.DiscoverySettings =
        {
            Runs = args.GetResult(DiscoverArgs.Runs, defaults.Runs)
            Steps = args.GetResult(DiscoverArgs.Steps, defaults.Steps)
            Optimizer = optimizer
            OptimizerSettings = settings
            DeflationOptimizer = deflationOptimizer
            DeflationOptimizerSettings = deflationSettings
            DeflationSteps = args.GetResult(DiscoverArgs.Deflation_Steps, defaults.DeflationSteps)
            PolishSteps = args.GetResult(DiscoverArgs.Polish_Steps, defaults.PolishSteps)
            PolishOptimizer = Examples.polishOptimizer
            Seed = defaultArg common.Seed 0UL
            Initialization =
                if args.Contains DiscoverArgs.Restarts then
                    Workflow.PerRun
                else
                    Workflow.Shared
            Threads = threadsOrAll common
            OutDir = defaultArg common.Out (Path.Combine("out", "discover", example.Name))
            DeflationRounds = args.GetResult(DiscoverArgs.Deflation_Rounds, defaults.DeflationRounds)
            DeflationRuns = args.GetResult(DiscoverArgs.Deflation_Runs, defaults.DeflationRuns)
            Threshold = 0.1
        }

    atLeast "--runs" 1L s.Runs
    atLeast "--steps" 1L s.Steps
    atLeast "--deflation-steps" 1L s.DeflationSteps
    atLeast "--polish-steps" 0L s.PolishSteps
    atLeast "--deflation-rounds" 0L s.DeflationRounds
    atLeast "--deflation-runs" 1L s.DeflationRuns
    s

/// A progress line on stderr at most every 2 s (none with --quiet).
let private progressPrinter (common: Shared) =
    let clock = Diagnostics.Stopwatch.StartNew()
    let mutable last = TimeSpan.Zero
    let mutable lastSteps = 0L
    let mutable steps = 0L

    fun (p: Workflow.DiscoveryProgress) ->
        steps <- steps + 1L

        if not common.Quiet && clock.Elapsed - last >= TimeSpan.FromSeconds 2.0 then
            let rate = float (steps - lastSteps) / (clock.Elapsed - last).TotalSeconds
            last <- clock.Elapsed
            lastSteps <- steps

            eprintfn
                "round %d  runs done %d/%d  run %d step %d  loss %.4g  energy %.4g  %.0f steps/s"
                p.Round
                p.Ensemble.RunsDone
                p.Ensemble.RunsTotal
                p.Ensemble.Run
                p.Ensemble.Report.Step
                p.Ensemble.Report.Loss
                p.Ensemble.Report.Energy
                rate

/// The table of distinct solutions and the runs that were not solutions, on stdout.
let private printOutcome (outcome: Workflow.DiscoveryOutcome) =
    let rows =
        outcome.Found
        |> List.mapi (fun i f ->
            let sol = f.Solution
            let _, _, centre = sol.Representative.Probes.Head

            [
                string (i + 1)
                string sol.Members.Length
                string f.Round
                Number.short centre
                Number.short sol.MaxAbs
                Number.short sol.Representative.ResidualL2
                Number.short sol.Representative.BoundaryMax
                fst f.Classical
                Number.short (snd f.Classical)
            ])

    printfn
        "%s"
        (TextTable.render
            [
                "solution"
                "runs"
                "round"
                "u(centre)"
                "max |u|"
                "residual L2"
                "boundary max"
                "classical check"
                "rel. distance"
            ]
            rows)

    for c, reason in outcome.Rejected do
        printfn "%s: not a solution: %s" (string c.Run) reason

/// Runs the command; returns the exit code (0 when at least one solution passed the gates, 1 otherwise).
let run (common: Shared) (args: ParseResults<DiscoverArgs>) =
    let example = exampleOf args
    let s = settingsOf common args example

    for w in Pde.FSharp.Problems.Validate.warnings example.Problem do
        eprintfn "warning: %s" w

    startOver common (args.Contains DiscoverArgs.Force) s.OutDir

    let clock = Diagnostics.Stopwatch.StartNew()

    let parameterText =
        String.Join(", ", example.Parameters |> List.map (fun (k, v) -> sprintf "%s = %g" k v))

    progress
        common
        (sprintf
            "discovering %s (%s): %d runs × %d steps with %s, then up to %d deflation round(s)"
            example.Name
            parameterText
            s.Runs
            s.Steps
            s.Optimizer
            s.DeflationRounds)

    let outcome = Workflow.run example s (progressPrinter common)
    printOutcome outcome
    let report = DiscoveryReport.write s.OutDir

    printfn
        "%d distinct solution(s), %d unconverged run(s), %.0f s; results in %s"
        outcome.Found.Length
        outcome.Rejected.Length
        clock.Elapsed.TotalSeconds
        outcome.Path

    printfn "report: %s (open it in a browser; it works offline)" (Path.GetFullPath report)
    if outcome.Found.IsEmpty then 1 else 0
