/// `report.html` for a discovery folder (what `ecdpde discover` wrote): the problem, the run settings and the tool's
/// version, the strategy table (which run found what, how it started, in which round), the collocation points, the
/// table of distinct solutions, then per solution its classical check, a heatmap with iso-lines, the PDE residual
/// (robust colour range) and a rotatable 3-D surface; the runs that were not solutions; the loss and energy curves of
/// every run. One self-contained page with interactive Plotly figures (plotly.js inlined once). `writeFigures` writes
/// the same figures as PNG/SVG files. The folder is read by DiscoveryData.read; everything here works on its records.
module EcdPde.Reports.DiscoveryReport

open System
open System.IO
open EcdPde.Runs
open Pde.Discovery.Solutions
open EcdPde.Reports.DiscoveryData
open EcdPde.Reports.DiscoveryFigures

let private g (x: float) =
    if Double.IsNaN x then "–" else Number.short x

/// The classical check as a sentence.
let checkSentence (threshold: float option) (s: Solution) =
    match s.Check with
    | None -> "No classical check is recorded for this solution."
    | Some c when Double.IsNaN c.Distance -> sprintf "Classical check: %s to compare with." c.Nearest
    | Some c ->
        let verdict =
            match threshold with
            | Some t when c.Distance < t ->
                sprintf "it matches (below the distinctness threshold %s)" (Number.short t)
            | Some t ->
                sprintf
                    "no classical solution lies within the distinctness threshold %s: a solution the classical solver does not know, or an inaccurate one"
                    (Number.short t)
            | None -> "no threshold is recorded to judge it"

        sprintf
            "Classical check: the nearest classical solution is “%s”, at relative L² distance %s on the evaluation grid; %s."
            c.Nearest
            (Number.short c.Distance)
            verdict

/// The run-settings table: every recorded setting, then the versions of the tool that ran and of this report's.
let private settingsTable (d: Discovery) =
    let recorded =
        if d.Settings.IsEmpty then
            [ [ "settings"; "not recorded" ] ]
        else
            d.Settings |> List.map (fun (k, v) -> [ k; v ])

    Html.table
        [ "setting"; "value" ]
        (recorded
         @ [
             [ "EcdPde version of the run"; defaultArg d.ToolVersion "not recorded" ]
             [ ".NET of the run"; defaultArg d.ToolDotnet "not recorded" ]
             [ "EcdPde version of this report"; ToolVersion.informational ]
             [ ".NET of this report"; ToolVersion.runtime ]
             [ "plotly.js of this report"; Html.plotlyVersion () ]
         ])

/// The strategy table: per run (in the order they ran) its round, how it started, what it gave and its final loss.
let strategyRows (d: Discovery) =
    let starts =
        d.Solutions
        |> List.collect (fun s ->
            if s.RunStarts.Length = s.RunIds.Length then
                List.zip s.RunIds s.RunStarts
            else
                [])
        |> Map.ofList

    let owner = owners d.Solutions
    let rejected = d.Rejected |> List.map (fun r -> r.Run, r.Reason) |> Map.ofList

    let ids =
        (d.Traces |> List.map _.Id)
        @ (d.Solutions |> List.collect _.RunIds)
        @ (d.Rejected |> List.map _.Run)
        |> List.distinct
        |> List.sort

    let finalLoss =
        d.Traces
        |> List.map (fun t ->
            let last = (defaultArg t.Polish t.Run).Loss
            t.Id, Array.tryLast last |> Option.defaultValue nan)
        |> Map.ofList

    [
        for id in ids ->
            [
                string id
                string id.Round
                (if id.Round = 0 then
                     "bounces (plain loss)"
                 else
                     "deflated, then polished")
                starts.TryFind id |> Option.defaultValue "–"
                (match owner.TryFind id, rejected.TryFind id with
                 | Some k, _ -> sprintf "solution %d" k
                 | None, Some reason -> "no solution: " + reason
                 | None, None -> "–")
                finalLoss.TryFind id |> Option.map g |> Option.defaultValue "–"
            ]
    ]

