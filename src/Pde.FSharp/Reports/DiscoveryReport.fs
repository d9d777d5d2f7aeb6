/// `report.html` for a discovery folder (what `ecdpde discover` wrote): the problem, the run settings and the tool's
/// version, the table of distinct solutions, then for every solution its classical check, a heatmap, the PDE residual
/// on the evaluation grid and a 3D surface; the runs that were not solutions; the loss and energy curves of every
/// run coloured by the solution it reached (grey: not a solution). Self-contained: inline SVG, no scripts.
module Pde.FSharp.Reports.DiscoveryReport

open System
open System.Globalization
open System.IO
open System.Text.Json
open Pde.FSharp.Runs
open Pde.FSharp.Reports.JsonRead

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

/// Builds the report of the discovery folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let solutionsPath = Path.Combine(dir, "solutions.json")

    if not (File.Exists solutionsPath) then
        invalidArg
            "dir"
            (sprintf "'%s' holds no solutions.json (is it an `ecdpde discover` output folder?)" dir)

    use doc = JsonDocument.Parse(File.ReadAllText solutionsPath)
    let root = doc.RootElement
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

    let grid =
        match property "grid" root with
        | Some g -> [| for p in g.EnumerateArray() -> number (p[0]), number (p[1]) |]
        | None -> [||]

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

    let gridValues (key: string) (s: JsonElement) =
        match property key s with
        | Some f when grid.Length > 0 ->
            let values = numbers f

            if values.Length = grid.Length && values |> Array.exists Double.IsFinite then
                Some values
            else
                None
        | _ -> None

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

        let field = gridValues "field" s
        let residual = gridValues "residual" s

        let maps =
            [
                match field with
                | Some values ->
                    Html.figure
                        (Heatmap.ofLattice (sprintf "solution %d" k) grid values |> Heatmap.render 300)
                        (sprintf "Solution %d on the evaluation grid (%d points)." k grid.Length)
                | None -> ()
                match residual with
                | Some values ->
                    Html.figure
                        (Heatmap.ofLattice (sprintf "PDE residual, solution %d" k) grid values
                         |> Heatmap.render 300)
                        (sprintf
                            "The PDE residual of solution %d at the evaluation points (signed; zero for an exact solution)."
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
                     (Surface.ofLattice (sprintf "solution %d" k) grid values
                      |> Surface.coarsen 61
                      |> Surface.render)
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

        let c = Svg.chart title "step" yLabel marks
        Svg.render { c with Y = { c.Y with Log = log } }

    let body =
        [
            Html.paragraph (sprintf "Problem: %s (%s)." name (String.Join(", ", parameters)))
            Html.paragraph (
                sprintf
                    "Folder: %s (solutions.json and %d run trace(s)). This page needs no network: everything is inline."
                    (leaf (Path.GetFullPath dir))
                    runs.Length
            )
            Html.heading 2 "Run settings"
            settingsTable root
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
            Html.figure
                (curve (fun (_, l, _) -> l) "Loss of every run" "loss" true)
                "Loss per step (log scale), coloured by the solution the run reached."
            Html.figure
                (curve (fun (_, _, e) -> e) "Energy of every run" "energy" false)
                "Energy E per step (BBI/ECDSep: the conserved quantity; Adam, L-BFGS: the loss)."
        ]

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, Html.page (sprintf "Discovery: %s" name) body)
    path
