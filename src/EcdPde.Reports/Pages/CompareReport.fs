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

/// The study definition a compare folder keeps beside its cells.
let studyFile (dir: string) = Path.Combine(dir, "study.json")

/// The result file of the multi-solution study.
let multiSolutionFile (dir: string) =
    Path.Combine(dir, "multi-solution.json")

let private g (x: float) =
    if Double.IsNaN x then "–" else Number.short x

/// Log-spaced values from lo to hi.
let private logSpace (lo: float) (hi: float) (n: int) =
    let hi = max hi (lo * 1.0001)
    Array.init n (fun i -> lo * Math.Pow(hi / lo, float i / float (n - 1)))

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

/// The Dolan–Moré performance profile over the instances (problem, start, seed) as a chart, or None when no solver
/// reached any target.
let performanceChart (study: Study) (results: CellResult list) =
    let _, costs = instanceCosts study results
    let finite = costs |> Array.collect id |> Array.filter Double.IsFinite

    if costs.Length = 0 || finite.Length = 0 then
        None
    else
        let maxRatio =
            costs
            |> Array.map (fun row ->
                let best = Array.min row

                row
                |> Array.filter Double.IsFinite
                |> Array.map (fun c -> c / best)
                |> Array.fold max 1.0)
            |> Array.max

        let taus = logSpace 1.0 (max 2.0 (maxRatio * 1.5)) 120
        let rho = Profiles.performance costs taus

        Svg.chart
            (sprintf "Performance profile, study %s" study.Name)
            "τ (evaluations to the target / best solver's)"
            "fraction of instances"
            (study.Solvers
             |> List.mapi (fun i s -> Svg.Line(s.Label, Svg.color i, Array.zip taus rho[i])))
        |> Svg.withXLog true
        |> Some

/// The Moré–Wild data profile over the instances (problem, start, seed): the fraction solved within κ gradient
/// evaluations, per solver; None when no solver reached any target.
let dataChart (study: Study) (results: CellResult list) =
    let _, costs = instanceCosts study results
    let finite = costs |> Array.collect id |> Array.filter Double.IsFinite

    if costs.Length = 0 || finite.Length = 0 then
        None
    else
        let most =
            results
            |> List.map (fun r -> float r.Evaluations)
            |> List.fold max (Array.max finite)

        let kappas = logSpace 1.0 (most * 1.2) 160
        // dimension 0: κ counts gradient evaluations, not simplex gradients
        let d = Profiles.data costs (Array.zeroCreate costs.Length) kappas

        Svg.chart
            (sprintf "Data profile, study %s" study.Name)
            "κ (gradient evaluations)"
            "fraction of instances solved"
            (study.Solvers
             |> List.mapi (fun i s -> Svg.Line(s.Label, Svg.color i, Array.zip kappas d[i])))
        |> Svg.withXLog true
        |> Some

/// Best loss against steps on one problem: per solver the median over its cells and the interquartile band.
let convergenceChart (study: Study) (results: CellResult list) (problem: Problem) =
    let marks =
        study.Solvers
        |> List.mapi (fun i s ->
            let c = convergence study results problem.Name s.Label

            if c.Length = 0 then
                []
            else
                let color = Svg.color i

                [
                    Svg.Band("", color, c |> Array.map (fun (x, _, lo, hi) -> float x, lo, hi))
                    Svg.Line(s.Label, color, c |> Array.map (fun (x, m, _, _) -> float x, m))
                ])
        |> List.concat

    if marks.IsEmpty then
        None
    else
        let positive =
            results
            |> List.filter (fun r -> r.Problem = problem.Name)
            |> List.forall (fun r -> r.BestLoss > 0.0)

        Svg.chart
            (sprintf "Convergence on %s" problem.Name)
            "steps"
            "best loss so far"
            ((if isPde problem then
                  []
              else
                  [ Svg.HRule("target", "#888888", problem.Target) ])
             @ marks)
        |> Svg.withYLog positive
        |> Some

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

    let figure (chart: Svg.Chart option) caption =
        chart
        |> Option.map (fun c -> Html.figure (Svg.render c) caption)
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

/// Distinct classical solutions found against the budget (training steps) on one problem, per strategy; the
/// classical strategies as horizontal lines.
let multiSolutionChart (problem: string) (known: int) (rows: MultiSolution.Row list) =
    let aggs =
        MultiSolution.aggregate (rows |> List.filter (fun r -> r.Problem = problem))

    let pinn = aggs |> List.filter (fun a -> a.BudgetSteps.IsSome)
    let labels = pinn |> List.map (fun a -> a.Strategy) |> List.distinct
    // a small vertical offset per strategy keeps coinciding lines visible
    let offset i =
        (float i - float (labels.Length - 1) / 2.0) * 0.03

    let lines =
        labels
        |> List.mapi (fun i label ->
            let pts =
                pinn
                |> List.filter (fun a -> a.Strategy = label)
                |> List.map (fun a -> float a.BudgetSteps.Value, a.MeanMatched + offset i)
                |> Array.ofList

            let spread =
                pinn
                |> List.filter (fun a -> a.Strategy = label && a.Seeds > 1)
                |> List.map (fun a ->
                    float a.BudgetSteps.Value,
                    (float a.MinMatched + float a.MaxMatched) / 2.0 + offset i,
                    (float a.MaxMatched - float a.MinMatched) / 2.0)
                |> Array.ofList

            [ Svg.Line(label, Svg.color i, pts); Svg.Dots("", Svg.color i, pts) ]
            @ (if spread.Length > 0 then
                   [ Svg.ErrorBars("", Svg.color i, spread) ]
               else
                   []))
        |> List.concat

    let classical =
        aggs
        |> List.filter (fun a -> a.BudgetSteps.IsNone)
        |> List.mapi (fun j a ->
            Svg.HRule(
                sprintf "%s (classical): %g" a.Strategy a.MeanMatched,
                Svg.color (labels.Length + j),
                a.MeanMatched + 0.02 * float (j + 1)
            ))

    Svg.chart
        (sprintf "Distinct solutions found, %s" problem)
        "budget (training steps = runs × steps per run)"
        "classical solutions found"
        (lines
         @ classical
         @ [
             Svg.HRule(sprintf "known: %d" known, "#444444", float known)
             // keeps 0 on the axis
             Svg.HRule("", "#ffffff", 0.0)
         ])
    |> Svg.withXLog true

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
                     (Svg.render (multiSolutionChart p names.Length rows))
                     "Classical solutions found against the budget; lines are offset slightly so that coinciding strategies stay visible; error bars span the seeds' least and most; horizontal lines: the classical deflated Newton runs and the number of known solutions."
         ])

/// Writes DIR/report.html for a compare folder (a study with study.json and cells/, or the multi-solution study with
/// multi-solution.json); returns its path.
let write (dir: string) =
    let html =
        if File.Exists(multiSolutionFile dir) then
            let classical, rows = MultiSolution.read (multiSolutionFile dir)
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
