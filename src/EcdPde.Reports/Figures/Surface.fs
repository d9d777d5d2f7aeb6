/// Fields on a 2D domain as 3D surface plots drawn as inline SVG: the field sampled on a lattice of nodes, every
/// lattice cell a quadrilateral lifted to its height, projected orthographically from an azimuth and an elevation
/// and painted back to front (painter's algorithm), coloured by height (viridis, or a diverging scale). Cells with a
/// corner outside the domain (NaN) are dropped, so non-rectangular domains (a disk) keep their shape. Axes with their
/// ranges, labels, a title and a colour bar; all text is escaped; no scripts.
module EcdPde.Reports.Surface

open System
open EcdPde.Runs
open System.Globalization
open System.Text

/// A surface figure. Values[j][i] is the height at the node (x_i, y_j) of a regular lattice spanning
/// [XMin, XMax] × [YMin, YMax] (both ends included); NaN marks nodes outside the domain.
type Surface =
    {
        Title: string
        XLabel: string
        YLabel: string
        ZLabel: string
        XMin: float
        XMax: float
        YMin: float
        YMax: float
        Values: float[][]
        /// Rotation of the domain about the vertical axis, in degrees (0: the x axis points to the right).
        Azimuth: float
        /// Height of the viewpoint above the domain's plane, in degrees (90: seen from straight above).
        Elevation: float
        /// How heights are coloured.
        Scale: ColorScale
        /// The heights mapped to the two ends of the colour scale (None: the scale's default for the finite heights,
        /// see ColorScale.defaultRange).
        ColorRange: (float * float) option
        Width: int
        Height: int
    }

/// A 480 × 400 surface of `values` (Values[j][i] at node (x_i, y_j), the lattice spanning the bounds with both ends
/// included), seen from azimuth −50° and elevation 30°, axes labelled x, y, u.
let ofGrid (title: string) (xmin: float, xmax: float, ymin: float, ymax: float) (values: float[][]) =
    if values.Length < 2 || values[0].Length < 2 then
        invalidArg "values" (sprintf "a surface needs at least 2 × 2 nodes (surface '%s')" title)

    Heatmap.checkGrid "surface" title (xmin, xmax, ymin, ymax) values

    {
        Title = title
        XLabel = "x"
        YLabel = "y"
        ZLabel = "u"
        XMin = xmin
        XMax = xmax
        YMin = ymin
        YMax = ymax
        Values = values
        Azimuth = -50.0
        Elevation = 30.0
        Scale = Viridis
        ColorRange = None
        Width = 480
        Height = 400
    }

/// Samples f at the n × n nodes of a lattice spanning the bounds (ends included); `inside` masks nodes outside the
/// domain (they become NaN and every cell touching them is dropped).
let sample
    (title: string)
    (xmin: float, xmax: float, ymin: float, ymax: float)
    (n: int)
    (inside: float -> float -> bool)
    (f: float -> float -> float)
    =
    if n < 2 then
        invalidArg "n" (sprintf "a surface needs at least 2 × 2 nodes (got %d)" n)

    let x i =
        xmin + float i * (xmax - xmin) / float (n - 1)

    let y j =
        ymin + float j * (ymax - ymin) / float (n - 1)

    Array.init n (fun j -> Array.init n (fun i -> if inside (x i) (y j) then f (x i) (y j) else nan))
    |> ofGrid title (xmin, xmax, ymin, ymax)

/// The surface of a heatmap field: its cell centres become the nodes.
let ofField (f: Heatmap.Field) =
    let ny = f.Values.Length
    let nx = f.Values[0].Length
    let hx = (f.XMax - f.XMin) / float nx
    let hy = (f.YMax - f.YMin) / float ny
    ofGrid f.Title (f.XMin + hx / 2.0, f.XMax - hx / 2.0, f.YMin + hy / 2.0, f.YMax - hy / 2.0) f.Values

/// The surface of values at the points of a regular lattice lying in the domain (see Heatmap.ofLattice).
let ofLattice (title: string) (points: (float * float)[]) (values: float[]) =
    Heatmap.ofLattice title points values |> ofField

