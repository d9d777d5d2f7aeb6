/// `report.html` of an `ecdpde compare` folder, built from the folder alone (so `ecdpde report DIR` can rebuild it):
/// for a study (study.json + cells/), the success-rate table with Wilson intervals, Dolan–Moré performance profiles,
/// Moré–Wild data profiles (fraction of problem instances solved against gradient evaluations) and convergence curves
/// (best loss against steps, median and interquartile band over the cells); for the multi-solution study
/// (multi-solution.json), the table and a chart of distinct solutions found against the budget per strategy.
module EcdPde.Reports.CompareReport

open System
open EcdPde.Runs
open System.IO
open EcdPde.Runs.Statistics
open EcdPde.Studies
open EcdPde.Studies.Study
open EcdPde.Studies.StudyRunner
open EcdPde.Reports.StudyFigures

/// The study definition a compare folder keeps beside its cells.
let studyFile (dir: string) = Path.Combine(dir, "study.json")

/// The result file of the multi-solution study.
let multiSolutionFile (dir: string) =
    Path.Combine(dir, "multi-solution.json")

let private g (x: float) =
    if Double.IsNaN x then "–" else Number.short x

/// The success-rate table of a study (one row per problem and solver; with PDE problems, the classical solutions the
/// successful cells reached).
let successTable (study: Study) (results: CellResult list) =
    let pde = study.Problems |> List.exists isPde

    let headers =
        [
            "problem"
            "solver"
            "runs per start"
            "success"
            "95% Wilson interval"
            "starts solved"
            "median steps to target"
            "IQR"
            "95% CI (median)"
            "median evaluations"
            "median s"
            "median best loss"
            if pde then
                "solutions reached"
        ]

    let rows =
        [
            for s in summarise study results ->
                [
                    s.Problem
                    s.Solver
                    (if s.Deterministic then
                         "1 (deterministic)"
                     else
                         string study.Seeds)
                    sprintf "%d/%d" s.Successes s.Cells
                    (if s.Cells = 0 then
                         "–"
                     else
                         sprintf "[%.2f, %.2f]" s.SuccessLow s.SuccessHigh)
                    sprintf "%d/%d" s.StartsSolved s.Starts
                    g s.MedianSteps
                    g s.StepsIqr
                    (let lo, hi = s.MedianStepsInterval

                     if Double.IsNaN lo then
                         "–"
                     else
                         sprintf "[%s, %s]" (g lo) (g hi))
                    g s.MedianEvaluations
                    g s.MedianSeconds
                    g s.MedianBestLoss
                    if pde then
                        (if s.Solutions.IsEmpty then
                             "–"
                         else
                             String.Join(
                                 "; ",
                                 s.Solutions |> List.map (fun (name, n) -> sprintf "%s ×%d" name n)
                             ))
                ]
        ]

    headers, rows

