/// `report.html` for a discovery folder (what `ecdpde discover` wrote): the problem, the run settings and the tool's
/// version, the collocation points, the table of distinct solutions, then for every solution its classical check, a
/// heatmap with iso-lines, the PDE residual on the evaluation grid (diverging scale) and a 3D surface; the runs that
/// were not solutions; the loss and energy curves of every run coloured by the solution it reached (grey: not a
/// solution). Self-contained: inline SVG, no scripts. `writeFigures` writes the same figures as standalone SVG files.
module EcdPde.Reports.DiscoveryReport

open System
open System.Globalization
open System.IO
open System.Text.Json
open EcdPde.Runs
open EcdPde.Runs.JsonRead

let private leaf (path: string) =
    Path.GetFileName(Path.TrimEndingDirectorySeparator path)
    |> Option.ofObj
    |> Option.defaultValue path

/// (step, loss, energy) rows of a trace CSV (the first three columns); unreadable rows are skipped.
let readTrace (path: string) =
    if not (File.Exists path) then
        [||]
    else
        File.ReadLines path
        |> Seq.skip 1
        |> Seq.choose (fun line ->
            let c = line.Split(',')

            if c.Length < 3 then
                None
            else
                match
                    Double.TryParse(c[0], NumberStyles.Float, CultureInfo.InvariantCulture),
                    Double.TryParse(c[1], NumberStyles.Float, CultureInfo.InvariantCulture),
                    Double.TryParse(c[2], NumberStyles.Float, CultureInfo.InvariantCulture)
                with
                | (true, s), (true, l), (true, e) -> Some(s, l, e)
                | _ -> None)
        |> Array.ofSeq

/// The classical check as a sentence.
let private checkSentence (threshold: float option) (s: JsonElement) =
    match property "classical_check" s with
    | None -> "No classical check is recorded for this solution."
    | Some c ->
        let nearest =
            property "nearest" c
            |> Option.map text
            |> Option.defaultValue "no classical solution"

        let d =
            property "relative_l2_distance" c
            |> Option.map number
            |> Option.defaultValue nan

        if Double.IsNaN d then
            sprintf "Classical check: %s to compare with." nearest
        else
            let verdict =
                match threshold with
                | Some t when d < t ->
                    sprintf "it matches (below the distinctness threshold %s)" (Number.short t)
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

/// The run-settings table: every recorded setting, then the versions of the tool that ran and of this report's.
let private settingsTable (root: JsonElement) =
    let recorded =
        match property "settings" root with
        | Some s -> [ for p in s.EnumerateObject() -> [ p.Name; text p.Value ] ]
        | None -> [ [ "settings"; "not recorded" ] ]

    let tool (name: string) =
        property "tool" root
        |> Option.bind (property name)
        |> Option.map text
        |> Option.defaultValue "not recorded"

    Html.table
        [ "setting"; "value" ]
        (recorded
         @ [
             [ "EcdPde version of the run"; tool "version" ]
             [ ".NET of the run"; tool "dotnet" ]
             [ "EcdPde version of this report"; ToolVersion.informational ]
             [ ".NET of this report"; ToolVersion.runtime ]
         ])

/// Every run's trace under `dir` (round-R/runs/run-III/trace.csv) with its run id R·1000 + III, in order.
let private traces (dir: string) =
    let indexAfter (prefix: string) (path: string) =
        let name = leaf path

        match Int32.TryParse(name.Substring(min name.Length prefix.Length)) with
        | true, v when name.StartsWith prefix -> Some v
        | _ -> None

    [
        for roundDir in Directory.GetDirectories(dir, "round-*") |> Array.sort do
            match indexAfter "round-" roundDir with
            | Some round when Directory.Exists(Path.Combine(roundDir, "runs")) ->
                for runDir in Directory.GetDirectories(Path.Combine(roundDir, "runs"), "run-*") |> Array.sort do
                    match indexAfter "run-" runDir with
                    | Some index -> yield round * 1000 + index, readTrace (Path.Combine(runDir, "trace.csv"))
                    | None -> ()
            | _ -> ()
    ]

/// The root of `dir/solutions.json` (an error naming the folder when there is none).
let private readSolutions (dir: string) =
    let solutionsPath = Path.Combine(dir, "solutions.json")

    if not (File.Exists solutionsPath) then
        invalidArg
            "dir"
            (sprintf "'%s' holds no solutions.json (is it an `ecdpde discover` output folder?)" dir)

    use doc = JsonDocument.Parse(File.ReadAllText solutionsPath)
    doc.RootElement.Clone()

/// The evaluation grid's points (empty when not recorded).
let private gridOf (root: JsonElement) =
    match property "grid" root with
    | Some g -> [| for p in g.EnumerateArray() -> number (p[0]), number (p[1]) |]
    | None -> [||]

/// The values of `key` (field, residual) of a solution on the grid, when stored, one per grid point and not all NaN.
let private gridValues (grid: (float * float)[]) (key: string) (s: JsonElement) =
    match property key s with
    | Some f when grid.Length > 0 ->
        let values = numbers f

        if values.Length = grid.Length && values |> Array.exists Double.IsFinite then
            Some values
        else
            None
    | _ -> None