/// Keeps every k-th node (the smallest k leaving at most `maxNodes` per side, the last node of each side kept when
/// the stride lands on it) so that dense lattices give light SVG; masked nodes stay masked.
let coarsen (maxNodes: int) (s: Surface) =
    if maxNodes < 2 then
        invalidArg "maxNodes" (sprintf "a surface needs at least 2 nodes per side (got %d)" maxNodes)

    let ny = s.Values.Length
    let nx = s.Values[0].Length
    let kept (n: int) (stride: int) = (n - 1) / stride + 1

    let stride =
        Seq.initInfinite ((+) 1)
        |> Seq.find (fun k -> kept nx k <= maxNodes && kept ny k <= maxNodes)

    if stride = 1 then
        s
    else
        let keptX = [| 0..stride .. nx - 1 |]
        let keptY = [| 0..stride .. ny - 1 |]
        let hx = (s.XMax - s.XMin) / float (nx - 1)
        let hy = (s.YMax - s.YMin) / float (ny - 1)

        { s with
            XMax = s.XMin + hx * float (Array.last keptX)
            YMax = s.YMin + hy * float (Array.last keptY)
            Values = keptY |> Array.map (fun j -> keptX |> Array.map (fun i -> s.Values[j][i]))
        }

/// Replaces the title.
let withTitle (title: string) (s: Surface) = { s with Title = title }

/// Replaces the axis labels.
let withLabels (x: string) (y: string) (z: string) (s: Surface) =
    { s with
        XLabel = x
        YLabel = y
        ZLabel = z
    }

/// Sets the viewpoint: azimuth (degrees about the vertical axis) and elevation (degrees above the plane, in (0, 90]).
let withView (azimuth: float) (elevation: float) (s: Surface) =
    if not (Double.IsFinite azimuth) then
        invalidArg "azimuth" (sprintf "the azimuth must be finite (got %g)" azimuth)

    if not (elevation > 0.0 && elevation <= 90.0) then
        invalidArg "elevation" (sprintf "the elevation must lie in (0, 90] degrees (got %g)" elevation)

    { s with
        Azimuth = azimuth
        Elevation = elevation
    }

/// Sets the colour scale (Diverging for signed fields: white at zero unless a colour range is fixed).
let withColorScale (scale: ColorScale) (s: Surface) = { s with Scale = scale }

/// Fixes the heights at the two ends of the colour scale (heights outside are clamped), e.g. to compare surfaces.
let withColorRange (lo: float) (hi: float) (s: Surface) =
    if not (Double.IsFinite lo && Double.IsFinite hi && hi > lo) then
        invalidArg "colorRange" (sprintf "the colour range needs finite lo < hi (got %g, %g)" lo hi)

    { s with ColorRange = Some(lo, hi) }

/// Sets the size of the SVG in pixels.
let withSize (width: int) (height: int) (s: Surface) =
    if width < 120 || height < 120 then
        invalidArg "size" (sprintf "a surface needs at least 120 × 120 pixels (got %d × %d)" width height)

    { s with
        Width = width
        Height = height
    }

/// The range of the finite heights (a flat field gets a unit-wide range).
let heightRange (s: Surface) =
    let vs = s.Values |> Array.collect id |> Array.filter Double.IsFinite

    if vs.Length = 0 then
        invalidArg "s" (sprintf "surface '%s' has no finite value" s.Title)

    let lo, hi = Array.min vs, Array.max vs
    if hi > lo then lo, hi else lo - 0.5, hi + 0.5

/// The pieces drawn, as lattice nodes (i, j) in cyclic order: the quadrilateral of every cell whose four corners are
/// finite, and the triangle of the three finite corners of a cell missing one (so a curved boundary is cut along
/// the cells' diagonals instead of in steps). Cells with two or more masked corners are dropped.
let cells (s: Surface) =
    let v = s.Values

    [|
        for j in 0 .. v.Length - 2 do
            for i in 0 .. v[0].Length - 2 do
                let corners =
                    [| i, j; i + 1, j; i + 1, j + 1; i, j + 1 |]
                    |> Array.filter (fun (a, c) -> Double.IsFinite(v[c][a]))

                if corners.Length >= 3 then
                    yield corners
    |]

let private inv = CultureInfo.InvariantCulture
let private px (v: float) = v.ToString("0.##", inv)

/// −0 printed as 0.
let private clean (v: float) = if v = 0.0 then 0.0 else v

/// At most five nice tick values in [lo, hi] (steps of 1, 2 or 5 × 10^k).
let private ticks (lo: float) (hi: float) =
    let all = Svg.linearTicks lo hi

    let thinned =
        if all.Length <= 5 then
            all
        else
            all |> List.indexed |> List.filter (fun (i, _) -> i % 2 = 0) |> List.map snd

    thinned |> List.map clean

