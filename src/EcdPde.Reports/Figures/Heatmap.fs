/// Fields on a domain as heatmaps: values on a regular grid over the domain's bounding box, NaN outside the domain
/// (masked, e.g. outside a disk), drawn as inline SVG cells with a colour scale (viridis, or blue-white-red for signed
/// fields) and a colour bar, optionally with iso-lines. Equal aspect ratio: a unit of x is as long as a unit of y.
/// A Field is an immutable figure value; the `with…` modifiers pipe.
module EcdPde.Reports.Heatmap

open System
open EcdPde.Runs
open System.Globalization
open System.Text

/// Which iso-lines a heatmap draws.
type ContourLevels =
    /// n levels evenly spaced strictly inside the colour range: lo + k (hi − lo)/(n + 1), k = 1…n.
    | Evenly of int
    /// At the given values.
    | At of float list

/// A scalar field sampled on an nx × ny grid over [XMin, XMax] × [YMin, YMax]; Values[j][i] at (x_i, y_j),
/// NaN where the point lies outside the domain; with its title, axis labels, colour scale and iso-lines.
type Field =
    {
        Title: string
        XMin: float
        XMax: float
        YMin: float
        YMax: float
        Values: float[][]
        XLabel: string
        YLabel: string
        Scale: ColorScale
        /// The values at the two ends of the colour scale (None: the scale's default for the finite values, see
        /// ColorScale.defaultRange); values outside are clamped.
        ColorRange: (float * float) option
        /// Iso-lines drawn over the cells (None: none).
        Contours: ContourLevels option
    }

/// Checks what every gridded figure (a heatmap, a surface) needs of its values and bounds: rows of one length and
/// xmin < xmax, ymin < ymax; the errors name the figure's kind and title.
let checkGrid
    (kind: string)
    (title: string)
    (xmin: float, xmax: float, ymin: float, ymax: float)
    (values: float[][])
    =
    if values |> Array.exists (fun row -> row.Length <> values[0].Length) then
        invalidArg "values" (sprintf "the rows of %s '%s' have different lengths" kind title)

    if not (xmax > xmin && ymax > ymin) then
        invalidArg
            "bounds"
            (sprintf
                "%s '%s' needs xmin < xmax and ymin < ymax (got [%g, %g] × [%g, %g])"
                kind
                title
                xmin
                xmax
                ymin
                ymax)

/// A field of `values` (Values[j][i] at the centre of cell (i, j) of a regular grid over the bounds), viridis, axes
/// labelled x and y, no iso-lines.
let ofGrid (title: string) (xmin: float, xmax: float, ymin: float, ymax: float) (values: float[][]) =
    if values.Length < 1 || values[0].Length < 1 then
        invalidArg "values" (sprintf "heatmap '%s' has no cell" title)

    checkGrid "heatmap" title (xmin, xmax, ymin, ymax) values

    {
        Title = title
        XMin = xmin
        XMax = xmax
        YMin = ymin
        YMax = ymax
        Values = values
        XLabel = "x"
        YLabel = "y"
        Scale = Viridis
        ColorRange = None
        Contours = None
    }

/// Samples f on an n × n grid of cell centres; `inside` masks points outside the domain.
let sample
    (title: string)
    (xmin, xmax, ymin, ymax)
    (n: int)
    (inside: float -> float -> bool)
    (f: float -> float -> float)
    =
    if n < 2 then
        invalidArg "n" (sprintf "a heatmap needs at least 2 × 2 cells (got %d)" n)

    let cx i =
        xmin + (float i + 0.5) * (xmax - xmin) / float n

    let cy j =
        ymin + (float j + 0.5) * (ymax - ymin) / float n

    Array.init n (fun j -> Array.init n (fun i -> if inside (cx i) (cy j) then f (cx i) (cy j) else nan))
    |> ofGrid title (xmin, xmax, ymin, ymax)

/// Viridis at t ∈ [0, 1] (see ColorScale.viridis).
let viridis (t: float) = ColorScale.viridis t

/// Replaces the title.
let withTitle (title: string) (f: Field) = { f with Title = title }

/// Replaces the axis labels.
let withLabels (x: string) (y: string) (f: Field) = { f with XLabel = x; YLabel = y }

/// Sets the colour scale (Diverging for signed fields: white at zero unless a colour range is fixed).
let withColorScale (scale: ColorScale) (f: Field) = { f with Scale = scale }

