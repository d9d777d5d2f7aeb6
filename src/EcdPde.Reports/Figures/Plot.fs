/// The Plotly.NET side of the reports: curves, bands, error bars and reference lines as traces and shapes of 2-D
/// charts, and a chart as the figure JSON a page embeds. Charts are built from plain records (the data a chart
/// needs), so a page reads its files in one place and hands records to these functions.
module EcdPde.Reports.Plot

open System
open System.Text.Json
open System.Text.Json.Nodes
open Plotly.NET
open Plotly.NET.LayoutObjects
open Plotly.NET.TraceObjects

/// Text for plotly's titles, legend names and hover labels. Plotly reads a few HTML tags (<b>, <br>, <a>) and
/// entities in such text; escaped, the text shows exactly as written and no tag in it is ever interpreted.
let text (s: string) =
    s
        .Replace("&", "&amp;")
        .Replace("<", "&lt;")
        .Replace(">", "&gt;")
        .Replace("\"", "&#34;")
        .Replace("'", "&#39;")

/// A colour-blind-friendly palette (Tableau 10), cycled by index.
let palette =
    [|
        "#1f77b4"
        "#ff7f0e"
        "#2ca02c"
        "#d62728"
        "#9467bd"
        "#8c564b"
        "#e377c2"
        "#17becf"
        "#bcbd22"
        "#7f7f7f"
    |]

/// The i-th palette colour.
let color (i: int) = palette[i % palette.Length]

/// How a curve is drawn.
type Style =
    | Solid
    | Dashed
    | Dotted
    | Markers
    | LinesAndMarkers

/// One curve: the points of a line (or of dots) with its legend entry. Non-finite points leave gaps.
type Curve =
    {
        Name: string
        Color: string
        X: float[]
        Y: float[]
        Style: Style
        /// Curves with the same group toggle together in the legend and are listed under the group's title.
        Group: string option
        ShowLegend: bool
    }

/// A solid curve in the legend, in no group.
let curve (name: string) (color: string) (points: (float * float)[]) =
    {
        Name = name
        Color = color
        X = Array.map fst points
        Y = Array.map snd points
        Style = Solid
        Group = None
        ShowLegend = true
    }

/// An axis of a 2-D chart: its title and whether it is logarithmic.
type Axis = { Title: string; Log: bool }

/// A linear axis.
let linear (title: string) = { Title = title; Log = false }

/// A logarithmic axis.
let logarithmic (title: string) = { Title = title; Log = true }

/// True when the positive finite values span at least two decades and none is ≤ 0: a log axis shows them better.
let spansDecades (values: float seq) =
    let finite = values |> Seq.filter Double.IsFinite |> Array.ofSeq

    finite.Length > 1
    && finite |> Array.forall (fun v -> v > 0.0)
    && Array.max finite / Array.min finite >= 100.0

/// A logarithmic axis when the values span decades (`spansDecades`), else a linear one.
let autoAxis (title: string) (values: float seq) =
    {
        Title = title
        Log = spansDecades values
    }

let private dash (style: Style) =
    match style with
    | Dashed -> Some StyleParam.DrawingStyle.Dash
    | Dotted -> Some StyleParam.DrawingStyle.Dot
    | _ -> None

let private mode (style: Style) =
    match style with
    | Markers -> StyleParam.Mode.Markers
    | LinesAndMarkers -> StyleParam.Mode.Lines_Markers
    | _ -> StyleParam.Mode.Lines

/// The scatter trace of a curve (hover: the name and both coordinates).
let curveTrace (c: Curve) =
    let line =
        match dash c.Style with
        | Some d -> Line.init (Color = Color.fromString c.Color, Width = 1.6, Dash = d)
        | None -> Line.init (Color = Color.fromString c.Color, Width = 1.6)

    Trace2D.initScatter (
        Trace2DStyle.Scatter(
            Name = text c.Name,
            ShowLegend = c.ShowLegend,
            Mode = mode c.Style,
            X = c.X,
            Y = c.Y,
            Line = line,
            Marker = Marker.init (Color = Color.fromString c.Color, Size = 6),
            ?LegendGroup = (c.Group |> Option.map text),
            ?LegendGroupTitle = (c.Group |> Option.map (fun g -> Title.init (Text = text g))),
            HoverTemplate = "%{x:.4g}, %{y:.4g}"
        )
    )
    :> Trace