/// Renders the surface as an <svg> element.
let render (s: Surface) =
    let zlo, zhi = heightRange s

    let clo, chi =
        s.ColorRange
        |> Option.defaultWith (fun () -> ColorScale.defaultRange s.Scale (zlo, zhi))

    let ny = s.Values.Length
    let nx = s.Values[0].Length
    let xc, yc = (s.XMin + s.XMax) / 2.0, (s.YMin + s.YMax) / 2.0
    let half = max (s.XMax - s.XMin) (s.YMax - s.YMin) / 2.0
    let az = s.Azimuth * Math.PI / 180.0
    let el = s.Elevation * Math.PI / 180.0
    let zScale = 1.1 // height of the box relative to the half-width of the domain's longer side

    // Model coordinates: the domain in [−1, 1] (longer side), the height in [0, zScale].
    let model (x: float) (y: float) (z: float) =
        (x - xc) / half, (y - yc) / half, zScale * (z - zlo) / (zhi - zlo)

    // Orthographic view: rotate by the azimuth about the vertical, tilt by the elevation.
    // Returns (screen right, screen up, depth towards the viewer).
    let view (mx: float, my: float, mz: float) =
        let rx = mx * cos az - my * sin az
        let ry = mx * sin az + my * cos az
        rx, ry * sin el + mz * cos el, -ry * cos el + mz * sin el

    let left, top, right, bottom = 44.0, 34.0, 100.0, 34.0
    let pw = float s.Width - left - right
    let ph = float s.Height - top - bottom

    let box =
        [
            for x in [ s.XMin; s.XMax ] do
                for y in [ s.YMin; s.YMax ] do
                    for z in [ zlo; zhi ] -> view (model x y z)
        ]

    let sxLo = box |> List.map (fun (a, _, _) -> a) |> List.min
    let sxHi = box |> List.map (fun (a, _, _) -> a) |> List.max
    let syLo = box |> List.map (fun (_, b, _) -> b) |> List.min
    let syHi = box |> List.map (fun (_, b, _) -> b) |> List.max
    let k = 0.92 * min (pw / (sxHi - sxLo)) (ph / (syHi - syLo))
    let ox = left + pw / 2.0 - k * (sxLo + sxHi) / 2.0
    let oy = top + ph / 2.0 + k * (syLo + syHi) / 2.0

    let screen (x: float) (y: float) (z: float) =
        let a, b, d = view (model x y z)
        ox + k * a, oy - k * b, d

    let nodeX i =
        s.XMin + float i * (s.XMax - s.XMin) / float (nx - 1)

    let nodeY j =
        s.YMin + float j * (s.YMax - s.YMin) / float (ny - 1)

    let e = Html.escape
    let b = StringBuilder()

    b.AppendFormat(
        inv,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"{2}\">\n",
        s.Width,
        s.Height,
        e s.Title
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
        s.Width,
        s.Height
    )
    |> ignore

    b.AppendFormat(
        inv,
        "<text x=\"{0}\" y=\"20\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{1}</text>\n",
        px (left + pw / 2.0),
        e s.Title
    )
    |> ignore

    // The floor of the box (at the lowest height), under everything.
    let floorCorners =
        [ s.XMin, s.YMin; s.XMax, s.YMin; s.XMax, s.YMax; s.XMin, s.YMax ]
        |> List.map (fun (x, y) -> screen x y zlo)

    b.AppendFormat(
        inv,
        "<polygon class=\"floor\" points=\"{0}\" fill=\"#f4f4f4\" stroke=\"#aaa\"/>\n",
        floorCorners
        |> List.map (fun (a, c, _) -> px a + "," + px c)
        |> String.concat " "
    )
    |> ignore

    // Quads (and boundary triangles), farthest first.
    let quads =
        cells s
        |> Array.map (fun nodes ->
            let corners =
                nodes |> Array.map (fun (a, c) -> screen (nodeX a) (nodeY c) (s.Values[c][a]))

            let height = nodes |> Array.averageBy (fun (a, c) -> s.Values[c][a])
            let depth = corners |> Array.averageBy (fun (_, _, d) -> d)
            depth, height, corners)
        |> Array.sortBy (fun (d, _, _) -> d)

    // each piece is outlined in its own colour so that no background shows through the seams
    b.Append("<g stroke-width=\"0.4\" stroke-linejoin=\"round\">\n") |> ignore

    for _, height, corners in quads do
        let colour = ColorScale.color s.Scale ((height - clo) / (chi - clo))

        b.AppendFormat(
            inv,
            "<polygon points=\"{0}\" fill=\"{1}\" stroke=\"{1}\"/>\n",
            corners |> Array.map (fun (a, c, _) -> px a + "," + px c) |> String.concat " ",
            colour
        )
        |> ignore

    b.Append("</g>\n") |> ignore

    // Axes: ticks and labels along the two floor edges nearest the viewer, offset outwards (perpendicular to the
    // edge, away from the floor's centre); the height axis on the leftmost floor corner (none when seen from above).
    let fcx, fcy, _ = screen xc yc zlo

    let text (x: float) (y: float) (anchor: string) (style: string) (t: string) =
        b.AppendFormat(
            inv,
            "<text x=\"{0}\" y=\"{1}\" text-anchor=\"{2}\"{3}>{4}</text>\n",
            px x,
            px y,
            anchor,
            style,
            e t
        )
        |> ignore

    let tickMark (x0: float) (y0: float) (x1: float) (y1: float) =
        b.AppendFormat(
            inv,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{3}\" stroke=\"#666\"/>\n",
            px x0,
            px y0,
            px x1,
            px y1
        )
        |> ignore

    let anchorOf (nx: float) =
        if abs nx < 0.3 then "middle"
        elif nx > 0.0 then "start"
        else "end"

    let depthAt (x: float, y: float) =
        let _, _, d = screen x y zlo
        d

    // One floor edge from p0 to p1 (model coordinates); ticks at `values` of the coordinate `at` picks.
    let edgeAxis
        (p0: float * float)
        (p1: float * float)
        (values: float list)
        (at: float -> float * float)
        (name: string)
        =
        let (ax, ay, _), (bx, by, _) =
            screen (fst p0) (snd p0) zlo, screen (fst p1) (snd p1) zlo

        let mx, my = (ax + bx) / 2.0, (ay + by) / 2.0
        let dx, dy = mx - fcx, my - fcy
        let n = max 1e-9 (sqrt (dx * dx + dy * dy))
        let nx, ny = dx / n, dy / n
        let anchor = anchorOf nx

        for v in values do
            let x, y = at v
            let tx, ty, _ = screen x y zlo
            tickMark tx ty (tx + 4.0 * nx) (ty + 4.0 * ny)
            text (tx + 9.0 * nx) (ty + 9.0 * ny + 4.0) anchor "" (Number.short v)

        text (mx + 26.0 * nx) (my + 26.0 * ny + 4.0) anchor " font-style=\"italic\"" name

    let xEdgeY =
        if depthAt (xc, s.YMin) >= depthAt (xc, s.YMax) then
            s.YMin
        else
            s.YMax

    let yEdgeX =
        if depthAt (s.XMin, yc) >= depthAt (s.XMax, yc) then
            s.XMin
        else
            s.XMax

    edgeAxis (s.XMin, xEdgeY) (s.XMax, xEdgeY) (ticks s.XMin s.XMax) (fun v -> v, xEdgeY) s.XLabel
    edgeAxis (yEdgeX, s.YMin) (yEdgeX, s.YMax) (ticks s.YMin s.YMax) (fun v -> yEdgeX, v) s.YLabel

    if s.Elevation < 80.0 then
        let cx, cy =
            [ s.XMin, s.YMin; s.XMax, s.YMin; s.XMax, s.YMax; s.XMin, s.YMax ]
            |> List.minBy (fun (x, y) -> let a, _, _ = screen x y zlo in a)

        let (ax, ay, _), (bx, by, _) = screen cx cy zlo, screen cx cy zhi
        tickMark ax ay bx by

        for v in ticks zlo zhi do
            let tx, ty, _ = screen cx cy v
            // the lowest tick would sit on the floor corner's own labels
            if ay - ty > 12.0 then
                tickMark tx ty (tx - 4.0) ty
                text (tx - 7.0) (ty + 4.0) "end" "" (Number.short v)

        text (bx - 7.0) (by - 8.0) "end" " font-style=\"italic\"" s.ZLabel

    // Colour bar.
    let bx = float s.Width - right + 22.0
    let bh = ph * 0.8
    let by = top + (ph - bh) / 2.0

    for q in 0..49 do
        let t = float q / 49.0

        b.AppendFormat(
            inv,
            "<rect x=\"{0}\" y=\"{1}\" width=\"14\" height=\"{2}\" fill=\"{3}\"/>\n",
            px bx,
            px (by + bh - (t + 1.0 / 49.0) * bh),
            px (bh / 49.0 + 0.5),
            ColorScale.color s.Scale t
        )
        |> ignore

    text (bx + 18.0) (by + bh) "start" "" ((clean clo).ToString("G4", inv).Replace("E", "e"))
    text (bx + 18.0) (by + 8.0) "start" "" ((clean chi).ToString("G4", inv).Replace("E", "e"))
    b.Append("</svg>").ToString()