/// Fixes the values at the two ends of the colour scale (values outside are clamped), e.g. so that two solutions
/// share one scale.
let withColorRange (lo: float) (hi: float) (f: Field) =
    if not (Double.IsFinite lo && Double.IsFinite hi && hi > lo) then
        invalidArg "colorRange" (sprintf "the colour range needs finite lo < hi (got %g, %g)" lo hi)

    { f with ColorRange = Some(lo, hi) }

/// Draws n iso-lines evenly spaced inside the colour range (0: none).
let withContours (n: int) (f: Field) =
    if n < 0 then
        invalidArg "n" (sprintf "the number of contour levels must be ≥ 0 (got %d)" n)

    { f with
        Contours = (if n = 0 then None else Some(Evenly n))
    }

/// Draws the iso-lines at the given levels (e.g. [ 0.0 ] for the zero set of a signed field).
let withContourLevels (levels: float list) (f: Field) =
    if levels |> List.exists (Double.IsFinite >> not) then
        invalidArg "levels" (sprintf "contour levels must be finite (got %A)" levels)

    { f with
        Contours = (if levels.IsEmpty then None else Some(At levels))
    }

let private inv = CultureInfo.InvariantCulture
let private px (v: float) = v.ToString("0.##", inv)

/// The value range of the finite cells (a flat field gets a unit-wide range).
let range (f: Field) =
    let vs = f.Values |> Array.collect id |> Array.filter Double.IsFinite

    if vs.Length = 0 then
        invalidArg "f" (sprintf "field '%s' has no finite value" f.Title)

    let lo, hi = Array.min vs, Array.max vs
    if hi > lo then lo, hi else lo - 0.5, hi + 0.5

/// The values at the two ends of the colour scale: the fixed range, or the scale's default for the finite values.
let colorRange (f: Field) =
    match f.ColorRange with
    | Some r -> r
    | None -> ColorScale.defaultRange f.Scale (range f)

/// The iso-line levels drawn (inside the colour range for `Evenly`).
let contourLevels (f: Field) =
    match f.Contours with
    | None -> []
    | Some(At levels) -> levels
    | Some(Evenly n) ->
        let lo, hi = colorRange f
        Contour.evenly n lo hi

/// The iso-line segments at `level` in the field's coordinates, through the cell centres (see Contour.segments).
let contour (level: float) (f: Field) =
    let ny = f.Values.Length
    let nx = f.Values[0].Length
    let hx, hy = (f.XMax - f.XMin) / float nx, (f.YMax - f.YMin) / float ny
    let xs = Array.init nx (fun i -> f.XMin + (float i + 0.5) * hx)
    let ys = Array.init ny (fun j -> f.YMin + (float j + 0.5) * hy)
    Contour.segments xs ys f.Values level

