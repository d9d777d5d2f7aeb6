/// `report.html` for a folder written by `ecdpde drift trace|find|scaling`: the JSON result files read back into the
/// drift analyzer's values (by the readers of their formats: TraceReport.read, FinderReport.read, ScalingReport.read)
/// and drawn by the drift report writers (TraceReport, FinderReport, ScalingReport), so the
/// page matches what the drift command writes. A folder holding several modes' results gets one page with each.
module EcdPde.Reports.DriftFolderReport

open System
open System.IO
open EcdPde.Runs
open EcdPde.Reports.Drift

/// The drift result files `ecdpde report` recognizes: (file, mode, format tag).
let resultFiles =
    [
        "trace.json", "trace", TraceReport.format
        "find.json", "find", FinderReport.format
        "scaling.json", "scaling", ScalingReport.format
    ]

/// The drift results in `dir`: (file, mode) for every result file that carries its format tag.
let present (dir: string) =
    resultFiles
    |> List.filter (fun (file, _, format) -> JsonFile.formatTag (Path.Combine(dir, file)) = Some format)
    |> List.map (fun (file, mode, _) -> file, mode)

/// True when `dir` holds a drift result.
let recognizes (dir: string) = not (present dir).IsEmpty

let private findNote =
    "<p class=\"muted\">The example ΔH(t) runs at the final bracket are not stored in find.json, so this page leaves them out; <a href=\"find.html\">find.html</a>, written by <code>ecdpde drift find</code>, has them.</p>\n"

/// The page of one result file.
let private pageOf (dir: string) (file: string, mode: string) =
    let path = Path.Combine(dir, file)

    match mode with
    | "trace" ->
        let ctx, description, m = TraceReport.read path
        TraceReport.html ctx description m
    | "find" ->
        let ctx, description, o = FinderReport.read path
        (FinderReport.html ctx description o []).Replace("</body>", findNote + "</body>")
    | _ ->
        let ctx, o = ScalingReport.read path
        ScalingReport.html ctx o

let private bodyOf (page: string) =
    let a = page.IndexOf("<body>\n")
    let b = page.LastIndexOf("</body>")

    if a < 0 || b < a then
        page
    else
        page.Substring(a + 7, b - a - 7)

/// Builds the report of the drift folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let page =
        match present dir with
        | [] ->
            invalidArg
                "dir"
                (sprintf
                    "'%s' holds no drift result (%s)"
                    dir
                    (String.Join(", ", resultFiles |> List.map (fun (file, _, _) -> file))))
        | [ one ] -> pageOf dir one
        | several ->
            Html.page
                "Energy drift results"
                (Html.paragraph (
                    sprintf "This folder holds %s; each follows." (String.Join(", ", several |> List.map fst))
                 )
                 :: (several |> List.map (pageOf dir >> bodyOf)))

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, page)
    path