/// A shaded band between two curves (x, lower, upper), e.g. an interquartile or confidence band; not in the legend
/// on its own (it toggles with `group`).
let bandTrace (group: string) (color: string) (x: float[]) (lower: float[]) (upper: float[]) =
    let xs = Array.append x (Array.rev x)
    let ys = Array.append upper (Array.rev lower)

    Trace2D.initScatter (
        Trace2DStyle.Scatter(
            Name = text (group + " band"),
            ShowLegend = false,
            LegendGroup = text group,
            Mode = StyleParam.Mode.Lines,
            X = xs,
            Y = ys,
            Fill = StyleParam.Fill.ToSelf,
            FillColor = Color.fromString color,
            Opacity = 0.2,
            Line = Line.init (Width = 0.0, Color = Color.fromString color),
            HoverInfo = StyleParam.HoverInfo.Skip
        )
    )
    :> Trace

/// Dots with symmetric vertical error bars: (x, y, half-width).
let errorBarTrace (name: string) (color: string) (points: (float * float * float)[]) =
    let x, y, e = Array.unzip3 points

    Trace2D.initScatter (
        Trace2DStyle.Scatter(
            Name = text name,
            Mode = StyleParam.Mode.Markers,
            X = x,
            Y = y,
            Marker = Marker.init (Color = Color.fromString color, Size = 7),
            YError = Error.init (Array = e, Color = Color.fromString color, Thickness = 1.2, Width = 4),
            HoverTemplate = "%{x:.4g}, %{y:.4g} ± %{error_y.array:.3g}"
        )
    )
    :> Trace

/// A horizontal reference line at y across the plot, named in the legend (no legend entry for an empty name).
let hLine (name: string) (color: string) (y: float) =
    Shape.init (
        ShapeType = StyleParam.ShapeType.Line,
        Xref = "paper",
        X0 = 0.0,
        X1 = 1.0,
        Yref = "y",
        Y0 = y,
        Y1 = y,
        Line = Line.init (Color = Color.fromString color, Width = 1.2, Dash = StyleParam.DrawingStyle.Dash),
        Name = text name,
        ShowLegend = (name <> "")
    )

/// A vertical reference line at x across the plot, named in the legend.
let vLine (name: string) (color: string) (x: float) =
    Shape.init (
        ShapeType = StyleParam.ShapeType.Line,
        Yref = "paper",
        Y0 = 0.0,
        Y1 = 1.0,
        Xref = "x",
        X0 = x,
        X1 = x,
        Line = Line.init (Color = Color.fromString color, Width = 1.2, Dash = StyleParam.DrawingStyle.Dash),
        Name = text name,
        ShowLegend = (name <> "")
    )

/// A shaded vertical band between x0 and x1 (behind the data), named in the legend.
let vBand (name: string) (color: string) (x0: float) (x1: float) =
    Shape.init (
        ShapeType = StyleParam.ShapeType.Rectangle,
        Yref = "paper",
        Y0 = 0.0,
        Y1 = 1.0,
        Xref = "x",
        X0 = x0,
        X1 = x1,
        FillColor = Color.fromString color,
        Opacity = 0.15,
        Line = Line.init (Width = 0.0),
        Layer = StyleParam.Layer.Below,
        Name = text name,
        ShowLegend = (name <> "")
    )

/// A 2-D chart: traces and shapes on two axes.
type Chart2D =
    {
        Title: string
        X: Axis
        Y: Axis
        Traces: Trace list
        Shapes: Shape list
        Width: int
        Height: int
        /// A unit of x as long as a unit of y on the screen (spatial plots).
        EqualAspect: bool
    }

/// A 900 × 420 chart of curves.
let chart (title: string) (x: Axis) (y: Axis) (curves: Curve list) =
    {
        Title = title
        X = x
        Y = y
        Traces = curves |> List.map curveTrace
        Shapes = []
        Width = 900
        Height = 420
        EqualAspect = false
    }

