/// Runs (or resumes) the bounce-only study through the study runner (cells in parallel or as Slurm array tasks, each
/// stored as it finishes), then tallies where the runs ended per (k, schedule) and phase, and writes the tables.
module EcdPde.Studies.BounceStudyRun

open System
open System.Diagnostics
open System.Globalization
open EcdPde.Runs
open EcdPde.Studies.BounceStudy
open EcdPde.Studies.BounceStudyFile

/// The cells of the bounce study: PDE cells run to their end (CellRun.runPdeToEnd), kept as BounceCell files.
let cells (study: Study.Study) : StudyRunner.CellStore<BounceCell> =
    {
        Path = StudyCell.path
        Run =
            fun p solver si seed _ setup threads ->
                match setup with
                | Some setup ->
                    let cell, stages =
                        CellRun.runPdeToEnd
                            Pde.FSharp.Training.Objective.native
                            study
                            p
                            solver
                            si
                            seed
                            setup
                            threads

                    ({
                        Format = cellFormat
                        Cell = cell
                        Stages = stages
                    }
                    : BounceCell)
                | None -> invalidArg "problem" (sprintf "the bounce study's problem '%s' is not a PDE" p.Name)
        Write = writeCell
        Read = readCell
    }

/// The cells of the study stored under `dir` (of a finished or a partial study), in study order.
let stored (settings: BounceSettings) (dir: string) =
    let study = study settings

    StudyRunner.cells study
    |> Array.choose (fun (p, solver, si, seed, _) ->
        let path = StudyCell.path dir p solver si seed

        if IO.File.Exists path then Some(readCell path) else None)
    |> List.ofArray

/// The radial solutions of each k, as named in the cells' assessments (sorted by name).
let private classicalOf (settings: BounceSettings) (study: Study.Study) (found: BounceCell list) =
    List.zip settings.Ks study.Problems
    |> List.map (fun (k, p) ->
        {
            K = k
            Solutions =
                found
                |> List.filter (fun c -> c.Cell.Problem = p.Name)
                |> List.collect (fun c -> c.Stages |> List.collect (fun st -> st.Assessment.Distances))
                |> List.map _.Solution
                |> List.distinct
                |> List.sort
        })

/// The rows of the study: per k, schedule and phase (end of BBI, then after the polish when there is one).
let rows (settings: BounceSettings) (study: Study.Study) (found: BounceCell list) =
    let classical = classicalOf settings study found

    [
        for (k, p), entry in List.zip (List.zip settings.Ks study.Problems) classical do
            for schedule, solver in List.zip settings.Schedules study.Solvers do
                let group =
                    found
                    |> List.filter (fun c -> c.Cell.Problem = p.Name && c.Cell.Solver = solver.Label)

                let phases =
                    if settings.PolishSteps > 0L then
                        [ Trained; Polished ]
                    else
                        [ Trained ]

                for phase in phases do
                    let runs =
                        group
                        |> List.choose (fun c ->
                            let bounces =
                                stageOf Trained c.Stages |> Option.map _.Bounces |> Option.defaultValue 0L

                            stageOf phase c.Stages
                            |> Option.map (fun st -> st.Assessment, bounces, c.Cell.Seconds))

                    row settings.MatchTolerance entry.Solutions k schedule phase runs
    ],
    classical

/// Runs (or resumes) the study in `dir` with `executor`, `parallelism` cells at a time (0 = all cores), each cell on
/// one core; returns the result (also written to `dir/bounce-only.json`), every cell and how many cells ran now.
let run
    (settings: BounceSettings)
    (executor: TaskBatch.Executor)
    (dir: string)
    (parallelism: int)
    (progress: int -> int -> unit)
    =
    let clock = Stopwatch.StartNew()
    let cpu = Process.GetCurrentProcess().TotalProcessorTime
    let study = study settings

    let found, ran =
        StudyRunner.runStored
            Pde.FSharp.Training.Objective.native
            (cells study)
            executor
            study
            dir
            parallelism
            progress

    let rows, classical = rows settings study found

    let result: BounceStudyResult =
        {
            Format = format
            Settings = settings
            Classical = classical
            Rows = rows
            Seconds = clock.Elapsed.TotalSeconds
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds
            CellSeconds = found |> List.sumBy _.Cell.Seconds
        }

    write dir result
    result, found, ran

