/// `ecdpde reproduce`: the published synthetic experiments, printed as tables and saved as JSON + Markdown.
module EcdPde.Cli.ReproduceCommand

open System
open System.IO
open System.Text
open Argu
open Ecd.Core.Objectives
open EcdPde.Studies
open EcdPde.Reports
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

/// The published experiments' seed: 2022 unless --seed says otherwise.
let private seedOf (common: Shared) = defaultArg common.Seed 2022UL

let private g (x: float) =
    x.ToString("0.###e+00", Globalization.CultureInfo.InvariantCulture)

/// The built-in `ackley` study with the requested starts (uniform in [−4, 4]²), tries per start and seed.
let private ackleyStudy (common: Shared) (args: ParseResults<ReproduceArgs>) (starts: int) =
    { BuiltInStudies.ackley with
        Problems =
            BuiltInStudies.ackley.Problems
            |> List.map (fun p ->
                { p with
                    Starts = Study.Uniform(-4.0, 4.0, starts)
                })
        Seeds = args.GetResult(ReproduceArgs.Tries, 5)
        Seed = seedOf common
    }

/// One optimizer's row of the Ackley table, appended to `md` and returned for results.json: starts solved (by any
/// try), first-try successes, the fraction solved within the first t tries, the paper's figure, the cells' seconds.
let private ackleyRow
    (study: Study.Study)
    (results: StudyRunner.CellResult list)
    (starts: int)
    (md: StringBuilder)
    (solver: string, paper: string)
    : ReproductionFile.AckleyRow =
    let s = study.Solvers |> List.find (fun s -> s.Label = solver)
    let cells = results |> List.filter (fun r -> r.Solver = solver)
    let tries = Study.seedsFor study s

    // starts solved by one of the first t tries
    let solvedWithin (t: int) =
        cells
        |> List.filter (fun r -> r.Success && r.SeedIndex < t)
        |> List.map (fun r -> r.Start)
        |> List.distinct
        |> List.length

    let solved = solvedWithin tries
    let first = solvedWithin 1
    let cellSeconds = cells |> List.sumBy (fun r -> r.Seconds)

    md.AppendLine(
        sprintf
            "| %s | %d | %d%s | %d | %d | %s | %.1f |"
            solver
            starts
            tries
            (if Study.isDeterministic s then " (deterministic)" else "")
            solved
            first
            paper
            cellSeconds
    )
    |> ignore

    {
        Optimizer = solver
        Starts = starts
        Tries = tries
        Deterministic = Study.isDeterministic s
        Successes = solved
        FirstTrySuccesses = first
        SolvedByTries = [ for t in 1..tries -> float (solvedWithin t) / float (max 1 starts) ]
        Paper = paper
        CellSeconds = cellSeconds
    }

/// The authors' Ackley protocol, run by the study runner as the built-in `ackley` study (cells stored in
/// OUT/ackley, so a rerun reads them back): a start counts as solved when one of its tries (bounce seeds) reaches the
/// target; GDM is deterministic, so it runs once per start.
let private ackleySection
    (common: Shared)
    (args: ParseResults<ReproduceArgs>)
    (out: string)
    (md: StringBuilder)
    =
    let clock = Diagnostics.Stopwatch.StartNew()
    let starts = args.GetResult(ReproduceArgs.Starts, 100)
    let study = ackleyStudy common args starts

    let folder = Path.Combine(out, "ackley")

    startOver common (args.Contains ReproduceArgs.Force) folder

    // StudyRunner.run takes the folder's lock and refuses cells of other settings (study.json)
    let results, _ = StudyRunner.run study folder (threadsOrAll common) (fun _ _ -> ())

    let seconds = clock.Elapsed.TotalSeconds

    md.AppendLine("## Ackley (b = 0.02, n = 2), success = best loss < 5e-4 within 30 000 steps, float32\n")
    |> ignore

    md.AppendLine(
        "| optimizer | starts | tries per start | starts solved | first-try successes | paper | cell seconds (sum) |"
    )
    |> ignore

    md.AppendLine("|---|---|---|---|---|---|---|") |> ignore

    let rows =
        [ "bbi", "83/100 (5 tries), ≈90% in the paper"; "gdm", "0/100" ]
        |> List.map (ackleyRow study results starts md)

    md.AppendLine(sprintf "\n(%.1f s; cells in %s)" seconds (Path.Combine(out, "ackley")))
    |> ignore

    rows

let private zakharovSection (common: Shared) (md: StringBuilder) =
    let seed = seedOf common

    let runs =
        [
            Published.zakharov "bbi" Published.zakharovBbi 10_000L seed
            Published.zakharov "ecdsep" Published.zakharovEcdSep 1_000L seed
            Published.zakharov "gdm" Published.zakharovGdm 10_000L seed
            Published.zakharov "lbfgs" [] 1_000L seed
        ]

    md.AppendLine("\n## Zakharov (n = 10, start all ones), float64\n") |> ignore

    md.AppendLine("| optimizer | steps | best loss | first step < 1e-20 | < 1e-22 | < 1e-25 |")
    |> ignore

    md.AppendLine("|---|---|---|---|---|---|") |> ignore

    let show =
        function
        | Some(s: int64) -> string s
        | None -> "never"

    for r in runs do
        let f = r.FirstBelow |> List.map snd

        md.AppendLine(
            sprintf
                "| %s | %d | %s | %s | %s | %s |"
                r.Optimizer
                r.Steps
                (g r.BestLoss)
                (show f[0])
                (show f[1])
                (show f[2])
        )
        |> ignore

    [
        for r in runs ->
            ({
                Optimizer = r.Optimizer
                Steps = r.Steps
                BestLoss = r.BestLoss
                FirstBelow = r.FirstBelow |> List.map (fun (t, s) -> { Threshold = t; Step = s })
            }
            : ReproductionFile.ZakharovRow)
    ]

