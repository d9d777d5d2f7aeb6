namespace Pde.FSharp.Classical

open System.Collections.Generic
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Symbolic
open Pde.FSharp.Loss

/// <summary>
/// One residual of a problem as a function of the jets of the fields at a point (u, u_x, u_y, u_xx, u_xy, u_yy,
/// Δu of every field read), of the point and of its outward normal, together with its exact partial derivatives
/// with respect to each jet. The partials come from the same lowered tree by the symbolic pass
/// (<see cref="Calculus"/>): every jet channel (and normal component) is renamed to an extra coordinate, the tree is
/// differentiated with respect to that coordinate, and the names are put back. The residual and its partials are
/// compiled together into one <see cref="Tape"/> bound to a fixed set of points (the grid rows of the residual).
/// </summary>
type LocalResidual(residual: Node, points: float[][], normals: float[][], parameters: float[]) =
    let jets = Node.jets residual |> Set.toArray

    let readsNormals =
        Node.leaves residual
        |> List.exists (fun leaf ->
            match leaf with
            | Node.Normal _ -> true
            | _ -> false)

    /// Rewrites the leaves chosen by `swap` (memoised by reference: lowered trees share subtrees).
    static let rename (swap: Node -> Node option) (root: Node) =
        let memo = Dictionary<Node, Node>(HashIdentity.Reference)

        let rec go (n: Node) =
            match memo.TryGetValue n with
            | true, r -> r
            | _ ->
                let r =
                    match swap n with
                    | Some s -> s
                    | None ->
                        match n with
                        | Node.Add(a, b) -> Node.add (go a) (go b)
                        | Node.Sub(a, b) -> Node.sub (go a) (go b)
                        | Node.Mul(a, b) -> Node.mul (go a) (go b)
                        | Node.Div(a, b) -> Node.div (go a) (go b)
                        | Node.Pow(a, b) -> Node.pow (go a) (go b)
                        | Node.Neg a -> Node.neg (go a)
                        | Node.Fn(f, a) -> Node.fn f (go a)
                        | leaf -> leaf

                memo[n] <- r
                r

        go root

    let partials =
        let slot = 2 // coordinates x, y come first
        let jetSlot = jets |> Array.mapi (fun k key -> key, slot + k) |> dict
        let normalSlot j = slot + jets.Length + j

        let toCoordinates =
            rename (fun n ->
                match n with
                | Node.Jet(o, c) -> Some(Node.X jetSlot[(o, c)])
                | Node.Normal j -> Some(Node.X(normalSlot j))
                | _ -> None)

        let back =
            rename (fun n ->
                match n with
                | Node.X i when i >= slot && i < slot + jets.Length ->
                    Some(Node.Jet(fst jets[i - slot], snd jets[i - slot]))
                | Node.X i when i >= slot + jets.Length -> Some(Node.Normal(i - slot - jets.Length))
                | _ -> None)

        let renamed = toCoordinates residual
        let calculus = Calculus([ 0; 1 ], slot + jets.Length + 2)
        jets |> Array.mapi (fun k _ -> back (calculus.Partial(slot + k, renamed)))

    let valueTape = Tape([| residual |])
    let tape = Tape(Array.append [| residual |] partials)

    let inputs (t: Tape) (values: float[][]) =
        t.JetKeys |> Array.map (fun key -> values[Array.findIndex ((=) key) jets])

    do
        if readsNormals && normals.Length <> points.Length then
            invalidArg "normals" "a boundary residual needs the outward normal at each of its points"

        let samples: Samples =
            {
                Dimension = 2
                Points = Array.concat points
                Normals = if normals.Length = 0 then [||] else Array.concat normals
            }

        tape.Bind(samples, [||])
        valueTape.Bind(samples, [||])

    /// The (field, channel) jets the residual reads, in the order of the partials.
    member _.Jets = jets

    /// Number of points (rows).
    member _.Count = points.Length

    /// The symbolic partial derivatives, in the order of Jets (for inspection and tests).
    member _.Partials = partials

    /// The residual at every point, given each jet's values at every point (in the order of Jets).
    member _.Evaluate(values: float[][]) : float[] =
        valueTape.Forward(inputs valueTape values, parameters)
        Array.copy (valueTape.Value 0)

    /// The residual and, per jet (in the order of Jets), its partial derivative at every point.
    member _.Linearize(values: float[][]) : float[] * float[][] =
        tape.Forward(inputs tape values, parameters)
        Array.copy (tape.Value 0), Array.init jets.Length (fun k -> Array.copy (tape.Value(1 + k)))
