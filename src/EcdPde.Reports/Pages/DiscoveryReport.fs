/// `report.html` for a discovery folder (what `ecdpde discover` wrote): the problem, the run settings and the tool's
/// version, the collocation points, the table of distinct solutions, then for every solution its classical check, a
/// heatmap with iso-lines, the PDE residual on the evaluation grid (diverging scale) and a 3D surface; the runs that
/// were not solutions; the loss and energy curves of every run coloured by the solution it reached (grey: not a
/// solution). Self-contained: inline SVG, no scripts. `writeFigures` writes the same figures as standalone SVG files.
module EcdPde.Reports.DiscoveryReport

open System
open System.Globalization
open System.IO
open EcdPde.Runs
open Pde.Discovery
open Pde.Discovery.Solutions
open Pde.Discovery.SolutionsFile

let private leaf (path: string) =
    Path.GetFileName(Path.TrimEndingDirectorySeparator path)
    |> Option.ofObj
    |> Option.defaultValue path

/// (step, loss, energy) rows of a trace CSV (Trace.read; lines that are not rows are skipped); empty when the run
/// has no trace yet.
let readTrace (path: string) =
    if not (File.Exists path) then
        [||]
    else
        (Trace.read path).Rows |> Array.map (fun r -> float r.Step, r.Loss, r.Energy)

/// The classical check as a sentence.
let private checkSentence (threshold: float option) (s: SolutionRecord) =
    let nearest = s.ClassicalCheck.Nearest
    let d = s.ClassicalCheck.RelativeL2Distance

    if Double.IsNaN d then
        sprintf "Classical check: %s to compare with." nearest
    else
        let verdict =
            match threshold with
            | Some t when d < t -> sprintf "it matches (below the distinctness threshold %s)" (Number.short t)
            | Some t ->
                sprintf
                    "no classical solution lies within the distinctness threshold %s: a solution the classical solver does not know, or an inaccurate one"
                    (Number.short t)
            | None -> "no threshold is recorded to judge it"

        sprintf
            "Classical check: the nearest classical solution is “%s”, at relative L² distance %s on the evaluation grid; %s."
            nearest
            (Number.short d)
            verdict

/// An optimizer and its settings as text.
let private optimizerText (o: OptimizerRecord) =
    if o.Settings.IsEmpty then
        o.Optimizer
    else
        sprintf
            "%s (%s)"
            o.Optimizer
            (String.Join(", ", o.Settings |> Map.toList |> List.map (fun (k, v) -> k + " = " + v)))

/// The run-settings table: every recorded setting, then the versions of the tool that ran and of this report's.
let private settingsTable (file: Solutions) =
    let st = file.Settings

    Html.table
        [ "setting"; "value" ]
        [
            [ "optimizer"; optimizerText st.Optimizer ]
            [ "runs"; string st.Runs ]
            [ "steps"; string st.Steps ]
            [ "seed"; string st.Seed ]
            [ "initialization"; st.Initialization ]
            [ "deflation rounds"; string st.DeflationRounds ]
            [ "deflation runs"; string st.DeflationRuns ]
            [ "deflation steps"; string st.DeflationSteps ]
            [ "deflation optimizer"; optimizerText st.DeflationOptimizer ]
            [ "polish steps"; string st.PolishSteps ]
            [ "polish optimizer"; optimizerText st.PolishOptimizer ]
            [ "distinct threshold"; Number.short st.DistinctThreshold ]
            [ "EcdPde version of the run"; file.Tool.Version ]
            [ ".NET of the run"; file.Tool.Dotnet ]
            [ "EcdPde version of this report"; ToolVersion.informational ]
            [ ".NET of this report"; ToolVersion.runtime ]
        ]

/// Every run's trace under `dir` with its run id, in run order.
let private traces (dir: string) =
    RunFolders.list dir
    |> List.map (fun (id, folder) -> id, readTrace (Path.Combine(folder, "trace.csv")))

/// `dir/solutions.json` (an error naming the folder when there is none).
let private readSolutions (dir: string) =
    let solutionsPath = Path.Combine(dir, "solutions.json")

    if not (File.Exists solutionsPath) then
        invalidArg
            "dir"
            (sprintf "'%s' holds no solutions.json (is it an `ecdpde discover` output folder?)" dir)

    SolutionsFile.read solutionsPath

/// The evaluation grid's points.
let private gridOf (file: Solutions) =
    file.Grid |> Array.map (fun p -> p[0], p[1])

/// Values on the grid (field, residual) when stored, one per grid point and not all NaN.
let private gridValues (grid: (float * float)[]) (values: float[] option) =
    match values with
    | Some v when grid.Length > 0 && v.Length = grid.Length && v |> Array.exists Double.IsFinite -> Some v
    | _ -> None