/// The interior and boundary collocation points (2-D ones only), when solutions.json records them.
let collocationPoints (root: JsonElement) =
    let points (key: string) (c: JsonElement) =
        property key c
        |> Option.map (fun a ->
            [ for p in a.EnumerateArray() -> [| for v in p.EnumerateArray() -> number v |] ])

    match property "collocation" root with
    | Some c ->
        match points "interior" c, points "boundary" c with
        | Some interior, Some boundary when
            not (interior.IsEmpty && boundary.IsEmpty)
            && (interior @ boundary) |> List.forall (fun p -> p.Length = 2)
            ->
            let pairs (ps: float[] list) =
                ps |> List.map (fun p -> p[0], p[1]) |> Array.ofList

            Some(pairs interior, pairs boundary)
        | _ -> None
    | None -> None

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
let private trainingCharts (dir: string) (solutions: JsonElement list) =
    // every run's trace, coloured by the solution whose run ids contain it
    let owner =
        solutions
        |> List.mapi (fun i s ->
            match property "run_ids" s with
            | Some ids -> [ for r in ids.EnumerateArray() -> r.GetInt32(), i ]
            | None -> [])
        |> List.concat
        |> Map.ofList

    let runs = traces dir

    let curve (pick: float * float * float -> float) (title: string) (yLabel: string) (log: bool) =
        let marks =
            runs
            |> List.map (fun (id, t) ->
                let colour, label =
                    match owner.TryFind id with
                    | Some i -> Svg.color i, sprintf "run %d → solution %d" id (i + 1)
                    | None -> "#999999", sprintf "run %d (not a solution)" id

                Svg.Line(label, colour, t |> Array.map (fun r -> (let s, _, _ = r in s), pick r)))

        Svg.chart title "step" yLabel marks |> Svg.withYLog log |> Svg.render

    runs.Length,
    curve (fun (_, l, _) -> l) "Loss of every run" "loss" true,
    curve (fun (_, _, e) -> e) "Energy of every run" "energy" false

/// Builds the report of the discovery folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let root = readSolutions dir
    let problem = root.GetProperty "problem"
    let name = property "name" problem |> Option.map text |> Option.defaultValue "?"

    let parameters =
        [
            for p in problem.EnumerateObject() do
                if p.Name <> "name" then
                    yield sprintf "%s = %s" p.Name (text p.Value)
        ]

    let threshold =
        property "settings" root
        |> Option.bind (property "distinct_threshold")
        |> Option.map number
        |> Option.filter Double.IsFinite

    let grid = gridOf root

    let solutions = [ for s in root.GetProperty("solutions").EnumerateArray() -> s ]

    let stat (key: string) (s: JsonElement) =
        property key s |> Option.map text |> Option.defaultValue "–"

    let rows =
        solutions
        |> List.mapi (fun i s ->
            let check =
                match property "classical_check" s with
                | Some c ->
                    sprintf
                        "%s (rel. distance %s)"
                        (property "nearest" c |> Option.map text |> Option.defaultValue "")
                        (property "relative_l2_distance" c |> Option.map text |> Option.defaultValue "–")
                | None -> "–"

            [
                string (i + 1)
                stat "runs" s
                stat "residual_l2" s
                stat "boundary_max" s
                stat "max_abs" s
                check
            ])

    let solutionSection (i: int) (s: JsonElement) =
        let k = i + 1

        let about =
            sprintf
                "Found by %s run(s) (ids %s), first in round %s; representative run %s: residual L² %s, max |residual| %s, max boundary error %s, final loss %s."
                (stat "runs" s)
                (match property "run_ids" s, property "run_starts" s with
                 | Some ids, Some starts when ids.GetArrayLength() = starts.GetArrayLength() ->
                     String.Join(
                         ", ",
                         Seq.map2
                             (fun (r: JsonElement) (d: JsonElement) -> sprintf "%s: %s" (text r) (text d))
                             (ids.EnumerateArray())
                             (starts.EnumerateArray())
                     )
                 | Some ids, _ -> String.Join(", ", [ for r in ids.EnumerateArray() -> text r ])
                 | None, _ -> "–")
                (stat "first_found_in_round" s)
                (stat "representative_run" s)
                (stat "residual_l2" s)
                (stat "residual_max" s)
                (stat "boundary_max" s)
                (stat "final_loss" s)

        let field = gridValues grid "field" s
        let residual = gridValues grid "residual" s

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
        match property "unconverged" root with
        | Some u when u.GetArrayLength() > 0 ->
            [
                Html.heading 2 "Runs that did not give a solution"
                Html.table
                    [ "run"; "reason"; "residual L2"; "boundary max"; "final loss" ]
                    [
                        for r in u.EnumerateArray() ->
                            [
                                stat "run" r
                                stat "reason" r
                                stat "residual_l2" r
                                stat "boundary_max" r
                                stat "final_loss" r
                            ]
                    ]
            ]
        | _ -> []

    let runCount, lossChart, energyChart = trainingCharts dir solutions

    let collocation =
        match collocationPoints root with
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
            settingsTable root
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
    let root = readSolutions dir

    let name =
        property "name" (root.GetProperty "problem")
        |> Option.map text
        |> Option.defaultValue "?"

    let grid = gridOf root
    let solutions = [ for s in root.GetProperty("solutions").EnumerateArray() -> s ]
    let out = Path.Combine(dir, "figures")
    Directory.CreateDirectory out |> ignore

    let perSolution =
        solutions
        |> List.mapi (fun i s ->
            let k = i + 1

            [
                match gridValues grid "field" s with
                | Some v -> sprintf "solution-%d.svg" k, fieldMap grid k v
                | None -> ()
                match gridValues grid "residual" s with
                | Some v -> sprintf "residual-%d.svg" k, residualMap grid k v
                | None -> ()
                match gridValues grid "field" s with
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
        @ (match collocationPoints root with
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
