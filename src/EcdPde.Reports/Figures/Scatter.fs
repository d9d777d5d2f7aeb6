/// Points on a spatial domain as a scatter chart (a Svg.Chart of Dots marks with equal aspect ratio), e.g. the
/// collocation points of a PINN loss: one colour and one legend entry per group of points.
module EcdPde.Reports.Scatter

/// A scatter chart of point groups (legend label, colour, points) on a spatial domain: 480 × 460 pixels, equal aspect
/// ratio, dots of radius 1.6; later groups are drawn over earlier ones. Change it with the Svg modifiers.
let chart
    (title: string)
    (xLabel: string)
    (yLabel: string)
    (groups: (string * string * (float * float)[]) list)
    =
    Svg.chart title xLabel yLabel [ for label, color, points in groups -> Svg.Dots(label, color, points) ]
    |> Svg.withSize 480 460
    |> Svg.withEqualAspect
    |> Svg.withDotRadius 1.6

/// At most this many points of a group are drawn by `collocation` (every k-th beyond it), to keep the SVG light.
let maxPoints = 4000

/// Every k-th point, for the smallest k that leaves at most `most`, and k.
let thin (most: int) (points: 'a[]) =
    if most < 1 then
        invalidArg "most" (sprintf "keep at least one point (got %d)" most)

    let k = max 1 ((points.Length + most - 1) / most)

    (if k = 1 then
         points
     else
         Array.init ((points.Length + k - 1) / k) (fun i -> points[i * k])),
    k

/// The collocation points of a problem: interior points (palette colour 0, blue) and boundary points (palette colour
/// 1, red, drawn over them), each counted in the legend; beyond `maxPoints` a group shows every k-th point and its
/// legend says so.
let collocation (title: string) (interior: (float * float)[]) (boundary: (float * float)[]) =
    let group (name: string) (color: string) (points: (float * float)[]) =
        let shown, k = thin maxPoints points

        let label =
            if k = 1 then
                sprintf "%s (%d)" name points.Length
            else
                sprintf "%s (%d; 1 in %d shown)" name points.Length k

        label, color, shown

    chart
        title
        "x"
        "y"
        [
            group "interior" (Svg.color 0) interior
            group "boundary" (Svg.color 1) boundary
        ]
