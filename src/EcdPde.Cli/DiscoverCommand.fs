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

/// What the arguments name: a script (Choice1Of2, loaded) or a built-in example with its size (Choice2Of2);
/// `--param NAME=VALUE` (`values`) and `--full` apply to the built-in examples only.
let source (args: ParseResults<DiscoverArgs>) (values: Map<string, float>) =
    let name = args.GetResult(DiscoverArgs.Example, "paper-pde")

    if name.EndsWith(".fsx", StringComparison.OrdinalIgnoreCase) then
        if not values.IsEmpty then
            invalidArg
                "param"
                "--param NAME=VALUE applies to the built-in examples; a script sets its own parameters"

        if args.Contains DiscoverArgs.Full then
            invalidArg "full" "--full applies to the built-in examples; a script sets its own size"

        Choice1Of2(ScriptProblem.load name)
    else
        Choice2Of2(
            name,
            if args.Contains DiscoverArgs.Full then
                BuiltInExamples.Full
            else
                BuiltInExamples.Default
        )

/// The problem the arguments name and its settings: a built-in example with its `--param` values, or a script's.
let private problemOf (args: ParseResults<DiscoverArgs>) =
    let parameters = parameters (args.GetResults DiscoverArgs.Param)

    match source args parameters with
    | Choice1Of2 script -> script.Problem, script.Settings
    | Choice2Of2(name, size) -> BuiltInExamples.byName name size parameters

/// The settings from the arguments over the problem's own; a bad optimizer, hyperparameter or count fails here,
/// before any run.
let private settingsOf (common: Shared) (args: ParseResults<DiscoverArgs>) (defaults: DiscoverySettings) =
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

    // the deflated rounds complete their optimizer's settings (Deflation.optimizerSettings; the step from the network's
    // size, any size builds)
    for name, values in
        [
            optimizer, settings
            deflationOptimizer, Deflation.optimizerSettings deflationOptimizer 1 deflationSettings
        ] do
        OptimizerCatalog.Create<float>(name, values |> List.map Collections.Generic.KeyValuePair)
        |> ignore

    let s =
        { defaults with
            Runs = args.GetResult(DiscoverArgs.Runs, defaults.Runs)
            Steps = args.GetResult(DiscoverArgs.Steps, defaults.Steps)
            Optimizer = optimizer
            OptimizerSettings = settings
            DeflationOptimizer = deflationOptimizer
            DeflationOptimizerSettings = deflationSettings
            DeflationSteps = args.GetResult(DiscoverArgs.Deflation_Steps, defaults.DeflationSteps)
            PolishSteps = args.GetResult(DiscoverArgs.Polish_Steps, defaults.PolishSteps)
            Seed = defaultArg common.Seed defaults.Seed
            Backend =
                match args.TryGetResult DiscoverArgs.Backend with
                | Some b -> lossBackend b
                | None -> defaults.Backend
            Initialization =
                if args.Contains DiscoverArgs.Restarts then
                    PerRun
                else
                    defaults.Initialization
            Threads = threadsOrAll common
            OutDir =
                (match common.Out with
                 | Some dir -> Some dir
                 | None -> defaults.OutDir)
            DeflationRounds = args.GetResult(DiscoverArgs.Deflation_Rounds, defaults.DeflationRounds)
            DeflationRuns = args.GetResult(DiscoverArgs.Deflation_Runs, defaults.DeflationRuns)
            Budget =
                if args.Contains DiscoverArgs.Fixed_Steps then
                    FixedSteps
                else
                    defaults.Budget
            CapacityGrowths = args.GetResult(DiscoverArgs.Capacity_Growths, defaults.CapacityGrowths)
            WarmStarts = defaults.WarmStarts && not (args.Contains DiscoverArgs.No_Warm_Starts)
        }

    atLeast "--runs" 1L s.Runs
    atLeast "--steps" 1L s.Steps
    atLeast "--deflation-steps" 1L s.DeflationSteps
    atLeast "--polish-steps" 0L s.PolishSteps
    atLeast "--deflation-rounds" 0L s.DeflationRounds
    atLeast "--deflation-runs" 1L s.DeflationRuns
    atLeast "--capacity-growths" 0L s.CapacityGrowths
    DiscoverySettings.validate s
    s

/// "N distinct solution(s)" when Newton certified every listed network solution; otherwise how many it certified,
/// moved onto another solution (that field is no distinct solution itself) or could not certify.
let private foundSummary (outcome: Workflow.DiscoveryOutcome) =
    let count f =
        outcome.Certifications |> List.filter f |> List.length

    let moved =
        count (function
            | Pde.FSharp.Classical.Certify.Moved _ -> true
            | _ -> false)

    let notCertified =
        count (function
            | Pde.FSharp.Classical.Certify.NotCertified _ -> true
            | _ -> false)

    if moved = 0 && notCertified = 0 then
        sprintf "%d distinct solution(s)" outcome.Found.Length
    else
        sprintf
            "%d network field(s) passed the gates: %d certified, %d moved (Newton took the field to another solution, so it is no distinct solution itself), %d not certified"
            outcome.Found.Length
            (outcome.Certifications.Length - moved - notCertified)
            moved
            notCertified

