/// Which condition gives the row of each field at each grid node. Interior nodes: equation k (the k-th interior
/// condition, in problem order) gives row k. Boundary nodes: the boundary conditions whose selection covers the
/// node (part name or tag, Boundary.where test, on any part the node lies on) replace the equations: for each field
/// in order, the first covering condition that reads only that field, preferring one without derivatives where
/// several cover the node (corners: a Dirichlet value wins over a normal derivative of the neighbouring side); then
/// conditions coupling several fields fill the remaining rows in problem order.
module Pde.FSharp.Classical.GridRows

open System
open Pde.FSharp.Symbolic

/// A condition as the row assignment sees it.
type RowCondition =
    {
        /// The condition's name (messages).
        Name: string
        /// Fields its residual reads.
        Fields: Set<int>
        /// Whether it reads a derivative of a field.
        HasDerivatives: bool
        /// Whether it covers the boundary point with this part name and outward normal.
        Covers: string -> float[] -> float[] -> bool
        /// Whether it must give some row (a condition the user wrote); a hard constraint's boundary value is only
        /// used where no explicit condition fixes its field.
        Required: bool
    }

/// One row of the system: the node, the row slot (0 … fields − 1), the condition index and the normal there.
type GridRow =
    {
        Node: int
        Slot: int
        Condition: int
        Normal: float[]
    }

/// The summary of a lowered residual: the fields it reads and whether it reads a derivative.
let summarize (node: Node) =
    let jets = Node.jets node
    jets |> Set.map fst, jets |> Set.exists (fun (_, c) -> c <> Value)

let private point (p: float[]) = sprintf "(%.4g, %.4g)" p[0] p[1]

/// The rows of a boundary node (Ok) or why it has none for some field (Error).
let private boundaryRows
    (fieldNames: string list)
    (conditions: RowCondition[])
    (firstIndex: int)
    (node: int)
    (p: float[])
    (parts: (string * float[]) list)
    =
    let candidates =
        [
            for c in 0 .. conditions.Length - 1 do
                match parts |> List.tryFind (fun (name, n) -> conditions[c].Covers name p n) with
                | Some(_, n) -> yield c, n
                | None -> ()
        ]

    let fields = fieldNames.Length
    let chosen = Array.create fields None

    let take (pick: int * float[] -> bool) (slot: int) =
        let used = chosen |> Array.choose (Option.map fst)

        match
            candidates
            |> List.tryFind (fun (c, n) -> not (Array.contains c used) && pick (c, n))
        with
        | Some cn -> chosen[slot] <- Some cn
        | None -> ()

    for k in 0 .. fields - 1 do
        take (fun (c, _) -> conditions[c].Fields = set [ k ] && not conditions[c].HasDerivatives) k

        if chosen[k].IsNone then
            take (fun (c, _) -> conditions[c].Fields = set [ k ]) k

    for k in 0 .. fields - 1 do
        if chosen[k].IsNone then
            take (fun (c, _) -> conditions[c].Fields.Contains k) k

    match chosen |> Array.tryFindIndex Option.isNone with
    | Some k ->
        Error(
            sprintf
                "no boundary condition fixes field '%s' at the boundary point %s (part %s): every boundary node needs one condition per field"
                fieldNames[k]
                (point p)
                (String.Join("+", parts |> List.map fst))
        )
    | None ->
        Ok(
            chosen
            |> Array.mapi (fun k cn ->
                let c, n = cn.Value

                {
                    Node = node
                    Slot = k
                    Condition = firstIndex + c
                    Normal = n
                })
        )

/// Every row of the grid: equations (indices 0 … fields − 1) at interior nodes, boundary conditions (indices
/// fields …) at boundary nodes. Errors name the node or the condition at fault.
let assign (grid: FdGrid) (fieldNames: string list) (boundary: RowCondition[]) : Result<GridRow[], string> =
    let fields = fieldNames.Length
    let rows = ResizeArray<GridRow>()
    let mutable failure = None

    for node in 0 .. grid.Count - 1 do
        if failure.IsNone then
            match grid.Parts[node] with
            | [] ->
                for k in 0 .. fields - 1 do
                    rows.Add
                        {
                            Node = node
                            Slot = k
                            Condition = k
                            Normal = [||]
                        }
            | parts ->
                match boundaryRows fieldNames boundary fields node grid.Points[node] parts with
                | Ok rs -> rows.AddRange rs
                | Error e -> failure <- Some e

    match failure with
    | Some e -> Error e
    | None ->
        let used = rows |> Seq.map (fun r -> r.Condition) |> set

        match
            boundary
            |> Array.indexed
            |> Array.tryFind (fun (c, b) -> b.Required && not (used.Contains(fields + c)))
        with
        | Some(_, c) ->
            Error(
                sprintf
                    "the boundary condition '%s' is imposed at no node of the %s: it covers no node, or other conditions already fix the fields wherever it holds (one condition per field and boundary node)"
                    c.Name
                    grid.Description
            )
        | None -> Ok(rows.ToArray())
