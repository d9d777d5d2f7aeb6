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
/// Not thread-safe: the residual's tapes keep their buffers (compile one system per thread).
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
    let private covers
        (domain: Domain)
        (g: FdGrid)
        (parameters: float[])
        (l: ConditionLowering.LoweredCondition)
        =
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

    /// The problem's data on the grid with `resolution` nodes across: each interior equation's residual with every
    /// field and derivative set to 0 (minus the source terms), at every node, boundary nodes included. Error as
    /// `compile`.
    let data (problem: Problem) (parameters: Map<string, float>) (resolution: int) =
        match DomainGrid.ofDomain problem.Domain resolution, ConditionLowering.lower problem parameters with
        | Error e, _
        | _, Error e -> Error e
        | Ok g, Ok(lowered, equations, values) ->
            let atZero (l: ConditionLowering.LoweredCondition) =
                let local = LocalResidual(l.Residual, g.Points, [||], values)
                local.Evaluate(local.Jets |> Array.map (fun _ -> Array.zeroCreate g.Count))

            Ok(g, lowered |> List.take equations |> List.map atZero)

    /// Compiles `problem` on the grid of its domain with `resolution` nodes across (see `DomainGrid.ofDomain`), with the values of
    /// its trainable parameters (inverse problems) from `parameters`. Error with the reason for an unsupported
    /// domain, operator (a derivative above second order), data term, hard constraint, a boundary node without a
    /// condition for some field, or a count of equations different from the count of fields.
    let compile
        (problem: Problem)
        (parameters: Map<string, float>)
        (resolution: int)
        : Result<FdSystem, string> =
        match DomainGrid.ofDomain problem.Domain resolution, ConditionLowering.lower problem parameters with
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
