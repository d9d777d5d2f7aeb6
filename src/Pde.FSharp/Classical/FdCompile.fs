namespace Pde.FSharp.Classical

open System
open System.Collections.Generic
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Symbolic
open Pde.FSharp.Problems

/// <summary>
/// A problem compiled into a finite-difference nonlinear system F(U) = 0 on a grid: U holds every field at every
/// node (node-major: U[node·fields + k] is field k), F one row per field and node (GridRows), and the Jacobian is
/// assembled exactly from the symbolic partials of each residual chained with the stencils, in a band matrix.
/// </summary>
[<NoEquality; NoComparison>]
type FdSystem =
    {
        /// The grid.
        Grid: FdGrid
        /// The fields, in the problem's order.
        Fields: string list
        /// F, the factorised Jacobian and the quadrature weights of each unknown, for Newton.
        System: Newton.NonlinearSystem
        /// The Jacobian J(U) assembled (not factorised), for inspection and tests.
        Matrix: float[] -> BandedMatrix
        /// Band widths of the Jacobian (below, above the diagonal).
        Band: int * int
    }

    /// The values of field `k` at the nodes, from the unknowns.
    member s.Field (u: float[]) (k: int) =
        let f = s.Fields.Length
        Array.init s.Grid.Count (fun node -> u[node * f + k])

    /// The unknowns of the fields given as functions evaluated at points (e.g. a network's outputs).
    member s.Sample(fields: string -> float[][] -> float[]) =
        let f = s.Fields.Length
        let u = Array.zeroCreate (s.Grid.Count * f)

        s.Fields
        |> List.iteri (fun k name ->
            let v = fields name s.Grid.Points

            if v.Length <> s.Grid.Count then
                invalidArg
                    "fields"
                    (sprintf "field '%s' gave %d values at %d points" name v.Length s.Grid.Count)

            for node in 0 .. s.Grid.Count - 1 do
                u[node * f + k] <- v[node])

        u

