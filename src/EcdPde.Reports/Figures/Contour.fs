/// Iso-lines (contours) of a field sampled on a regular lattice, by marching squares: in every cell of four
/// neighbouring nodes the line crosses the edges whose ends lie on different sides of the level, at the point found by
/// linear interpolation along the edge. Cells with a non-finite corner (outside the domain) are skipped.
module EcdPde.Reports.Contour

open System

/// A piece of an iso-line: its two ends, in the field's coordinates.
type Segment = (float * float) * (float * float)

/// Evenly spaced levels strictly inside [lo, hi]: lo + k (hi − lo)/(n + 1) for k = 1…n.
let evenly (n: int) (lo: float) (hi: float) =
    [ for k in 1..n -> lo + float k * (hi - lo) / float (n + 1) ]

/// The segments of the iso-line at `level` of values[j][i] at the nodes (xs[i], ys[j]), cell by cell (rows from
/// the lowest y, then by x). A node counts as above the level when its value is ≥ the level. A cell whose corners
/// alternate (a saddle) is resolved by the mean of its four corners: when the mean is above the level the two corners
/// above are joined through the cell's centre.
let segments (xs: float[]) (ys: float[]) (values: float[][]) (level: float) : Segment list =
    if
        values.Length <> ys.Length
        || values |> Array.exists (fun row -> row.Length <> xs.Length)
    then
        invalidArg
            "values"
            (sprintf "need values[j][i] for %d × %d nodes (got %d rows)" xs.Length ys.Length values.Length)

    [
        for j in 0 .. ys.Length - 2 do
            for i in 0 .. xs.Length - 2 do
                // corners: a = (i, j) lower left, b = (i + 1, j) lower right, c = (i + 1, j + 1) upper right,
                // d = (i, j + 1) upper left
                let va, vb, vc, vd =
                    values[j][i], values[j][i + 1], values[j + 1][i + 1], values[j + 1][i]

                if
                    Double.IsFinite va
                    && Double.IsFinite vb
                    && Double.IsFinite vc
                    && Double.IsFinite vd
                then
                    let x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]

                    let cross (p: float) (q: float) (vp: float) (vq: float) =
                        p + (level - vp) / (vq - vp) * (q - p)

                    let bottom () = cross x0 x1 va vb, y0
                    let right () = x1, cross y0 y1 vb vc
                    let top () = cross x0 x1 vd vc, y1
                    let left () = x0, cross y0 y1 va vd
                    let above (v: float) = if v >= level then 1 else 0
                    let case = above va + 2 * above vb + 4 * above vc + 8 * above vd
                    let centreAbove () = (va + vb + vc + vd) / 4.0 >= level

                    let pieces =
                        match case with
                        | 1
                        | 14 -> [ left (), bottom () ]
                        | 2
                        | 13 -> [ bottom (), right () ]
                        | 3
                        | 12 -> [ left (), right () ]
                        | 4
                        | 11 -> [ right (), top () ]
                        | 6
                        | 9 -> [ bottom (), top () ]
                        | 7
                        | 8 -> [ left (), top () ]
                        | 5 ->
                            // a and c above
                            if centreAbove () then
                                [ bottom (), right (); left (), top () ]
                            else
                                [ left (), bottom (); right (), top () ]
                        | 10 ->
                            // b and d above
                            if centreAbove () then
                                [ left (), bottom (); right (), top () ]
                            else
                                [ bottom (), right (); left (), top () ]
                        | _ -> []

                    for p, q in pieces do
                        if p <> q then
                            yield p, q
    ]
