/// The finite-difference grid of a domain at a resolution: which grid a shape gets and how many nodes.
module Pde.FSharp.Classical.DomainGrid

open System
open Pde.FSharp.Geometry

let rec private unwrap (d: Domain) =
    match d with
    | Tagged(_, a) -> unwrap a
    | other -> other

/// The grid of a domain with `resolution` nodes across its longest extent (rectangle: along the longer side,
/// the other side in proportion; disk: ⌈n/2⌉ rings, about πR/h rays, so that the spacing along the circle is
/// about 2h; annulus: the radial spacing 2R_out/(n − 1), rays likewise). Error for any other domain.
let ofDomain (domain: Domain) (resolution: int) : Result<FdGrid, string> =
    if resolution < 8 then
        Error(sprintf "the grid resolution must be at least 8 nodes across the domain (got %d)" resolution)
    else
        let rays (radius: float) (h: float) =
            4 * max 2 (int (ceil (Math.PI * radius / h / 4.0)))

        match unwrap domain with
        | Rectangle(x0, x1, y0, y1) ->
            let h = max (x1 - x0) (y1 - y0) / float (resolution - 1)
            let cells (l: float) = max 3 (int (round (l / h)))
            Ok(RectangleGrid.create (x0, x1, y0, y1) (cells (x1 - x0)) (cells (y1 - y0)))
        | Disk(cx, cy, r) ->
            let rings = max 4 ((resolution + 1) / 2)
            Ok(PolarGrid.disk (cx, cy, r) rings (rays r (r / (float rings - 0.5))))
        | Annulus(cx, cy, ri, ro) ->
            let intervals =
                max 3 (int (round ((ro - ri) / (2.0 * ro / float (resolution - 1)))))

            Ok(PolarGrid.annulus (cx, cy, ri, ro) (intervals + 1) (rays ro ((ro - ri) / float intervals)))
        | Interval _ ->
            Error
                "unsupported domain: an interval (1-D); the classical compiler handles 2-D rectangles, disks and annuli"
        | SpaceTime _ ->
            Error
                "unsupported domain: a space-time cylinder (time-dependent problem); the classical compiler handles steady 2-D rectangles, disks and annuli"
        | Polygon _ ->
            Error
                "unsupported domain: a polygon; the classical compiler has grids for rectangles, disks and annuli only"
        | Union _
        | Intersection _
        | Difference _ ->
            Error
                "unsupported domain: a constructive combination (union, intersection, difference); the classical compiler has grids for rectangles, disks and annuli only"
        | Tagged _ -> Error "unsupported domain: nested tags"