/// Compiling a problem into an FdSystem.
[<RequireQualifiedAccess>]
module FdCompile =
    let rec private unwrap (d: Domain) =
        match d with
        | Tagged(_, a) -> unwrap a
        | other -> other

    /// The grid of a domain with `resolution` nodes across its longest extent (rectangle: along the longer side,
    /// the other side in proportion; disk: ⌈n/2⌉ rings, about πR/h rays, so that the spacing along the circle is
    /// about 2h; annulus: the radial spacing 2R_out/(n − 1), rays likewise). Error for any other domain.
    let grid (domain: Domain) (resolution: int) : Result<FdGrid, string> =
        if resolution < 8 then
            Error(
                sprintf "the grid resolution must be at least 8 nodes across the domain (got %d)" resolution
            )
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

    let private parameterIndices (n: Node) : Set<int> =
        Node.leaves n
        |> List.choose (fun leaf ->
            match leaf with
            | Node.P k -> Some k
            | _ -> None)
        |> Set.ofList

    /// A condition lowered: where it holds, its residual, and for a hard constraint the factor that must vanish
    /// where it holds.
    type private LoweredCondition =
        {
            Condition: Condition
            Selection: Boundary option
            Residual: Node
            Factor: Node option
        }

    /// The lowered residual of every condition (equations first, then boundary conditions, each in problem
    /// order), or the reasons the problem cannot be compiled.
    let private lower (problem: Problem) (parameters: Map<string, float>) =
        let lowering = Lowering(problem.Scope, Map.empty)

        let equations =
            problem.Conditions
            |> List.filter (fun c ->
                match c.Placement with
                | Interior -> true
                | _ -> false)

        let boundary =
            problem.Conditions
            |> List.choose (fun c ->
                match c.Placement with
                | OnBoundary b -> Some(c, b)
                | _ -> None)

        let errors =
            [
                yield! Lowering(problem.Scope, problem.Transforms).TransformProblems

                for c in problem.Conditions do
                    match c.Placement with
                    | Observations _ ->
                        yield
                            sprintf
                                "%s: observed data cannot be imposed by the classical solver (one row per field and node)"
                                c.Name
                    | Interior -> yield! lowering.Problems(c.Name, c.Residual, false)
                    | OnBoundary b ->
                        yield! lowering.Problems(c.Name, c.Residual, true)

                        try
                            Boundary.pieces problem.Domain b |> ignore
                        with :? ProblemError as e ->
                            yield! e.Problems

                if equations.Length <> problem.Fields.Length then
                    yield
                        sprintf
                            "the classical solver needs one interior equation per field: %d equations for %d fields (%s)"
                            equations.Length
                            problem.Fields.Length
                            (String.Join(", ", problem.Fields))
            ]

        if not errors.IsEmpty then
            Error(String.Join("; ", errors))
        else
            let entry (c: Condition) selection factor =
                {
                    Condition = c
                    Selection = selection
                    Residual = lowering.Lower(c.Name, c.Residual, Option.isSome selection)
                    Factor = factor |> Option.map (fun f -> lowering.Lower(c.Name, f, true))
                }

            let lowered =
                (equations |> List.map (fun c -> entry c None None))
                @ (boundary |> List.map (fun (c, b) -> entry c (Some b) None))
                @ (HardConstraint.conditions problem
                   |> List.map (fun (c, factor) -> entry c (Some Boundary.all) (Some factor)))

            let names = problem.Parameters |> List.map fst |> Array.ofList

            let missing =
                lowered
                |> List.collect (fun l ->
                    let c = l.Condition

                    Set.union
                        (parameterIndices l.Residual)
                        (Option.fold (fun _ f -> parameterIndices f) Set.empty l.Factor)
                    |> Set.toList
                    |> List.filter (fun k -> not (parameters.ContainsKey names[k]))
                    |> List.map (fun k -> sprintf "%s: parameter '%s' has no value" c.Name names[k]))

            if not missing.IsEmpty then
                Error(
                    String.Join("; ", missing)
                    + " (an inverse problem's trainable parameters need the trained values: CertifyOptions.Parameters)"
                )
            else
                let values =
                    names |> Array.map (fun n -> parameters.TryFind n |> Option.defaultValue nan)

                Ok(lowered, equations.Length, values)

    /// One condition's share of the system: its residual on its rows, the stencil (unknown index, weight) of
    /// each jet it reads at each row, and the row indices in F.
    type private ConditionRows =
        {
            Local: LocalResidual
            Stencils: (int * float)[][][]
            RowIndex: int[]
        }

    let private jetValues (term: ConditionRows) (u: float[]) =
        term.Stencils
        |> Array.map (fun perRow ->
            perRow
            |> Array.map (fun stencil ->
                let mutable s = 0.0

                for (k, w) in stencil do
                    s <- s + w * u[k]

                s))

    /// The terms of the rows, one per condition.
    let private termsOf
        (g: FdGrid)
        (fields: int)
        (residuals: Node[])
        (parameters: float[])
        (rows: GridRows.GridRow[])
        =
        rows
        |> Array.groupBy (fun r -> r.Condition)
        |> Array.map (fun (c, rs) ->
            let points = rs |> Array.map (fun r -> g.Points[r.Node])

            let normals =
                if rs[0].Normal.Length = 0 then
                    [||]
                else
                    rs |> Array.map (fun r -> r.Normal)

            let local = LocalResidual(residuals[c], points, normals, parameters)

            {
                Local = local
                Stencils =
                    local.Jets
                    |> Array.map (fun (o, channel) ->
                        rs
                        |> Array.map (fun r ->
                            g.Jet r.Node channel |> Array.map (fun (node, w) -> node * fields + o, w)))
                RowIndex = rs |> Array.map (fun r -> r.Node * fields + r.Slot)
            })

    /// The band widths (below, above the diagonal) that every stencil of every row fits in.
    let private bandOf (terms: ConditionRows[]) =
        let mutable lower, upper = 0, 0

        for t in terms do
            for perRow in t.Stencils do
                perRow
                |> Array.iteri (fun p stencil ->
                    for (k, _) in stencil do
                        lower <- max lower (t.RowIndex[p] - k)
                        upper <- max upper (k - t.RowIndex[p]))

        lower, upper

    let private assemble
        (g: FdGrid)
        (fieldNames: string list)
        (residuals: Node[])
        (parameters: float[])
        (rows: GridRows.GridRow[])
        =
        let fields = fieldNames.Length
        let size = g.Count * fields
        let terms = termsOf g fields residuals parameters rows
        let lower, upper = bandOf terms

        let residual (u: float[]) =
            let f = Array.zeroCreate size

            for t in terms do
                let v = t.Local.Evaluate(jetValues t u)

                for p in 0 .. t.RowIndex.Length - 1 do
                    f[t.RowIndex[p]] <- v[p]

            f

        let matrix (u: float[]) =
            let m = BandedMatrix(size, lower, upper)

            for t in terms do
                let _, partials = t.Local.Linearize(jetValues t u)

                for k in 0 .. t.Stencils.Length - 1 do
                    for p in 0 .. t.RowIndex.Length - 1 do
                        let d = partials[k][p]

                        if d <> 0.0 then
                            for (col, w) in t.Stencils[k][p] do
                                m.Add(t.RowIndex[p], col, d * w)

            m

        let jacobian (u: float[]) =
            let m = matrix u
            m.Factor()
            fun (b: float[]) -> m.Solve(Array.copy b)

        {
            Grid = g
            Fields = fieldNames
            System =
                {
                    Size = size
                    Residual = residual
                    Jacobian = jacobian
                    Weights = Array.init size (fun i -> g.Weights[i / fields])
                }
            Matrix = matrix
            Band = lower, upper
        }

    /// Whether a boundary condition covers a boundary point (part name, point, outward normal): its selection's
    /// pieces, or for a hard constraint the boundary nodes where its factor vanishes (|factor| ≤ 1e-10 of its
    /// largest value on the boundary, at least 1e-10).
    let private covers (domain: Domain) (g: FdGrid) (parameters: float[]) (l: LoweredCondition) =
        match l.Factor with
        | None ->
            let pieces = Boundary.pieces domain l.Selection.Value

            fun part p n -> pieces |> List.exists (fun pc -> pc.Name = part && pc.Keep p n)
        | Some factor ->
            let points =
                g.Points
                |> Array.indexed
                |> Array.filter (fun (k, _) -> not g.Parts[k].IsEmpty)
                |> Array.map snd

            let d =
                LocalResidual(factor, points, [||], parameters).Evaluate [||] |> Array.map abs

            let threshold = 1e-10 * (Array.fold max 1.0 d)
            let held = HashSet<float[]>(HashIdentity.Reference)

            Array.iter2
                (fun p v ->
                    if v <= threshold then
                        held.Add p |> ignore)
                points
                d

            fun _ p _ -> held.Contains p

    let private lowerOrError (problem: Problem) (parameters: Map<string, float>) =
        try
            lower problem parameters
        with :? ProblemError as e ->
            Error(String.Join("; ", e.Problems))

    /// The problem's data on the grid with `resolution` nodes across: each interior equation's residual with every
    /// field and derivative set to 0 (minus the source terms), at every node, boundary nodes included. Error as
    /// `compile`.
    let data (problem: Problem) (parameters: Map<string, float>) (resolution: int) =
        match grid problem.Domain resolution, lowerOrError problem parameters with
        | Error e, _
        | _, Error e -> Error e
        | Ok g, Ok(lowered, equations, values) ->
            let atZero (l: LoweredCondition) =
                let local = LocalResidual(l.Residual, g.Points, [||], values)
                local.Evaluate(local.Jets |> Array.map (fun _ -> Array.zeroCreate g.Count))

            Ok(g, lowered |> List.take equations |> List.map atZero)

    /// Compiles `problem` on the grid of its domain with `resolution` nodes across (see `grid`), with the values of
    /// its trainable parameters (inverse problems) from `parameters`. Error with the reason for an unsupported
    /// domain, operator (a derivative above second order), data term, hard constraint, a boundary node without a
    /// condition for some field, or a count of equations different from the count of fields.
    let compile
        (problem: Problem)
        (parameters: Map<string, float>)
        (resolution: int)
        : Result<FdSystem, string> =
        match grid problem.Domain resolution, lowerOrError problem parameters with
        | Error e, _
        | _, Error e -> Error e
        | Ok g, Ok(lowered, _, values) ->
            let boundary =
                lowered
                |> List.filter (fun l -> l.Selection.IsSome)
                |> List.map (fun l ->
                    let fields, derivatives = GridRows.summarize l.Residual

                    ({
                        Name = l.Condition.Name
                        Fields = fields
                        HasDerivatives = derivatives
                        Covers = covers problem.Domain g values l
                        Required = l.Factor.IsNone
                    }
                    : GridRows.RowCondition))
                |> Array.ofList

            GridRows.assign g problem.Fields boundary
            |> Result.map (fun rows ->
                assemble
                    g
                    problem.Fields
                    (lowered |> List.map (fun l -> l.Residual) |> Array.ofList)
                    values
                    rows)
