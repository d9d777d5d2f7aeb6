/// A small chart renderer that draws inline SVG itself (no scripts, no external resources): lines, dots,
/// error bars, reference lines and shaded bands on linear or logarithmic axes. All text is escaped. A Chart is an
/// immutable figure value: build it with `chart`, change it with the pipeable `with…` modifiers, draw it with `render`.
module EcdPde.Reports.Svg

open System
open System.Globalization
open System.Text

/// An axis: its label, whether it is logarithmic (base 10 ticks) and its range (None: the data's, padded by 4%).
type Axis =
    {
        Label: string
        Log: bool
        Range: (float * float) option
    }

/// Something drawn in the plot area; labelled marks appear in the legend.
type Mark =
    /// A polyline through the points (broken at non-finite values; thinned to the pixel grid for long series).
    | Line of label: string * color: string * points: (float * float)[]
    /// A dashed polyline (fits, references).
    | Dashed of label: string * color: string * points: (float * float)[]
    /// Dots.
    | Dots of label: string * color: string * points: (float * float)[]
    /// Dots with vertical error bars: (x, y, half-width).
    | ErrorBars of label: string * color: string * points: (float * float * float)[]
    /// A horizontal reference line at y.
    | HRule of label: string * color: string * y: float
    /// A vertical reference line at x.
    | VRule of label: string * color: string * x: float
    /// A shaded band between x0 and x1.
    | VBand of label: string * color: string * x0: float * x1: float
    /// A shaded band between two curves: (x, lower y, upper y), e.g. an interquartile range around a median line
    /// (broken at non-finite values).
    | Band of label: string * color: string * points: (float * float * float)[]

/// A chart.
type Chart =
    {
        Title: string
        X: Axis
        Y: Axis
        Marks: Mark list
        /// Width of the SVG in pixels.
        Width: int
        /// Height of the SVG in pixels without the legend (each legend row adds 18).
        Height: int
        /// A unit of x as long as a unit of y on the screen (spatial plots): the axis with the smaller extent per
        /// pixel is widened about its centre. Linear axes only.
        EqualAspect: bool
        /// Radius of the dots of Dots marks, in pixels.
        DotRadius: float
    }

/// A 760 × 340 chart with linear axes.
let chart (title: string) (xLabel: string) (yLabel: string) (marks: Mark list) =
    {
        Title = title
        X =
            {
                Label = xLabel
                Log = false
                Range = None
            }
        Y =
            {
                Label = yLabel
                Log = false
                Range = None
            }
        Marks = marks
        Width = 760
        Height = 340
        EqualAspect = false
        DotRadius = 3.0
    }

/// Replaces the title.
let withTitle (title: string) (c: Chart) = { c with Title = title }

/// Replaces the x-axis label.
let withXLabel (label: string) (c: Chart) = { c with X.Label = label }

/// Replaces the y-axis label.
let withYLabel (label: string) (c: Chart) = { c with Y.Label = label }

/// Makes the x axis logarithmic (true) or linear (false).
let withXLog (log: bool) (c: Chart) = { c with X.Log = log }

/// Makes the y axis logarithmic (true) or linear (false).
let withYLog (log: bool) (c: Chart) = { c with Y.Log = log }

/// Both axes logarithmic.
let logLog (c: Chart) = c |> withXLog true |> withYLog true

let private checkRange (axis: string) (lo: float) (hi: float) =
    if not (Double.IsFinite lo && Double.IsFinite hi && hi > lo) then
        invalidArg "range" (sprintf "the %s range needs finite lo < hi (got %g, %g)" axis lo hi)

/// Fixes the x range (no padding; marks outside are clipped). On a log axis it must be positive.
let withXRange (lo: float) (hi: float) (c: Chart) =
    checkRange "x" lo hi
    { c with X.Range = Some(lo, hi) }

/// Fixes the y range (no padding; marks outside are clipped). On a log axis it must be positive.
let withYRange (lo: float) (hi: float) (c: Chart) =
    checkRange "y" lo hi
    { c with Y.Range = Some(lo, hi) }

/// Sets the size of the SVG in pixels (the legend's rows add to the height).
let withSize (width: int) (height: int) (c: Chart) =
    if width < 200 || height < 150 then
        invalidArg "size" (sprintf "a chart needs at least 200 × 150 pixels (got %d × %d)" width height)

    { c with
        Width = width
        Height = height
    }