let private fraction (c: Count) (runs: int) =
    String.Format(CultureInfo.InvariantCulture, "{0}/{1} [{2:0.00}, {3:0.00}]", c.Runs, runs, c.Low, c.High)

/// The study's sizes in one sentence (summary.md and the report).
let describe (s: BounceSettings) =
    sprintf
        "The paper's PDE at k = %s (`pde:paper-pde:k=K`: its default network, points and gates), one network initialization per k, %d bounce seeds per (k, schedule), BBI lr %g for %d steps, then %d L-BFGS steps on the plain loss; a run is at a radial solution when it passes the gates and its relative L² distance to it is at most %g."
        (String.Join(", ", s.Ks |> List.map (sprintf "%g")))
        s.Seeds
        s.Lr
        s.Steps
        s.PolishSteps
        s.MatchTolerance

/// The short name of a radial solution: `u(0) = -9.2977` (its descriptor without "radial solution").
let shortName (solution: string) =
    solution.Replace("radial solution ", "").Trim()

/// The table of the rows: per (k, schedule, phase) the runs, the fraction at each radial solution, elsewhere and
/// failing a gate with Wilson 95% intervals, where the failed runs were heading, median bounces and seconds.
let table (rows: Row list) =
    let headers =
        [
            "k"
            "δE"
            "T0"
            "N_b"
            "T1"
            "judged"
            "runs"
            "at a radial solution: runs [Wilson 95%]"
            "other"
            "none (failed gate)"
            "failed runs' nearest (median distance)"
            "median residual"
            "median bounces"
        ]

    let g (x: float) = Number.short x

    let line (r: Row) =
        let atSolution =
            r.Counts
            |> List.filter (fun c -> c.Outcome <> OtherOutcome && c.Outcome <> NoneOutcome)
            |> List.map (fun c -> shortName c.Outcome + ": " + fraction c r.Runs)

        let pick name =
            r.Counts |> List.find (fun c -> c.Outcome = name) |> fun c -> fraction c r.Runs

        [
            g r.K
            g r.Schedule.DeltaEn
            string r.Schedule.Threshold0
            string r.Schedule.FixedBounces
            string r.Schedule.Threshold
            r.Phase
            string r.Runs
            String.Join("; ", atSolution)
            pick OtherOutcome
            pick NoneOutcome
            (if r.FailedNearest.IsEmpty then
                 "–"
             else
                 String.Join(
                     ", ",
                     r.FailedNearest
                     |> List.map (fun n -> sprintf "%s ×%d" (shortName n.Solution) n.Runs)
                 )
                 + sprintf " (%s)" (g r.MedianFailedDistance))
            g r.MedianResidual
            g r.MedianBounces
        ]

    headers, rows |> List.map line

/// cells.csv: one line per run and phase (k, schedule, seed, phase, ending, nearest solution, distances, gates).
let csv (settings: BounceSettings) (study: Study.Study) (found: BounceCell list) =
    let b =
        Text.StringBuilder(
            "k,schedule,seed,phase,ending,nearest,distance,gates_pass,verdict,residual_l2,boundary_max,centre,bounces,loss,seconds\n"
        )

    let quote (s: string) = "\"" + s.Replace("\"", "\"\"") + "\""
    let kOf = List.zip (study.Problems |> List.map _.Name) settings.Ks |> Map.ofList

    for c in found do
        for st in c.Stages do
            let a = st.Assessment

            let outcome =
                match ending settings.MatchTolerance a with
                | AtSolution s -> shortName s
                | Unmatched -> "other"
                | FailedGate -> "none"

            b.AppendLine(
                String.Join(
                    ",",
                    [
                        Number.exact kOf[c.Cell.Problem]
                        quote c.Cell.Solver
                        string c.Cell.SeedIndex
                        (if st.Stage = 0 then "bbi" else "polished")
                        quote outcome
                        quote (shortName a.Nearest)
                        Number.exact a.Distance
                        string a.GatesPass
                        quote a.Verdict
                        Number.exact a.ResidualL2
                        Number.exact a.BoundaryMax
                        Number.exact a.Centre
                        string st.Bounces
                        Number.exact st.Loss
                        Number.exact c.Cell.Seconds
                    ]
                )
            )
            |> ignore

    b.ToString()
