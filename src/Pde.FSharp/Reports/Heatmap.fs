/// Fields on a domain as heatmaps: values on a regular grid over the domain's bounding box, NaN outside the domain
/// (masked, e.g. outside a disk), drawn as inline SVG cells with a viridis colour scale and a colour bar.
module Pde.FSharp.Reports.Heatmap

open System
open System.Globalization
open System.Text

/// A scalar field sampled on an nx × ny grid over [XMin, XMax] × [YMin, YMax]; Values[j][i] at (x_i, y_j),
/// NaN where the point lies outside the domain.
type Field =
    {
        Title: string
        XMin: float
        XMax: float
        YMin: float
        YMax: float
        Values: float[][]
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

    {
        Title = title
        XMin = xmin
        XMax = xmax
        YMin = ymin
        YMax = ymax
        Values =
            Array.init n (fun j ->
                Array.init n (fun i -> if inside (cx i) (cy j) then f (cx i) (cy j) else nan))
    }

/// Viridis at t ∈ [0, 1] (piecewise-linear through 9 of its anchor colours).
let viridis (t: float) =
    let anchors =
        [|
            68, 1, 84
            71, 44, 122
            59, 81, 139
            44, 113, 142
            33, 144, 141
            39, 173, 129
            92, 200, 99
            170, 220, 50
            253, 231, 37
        |]

    let t = if Double.IsNaN t then 0.0 else Math.Clamp(t, 0.0, 1.0)
    let x = t * float (anchors.Length - 1)
    let i = min (anchors.Length - 2) (int (floor x))
    let f = x - float i
    let r0, g0, b0 = anchors[i]
    let r1, g1, b1 = anchors[i + 1]

    let mix a b =
        int (Math.Round(float a + f * float (b - a)))

    sprintf "#%02x%02x%02x" (mix r0 r1) (mix g0 g1) (mix b0 b1)

let private inv = CultureInfo.InvariantCulture
let private px (v: float) = v.ToString("0.##", inv)

/// The value range of the finite cells (a flat field gets a unit-wide range).
let range (f: Field) =
    let vs = f.Values |> Array.collect id |> Array.filter Double.IsFinite

    if vs.Length = 0 then
        invalidArg "f" (sprintf "field '%s' has no finite value" f.Title)

    let lo, hi = Array.min vs, Array.max vs
    if hi > lo then lo, hi else lo - 0.5, hi + 0.5

/// Renders the heatmap (size × size plot area, colour bar on the right) as an <svg> element.
let render (size: int) (f: Field) =
    let lo, hi = range f
    let ny = f.Values.Length
    let nx = f.Values[0].Length
    let left, top = 56.0, 34.0
    let plot = float size
    let cw, ch = plot / float nx, plot / float ny
    let width = left + plot + 104.0
    let height = top + plot + 40.0
    let b = StringBuilder()

    b.Append(
        sprintf
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" role=\"img\">"
            (px width)
            (px height)
            (px width)
            (px height)
    )
    |> ignore

    b.Append(
        sprintf
            "<text x=\"%s\" y=\"20\" font-size=\"14\" text-anchor=\"middle\">%s</text>"
            (px (left + plot / 2.0))
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
                        (viridis ((v - lo) / (hi - lo)))
                )
                |> ignore

    b.Append(
        sprintf
            "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"none\" stroke=\"#444\"/>"
            (px left)
            (px top)
            (px plot)
            (px plot)
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

    label left (top + plot + 16.0) "start" (corner f.XMin (f.XMax - f.XMin))
    label (left + plot) (top + plot + 16.0) "end" (corner f.XMax (f.XMax - f.XMin))
    label (left - 6.0) (top + plot) "end" (corner f.YMin (f.YMax - f.YMin))
    label (left - 6.0) (top + 10.0) "end" (corner f.YMax (f.YMax - f.YMin))
    label (left + plot / 2.0) (top + plot + 32.0) "middle" "x"
    label (left - 40.0) (top + plot / 2.0) "middle" "y"
    // colour bar
    let bx = left + plot + 24.0

    for k in 0..49 do
        let t = float k / 49.0

        b.Append(
            sprintf
                "<rect x=\"%s\" y=\"%s\" width=\"16\" height=\"%s\" fill=\"%s\"/>"
                (px bx)
                (px (top + plot - (t + 1.0 / 49.0) * plot))
                (px (plot / 49.0 + 0.5))
                (viridis t)
        )
        |> ignore

    let bar (v: float) =
        (if v = 0.0 then 0.0 else v).ToString("G4", inv).Replace("E", "e")

    label (bx + 20.0) (top + plot) "start" (bar lo)
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

    {
        Title = title
        XMin = x0 - hx / 2.0
        XMax = x0 + (float nx - 0.5) * hx
        YMin = y0 - hy / 2.0
        YMax = y0 + (float ny - 0.5) * hy
        Values = grid
    }
