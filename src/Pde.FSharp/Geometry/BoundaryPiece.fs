namespace Pde.FSharp.Geometry

open System

/// <summary>
/// One smooth piece of a domain's boundary: a map from parameters in [0, 1]^(d−1) to a point and its outward unit
/// normal, its (d−1)-dimensional measure (length of a curve, area of a surface, 1 for an end point), and a test
/// that keeps only the points that are on the boundary of the whole domain (constructive geometry cuts pieces).
/// </summary>
[<NoEquality; NoComparison>]
type BoundaryPiece =
    {
        /// The part name: bottom, right, top, left; circle; inner, outer; edge0, edge1, …; left, right (interval);
        /// initial, final (space-time).
        Name: string
        /// Tags of the enclosing tagged domains (Domain.tag).
        Tags: string list
        /// Measure of the uncut piece.
        Measure: float
        /// Parameters in [0, 1]^(d−1) ↦ (point, outward unit normal).
        Map: float[] -> float[] * float[]
        /// Whether the point with this normal belongs to the boundary of the whole domain.
        Keep: float[] -> float[] -> bool
    }

/// The boundary pieces of a domain, with outward normals.
[<RequireQualifiedAccess>]
module BoundaryPiece =
    let private always (_: float[]) (_: float[]) = true

    let private piece name measure map =
        {
            Name = name
            Tags = []
            Measure = measure
            Map = map
            Keep = always
        }

    let private segment name (x1: float, y1: float) (x2: float, y2: float) (normal: float[]) =
        let len = sqrt ((x2 - x1) ** 2.0 + (y2 - y1) ** 2.0)
        piece name len (fun s -> [| x1 + s[0] * (x2 - x1); y1 + s[0] * (y2 - y1) |], normal)

    let private circle name (cx: float) (cy: float) (r: float) (outward: float) =
        piece name (2.0 * Math.PI * r) (fun s ->
            let a = 2.0 * Math.PI * s[0]
            let c, sn = cos a, sin a
            [| cx + r * c; cy + r * sn |], [| outward * c; outward * sn |])

    let private offset (p: float[]) (n: float[]) (eps: float) = Array.map2 (fun a b -> a + eps * b) p n

    let private diameter (d: Domain) =
        let lo, hi = Domain.bounds d
        Array.map2 (fun a b -> (b - a) ** 2.0) lo hi |> Array.sum |> sqrt |> max 1e-300

    let private cut (keep: float[] -> float[] -> bool) (p: BoundaryPiece) =
        { p with
            Keep = fun q n -> p.Keep q n && keep q n
        }

    /// The edges of a polygon, with outward normals whichever its orientation.
    let private polygon (vs: (float * float) list) =
        let a = Array.ofList vs
        let orientation = if Domain.signedArea2 a > 0.0 then 1.0 else -1.0

        [
            for i in 0 .. a.Length - 1 do
                let (x1, y1) = a[i]
                let (x2, y2) = a[(i + 1) % a.Length]
                let len = sqrt ((x2 - x1) ** 2.0 + (y2 - y1) ** 2.0)
                // Counter-clockwise: the outward normal is the tangent turned clockwise.
                let n = [| orientation * (y2 - y1) / len; -orientation * (x2 - x1) / len |]
                yield segment (sprintf "edge%d" i) (x1, y1) (x2, y2) n
        ]

    /// The pieces of A − B from those of A and of B: ∂A where just inside A is outside B, and ∂B flipped where just
    /// outside B is inside A.
    let private difference
        (a: Domain)
        (b: Domain)
        (eps: float)
        (ofA: BoundaryPiece list)
        (ofB: BoundaryPiece list)
        =
        let flipped =
            ofB
            |> List.map (fun p ->
                { p with
                    Map =
                        fun s ->
                            let q, n = p.Map s
                            q, Array.map (~-) n
                    Keep = fun q n -> p.Keep q (Array.map (~-) n) && Domain.contains a (offset q n -eps)
                })

        (ofA |> List.map (cut (fun p n -> not (Domain.contains b (offset p n -eps)))))
        @ flipped

    /// The pieces of space × [t0, t1] from those of space: the lateral pieces and the initial and final caps.
    let private spaceTime (space: Domain) (t0: float) (t1: float) (ofSpace: BoundaryPiece list) =
        let span = t1 - t0
        let k = Domain.dimension space - 1 // parameters of a spatial piece

        let lateral =
            ofSpace
            |> List.map (fun p ->
                { p with
                    Measure = p.Measure * span
                    Map =
                        fun s ->
                            let q, n = p.Map s[.. k - 1]
                            Array.append q [| t0 + s[k] * span |], Array.append n [| 0.0 |]
                    Keep = fun q n -> p.Keep q[.. q.Length - 2] n[.. n.Length - 2]
                })

        let lo, hi = Domain.bounds space
        let volume = Array.map2 (fun a b -> b - a) lo hi |> Array.fold (*) 1.0

        let cap name tt normal =
            {
                Name = name
                Tags = []
                Measure = volume
                Map =
                    fun s ->
                        let q = Array.init lo.Length (fun j -> lo[j] + s[j] * (hi[j] - lo[j]))
                        Array.append q [| tt |], Array.append (Array.zeroCreate lo.Length) [| normal |]
                Keep = fun q _ -> Domain.contains space q[.. q.Length - 2]
            }

        lateral @ [ cap "initial" t0 -1.0; cap "final" t1 1.0 ]

    /// The pieces of `domain`'s boundary (before cutting, each with its Keep test).
    let rec ofDomain (domain: Domain) : BoundaryPiece list =
        match domain with
        | Interval(a, b) ->
            [
                piece "left" 1.0 (fun _ -> [| a |], [| -1.0 |])
                piece "right" 1.0 (fun _ -> [| b |], [| 1.0 |])
            ]
        | Rectangle(x0, x1, y0, y1) ->
            [
                segment "bottom" (x0, y0) (x1, y0) [| 0.0; -1.0 |]
                segment "right" (x1, y0) (x1, y1) [| 1.0; 0.0 |]
                segment "top" (x1, y1) (x0, y1) [| 0.0; 1.0 |]
                segment "left" (x0, y1) (x0, y0) [| -1.0; 0.0 |]
            ]
        | Disk(cx, cy, r) -> [ circle "circle" cx cy r 1.0 ]
        | Annulus(cx, cy, ri, ro) -> [ circle "outer" cx cy ro 1.0; circle "inner" cx cy ri -1.0 ]
        | Polygon vs -> polygon vs
        | Union(a, b) ->
            let eps = 1e-9 * diameter domain
            // A piece of ∂A stays where just outside A is not inside B.
            (ofDomain a
             |> List.map (cut (fun p n -> not (Domain.contains b (offset p n eps)))))
            @ (ofDomain b
               |> List.map (cut (fun p n -> not (Domain.contains a (offset p n eps)))))
        | Intersection(a, b) ->
            let eps = 1e-9 * diameter domain
            // A piece of ∂A stays where just inside A is inside B.
            (ofDomain a |> List.map (cut (fun p n -> Domain.contains b (offset p n -eps))))
            @ (ofDomain b |> List.map (cut (fun p n -> Domain.contains a (offset p n -eps))))
        | Difference(a, b) -> difference a b (1e-9 * diameter domain) (ofDomain a) (ofDomain b)
        | Tagged(tag, a) -> ofDomain a |> List.map (fun p -> { p with Tags = tag :: p.Tags })
        | SpaceTime(space, t0, t1) -> spaceTime space t0 t1 (ofDomain space)

    /// Whether a piece answers to `name` (its part name or one of its tags).
    let answersTo (name: string) (p: BoundaryPiece) =
        p.Name = name || List.contains name p.Tags