/// The report of a study folder.
let studyPage (study: Study) (results: CellResult list) =
    let headers, rows = successTable study results

    let deterministic =
        study.Solvers |> List.filter isDeterministic |> List.map (fun s -> s.Label)

    let intro =
        [
            sprintf
                "%d problem(s) × %d solver(s); %d steps per run; %d seed(s) per start; %s; %d cells stored."
                study.Problems.Length
                study.Solvers.Length
                study.Steps
                study.Seeds
                study.Precision
                results.Length
            if not deterministic.IsEmpty then
                sprintf
                    "Deterministic solvers (%s) ran once per start: their other seeds would repeat the same run."
                    (String.Join(", ", deterministic))
            if study.Problems |> List.exists isPde then
                sprintf
                    "PDE problems: success = the trained field passes the example's quality gates and lies within the problem's relative L² distance of a classical solution, checked every %d steps."
                    (checkEvery study)
        ]

    let figure (chart: Plotly.NET.GenericChart option) caption =
        chart
        |> Option.map (fun c -> Html.figure c caption)
        |> Option.defaultValue (Html.paragraph (caption + " (no data: no solver reached a target)."))

    Html.page
        (sprintf "Study %s" study.Name)
        ([
            Html.bullets intro
            Html.heading 2 "Success rates"
            Html.table headers rows
            Html.paragraph
                "Success = the target reached within the step budget; 95% Wilson score intervals; starts solved = starts on which at least one seed succeeded; medians over the successful runs."
            Html.heading 2 "Profiles"
            figure
                (performanceChart study results)
                "Dolan–Moré performance profile over the instances (problem, start, seed): the fraction of instances on which a solver's evaluations to the target are within a factor τ of the best solver's (a failure never is). A deterministic solver's run of a start stands for all seeds."
            figure
                (dataChart study results)
                "Moré–Wild data profile: the fraction of instances (problem, start, seed) a solver solves within κ gradient evaluations (L-BFGS counts its line-search evaluations)."
            Html.heading 2 "Convergence"
         ]
         @ [
             for p in study.Problems ->
                 figure
                     (convergenceChart study results p)
                     (sprintf
                         "Best loss seen against steps on %s: median over the cells (starts × seeds) and the interquartile band; a run that stopped at the target keeps its last value."
                         p.Name)
         ])

/// Letters A, B, … for the classical solutions of each problem, in the order listed.
let classicalLetters (classical: (string * string list) list) =
    [
        for problem, names in classical do
            for i, name in List.indexed names -> (problem, name), string (char (int 'A' + i % 26))
    ]
    |> dict

/// The known solutions with their letters, one line per problem.
let classicalLines (classical: (string * string list) list) =
    let letters = classicalLetters classical

    [
        for problem, names in classical ->
            sprintf
                "%s: %s"
                problem
                (String.Join("; ", names |> List.map (fun n -> sprintf "%s = %s" letters[(problem, n)] n)))
    ]

/// The rows of the multi-solution table (aggregated over seeds); the classical solutions found are named by their
/// letters (see `classicalLines`).
let multiSolutionTable (classical: (string * string list) list) (rows: MultiSolution.Row list) =
    let letters = classicalLetters classical

    let letter problem name =
        match letters.TryGetValue((problem, name)) with
        | true, l -> l
        | _ -> name

    let headers =
        [
            "problem"
            "strategy"
            "budget (runs × steps)"
            "runs used"
            "classical solutions found"
            "which"
            "distinct PINN solutions"
            "seconds"
            "evaluations"
        ]

    let table =
        [
            for a in MultiSolution.aggregate rows ->
                [
                    a.Problem
                    a.Strategy
                    (match a.BudgetRuns, a.BudgetSteps with
                     | Some r, Some s -> sprintf "%d run%s, %d steps" r (if r = 1 then "" else "s") s
                     | _ -> "– (Newton)")
                    sprintf "%g" a.MeanRunsUsed
                    (if a.Seeds > 1 then
                         sprintf "%.2f [%d–%d]" a.MeanMatched a.MinMatched a.MaxMatched
                     else
                         sprintf "%g" a.MeanMatched)
                    (if a.AnyMatched.IsEmpty then
                         "none"
                     else
                         String.Join(", ", a.AnyMatched |> List.map (letter a.Problem)))
                    sprintf "%g" a.MeanDistinct
                    (if Double.IsNaN a.MeanSeconds then
                         "–"
                     else
                         (if a.MeanSeconds < 1.0 then
                              sprintf "%.2g" a.MeanSeconds
                          else
                              sprintf "%.1f" a.MeanSeconds))
                    sprintf "%.0f" a.MeanEvaluations
                ]
        ]

    headers, table