let private solutionsTable (d: Discovery) =
    Html.table
        [
            "solution"
            "runs"
            "residual L2"
            "boundary max"
            "max |u|"
            "classical check"
        ]
        (d.Solutions
         |> List.mapi (fun i s ->
             [
                 string (i + 1)
                 string s.Runs
                 g s.ResidualL2
                 g s.BoundaryMax
                 g s.MaxAbs
                 (match s.Check with
                  | Some c -> sprintf "%s (rel. distance %s)" c.Nearest (g c.Distance)
                  | None -> "–")
             ]))

let private about (s: Solution) =
    let ids =
        if s.RunStarts.Length = s.RunIds.Length && not s.RunIds.IsEmpty then
            String.Join(
                ", ",
                List.map2 (fun (r: RunId) (d: string) -> sprintf "%O: %s" r d) s.RunIds s.RunStarts
            )
        elif s.RunIds.IsEmpty then
            "–"
        else
            String.Join(", ", s.RunIds)

    sprintf
        "Found by %d run(s) (%s), first in round %d; representative run %O: residual L² %s, max |residual| %s, max boundary error %s, final loss %s."
        s.Runs
        ids
        s.FirstRound
        s.Representative
        (g s.ResidualL2)
        (g s.ResidualMax)
        (g s.BoundaryMax)
        (g s.FinalLoss)

/// The certification of a solution as a sentence.
let private certificationSentence (s: Solution) =
    match s.Certification with
    | None -> "Classical certification: not run."
    | Some c ->
        sprintf
            "Classical certification: %s — %s (network ↔ classical distance %s, estimated discretization error %s)."
            c.Status
            c.Detail
            (g c.Distance)
            (g c.ErrorEstimate)

/// Why the search stopped, the near misses and the classical solutions no network run reached.
let private endSection (d: Discovery) =
    [
        Html.heading 2 "How the search ended"
        Html.paragraph (sprintf "The search stopped: %s." d.StopReason)
        if not d.AcceptedByCertification.IsEmpty then
            Html.paragraph
                "Runs accepted by certification (they failed a gate, but their field was certified):"

            Html.bullets [ for m in d.AcceptedByCertification -> sprintf "%O %s" m.Run m.What ]
        if not d.NearMisses.IsEmpty then
            Html.paragraph "Near misses (runs that came near a solution no network solution is):"
            Html.bullets [ for m in d.NearMisses -> sprintf "%O %s" m.Run m.What ]
        if not d.ClassicalOnly.IsEmpty then
            Html.paragraph
                "Solutions no network run reached, found by the classical solver (reported apart from the networks' solutions):"

            Html.row (
                d.ClassicalOnly
                |> List.mapi (fun i c ->
                    let f = fieldFigure d.Grid (d.Solutions.Length + i + 1) c.Field

                    Html.figure
                        f.Chart
                        (sprintf
                            "Classical solution (max |u| %s), found by %s; estimated discretization error %s."
                            (g c.MaxAbs)
                            c.FoundBy
                            (g c.ErrorEstimate)))
            )
    ]

let private solutionSection (d: Discovery) (i: int) (s: Solution) =
    let k = i + 1
    let figures = solutionFigures d.Grid k s

    [
        Html.heading 2 (sprintf "Solution %d" k)
        Html.paragraph (about s)
        Html.paragraph (certificationSentence s)
        Html.paragraph (checkSentence d.Threshold s)
        (if figures.IsEmpty then
             Html.paragraph "No field values are stored for this solution."
         else
             Html.row (figures |> List.map (fun f -> Html.figure f.Chart f.Caption)))
        (if s.Residual.IsNone then
             Html.paragraph
                 "No residual values are stored for this solution (solutions.json written before they were recorded, or the run's checkpoint was missing); rerunning `ecdpde discover` on the folder adds them."
         else
             "")
    ]

