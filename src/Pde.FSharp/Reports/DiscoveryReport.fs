/// `report.html` for a discovery folder (what `ecdpde discover` wrote): the problem and settings, the table of
/// distinct solutions with their classical checks, a heatmap of every solution, and the loss and energy curves of
/// every run coloured by the solution it reached (grey: not a solution). Self-contained: inline SVG, no scripts.
module Pde.FSharp.Reports.DiscoveryReport

open System
open System.Globalization
open System.IO
open System.Text.Json

let private leaf (path: string) =
    Path.GetFileName path |> Option.ofObj |> Option.defaultValue ""

let private readTrace (path: string) =
    if not (File.Exists path) then
        [||]
    else
        File.ReadLines path
        |> Seq.skip 1
        |> Seq.choose (fun line ->
            let c = line.Split(',')

            match
                Double.TryParse(c[0], NumberStyles.Float, CultureInfo.InvariantCulture),
                Double.TryParse(c[1], NumberStyles.Float, CultureInfo.InvariantCulture),
                Double.TryParse(c[2], NumberStyles.Float, CultureInfo.InvariantCulture)
            with
            | (true, s), (true, l), (true, e) -> Some(s, l, e)
            | _ -> None)
        |> Array.ofSeq

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

    let name =
        problem.GetProperty("name").GetString()
        |> Option.ofObj
        |> Option.defaultValue "?"

    let parameters =
        [
            for p in problem.EnumerateObject() do
                if p.Name <> "name" then
                    yield sprintf "%s = %s" p.Name (p.Value.ToString())
        ]

    let settings =
        match root.TryGetProperty "settings" with
        | true, s ->
            [
                for p in s.EnumerateObject() -> sprintf "%s = %s" p.Name (p.Value.ToString())
            ]
        | _ -> []

    let grid =
        match root.TryGetProperty "grid" with
        | true, g -> [| for p in g.EnumerateArray() -> p[0].GetDouble(), p[1].GetDouble() |]
        | _ -> [||]

    let solutions = [ for s in root.GetProperty("solutions").EnumerateArray() -> s ]

    let num (e: JsonElement) =
        if e.ValueKind = JsonValueKind.Number then
            Number.short (e.GetDouble())
        else
            e.ToString()

    let rows =
        solutions
        |> List.mapi (fun i s ->
            let check =
                match s.TryGetProperty "classical_check" with
                | true, c ->
                    sprintf
                        "%s (rel. distance %s)"
                        (c.GetProperty("nearest").GetString() |> Option.ofObj |> Option.defaultValue "")
                        (num (c.GetProperty "relative_l2_distance"))
                | _ -> "–"

            [
                string (i + 1)
                num (s.GetProperty "runs")
                num (s.GetProperty "residual_l2")
                num (s.GetProperty "boundary_max")
                num (s.GetProperty "max_abs")
                check
            ])

    let heatmaps =
        if grid.Length = 0 then
            []
        else
            solutions
            |> List.mapi (fun i s ->
                match s.TryGetProperty "field" with
                | true, f ->
                    let values = [| for v in f.EnumerateArray() -> v.GetDouble() |]
                    let map = Heatmap.ofLattice (sprintf "solution %d" (i + 1)) grid values

                    Html.figure
                        (Heatmap.render 320 map)
                        (sprintf "Solution %d on the evaluation grid (%d points)." (i + 1) grid.Length)
                | _ -> "")

    // every run's trace, coloured by the solution whose run ids contain it
    let owner =
        solutions
        |> List.mapi (fun i s -> [ for r in s.GetProperty("run_ids").EnumerateArray() -> r.GetInt32(), i ])
        |> List.concat
        |> Map.ofList

    let traces =
        [
            for roundDir in Directory.GetDirectories(dir, "round-*") |> Array.sort do
                let round = int ((leaf roundDir).Substring(6))

                for runDir in Directory.GetDirectories(Path.Combine(roundDir, "runs")) |> Array.sort do
                    let index = int ((leaf runDir).Substring(4))
                    let id = round * 1000 + index
                    yield id, readTrace (Path.Combine(runDir, "trace.csv"))
        ]

    let curve (pick: float * float * float -> float) (title: string) (yLabel: string) =
        let marks =
            traces
            |> List.map (fun (id, t) ->
                let colour, label =
                    match owner.TryFind id with
                    | Some i -> Svg.color i, sprintf "run %d → solution %d" id (i + 1)
                    | None -> "#999999", sprintf "run %d (not a solution)" id

                Svg.Line(label, colour, t |> Array.map (fun r -> (let s, _, _ = r in s), pick r)))

        let c = Svg.chart title "step" yLabel marks

        Svg.render
            { c with
                Y = { c.Y with Log = (yLabel = "loss") }
            }

    let body =
        [
            Html.paragraph (sprintf "Problem: %s (%s)." name (String.Join(", ", parameters)))
            Html.paragraph (sprintf "Settings: %s." (String.Join(", ", settings)))
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
        @ heatmaps
        @ [
            Html.heading 2 "Training"
            Html.figure
                (curve (fun (_, l, _) -> l) "Loss of every run" "loss")
                "Loss per step, coloured by the solution the run reached."
            Html.figure
                (curve (fun (_, _, e) -> e) "Energy of every run" "energy")
                "Energy E per step (BBI/ECDSep: the conserved quantity; Adam, L-BFGS: the loss)."
        ]

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, Html.page (sprintf "Discovery: %s" name) body)
    path
