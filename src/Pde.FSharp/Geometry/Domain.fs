namespace Pde.FSharp.Geometry

open System
open Pde.FSharp.Language

/// <summary>
/// A domain of a PDE problem: an interval, a planar shape (rectangle, disk, annulus, polygon), a constructive
/// combination of planar shapes (union, intersection, difference), or a space-time cylinder (a spatial domain
/// times a time interval, adding the coordinate t). Build it with the functions of the <c>Domain</c> module, which
/// reject degenerate shapes with a <see cref="ProblemError"/>.
/// </summary>
type Domain =
    /// [a, b] on the x axis.
    | Interval of a: float * b: float
    /// [xMin, xMax] × [yMin, yMax].
    | Rectangle of xMin: float * xMax: float * yMin: float * yMax: float
    /// The disk of radius r around (cx, cy).
    | Disk of cx: float * cy: float * r: float
    /// The ring rInner ≤ |p − c| ≤ rOuter.
    | Annulus of cx: float * cy: float * rInner: float * rOuter: float
    /// A simple polygon (vertices in either orientation, not repeated at the end).
    | Polygon of vertices: (float * float) list
    /// A ∪ B.
    | Union of Domain * Domain
    /// A ∩ B.
    | Intersection of Domain * Domain
    /// A ∖ B.
    | Difference of Domain * Domain
    /// A domain whose boundary parts can be selected by the tag (Boundary.part tag).
    | Tagged of tag: string * Domain
    /// A spatial domain × [t0, t1]; the last coordinate is t.
    | SpaceTime of Domain * t0: float * t1: float

