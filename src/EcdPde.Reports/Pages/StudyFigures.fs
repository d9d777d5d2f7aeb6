/// The charts of a study report: Dolan–Moré performance profiles, Moré–Wild data profiles and convergence curves
/// (median and interquartile band), as Plotly figures.
module EcdPde.Reports.StudyFigures

open System
open EcdPde.Runs
open System.IO
open EcdPde.Runs.Statistics
open EcdPde.Studies
open EcdPde.Studies.Study
open EcdPde.Studies.StudyRunner

/// Log-spaced values from lo to hi.
let private logSpace (lo: float) (hi: float) (n: int) =
    let hi = max hi (lo * 1.0001)
    Array.init n (fun i -> lo * Math.Pow(hi / lo, float i / float (n - 1)))

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

        Plot.chart
            (sprintf "Performance profile, study %s" study.Name)
            (Plot.logarithmic "τ (evaluations to the target / best solver's)")
            (Plot.linear "fraction of instances")
            (study.Solvers
             |> List.mapi (fun i s -> Plot.curve s.Label (Plot.color i) (Array.zip taus rho[i])))
        |> Plot.figure
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

        Plot.chart
            (sprintf "Data profile, study %s" study.Name)
            (Plot.logarithmic "κ (gradient evaluations)")
            (Plot.linear "fraction of instances solved")
            (study.Solvers
             |> List.mapi (fun i s -> Plot.curve s.Label (Plot.color i) (Array.zip kappas d[i])))
        |> Plot.figure
        |> Some

/// Best loss against steps on one problem: per solver the median over its cells (a line) and the interquartile band
/// (shaded, toggling with the line in the legend); the target as a dashed line. None without data.
let convergenceChart (study: Study) (results: CellResult list) (problem: StudyProblem) =
    let perSolver =
        study.Solvers
        |> List.mapi (fun i s -> i, s.Label, convergence study results problem.Name s.Label)
        |> List.filter (fun (_, _, c) -> c.Length > 0)

    if perSolver.IsEmpty then
        None
    else
        let traces =
            perSolver
            |> List.collect (fun (i, label, c) ->
                let x = c |> Array.map (fun (x, _, _, _) -> float x)

                [
                    Plot.bandTrace
                        label
                        (Plot.color i)
                        x
                        (c |> Array.map (fun (_, _, lo, _) -> lo))
                        (c |> Array.map (fun (_, _, _, hi) -> hi))
                    Plot.curveTrace
                        { Plot.curve
                              label
                              (Plot.color i)
                              (Array.zip x (c |> Array.map (fun (_, m, _, _) -> m))) with
                            Group = Some label
                        }
                ])

        let values =
            perSolver
            |> Seq.collect (fun (_, _, c) -> c |> Seq.collect (fun (_, m, lo, hi) -> [ m; lo; hi ]))

        let y = Plot.autoAxis "best loss so far" values

        { Plot.chart
              (sprintf "Convergence on %s%s" problem.Name (if y.Log then " (log scale)" else ""))
              (Plot.linear "steps")
              y
              [] with
            Traces = traces
            Shapes =
                if isPde problem then
                    []
                else
                    [ Plot.hLine "target" "#888888" problem.Target ]
        }
        |> Plot.figure
        |> Some
