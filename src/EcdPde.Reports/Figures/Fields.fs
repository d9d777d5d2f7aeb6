/// Fields on a planar lattice (a solution u(x, y), its PDE residual) as Plotly charts: a filled heatmap with
/// iso-lines and a labelled colour bar, a residual map on a diverging scale with a robust colour range, a rotatable
/// 3-D surface, and the collocation points.
module EcdPde.Reports.Fields

open System
open Plotly.NET
open Plotly.NET.LayoutObjects
open Plotly.NET.TraceObjects
open EcdPde.Runs.Statistics

/// A field on a rectangular lattice: Z[j][i] is the value at (X[i], Y[j]); NaN outside the domain.
type Field =
    {
        Title: string
        /// What the values are, for the colour bar and hover labels ("u", "residual").
        Label: string
        X: float[]
        Y: float[]
        Z: float[][]
    }

/// The field of values at lattice points (the evaluation grid of a discovery, in any order): the lattice spacing is
/// the smallest gap between distinct coordinates; nodes without a point are NaN.
let ofLattice (title: string) (label: string) (points: (float * float)[]) (values: float[]) =
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
    let z = Array.init ny (fun _ -> Array.create nx nan)

    for k in 0 .. points.Length - 1 do
        z[int (Math.Round((ys[k] - y0) / hy))][int (Math.Round((xs[k] - x0) / hx))] <- values[k]

    {
        Title = title
        Label = label
        X = Array.init nx (fun i -> x0 + float i * hx)
        Y = Array.init ny (fun j -> y0 + float j * hy)
        Z = z
    }

/// The finite values of a field.
let finite (f: Field) =
    f.Z |> Array.concat |> Array.filter Double.IsFinite

/// The [lo, hi] quantiles of the finite values (type 7); (NaN, NaN) when there are none.
let quantileRange (lo: float) (hi: float) (values: float[]) =
    let v = values |> Array.filter Double.IsFinite

    if v.Length = 0 then
        nan, nan
    else
        Bootstrap.quantile lo v, Bootstrap.quantile hi v

/// A colour range symmetric about zero that ignores outliers: ±max(|1st percentile|, |99th percentile|) of the
/// finite values (±1 when all are zero), and whether values fall outside it (drawn in the end colours).
let robustSymmetricRange (values: float[]) =
    let lo, hi = quantileRange 0.01 0.99 values
    let m = max (abs lo) (abs hi)
    let m = if Double.IsFinite m && m > 0.0 then m else 1.0
    let clipped = values |> Array.exists (fun v -> Double.IsFinite v && abs v > m)
    m, clipped

let private colorBar (title: string) =
    ColorBar.init (
        Title = Title.init (Text = Plot.text title, Side = StyleParam.Side.Right),
        Thickness = 14,
        Len = 0.9,
        OutlineWidth = 0.0,
        Ticks = StyleParam.TickOptions.Outside,
        ExponentFormat = StyleParam.ExponentFormat.Power
    )

/// Blue below zero, white at zero, red above (ColorBrewer RdBu, reversed).
let diverging =
    StyleParam.Colorscale.Custom
        [
            0.0, Color.fromString "#2166ac"
            0.25, Color.fromString "#92c5de"
            0.5, Color.fromString "#f7f7f7"
            0.75, Color.fromString "#f4a582"
            1.0, Color.fromString "#b2182b"
        ]

let private planar (f: Field) (size: int) (traces: Trace list) =
    GenericChart.ofTraceObjects false traces
    |> GenericChart.setLayout (Plot.baseLayout f.Title (size + 90) size)
    |> Chart.withXAxis (Plot.axisObject false (Plot.linear "x"))
    |> Chart.withYAxis (Plot.axisObject true (Plot.linear "y"))

let private hover (f: Field) =
    sprintf "x = %%{x:.3g}<br>y = %%{y:.3g}<br>%s = %%{z:.4g}<extra></extra>" (Plot.text f.Label)