/// The ratio the authors measured (2000 runs).
let private authorsRatio = 1.72

let private twoBasinSection (common: Shared) (args: ParseResults<ReproduceArgs>) (md: StringBuilder) =
    let o =
        Published.twoBasin (args.GetResult(ReproduceArgs.Runs, 2000)) 25_000L (seedOf common)

    let lo, hi = o.RatioInterval

    md.AppendLine("\n## Two basins: ratio of BBI runs ending in basin 1 vs basin 2\n")
    |> ignore

    md.AppendLine(
        "| runs | basin 1 | basin 2 | unresolved | ratio | 95% interval | volume formula | authors measured |"
    )
    |> ignore

    md.AppendLine("|---|---|---|---|---|---|---|---|") |> ignore

    md.AppendLine(
        sprintf
            "| %d | %d | %d | %d | %.3f | [%.3f, %.3f] | %.3f | %.2f (2000 runs) |"
            o.Runs
            o.Basin1
            o.Basin2
            o.Unresolved
            o.Ratio
            lo
            hi
            o.Predicted
            authorsRatio
    )
    |> ignore

    ({
        Runs = o.Runs
        Basin1 = o.Basin1
        Basin2 = o.Basin2
        Unresolved = o.Unresolved
        Ratio = o.Ratio
        RatioLow = lo
        RatioHigh = hi
        Predicted = o.Predicted
        Authors = authorsRatio
        Seconds = o.Seconds
    }
    : ReproductionFile.TwoBasin)

let private driftSection (md: StringBuilder) =
    let f = Quadratic<float>(2, 4.0)
    let dts = [ 0.04; 0.02; 0.01; 0.005 ]
    let pts = Published.ecdSepDrift f [| 1.0; 0.5 |] 1.0 -1.0 1.0 2.0 dts
    let slope = EcdPde.Runs.Statistics.Regression.logLogSlope pts

    md.AppendLine("\n## ECDSep energy drift (consEn off, ν = 0), quadratic κ = 1…4, F0 = −1, time span 2\n")
    |> ignore

    md.AppendLine("| Δt | max \\|E − E0\\| |") |> ignore
    md.AppendLine("|---|---|") |> ignore

    for dt, e in pts do
        md.AppendLine(sprintf "| %g | %s |" dt (g e)) |> ignore

    md.AppendLine(sprintf "\nlog-log slope %.3f (leapfrog: 2)" slope) |> ignore

    ({
        Points = pts |> List.map (fun (dt, e) -> { Dt = dt; MaxDrift = e })
        Slope = slope
        Expected = 2.0
    }
    : ReproductionFile.Drift)

/// Runs the command; returns the exit code.
let run (common: Shared) (args: ParseResults<ReproduceArgs>) =
    for option, value in
        [
            "--starts", args.TryGetResult ReproduceArgs.Starts
            "--tries", args.TryGetResult ReproduceArgs.Tries
            "--runs", args.TryGetResult ReproduceArgs.Runs
        ] do
        value |> Option.iter (int64 >> atLeast option 1L)

    let known =
        [
            Experiment.Ackley, "ackley"
            Experiment.Zakharov, "zakharov"
            Experiment.Two_Basin, "two-basin"
            Experiment.Drift, "drift"
        ]

    let selected =
        match args.GetResult(ReproduceArgs.Experiment, Experiment.All) with
        | Experiment.All -> known
        | which -> known |> List.filter (fun (e, _) -> e = which)

    let out = defaultArg common.Out (Path.Combine("out", "reproduce"))
    Directory.CreateDirectory out |> ignore
    let md = StringBuilder("# Reproduction of the published synthetic experiments\n\n")
    let say = progress common

    let has (e: Experiment) =
        selected |> List.exists (fun (x, _) -> x = e)

    let section (e: Experiment) (run: unit -> 'T) =
        if has e then
            say (sprintf "running %s …" (selected |> List.find (fun (x, _) -> x = e) |> snd))
            Some(run ())
        else
            None

    let results: ReproductionFile.Reproduction =
        {
            Format = ReproductionFile.format
            Seed = seedOf common
            Ackley = section Experiment.Ackley (fun () -> ackleySection common args out md)
            Zakharov = section Experiment.Zakharov (fun () -> zakharovSection common md)
            TwoBasin = section Experiment.Two_Basin (fun () -> twoBasinSection common args md)
            Drift = section Experiment.Drift (fun () -> driftSection md)
            ToolVersion = EcdPde.Runs.ToolVersion.informational
            Dotnet = EcdPde.Runs.ToolVersion.runtime
        }

    File.WriteAllText(Path.Combine(out, "results.md"), md.ToString())
    ReproductionFile.write out results |> ignore
    let report = ReproduceReport.write out
    printfn "%s" (md.ToString())
    printfn "results written to %s" (Path.GetFullPath out)
    printfn "report: %s (open it in a browser; it works offline)" (Path.GetFullPath report)
    0
