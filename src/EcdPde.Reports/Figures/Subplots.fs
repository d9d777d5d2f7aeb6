/// Several rendered figures (charts, heatmaps, surfaces, scatter charts, other grids) laid out in a grid under a
/// shared title as one SVG: every figure becomes a nested <svg> element placed by its x and y attributes, so that the
/// grid can be saved as a single static image for documents.
module EcdPde.Reports.Subplots

open System
open System.Globalization
open System.Text
open System.Text.RegularExpressions

let private inv = CultureInfo.InvariantCulture
let private px (v: float) = v.ToString("0.##", inv)

/// Margin around the grid and gap between its cells, in pixels.
let margin, gap = 10.0, 12.0

/// Height of the title band (when the title is not empty), in pixels.
let titleHeight = 36.0

let private root = Regex("^\\s*<svg\\b([^>]*)>", RegexOptions.CultureInvariant)

let private attribute (name: string) (attributes: string) =
    let m =
        Regex.Match(attributes, "\\s" + name + "=\"([0-9.]+)\"", RegexOptions.CultureInvariant)

    if m.Success then
        Some(Double.Parse(m.Groups[1].Value, NumberStyles.Float, inv))
    else
        None

/// The width and height of a rendered figure, from the width and height attributes (in pixels) of its root <svg>.
let size (svg: string) =
    let m = root.Match svg

    if not m.Success then
        invalidArg "svg" "a subplot must be an <svg> element"

    match attribute "width" m.Groups[1].Value, attribute "height" m.Groups[1].Value with
    | Some w, Some h -> w, h
    | _ -> invalidArg "svg" "a subplot's root <svg> element needs width and height attributes in pixels"

/// The positions (x, y) of the figures laid out `columns` to a row and the size of the whole grid: every column is as
/// wide as its widest figure, every row as tall as its tallest; figures sit at the top left of their cell.
let layout (columns: int) (hasTitle: bool) (sizes: (float * float) list) =
    if columns < 1 then
        invalidArg "columns" (sprintf "a grid needs at least one column (got %d)" columns)

    if sizes.IsEmpty then
        invalidArg "figures" "a grid needs at least one figure"

    let sizes = Array.ofList sizes
    let columns = min columns sizes.Length
    let rows = (sizes.Length + columns - 1) / columns

    let widths =
        Array.init columns (fun c ->
            [ c..columns .. sizes.Length - 1 ]
            |> List.map (fun k -> fst sizes[k])
            |> List.max)

    let heights =
        Array.init rows (fun r ->
            [ r * columns .. min sizes.Length ((r + 1) * columns) - 1 ]
            |> List.map (fun k -> snd sizes[k])
            |> List.max)

    let top = if hasTitle then titleHeight else margin

    let positions =
        sizes
        |> Array.mapi (fun k _ ->
            let c, r = k % columns, k / columns

            margin + Array.sum widths[.. c - 1] + gap * float c,
            top + Array.sum heights[.. r - 1] + gap * float r)
        |> List.ofArray

    let width = 2.0 * margin + Array.sum widths + gap * float (columns - 1)
    let height = top + Array.sum heights + gap * float (rows - 1) + margin
    positions, (width, height)

/// The figures (rendered SVG) in a grid of `columns` columns, left to right then top to bottom, under `title`
/// (escaped; none when empty), on a white background, as one <svg> element.
let grid (columns: int) (title: string) (figures: string list) =
    let positions, (width, height) =
        layout columns (title <> "") (figures |> List.map size)

    let b = StringBuilder()

    b.AppendFormat(
        inv,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"{2}\">\n",
        px width,
        px height,
        Html.escape title
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
        px width,
        px height
    )
    |> ignore

    if title <> "" then
        b.AppendFormat(
            inv,
            "<text x=\"{0}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{1}</text>\n",
            px (width / 2.0),
            Html.escape title
        )
        |> ignore

    for svg, (x, y) in List.zip figures positions do
        let svg = svg.TrimStart()
        // "<svg" then the position, then the figure's own attributes
        b
            .Append("<svg x=\"")
            .Append(px x)
            .Append("\" y=\"")
            .Append(px y)
            .Append("\"")
            .Append(svg, 4, svg.Length - 4)
            .Append('\n')
        |> ignore

    b.Append("</svg>").ToString()