/// The field as a smooth filled heatmap (viridis) with `levels` iso-lines evenly spaced in its range, a colour bar
/// titled with the field's label, and equal axis scales.
let heatmap (levels: int) (f: Field) =
    let v = finite f
    let lo, hi = (if v.Length = 0 then 0.0, 1.0 else Array.min v, Array.max v)
    let size = if hi > lo then (hi - lo) / float (levels + 1) else 1.0

    let trace =
        Trace2D.initContour (
            Trace2DStyle.Contour(
                Name = Plot.text f.Title,
                X = f.X,
                Y = f.Y,
                Z = f.Z,
                ColorScale = StyleParam.Colorscale.Viridis,
                ColorBar = colorBar f.Label,
                AutoContour = false,
                Contours =
                    Contours.init (
                        Coloring = StyleParam.ContourColoring.Heatmap,
                        Start = lo + size,
                        End = hi - size / 2.0,
                        Size = size,
                        ShowLines = true
                    ),
                Line = Line.init (Color = Color.fromString "#ffffff", Width = 0.6),
                ConnectGaps = false,
                HoverTemplate = hover f
            )
        )

    planar f 420 [ trace :> Trace ]

/// A signed field (a PDE residual) on a diverging scale (blue below zero, white at zero, red above) whose range is
/// `robustSymmetricRange`: the 1st–99th percentile, so a few extreme cells (often at the boundary) do not wash out the
/// interior; the colour bar says so.
let residualMap (f: Field) =
    let m, clipped = robustSymmetricRange (finite f)

    let title =
        if clipped then
            f.Label + " (colours: 1st–99th percentile, beyond it clipped)"
        else
            f.Label + " (colours: 1st–99th percentile)"

    let trace =
        Trace2D.initHeatmap (
            Trace2DStyle.Heatmap(
                Name = Plot.text f.Title,
                X = f.X,
                Y = f.Y,
                Z = f.Z,
                ColorScale = diverging,
                ZMin = -m,
                ZMax = m,
                ZMid = 0.0,
                ZSmooth = StyleParam.SmoothAlg.Best,
                ColorBar = colorBar title,
                HoverTemplate = hover f
            )
        )

    planar f 420 [ trace :> Trace ]

/// The field as a rotatable 3-D surface (height and colour: the value), cells outside the domain left out.
let surface (f: Field) =
    let trace =
        Trace3D.initSurface (
            Trace3DStyle.Surface(
                Name = Plot.text f.Title,
                X = f.X,
                Y = f.Y,
                Z = f.Z,
                ColorScale = StyleParam.Colorscale.Viridis,
                ColorBar = colorBar f.Label,
                HoverTemplate = hover f
            )
        )

    let axis (title: string) =
        LinearAxis.init (
            Title = Title.init (Text = title),
            ShowBackground = true,
            BackgroundColor = Color.fromString "#f4f4f4"
        )

    GenericChart.ofTraceObjects false [ trace :> Trace ]
    |> GenericChart.setLayout (Plot.baseLayout f.Title 510 420)
    |> Chart.withScene (
        Scene.init (
            XAxis = axis "x",
            YAxis = axis "y",
            ZAxis = axis "u",
            AspectMode = StyleParam.AspectMode.Manual,
            AspectRatio = AspectRatio.init (X = 1.0, Y = 1.0, Z = 0.6),
            Camera = Camera.init (Eye = CameraEye.init (X = 1.5, Y = -1.5, Z = 1.0))
        )
    )
    |> Chart.withMargin (Margin.init (Left = 0, Right = 0, Top = 40, Bottom = 0))

/// The interior (blue) and boundary (red) collocation points on equal axes.
let collocation (title: string) (interior: (float * float)[]) (boundary: (float * float)[]) =
    let dots (name: string) (color: string) (points: (float * float)[]) =
        { Plot.curve (sprintf "%s (%d)" name points.Length) color points with
            Style = Plot.Markers
        }

    { Plot.chart
          title
          (Plot.linear "x")
          (Plot.linear "y")
          [ dots "interior" "#1f77b4" interior; dots "boundary" "#d62728" boundary ] with
        Width = 560
        Height = 480
        EqualAspect = true
    }
    |> Plot.figure