/// Renders the heatmap as an <svg> element: the plot area's longer side is `size` pixels, the other one in
/// proportion (equal aspect), the colour bar on the right, iso-lines (if any) as one dark path per level with a
/// matching mark on the colour bar.
let render (size: int) (f: Field) =
    let lo, hi = colorRange f
    let ny = f.Values.Length
    let nx = f.Values[0].Length
    let left, top = 56.0, 34.0
    let spanX, spanY = f.XMax - f.XMin, f.YMax - f.YMin
    let pw = float size * spanX / max spanX spanY
    let ph = float size * spanY / max spanX spanY
    let cw, ch = pw / float nx, ph / float ny
    let width = left + pw + 104.0
    let height = top + ph + 40.0

    let colour (v: float) =
        ColorScale.color f.Scale ((v - lo) / (hi - lo))

    let sx (x: float) = left + pw * (x - f.XMin) / spanX
    let sy (y: float) = top + ph * (1.0 - (y - f.YMin) / spanY)
    let b = StringBuilder()

    b.Append(
        sprintf
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" font-family=\"sans-serif\" role=\"img\" aria-label=\"%s\">"
            (px width)
            (px height)
            (px width)
            (px height)
            (Html.escape f.Title)
    )
    |> ignore

    b.Append(
        sprintf "<rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"white\"/>" (px width) (px height)
    )
    |> ignore

    b.Append(
        sprintf
            "<text x=\"%s\" y=\"20\" font-size=\"14\" text-anchor=\"middle\">%s</text>"
            (px (left + pw / 2.0))
            (Html.escape f.Title)
    )
    |> ignore

    // rows from the top (largest y) down
    for j in 0 .. ny - 1 do
        let row = f.Values[ny - 1 - j]

        for i in 0 .. nx - 1 do
            let v = row[i]

            if Double.IsFinite v then
                b.Append(
                    sprintf
                        "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>"
                        (px (left + float i * cw))
                        (px (top + float j * ch))
                        (px (cw + 0.3))
                        (px (ch + 0.3))
                        (colour v)
                )
                |> ignore

    let levels = contourLevels f

    for level in levels do
        let d =
            contour level f
            |> List.map (fun ((x0, y0), (x1, y1)) ->
                sprintf "M%s,%sL%s,%s" (px (sx x0)) (px (sy y0)) (px (sx x1)) (px (sy y1)))
            |> String.concat ""

        if d <> "" then
            b.Append(
                sprintf
                    "<path class=\"contour\" d=\"%s\" fill=\"none\" stroke=\"#222\" stroke-opacity=\"0.6\" stroke-width=\"0.8\"/>"
                    d
            )
            |> ignore

    b.Append(
        sprintf
            "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"none\" stroke=\"#444\"/>"
            (px left)
            (px top)
            (px pw)
            (px ph)
    )
    |> ignore

    let label x y anchor (text: string) =
        b.Append(
            sprintf
                "<text x=\"%s\" y=\"%s\" font-size=\"11\" text-anchor=\"%s\">%s</text>"
                (px x)
                (px y)
                anchor
                (Html.escape text)
        )
        |> ignore

    // round-off next to zero (a grid corner at 4e-17) is shown as 0
    let corner (v: float) (span: float) =
        Number.short (if abs v <= 1e-9 * abs span then 0.0 else v)

    label left (top + ph + 16.0) "start" (corner f.XMin spanX)
    label (left + pw) (top + ph + 16.0) "end" (corner f.XMax spanX)
    label (left - 6.0) (top + ph) "end" (corner f.YMin spanY)
    label (left - 6.0) (top + 10.0) "end" (corner f.YMax spanY)
    label (left + pw / 2.0) (top + ph + 32.0) "middle" f.XLabel
    label (left - 40.0) (top + ph / 2.0) "middle" f.YLabel
    // colour bar
    let bx = left + pw + 24.0

    for k in 0..49 do
        let t = float k / 49.0

        b.Append(
            sprintf
                "<rect x=\"%s\" y=\"%s\" width=\"16\" height=\"%s\" fill=\"%s\"/>"
                (px bx)
                (px (top + ph - (t + 1.0 / 49.0) * ph))
                (px (ph / 49.0 + 0.5))
                (ColorScale.color f.Scale t)
        )
        |> ignore

    for level in levels do
        if level >= lo && level <= hi then
            let y = top + ph * (1.0 - (level - lo) / (hi - lo))

            b.Append(
                sprintf
                    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#222\" stroke-width=\"0.8\"/>"
                    (px bx)
                    (px y)
                    (px (bx + 16.0))
                    (px y)
            )
            |> ignore

    let bar (v: float) =
        (if v = 0.0 then 0.0 else v).ToString("G4", inv).Replace("E", "e")

    label (bx + 20.0) (top + ph) "start" (bar lo)
    label (bx + 20.0) (top + 10.0) "start" (bar hi)
    b.Append("</svg>").ToString()

/// A heatmap from values at the points of a regular lattice lying in the domain (cells off the domain stay NaN):
/// the lattice spacing is the smallest gap between distinct coordinates.
let ofLattice (title: string) (points: (float * float)[]) (values: float[]) =
    if points.Length = 0 || points.Length <> values.Length then
        invalidArg
            "points"
            (sprintf "need one value per point (got %d points, %d values)" points.Length values.Length)

    let spacing (cs: float[]) =
        let u = cs |> Array.distinct |> Array.sort

        let gaps =
            Array.init (max 0 (u.Length - 1)) (fun i -> u[i + 1] - u[i])
            |> Array.filter (fun g -> g > 1e-12)

        if gaps.Length = 0 then 1.0 else Array.min gaps

    let xs, ys = Array.map fst points, Array.map snd points
    let hx, hy = spacing xs, spacing ys
    let x0, y0 = Array.min xs, Array.min ys
    let nx = int (Math.Round((Array.max xs - x0) / hx)) + 1
    let ny = int (Math.Round((Array.max ys - y0) / hy)) + 1
    let grid = Array.init ny (fun _ -> Array.create nx nan)

    for k in 0 .. points.Length - 1 do
        let i = int (Math.Round((xs[k] - x0) / hx))
        let j = int (Math.Round((ys[k] - y0) / hy))
        grid[j][i] <- values[k]

    ofGrid title (x0 - hx / 2.0, x0 + (float nx - 0.5) * hx, y0 - hy / 2.0, y0 + (float ny - 0.5) * hy) grid