/// A progress line on stderr at most every 2 s (none with --quiet).
let private progressPrinter (common: Shared) =
    if common.Quiet then
        ignore
    else
        Discovery.progressPrinter (TimeSpan.FromSeconds 2.0)

/// What the table does not say: certifications that failed or moved, runs that were not solutions or were accepted by
/// certification, near misses, classical solutions no network reached, and why the search stopped.
let private printNotes (outcome: Workflow.DiscoveryOutcome) =
    outcome.Found
    |> List.iteri (fun i _ ->
        match List.tryItem i outcome.Certifications with
        | Some(Pde.FSharp.Classical.Certify.NotCertified reason) ->
            printfn "solution %d is not certified: %s" (i + 1) reason
        | Some(Pde.FSharp.Classical.Certify.Moved(_, d)) ->
            printfn
                "solution %d moved: Newton from its field converged to another solution, %s away (see solutions.json)"
                (i + 1)
                (Number.short d)
        | _ -> ())

    for c, reason in outcome.Rejected do
        printfn "%s: not a solution: %s" (string c.Run) reason

    for run, d in outcome.AcceptedByCertification do
        printfn
            "%s: failed a gate, accepted: Newton on the finite-difference problem converged %s from its field (certified)"
            (string run)
            (Number.short d)

    for run, what in outcome.NearMisses do
        printfn "near miss: %s %s" (string run) what

    for c in outcome.ClassicalOnly do
        printfn "a solution no network run reached: max |u| %s, found by %s" (Number.short c.MaxAbs) c.FoundBy

    printfn "the search stopped: %s" outcome.StopReason

/// The table of distinct solutions and the runs that were not solutions, on stdout.
let private printOutcome (outcome: Workflow.DiscoveryOutcome) =
    let probe =
        match outcome.Candidates with
        | c :: _ when not c.Probes.IsEmpty ->
            let px, py, _ = c.Probes.Head
            sprintf "u(%g, %g)" px py
        | _ -> "u(centre)"

    let certification (i: int) =
        match List.tryItem i outcome.Certifications with
        | Some(Pde.FSharp.Classical.Certify.Certified(c, d)) ->
            [ "certified"; Number.short d; Number.short c.ErrorEstimate ]
        | Some(Pde.FSharp.Classical.Certify.Moved(c, d)) ->
            [ "moved"; Number.short d; Number.short c.ErrorEstimate ]
        | Some(Pde.FSharp.Classical.Certify.NotCertified _) -> [ "not certified"; "-"; "-" ]
        | None -> [ "off"; "-"; "-" ]

    let rows =
        outcome.Found
        |> List.mapi (fun i f ->
            let sol = f.Solution
            let _, _, centre = sol.Representative.Probes.Head

            certification i
            @ [
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
                "certification"
                "distance"
                "FD error"
                "solution"
                "runs"
                "round"
                probe
                "max |u|"
                "residual L2"
                "boundary max"
                "classical check"
                "rel. distance"
            ]
            rows)

    printNotes outcome

/// The settings of a verb that runs discovery work (discover, continue): the arguments over `defaults`, the executor
/// of `--scheduler` for the output folder; the problem's warnings are printed and `--force` moves the old folder aside.
let prepare
    (cluster: Cluster.Cluster)
    (common: Shared)
    (args: ParseResults<DiscoverArgs>)
    (problem: Pde.FSharp.Problems.Problem)
    (defaults: DiscoverySettings)
    =
    let s = settingsOf common args defaults
    let outDir = DiscoverySettings.outDir s

    for w in Pde.FSharp.Problems.Validate.warnings problem do
        eprintfn "warning: %s" w

    startOver common (args.Contains DiscoverArgs.Force) outDir

    { s with
        Executor = Cluster.executor cluster common outDir
    }

/// Runs the command; returns the exit code (0 when at least one solution passed the gates, 1 otherwise).
let run (cluster: Cluster.Cluster) (common: Shared) (args: ParseResults<DiscoverArgs>) =
    let common = Cluster.shared cluster common
    let problem, defaults = problemOf args
    let s = prepare cluster common args problem defaults
    let outDir = DiscoverySettings.outDir s

    let clock = Diagnostics.Stopwatch.StartNew()

    let parameterText =
        String.Join(", ", s.Parameters |> List.map (fun (k, v) -> sprintf "%s = %g" k v))

    progress
        common
        (sprintf
            "discovering %s (%s): %d runs × %d steps with %s, then up to %d deflation round(s)"
            s.Name
            parameterText
            s.Runs
            s.Steps
            s.Optimizer
            s.DeflationRounds)

    let outcome = Workflow.run problem s (progressPrinter common)
    Cluster.ended cluster
    printOutcome outcome
    let report = DiscoveryReport.write outDir

    printfn
        "%s, %d unconverged run(s), %.0f s; results in %s"
        (foundSummary outcome)
        outcome.Rejected.Length
        clock.Elapsed.TotalSeconds
        outcome.Path

    if outcome.Found.IsEmpty then
        printfn
            "no solution found%s"
            (if outcome.ClassicalOnly.IsEmpty then
                 ""
             else
                 " by a network (the classical solver's are listed above)")

    printfn "report: %s (open it in a browser; it works offline)" (Path.GetFullPath report)
    if outcome.Found.IsEmpty then 1 else 0