let private rejectedSection (d: Discovery) =
    if d.Rejected.IsEmpty then
        []
    else
        [
            Html.heading 2 "Runs that did not give a solution"
            Html.table
                [ "run"; "reason"; "residual L2"; "boundary max"; "final loss" ]
                [
                    for r in d.Rejected ->
                        [ string r.Run; r.Reason; g r.ResidualL2; g r.BoundaryMax; g r.FinalLoss ]
                ]
        ]

/// The page of a discovery (its records).
let page (d: Discovery) =
    let parameters = d.Parameters |> List.map (fun (k, v) -> sprintf "%s = %s" k v)

    let training =
        [
            trainingFigure d.Solutions d.Traces "loss" _.Loss
            trainingFigure d.Solutions d.Traces "energy" _.Energy
        ]

    let body =
        [
            Html.paragraph (sprintf "Problem: %s (%s)." d.Problem (String.Join(", ", parameters)))
            Html.paragraph (
                sprintf
                    "Folder: %s (solutions.json and %d run trace(s)). This page needs no network: plotly.js and every figure are inline. Hover a figure for values; drag to zoom (3-D: to rotate); double-click to reset; click legend entries to hide them."
                    d.Folder
                    d.Traces.Length
            )
            Html.heading 2 "Run settings"
            settingsTable d
            Html.heading 2 "Runs: which found what"
            Html.table [ "run"; "round"; "phase"; "how it started"; "result"; "final loss" ] (strategyRows d)
            Html.paragraph
                "Runs are named by their round and their index within it. Round 0 runs bounce on the plain loss; later rounds run on the deflated loss (the known solutions deflated) and are then polished with L-BFGS on the plain loss; the final loss is the last traced one."
        ]
        @ (match d.Collocation with
           | Some(interior, boundary) ->
               let f = collocationFigure interior boundary
               [ Html.heading 2 "Collocation points"; Html.figure f.Chart f.Caption ]
           | None -> [])
        @ [ Html.heading 2 "Distinct solutions"; solutionsTable d ]
        @ (d.Solutions |> List.mapi (solutionSection d) |> List.concat)
        @ rejectedSection d
        @ endSection d
        @ [ Html.heading 2 "Training" ]
        @ (match traceProblems d.Traces with
           | [] -> []
           | problems ->
               [
                   Html.paragraph
                       "Trace problems: these lines of the run traces are not whole rows and are not plotted (a final loss is never taken from them):"
                   Html.bullets problems
               ])
        @ (training |> List.map (fun f -> Html.figure f.Chart f.Caption))

    Html.page (sprintf "Discovery: %s" d.Problem) body

/// Builds the report of the discovery folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, page (read dir))
    path

/// Every figure of a discovery, in the order `writeFigures` writes them, and the rows of its overview picture.
let figures (d: Discovery) =
    let perSolution =
        d.Solutions |> List.mapi (fun i s -> solutionFigures d.Grid (i + 1) s)

    let all =
        List.concat perSolution
        @ (match d.Collocation with
           | Some(interior, boundary) -> [ collocationFigure interior boundary ]
           | None -> [])
        @ [
            trainingFigure d.Solutions d.Traces "loss" _.Loss
            trainingFigure d.Solutions d.Traces "energy" _.Energy
        ]

    all, perSolution |> List.filter (List.isEmpty >> not)

/// Writes the figures of the discovery folder `dir` into `dir/figures` (offline, with headless Chromium): per
/// solution k `solution-k`, `residual-k` (PNG and SVG) and `surface-k` (PNG) when their values are stored,
/// `collocation` when the points are, `loss` and `energy`, and `solutions.png`: every solution's figures in one
/// picture (a row per solution) under the problem's name. Returns the paths written.
let writeFigures (dir: string) =
    let d = read dir
    let out = Path.Combine(dir, "figures")
    let all, rows = figures d
    let written = Images.write out all

    written
    @ (if rows.IsEmpty then
           []
       else
           [
               Images.overview (sprintf "Discovery: %s" d.Problem) rows (Path.Combine(out, "solutions.png"))
           ])