/// The interior and boundary collocation points (2-D ones only), when solutions.json records them.
let collocationPoints (file: Solutions) =
    let c = file.Collocation
    let all = Array.append c.Interior c.Boundary

    if all.Length > 0 && all |> Array.forall (fun p -> p.Length = 2) then
        let pairs (ps: float[][]) = ps |> Array.map (fun p -> p[0], p[1])
        Some(pairs c.Interior, pairs c.Boundary)
    else
        None

/// The heatmap of solution k (viridis, 7 iso-lines).
let private fieldMap (grid: (float * float)[]) (k: int) (values: float[]) =
    Heatmap.ofLattice (sprintf "solution %d" k) grid values
    |> Heatmap.withContours 7
    |> Heatmap.render 300

/// The PDE residual of solution k (diverging scale: white at zero, blue negative, red positive).
let private residualMap (grid: (float * float)[]) (k: int) (values: float[]) =
    Heatmap.ofLattice (sprintf "PDE residual, solution %d" k) grid values
    |> Heatmap.withColorScale Diverging
    |> Heatmap.render 300

/// Solution k as a 3D surface.
let private surfaceOf (grid: (float * float)[]) (k: int) (values: float[]) =
    Surface.ofLattice (sprintf "solution %d" k) grid values
    |> Surface.coarsen 61
    |> Surface.render

/// The loss (log scale) and energy charts of every run's trace under `dir`, coloured by the solution the run reached.
let private trainingCharts (dir: string) (solutions: SolutionRecord list) =
    // every run's trace, coloured by the solution whose run ids contain it
    let owner =
        solutions
        |> List.mapi (fun i s -> s.RunIds |> List.map (fun r -> r, i))
        |> List.concat
        |> Map.ofList

    let runs = traces dir

    let curve (pick: float * float * float -> float) (title: string) (yLabel: string) (log: bool) =
        let marks =
            runs
            |> List.map (fun (id, t) ->
                let colour, label =
                    match owner.TryFind id with
                    | Some i -> Svg.color i, sprintf "%O → solution %d" id (i + 1)
                    | None -> "#999999", sprintf "%O (not a solution)" id

                Svg.Line(label, colour, t |> Array.map (fun r -> (let s, _, _ = r in s), pick r)))

        Svg.chart title "step" yLabel marks |> Svg.withYLog log |> Svg.render

    runs.Length,
    curve (fun (_, l, _) -> l) "Loss of every run" "loss" true,
    curve (fun (_, _, e) -> e) "Energy of every run" "energy" false