/// Replaces the marks.
let withMarks (marks: Mark list) (c: Chart) = { c with Marks = marks }

/// Adds a mark, drawn after (over) the others.
let addMark (mark: Mark) (c: Chart) = { c with Marks = c.Marks @ [ mark ] }

/// Equal aspect ratio (for spatial plots such as points on a domain).
let withEqualAspect (c: Chart) = { c with EqualAspect = true }

/// Sets the radius of dots in pixels.
let withDotRadius (radius: float) (c: Chart) =
    if not (radius > 0.0 && Double.IsFinite radius) then
        invalidArg "radius" (sprintf "the dot radius must be positive (got %g)" radius)

    { c with DotRadius = radius }

/// A colour-blind-friendly palette, cycled by index.
let palette =
    [|
        "#1f77b4"
        "#d62728"
        "#2ca02c"
        "#9467bd"
        "#ff7f0e"
        "#8c564b"
        "#17becf"
    |]

/// The i-th palette colour.
let color (i: int) = palette[i % palette.Length]

let private inv = CultureInfo.InvariantCulture
let private px (v: float) = v.ToString("0.##", inv)

/// A tick label: compact, culture-invariant.
let tickLabel (v: float) =
    if v = 0.0 then
        "0"
    else
        let a = abs v

        if a >= 1e-3 && a < 1e5 then
            v.ToString("0.######", inv)
        else
            let e = int (Math.Floor(Math.Log10 a))
            let m = v / Math.Pow(10.0, float e)

            if abs (m - Math.Round m) < 1e-9 then
                sprintf "%se%d" ((Math.Round m).ToString("0", inv)) e
            else
                sprintf "%se%d" (m.ToString("0.##", inv)) e

/// Nice linear ticks (steps of 1, 2 or 5 × 10^k) covering [lo, hi].
let linearTicks (lo: float) (hi: float) =
    let span = hi - lo
    let raw = span / 5.0
    let mag = Math.Pow(10.0, Math.Floor(Math.Log10 raw))

    let step =
        [ 1.0; 2.0; 5.0; 10.0 ]
        |> List.map (fun k -> k * mag)
        |> List.find (fun s -> s >= raw * 0.999)

    let first = Math.Ceiling(lo / step - 1e-9)
    let last = Math.Floor(hi / step + 1e-9)

    [ for k in first..last -> Math.Round(k * step, 12) ]
    |> List.map (fun v -> if abs v < step * 1e-9 then 0.0 else v)

/// Log ticks: every decade in [lo, hi]; with 2 and 5 multiples when the range spans fewer than three decades.
let logTicks (lo: float) (hi: float) =
    let d0 = int (Math.Floor(Math.Log10 lo))
    let d1 = int (Math.Ceiling(Math.Log10 hi))
    let multiples = if d1 - d0 < 3 then [ 1.0; 2.0; 5.0 ] else [ 1.0 ]

    [
        for d in d0..d1 do
            for m in multiples -> m * Math.Pow(10.0, float d)
    ]
    |> List.filter (fun v -> v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9))

let private usable (log: bool) (v: float) =
    Double.IsFinite v && (not log || v > 0.0)

let private range (log: bool) (values: float seq) =
    let vs = values |> Seq.filter (usable log) |> Array.ofSeq

    if vs.Length = 0 then
        if log then 1.0, 10.0 else 0.0, 1.0
    else
        let lo, hi = Array.min vs, Array.max vs

        if log then
            let l, h = Math.Log10 lo, Math.Log10 hi
            let l, h = if h - l < 1e-9 then l - 0.5, h + 0.5 else l, h
            let pad = 0.04 * (h - l)
            Math.Pow(10.0, l - pad), Math.Pow(10.0, h + pad)
        else
            let lo, hi =
                if hi - lo <= 1e-12 * max 1.0 (abs hi) then
                    let d = if hi = 0.0 then 1.0 else abs hi * 0.1
                    lo - d, hi + d
                else
                    lo, hi

            let pad = 0.04 * (hi - lo)
            lo - pad, hi + pad