/// Constructors (validated) and the point-set questions of a domain: dimension, coordinates, bounding box,
/// membership.
[<RequireQualifiedAccess>]
module Domain =
    let private fail (message: string) = raise (ProblemError message)

    let private finite (what: string) (values: float list) =
        if values |> List.exists (Double.IsFinite >> not) then
            fail (sprintf "degenerate domain: %s has a NaN or infinite coordinate" what)

    /// The interval [a, b] (a &lt; b).
    let interval (a: float) (b: float) =
        finite "the interval" [ a; b ]

        if not (a < b) then
            fail (sprintf "degenerate domain: the interval [%g, %g] is empty (need a < b)" a b)

        Interval(a, b)

    /// The rectangle [x0, x1] × [y0, y1]; its boundary parts are bottom, right, top and left.
    let rectangle (x0: float, x1: float) (y0: float, y1: float) =
        finite "the rectangle" [ x0; x1; y0; y1 ]

        if not (x0 < x1 && y0 < y1) then
            fail (sprintf "degenerate domain: the rectangle [%g, %g] × [%g, %g] has no area" x0 x1 y0 y1)

        Rectangle(x0, x1, y0, y1)

    /// The unit square [0, 1]².
    let unitSquare = Rectangle(0.0, 1.0, 0.0, 1.0)

    /// The disk of radius r around (cx, cy); its boundary part is "circle".
    let disk (cx: float, cy: float) (r: float) =
        finite "the disk" [ cx; cy; r ]

        if not (r > 0.0) then
            fail (sprintf "degenerate domain: the disk radius must be > 0 (got %g)" r)

        Disk(cx, cy, r)

    /// The ring rInner ≤ |p − c| ≤ rOuter; its boundary parts are "inner" and "outer".
    let annulus (cx: float, cy: float) (rInner: float) (rOuter: float) =
        finite "the annulus" [ cx; cy; rInner; rOuter ]

        if not (rInner > 0.0 && rInner < rOuter) then
            fail (
                sprintf
                    "degenerate domain: the annulus needs 0 < inner radius < outer radius (got %g, %g)"
                    rInner
                    rOuter
            )

        Annulus(cx, cy, rInner, rOuter)

    /// Twice the signed area of a polygon (positive when counter-clockwise).
    let internal signedArea2 (vs: (float * float)[]) =
        let n = vs.Length

        Seq.sum (
            seq {
                for i in 0 .. n - 1 do
                    let (x1, y1) = vs[i]
                    let (x2, y2) = vs[(i + 1) % n]
                    yield x1 * y2 - x2 * y1
            }
        )

    let private segmentsCross (a: float * float) (b: float * float) (c: float * float) (d: float * float) =
        let orient (px, py) (qx, qy) (rx, ry) =
            sign ((qx - px) * (ry - py) - (qy - py) * (rx - px))

        orient a b c * orient a b d < 0 && orient c d a * orient c d b < 0

    /// A simple polygon from its vertices (at least 3, any orientation); its boundary parts are edge0 (from vertex
    /// 0 to 1), edge1, ….
    let polygon (vertices: (float * float) list) =
        let vs = Array.ofList vertices
        finite "the polygon" (vertices |> List.collect (fun (a, b) -> [ a; b ]))

        if vs.Length < 3 then
            fail (sprintf "degenerate domain: a polygon needs at least 3 vertices (got %d)" vs.Length)

        let n = vs.Length

        for i in 0 .. n - 1 do
            if vs[i] = vs[(i + 1) % n] then
                fail (sprintf "degenerate domain: polygon vertices %d and %d coincide" i ((i + 1) % n))

        let scale =
            vs |> Array.map (fun (a, b) -> max (abs a) (abs b)) |> Array.max |> max 1.0

        for i in 0 .. n - 1 do
            for j in i + 2 .. n - 1 do
                if not (i = 0 && j = n - 1) then
                    if segmentsCross vs[i] vs[(i + 1) % n] vs[j] vs[(j + 1) % n] then
                        fail (
                            sprintf "degenerate domain: the polygon is not simple (edges %d and %d cross)" i j
                        )

        if abs (signedArea2 vs) <= 1e-12 * scale * scale then
            fail "degenerate domain: the polygon has zero area"

        Polygon vertices

    /// The spatial dimension (1 for intervals, 2 for planar shapes).
    let rec spatialDimension (d: Domain) =
        match d with
        | Interval _ -> 1
        | Rectangle _
        | Disk _
        | Annulus _
        | Polygon _ -> 2
        | Union(a, b)
        | Intersection(a, b)
        | Difference(a, b) -> max (spatialDimension a) (spatialDimension b)
        | Tagged(_, a) -> spatialDimension a
        | SpaceTime(a, _, _) -> spatialDimension a

    /// Number of coordinates (network inputs): the spatial dimension, plus one for t.
    let rec dimension (d: Domain) =
        match d with
        | SpaceTime(a, _, _) -> spatialDimension a + 1
        | Tagged(_, a) -> dimension a
        | _ -> spatialDimension d

    let rec private hasTime (d: Domain) =
        match d with
        | SpaceTime _ -> true
        | Tagged(_, a) -> hasTime a
        | _ -> false

    /// Coordinate names in network input order: x (and y), then t on a space-time domain.
    let coordinates (d: Domain) =
        let space = [ "x"; "y"; "z" ] |> List.take (spatialDimension d)
        if hasTime d then space @ [ "t" ] else space

    let private combine name (a: Domain) (b: Domain) make =
        if hasTime a || hasTime b then
            fail (sprintf "%s: combine spatial domains first, then make a space-time domain" name)

        if spatialDimension a <> 2 || spatialDimension b <> 2 then
            fail (
                sprintf
                    "dimension mismatch: %s combines planar shapes only (got dimensions %d and %d)"
                    name
                    (spatialDimension a)
                    (spatialDimension b)
            )

        make (a, b)

    /// A ∪ B of planar domains.
    let union (a: Domain) (b: Domain) = combine "union" a b Union

    /// A ∩ B of planar domains.
    let intersection (a: Domain) (b: Domain) = combine "intersection" a b Intersection

    /// A ∖ B of planar domains (the boundary of B inside A becomes boundary, with normals pointing into B).
    let difference (a: Domain) (b: Domain) = combine "difference" a b Difference

    /// Tags every boundary part of `d` so that Boundary.part tag selects them all.
    let tag (name: string) (d: Domain) =
        if String.IsNullOrWhiteSpace name then
            fail "a domain tag must not be empty"

        Tagged(name, d)

    /// The space-time cylinder `space` × [t0, t1] (t0 &lt; t1); boundary parts: the spatial parts (lateral),
    /// "initial" (t = t0) and "final" (t = t1).
    let spaceTime (space: Domain) (t0: float, t1: float) =
        finite "the time interval" [ t0; t1 ]

        if hasTime space then
            fail "a space-time domain cannot be made of a space-time domain"

        if not (t0 < t1) then
            fail (sprintf "degenerate domain: the time interval [%g, %g] is empty (need t0 < t1)" t0 t1)

        SpaceTime(space, t0, t1)

    /// The bounding box (lower and upper corner, one entry per coordinate).
    let rec bounds (d: Domain) : float[] * float[] =
        match d with
        | Interval(a, b) -> [| a |], [| b |]
        | Rectangle(x0, x1, y0, y1) -> [| x0; y0 |], [| x1; y1 |]
        | Disk(cx, cy, r)
        | Annulus(cx, cy, _, r) -> [| cx - r; cy - r |], [| cx + r; cy + r |]
        | Polygon vs ->
            [| vs |> List.map fst |> List.min; vs |> List.map snd |> List.min |],
            [| vs |> List.map fst |> List.max; vs |> List.map snd |> List.max |]
        | Union(a, b) ->
            let (la, ha), (lb, hb) = bounds a, bounds b
            Array.map2 min la lb, Array.map2 max ha hb
        | Intersection(a, b) ->
            let (la, ha), (lb, hb) = bounds a, bounds b
            let lo, hi = Array.map2 max la lb, Array.map2 min ha hb
            // An empty intersection keeps a valid (degenerate-free) box; sampling then finds no point inside.
            lo, Array.map2 max lo hi
        | Difference(a, _) -> bounds a
        | Tagged(_, a) -> bounds a
        | SpaceTime(a, t0, t1) ->
            let lo, hi = bounds a
            Array.append lo [| t0 |], Array.append hi [| t1 |]

    let private insidePolygon (vs: (float * float) list) (px: float) (py: float) =
        // Even-odd rule; points on an edge count as inside.
        let a = Array.ofList vs
        let n = a.Length
        let mutable inside = false
        let mutable onEdge = false

        for i in 0 .. n - 1 do
            let (x1, y1) = a[i]
            let (x2, y2) = a[(i + 1) % n]
            let cross = (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1)
            let len = sqrt ((x2 - x1) ** 2.0 + (y2 - y1) ** 2.0)

            if
                abs cross <= 1e-12 * len * (1.0 + abs px + abs py)
                && px >= min x1 x2 - 1e-12
                && px <= max x1 x2 + 1e-12
                && py >= min y1 y2 - 1e-12
                && py <= max y1 y2 + 1e-12
            then
                onEdge <- true

            if (y1 > py) <> (y2 > py) then
                let xCross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)

                if px < xCross then
                    inside <- not inside

        inside || onEdge

    /// Whether the point (one coordinate per dimension) lies in the closed domain.
    let rec contains (d: Domain) (p: float[]) : bool =
        match d with
        | Interval(a, b) -> p[0] >= a && p[0] <= b
        | Rectangle(x0, x1, y0, y1) -> p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1
        | Disk(cx, cy, r) -> (p[0] - cx) ** 2.0 + (p[1] - cy) ** 2.0 <= r * r
        | Annulus(cx, cy, ri, ro) ->
            let r2 = (p[0] - cx) ** 2.0 + (p[1] - cy) ** 2.0
            r2 >= ri * ri && r2 <= ro * ro
        | Polygon vs -> insidePolygon vs p[0] p[1]
        | Union(a, b) -> contains a p || contains b p
        | Intersection(a, b) -> contains a p && contains b p
        | Difference(a, b) -> contains a p && not (contains b p)
        | Tagged(_, a) -> contains a p
        | SpaceTime(a, t0, t1) ->
            let tt = p[p.Length - 1]
            tt >= t0 && tt <= t1 && contains a p[.. p.Length - 2]