/// Builds the report of the discovery folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let file = readSolutions dir
    let name = file.Problem.Name

    let parameters =
        file.Problem.Parameters
        |> Map.toList
        |> List.map (fun (k, v) -> sprintf "%s = %s" k (Number.short v))

    let threshold =
        Some file.Settings.DistinctThreshold |> Option.filter Double.IsFinite

    let grid = gridOf file
    let solutions = file.Solutions

    let rows =
        solutions
        |> List.mapi (fun i s ->
            [
                string (i + 1)
                string s.Runs
                Number.short s.ResidualL2
                Number.short s.BoundaryMax
                Number.short s.MaxAbs
                sprintf
                    "%s (rel. distance %s)"
                    s.ClassicalCheck.Nearest
                    (Number.short s.ClassicalCheck.RelativeL2Distance)
            ])

    let solutionSection (i: int) (s: SolutionRecord) =
        let k = i + 1

        let about =
            sprintf
                "Found by %d run(s) (%s), first in round %d; representative run: %O; residual L² %s, max |residual| %s, max boundary error %s, final loss %s."
                s.Runs
                (String.Join(
                    ", ",
                    List.map2 (fun (r: RunId) (d: string) -> sprintf "%O: %s" r d) s.RunIds s.RunStarts
                ))
                s.FirstFoundInRound
                s.RepresentativeRun
                (Number.short s.ResidualL2)
                (Number.short s.ResidualMax)
                (Number.short s.BoundaryMax)
                (Number.short s.FinalLoss)

        let field = gridValues grid (Some s.Field)
        let residual = gridValues grid s.Residual

        let maps =
            [
                match field with
                | Some values ->
                    Html.figure
                        (fieldMap grid k values)
                        (sprintf
                            "Solution %d on the evaluation grid (%d points), with 7 iso-lines evenly spaced in its range."
                            k
                            grid.Length)
                | None -> ()
                match residual with
                | Some values ->
                    Html.figure
                        (residualMap grid k values)
                        (sprintf
                            "The PDE residual of solution %d at the evaluation points (signed, zero for an exact solution: white at zero, blue below, red above)."
                            k)
                | None -> ()
            ]

        [
            Html.heading 2 (sprintf "Solution %d" k)
            Html.paragraph about
            Html.paragraph (checkSentence threshold s)
            (if maps.IsEmpty then "" else Html.row maps)
            (match residual with
             | Some _ -> ""
             | None ->
                 Html.paragraph
                     "No residual values are stored for this solution (solutions.json written before they were recorded, or the run's checkpoint was missing); rerunning `ecdpde discover` on the folder adds them.")
            (match field with
             | Some values ->
                 Html.figure
                     (surfaceOf grid k values)
                     (sprintf
                         "Solution %d as a surface over the domain (height and colour: u; cells outside the domain dropped)."
                         k)
             | None -> Html.paragraph "No field values are stored for this solution.")
        ]

    let unconverged =
        match file.Unconverged with
        | [] -> []
        | u ->
            [
                Html.heading 2 "Runs that did not give a solution"
                Html.table
                    [ "run"; "reason"; "residual L2"; "boundary max"; "final loss" ]
                    [
                        for r in u ->
                            [
                                string r.Run
                                r.Reason
                                Number.short r.ResidualL2
                                Number.short r.BoundaryMax
                                Number.short r.FinalLoss
                            ]
                    ]
            ]

    let runCount, lossChart, energyChart = trainingCharts dir solutions

    let collocation =
        match collocationPoints file with
        | Some(interior, boundary) ->
            [
                Html.heading 2 "Collocation points"
                Html.figure
                    (Scatter.collocation "Collocation points" interior boundary |> Svg.render)
                    (sprintf
                        "The %d interior and %d boundary points where the loss evaluates the equation and the boundary condition (the same for every run)."
                        interior.Length
                        boundary.Length)
            ]
        | None -> []

    let body =
        [
            Html.paragraph (sprintf "Problem: %s (%s)." name (String.Join(", ", parameters)))
            Html.paragraph (
                sprintf
                    "Folder: %s (solutions.json and %d run trace(s)). This page needs no network: everything is inline."
                    (leaf (Path.GetFullPath dir))
                    runCount
            )
            Html.heading 2 "Run settings"
            settingsTable file
        ]
        @ collocation
        @ [
            Html.heading 2 "Distinct solutions"
            Html.table
                [
                    "solution"
                    "runs"
                    "residual L2"
                    "boundary max"
                    "max |u|"
                    "classical check"
                ]
                rows
        ]
        @ (solutions |> List.mapi solutionSection |> List.concat)
        @ unconverged
        @ [
            Html.heading 2 "Training"
            Html.figure lossChart "Loss per step (log scale), coloured by the solution the run reached."
            Html.figure
                energyChart
                "Energy E per step (BBI/ECDSep: the conserved quantity; Adam, L-BFGS: the loss)."
        ]

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, Html.page (sprintf "Discovery: %s" name) body)
    path

/// Writes the figures of the discovery folder `dir` as standalone SVG files into `dir/figures` (created): per
/// solution k `solution-k.svg` (heatmap), `residual-k.svg` and `surface-k.svg` when their values are stored,
/// `collocation.svg` when the points are, `loss.svg` and `energy.svg`, and `solutions.svg`: every solution's figures
/// in one grid (a row per solution) under the problem's name. Returns the paths written, in that order.
let writeFigures (dir: string) =
    let file = readSolutions dir
    let name = file.Problem.Name
    let grid = gridOf file
    let solutions = file.Solutions
    let out = Path.Combine(dir, "figures")
    Directory.CreateDirectory out |> ignore

    let perSolution =
        solutions
        |> List.mapi (fun i s ->
            let k = i + 1

            [
                match gridValues grid (Some s.Field) with
                | Some v -> sprintf "solution-%d.svg" k, fieldMap grid k v
                | None -> ()
                match gridValues grid s.Residual with
                | Some v -> sprintf "residual-%d.svg" k, residualMap grid k v
                | None -> ()
                match gridValues grid (Some s.Field) with
                | Some v -> sprintf "surface-%d.svg" k, surfaceOf grid k v
                | None -> ()
            ])

    let _, loss, energy = trainingCharts dir solutions

    let overview =
        match perSolution |> List.filter (List.isEmpty >> not) with
        | [] -> []
        | rows ->
            [
                "solutions.svg",
                Subplots.grid
                    1
                    (sprintf "Discovery: %s" name)
                    (rows
                     |> List.map (fun figures -> Subplots.grid figures.Length "" (List.map snd figures)))
            ]

    let files =
        List.concat perSolution
        @ (match collocationPoints file with
           | Some(interior, boundary) ->
               [
                   "collocation.svg", Scatter.collocation "Collocation points" interior boundary |> Svg.render
               ]
           | None -> [])
        @ [ "loss.svg", loss; "energy.svg", energy ]
        @ overview

    [
        for file, svg in files ->
            let path = Path.Combine(out, file)
            File.WriteAllText(path, svg + "\n")
            path
    ]