let private xs (m: Mark) =
    match m with
    | Line(_, _, p)
    | Dashed(_, _, p)
    | Dots(_, _, p) -> p |> Seq.map fst
    | ErrorBars(_, _, p) -> p |> Seq.map (fun (x, _, _) -> x)
    | VRule(_, _, x) -> Seq.singleton x
    | VBand(_, _, a, b) -> seq [ a; b ]
    | Band(_, _, p) -> p |> Seq.map (fun (x, _, _) -> x)
    | HRule _ -> Seq.empty

let private ys (m: Mark) =
    match m with
    | Line(_, _, p)
    | Dashed(_, _, p)
    | Dots(_, _, p) -> p |> Seq.map snd
    | ErrorBars(_, _, p) -> p |> Seq.collect (fun (_, y, h) -> [ y; y - h; y + h ])
    | HRule(_, _, y) -> Seq.singleton y
    | Band(_, _, p) -> p |> Seq.collect (fun (_, lo, hi) -> [ lo; hi ])
    | VRule _
    | VBand _ -> Seq.empty

/// A deterministic identifier for a text (FNV-1a, hex): the same chart gives the same markup in every process.
let private stableId (text: string) =
    let mutable h = 2166136261u

    for ch in text do
        h <- (h ^^^ uint32 ch) * 16777619u

    h.ToString("x8")