/// Distinct classical solutions found against the budget (training steps) on one problem, per strategy: the mean
/// over seeds with error bars spanning the seeds' least and most; the classical strategies and the number of known
/// solutions as horizontal lines.
let multiSolutionChart (problem: string) (known: int) (rows: MultiSolution.Row list) =
    let aggs =
        MultiSolution.aggregate (rows |> List.filter (fun r -> r.Problem = problem))

    let pinn = aggs |> List.filter (fun a -> a.BudgetSteps.IsSome)
    let labels = pinn |> List.map (fun a -> a.Strategy) |> List.distinct

    let traces =
        labels
        |> List.mapi (fun i label ->
            let mine = pinn |> List.filter (fun a -> a.Strategy = label)
            let x = mine |> List.map (fun a -> float a.BudgetSteps.Value) |> Array.ofList

            [
                Plot.curveTrace
                    { Plot.curve
                          label
                          (Plot.color i)
                          (Array.zip x (mine |> List.map _.MeanMatched |> Array.ofList)) with
                        Style = Plot.LinesAndMarkers
                        Group = Some label
                    }
                if mine |> List.exists (fun a -> a.Seeds > 1) then
                    Plot.bandTrace
                        label
                        (Plot.color i)
                        x
                        (mine |> List.map (fun a -> float a.MinMatched) |> Array.ofList)
                        (mine |> List.map (fun a -> float a.MaxMatched) |> Array.ofList)
            ])
        |> List.concat

    let classical =
        aggs
        |> List.filter (fun a -> a.BudgetSteps.IsNone)
        |> List.mapi (fun j a ->
            Plot.hLine
                (sprintf "%s (classical): %g" a.Strategy a.MeanMatched)
                (Plot.color (labels.Length + j))
                a.MeanMatched)

    { Plot.chart
          (sprintf "Distinct solutions found, %s" problem)
          (Plot.logarithmic "budget (training steps = runs × steps per run)")
          (Plot.linear "classical solutions found")
          [] with
        Traces = traces
        Shapes = classical @ [ Plot.hLine (sprintf "known: %d" known) "#444444" (float known) ]
    }
    |> Plot.figure

/// The report of a multi-solution folder.
let multiSolutionPage (classical: (string * string list) list) (rows: MultiSolution.Row list) =
    let headers, table = multiSolutionTable classical rows

    Html.page
        "Multi-solution study"
        ([
            Html.paragraph
                "How many distinct solutions each strategy finds per budget. Bounces: one shared initialization, different bounce seeds, no deflation. Bounces+deflation: one run, then rounds of deflated runs as in ecdpde discover (from the initialization, fresh initializations and the known solutions scaled; each polished with L-BFGS) until a round finds nothing new. Restarts: an initialization per run, no deflation (BBI, and Adam as the friction baseline). Newton: classical deflated Newton on the finite-difference system from constant guesses. A budget of N runs counts the first N runs of one workflow in the order they ran."
            Html.heading 2 "Known (classical) solutions"
            Html.bullets (classicalLines classical)
            Html.heading 2 "Distinct solutions per budget"
            Html.table headers table
            Html.paragraph
                "Classical solutions found = distinct trained fields (passing the quality gates, deduplicated) within the match tolerance of a classical solution; seconds = the runs' own time on one core each; evaluations = gradient evaluations (Newton: residual evaluations)."
         ]
         @ [
             for p, names in classical ->
                 Html.figure
                     (multiSolutionChart p names.Length rows)
                     "Classical solutions found against the budget (log axis), mean over the seeds; the shaded band spans the seeds' least and most; dashed horizontal lines: the classical deflated Newton runs and the number of known solutions. Hover for values; click a strategy in the legend to hide it."
         ])

/// Writes DIR/report.html for a compare folder (a study with study.json and cells/, or the multi-solution study with
/// multi-solution.json); returns its path.
let write (dir: string) =
    let html =
        if File.Exists(multiSolutionFile dir) then
            let classical, rows = MultiSolutionFile.read (multiSolutionFile dir)
            multiSolutionPage classical rows
        elif File.Exists(studyFile dir) then
            let study = BuiltInStudies.read (studyFile dir)
            studyPage study (StudyRunner.stored study dir)
        else
            raise (
                InvalidDataException(
                    sprintf "%s is not an `ecdpde compare` folder (no study.json or multi-solution.json)" dir
                )
            )

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, html)
    path