/// An axis object: title, grid, ticks outside, log or linear; `anchoredToX`: a unit as long as a unit of x.
let axisObject (anchoredToX: bool) (a: Axis) =
    LinearAxis.init (
        ?ScaleAnchor =
            (if anchoredToX then
                 Some(StyleParam.ScaleAnchor.X 1)
             else
                 None),
        ?ScaleRatio = (if anchoredToX then Some 1.0 else None),
        Title = Title.init (Text = text a.Title),
        AxisType =
            (if a.Log then
                 StyleParam.AxisType.Log
             else
                 StyleParam.AxisType.Linear),
        ShowLine = true,
        LineColor = Color.fromString "#444444",
        Mirror = StyleParam.Mirror.True,
        Ticks = StyleParam.TickOptions.Outside,
        ShowGrid = true,
        GridColor = Color.fromString "#e6e6e6",
        ZeroLine = false,
        ExponentFormat = StyleParam.ExponentFormat.Power
    )

/// The layout every figure shares: white background, the title, the size.
let baseLayout (title: string) (width: int) (height: int) =
    Layout.init (
        Title = Title.init (Text = text title, X = 0.02),
        Width = width,
        Height = height,
        PaperBGColor = Color.fromString "#ffffff",
        PlotBGColor = Color.fromString "#ffffff",
        Font = Font.init (Family = StyleParam.FontFamily.Arial, Size = 12.0),
        Margin = Margin.init (Left = 60, Right = 20, Top = 50, Bottom = 50),
        HoverMode = StyleParam.HoverMode.Closest
    )

/// The Plotly chart of a 2-D chart.
let figure (c: Chart2D) =
    GenericChart.ofTraceObjects false c.Traces
    |> GenericChart.setLayout (baseLayout c.Title c.Width c.Height)
    |> Chart.withXAxis (axisObject false c.X)
    |> Chart.withYAxis (axisObject c.EqualAspect c.Y)
    |> Chart.withShapes c.Shapes
    |> Chart.withLegendStyle (GroupClick = StyleParam.TraceGroupClickOptions.ToggleItem)

/// Replaces non-finite numbers in number arrays (plotly.NET writes them as "NaN"/"Infinity" strings) by null, which
/// plotly draws as gaps.
let rec private cleanNumbers (node: JsonNode) =
    match node with
    | :? JsonArray as a ->
        for i in 0 .. a.Count - 1 do
            match a[i] with
            | :? JsonValue as v when
                (match v.GetValueKind() with
                 | JsonValueKind.String ->
                     List.contains (v.GetValue<string>()) [ "NaN"; "Infinity"; "-Infinity" ]
                 | _ -> false)
                ->
                a[i] <- null
            | null -> ()
            | child -> cleanNumbers child
    | :? JsonObject as o ->
        for KeyValue(_, child) in Seq.toArray o do
            match child with
            | null -> ()
            | c -> cleanNumbers c
    | _ -> ()

/// Writes every character as itself except the HTML-sensitive ones (<, >, &, ', ", +), which become \u escapes.
let private encoder =
    Text.Encodings.Web.JavaScriptEncoder.Create(Text.Unicode.UnicodeRanges.All)

/// The figure JSON ({data, layout}) of a chart, safe to embed in a script element: non-finite numbers are null,
/// and <, >, &, ', " are written as \u escapes (no text can close the script element).
let json (chart: GenericChart) =
    let node =
        JsonNode.Parse(GenericChart.toFigureJson chart)
        |> Option.ofObj
        |> Option.defaultWith (fun () -> failwith "Plotly.NET wrote no figure JSON")

    cleanNumbers node

    match node with
    | :? JsonObject as o ->
        o.Remove "frames" |> ignore

        match o["layout"] with
        | :? JsonObject as l -> l.Remove "template" |> ignore
        | _ -> ()
    | _ -> ()

    node.ToJsonString(JsonSerializerOptions(WriteIndented = false, Encoder = encoder))

/// The figure JSON of a chart as a JsonObject (for tests and tools that inspect traces, axes and ranges).
let data (chart: GenericChart) =
    match JsonNode.Parse(json chart) with
    | :? JsonObject as o -> o
    | _ -> failwith "a figure is a JSON object"