/// Renders the chart as an <svg> element.
let render (c: Chart) =
    let left, right, top = 82.0, 20.0, 34.0
    let w = float c.Width
    let pw = w - left - right

    // Legend entries (labelled marks), laid out in rows below the x-axis label.
    let entries =
        c.Marks
        |> List.choose (fun m ->
            match m with
            | Line(l, col, _)
            | Dashed(l, col, _)
            | Dots(l, col, _)
            | ErrorBars(l, col, _)
            | HRule(l, col, _)
            | VRule(l, col, _)
            | VBand(l, col, _, _)
            | Band(l, col, _) when not (String.IsNullOrEmpty l) -> Some(l, col, m)
            | _ -> None)

    let itemWidth (label: string) = 30.0 + 6.6 * float label.Length

    let placed =
        let mutable x, row = 0.0, 0

        [
            for (label, col, m) in entries do
                let iw = itemWidth label

                if x > 0.0 && x + iw > pw then
                    x <- 0.0
                    row <- row + 1

                yield (label, col, m, x, row)
                x <- x + iw
        ]

    let rows =
        if placed.IsEmpty then
            0
        else
            1 + (placed |> List.map (fun (_, _, _, _, r) -> r) |> List.max)

    let bottom = 52.0 + 18.0 * float rows
    let h = float c.Height + 18.0 * float rows
    let ph = h - top - bottom

    let axisRange (name: string) (a: Axis) (values: float seq) =
        match a.Range with
        | Some(lo, _) when a.Log && lo <= 0.0 ->
            invalidArg
                "range"
                (sprintf
                    "the %s axis of chart '%s' is logarithmic: its range must be positive (got lo %g)"
                    name
                    c.Title
                    lo)
        | Some r -> r
        | None -> range a.Log values

    let x0, x1 = axisRange "x" c.X (c.Marks |> Seq.collect xs)
    let y0, y1 = axisRange "y" c.Y (c.Marks |> Seq.collect ys)

    let x0, x1, y0, y1 =
        if not c.EqualAspect then
            x0, x1, y0, y1
        elif c.X.Log || c.Y.Log then
            invalidArg "EqualAspect" (sprintf "chart '%s': equal aspect needs linear axes" c.Title)
        else
            // widen the axis with the smaller extent per pixel about its centre
            let ux, uy = (x1 - x0) / pw, (y1 - y0) / ph

            if ux > uy then
                let m, half = (y0 + y1) / 2.0, ux * ph / 2.0
                x0, x1, m - half, m + half
            else
                let m, half = (x0 + x1) / 2.0, uy * pw / 2.0
                m - half, m + half, y0, y1

    let scale log (a: float) (b: float) (v: float) =
        if log then
            (Math.Log10 v - Math.Log10 a) / (Math.Log10 b - Math.Log10 a)
        else
            (v - a) / (b - a)

    let sx v = left + pw * scale c.X.Log x0 x1 v

    let sy v =
        top + ph * (1.0 - scale c.Y.Log y0 y1 v)

    let okX = usable c.X.Log
    let okY = usable c.Y.Log
    let e = Html.escape
    let b = StringBuilder()
    // the clip rectangle is part of the identifier: charts sharing a page (or a subplot grid) share an id only when
    // they clip to the same rectangle
    let id =
        "clip"
        + stableId (String.Join("\u0000", [ c.Title; c.X.Label; c.Y.Label; px left; px top; px pw; px ph ]))

    b.AppendFormat(
        inv,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"{2}\">\n",
        c.Width,
        px h,
        e c.Title
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<defs><clipPath id=\"{0}\"><rect x=\"{1}\" y=\"{2}\" width=\"{3}\" height=\"{4}\"/></clipPath></defs>\n",
        id,
        px left,
        px top,
        px pw,
        px ph
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
        c.Width,
        px h
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<text x=\"{0}\" y=\"20\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{1}</text>\n",
        px (left + pw / 2.0),
        e c.Title
    )
    |> ignore

    // Grid and ticks.
    // On a log axis spanning less than a factor of ~2.5 the 1-2-5 ticks may leave one label: use linear ones there.
    let ticksOf log lo hi =
        if not log then
            linearTicks lo hi
        else
            match logTicks lo hi with
            | []
            | [ _ ] -> linearTicks lo hi |> List.filter (fun t -> t > 0.0)
            | ts -> ts

    let xticks = ticksOf c.X.Log x0 x1
    let yticks = ticksOf c.Y.Log y0 y1

    for t in xticks do
        let x = sx t

        b.AppendFormat(
            inv,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e6e6e6\"/><text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
            px x,
            px top,
            px (top + ph),
            px (top + ph + 15.0),
            e (tickLabel t)
        )
        |> ignore

    for t in yticks do
        let y = sy t

        b.AppendFormat(
            inv,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#e6e6e6\"/><text x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>\n",
            px left,
            px y,
            px (left + pw),
            px (left - 6.0),
            px (y + 4.0),
            e (tickLabel t)
        )
        |> ignore

    b.AppendFormat(
        inv,
        "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"none\" stroke=\"#888\"/>\n",
        px left,
        px top,
        px pw,
        px ph
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">{2}</text>\n",
        px (left + pw / 2.0),
        px (top + ph + 36.0),
        e c.X.Label
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<text x=\"16\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0})\">{1}</text>\n",
        px (top + ph / 2.0),
        e c.Y.Label
    )
    |> ignore

    b.AppendFormat(inv, "<g clip-path=\"url(#{0})\">\n", id) |> ignore

    let polyline (color: string) (dash: string) (points: (float * float)[]) =
        // Thin long series to at most two points (min and max y) per pixel column, keeping order.
        let segments = Collections.Generic.List<Collections.Generic.List<float * float>>()
        let mutable current = Collections.Generic.List<float * float>()

        for x, y in points do
            if okX x && okY y then
                current.Add((sx x, sy y))
            elif current.Count > 0 then
                segments.Add current
                current <- Collections.Generic.List<float * float>()

        if current.Count > 0 then
            segments.Add current

        for seg in segments do
            let thinned =
                if seg.Count <= 2 * int pw then
                    List.ofSeq seg
                else
                    seg
                    |> Seq.groupBy (fun (x, _) -> int x)
                    |> Seq.collect (fun (_, g) ->
                        let g = Array.ofSeq g
                        let lo = g |> Array.minBy snd
                        let hi = g |> Array.maxBy snd

                        if Array.IndexOf(g, lo) <= Array.IndexOf(g, hi) then
                            [ lo; hi ]
                        else
                            [ hi; lo ])
                    |> List.ofSeq

            let pts = thinned |> List.map (fun (x, y) -> px x + "," + px y) |> String.concat " "

            b.AppendFormat(
                inv,
                "<polyline fill=\"none\" stroke=\"{0}\" stroke-width=\"1.4\"{1} points=\"{2}\"/>\n",
                e color,
                dash,
                pts
            )
            |> ignore

    for m in c.Marks do
        match m with
        | VBand(_, color, a, bb) when okX a && okX bb ->
            b.AppendFormat(
                inv,
                "<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" fill=\"{4}\" fill-opacity=\"0.13\"/>\n",
                px (sx (min a bb)),
                px top,
                px (abs (sx bb - sx a)),
                px ph,
                e color
            )
            |> ignore
        | Band(_, color, p) ->
            // one polygon per run of usable points: along the lower curve, back along the upper one
            let runs =
                Collections.Generic.List<Collections.Generic.List<float * float * float>>()

            let mutable current = Collections.Generic.List<float * float * float>()

            for x, lo, hi in p do
                if okX x && okY lo && okY hi then
                    current.Add((sx x, sy lo, sy hi))
                elif current.Count > 0 then
                    runs.Add current
                    current <- Collections.Generic.List<float * float * float>()

            if current.Count > 0 then
                runs.Add current

            for run in runs do
                let lower = run |> Seq.map (fun (x, lo, _) -> px x + "," + px lo)
                let upper = run |> Seq.rev |> Seq.map (fun (x, _, hi) -> px x + "," + px hi)

                b.AppendFormat(
                    inv,
                    "<polygon fill=\"{0}\" fill-opacity=\"0.18\" stroke=\"none\" points=\"{1}\"/>\n",
                    e color,
                    String.Join(" ", Seq.append lower upper)
                )
                |> ignore
        | _ -> ()

    for m in c.Marks do
        match m with
        | Line(_, color, p) -> polyline color "" p
        | Dashed(_, color, p) -> polyline color " stroke-dasharray=\"6 4\"" p
        | Dots(_, color, p) ->
            for x, y in p do
                if okX x && okY y then
                    b.AppendFormat(
                        inv,
                        "<circle cx=\"{0}\" cy=\"{1}\" r=\"{2}\" fill=\"{3}\"/>\n",
                        px (sx x),
                        px (sy y),
                        px c.DotRadius,
                        e color
                    )
                    |> ignore
        | ErrorBars(_, color, p) ->
            for x, y, hw in p do
                if okX x && okY y then
                    if Double.IsFinite hw && okY (y - hw) && okY (y + hw) then
                        b.AppendFormat(
                            inv,
                            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/>\n",
                            px (sx x),
                            px (sy (y - hw)),
                            px (sy (y + hw)),
                            e color
                        )
                        |> ignore

                    b.AppendFormat(
                        inv,
                        "<circle cx=\"{0}\" cy=\"{1}\" r=\"3.2\" fill=\"{2}\"/>\n",
                        px (sx x),
                        px (sy y),
                        e color
                    )
                    |> ignore
        | HRule(_, color, y) when okY y ->
            b.AppendFormat(
                inv,
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-dasharray=\"3 3\"/>\n",
                px left,
                px (sy y),
                px (left + pw),
                e color
            )
            |> ignore
        | VRule(_, color, x) when okX x ->
            b.AppendFormat(
                inv,
                "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" stroke-dasharray=\"3 3\"/>\n",
                px (sx x),
                px top,
                px (top + ph),
                e color
            )
            |> ignore
        | _ -> ()

    b.Append("</g>\n") |> ignore

    for (label, col, m, x, row) in placed do
        let lx = left + x
        let y = top + ph + 58.0 + 18.0 * float row

        let glyph =
            match m with
            | Dots _
            | ErrorBars _ ->
                sprintf
                    "<circle cx=\"%s\" cy=\"%s\" r=\"3\" fill=\"%s\"/>"
                    (px (lx + 10.0))
                    (px (y - 4.0))
                    (e col)
            | VBand _
            | Band _ ->
                sprintf
                    "<rect x=\"%s\" y=\"%s\" width=\"14\" height=\"9\" fill=\"%s\" fill-opacity=\"0.3\"/>"
                    (px (lx + 3.0))
                    (px (y - 9.0))
                    (e col)
            | Dashed _
            | HRule _
            | VRule _ ->
                sprintf
                    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-dasharray=\"4 2\"/>"
                    (px (lx + 2.0))
                    (px (y - 4.0))
                    (px (lx + 18.0))
                    (px (y - 4.0))
                    (e col)
            | Line _ ->
                sprintf
                    "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"2\"/>"
                    (px (lx + 2.0))
                    (px (y - 4.0))
                    (px (lx + 18.0))
                    (px (y - 4.0))
                    (e col)

        b
            .Append(glyph)
            .AppendFormat(inv, "<text x=\"{0}\" y=\"{1}\">{2}</text>\n", px (lx + 22.0), px y, e label)
        |> ignore

    b.Append("</svg>").ToString()
