namespace Pde.FSharp.Symbolic

open Pde.FSharp.Language

/// <summary>
/// One jet channel of a network output at a point: the value, a first derivative ∂/∂x_j, a second derivative
/// ∂²/∂x_i∂x_j (i ≤ j) or the collapsed Laplacian Σ_j ∂²/∂x_j² over all inputs (Ecd.Core.Engine.ChannelLayout).
/// </summary>
type Channel =
    /// u.
    | Value
    /// ∂u/∂x_j.
    | First of int
    /// ∂²u/∂x_i∂x_j with i ≤ j.
    | Second of int * int
    /// Σ_j ∂²u/∂x_j² over every input.
    | CollapsedLaplacian

    /// Derivative order of the channel.
    member c.Order =
        match c with
        | Value -> 0
        | First _ -> 1
        | Second _
        | CollapsedLaplacian -> 2

/// <summary>
/// The lowered form of an expression: names resolved to indices, fields replaced by network outputs (or their
/// hard-constraint transforms), every derivative pushed down to the jet channels of the outputs. This is what
/// the channel pass reads and the tape compiler compiles. Build it with the smart constructors of <c>Node</c>
/// (module), which fold constants and drop zeros.
/// </summary>
[<RequireQualifiedAccess>]
type Node =
    /// A number.
    | Num of float
    /// Coordinate j of the point.
    | X of int
    /// Trainable parameter k.
    | P of int
    /// A jet channel of network output o.
    | Jet of int * Channel
    /// Component j of the outward normal (boundary point sets).
    | Normal of int
    /// The observed value at the point (data terms).
    | Observed
    /// a + b.
    | Add of Node * Node
    /// a − b.
    | Sub of Node * Node
    /// a·b.
    | Mul of Node * Node
    /// a / b.
    | Div of Node * Node
    /// −a.
    | Neg of Node
    /// a^b.
    | Pow of Node * Node
    /// An elementwise function.
    | Fn of Function * Node

/// Smart constructors of lowered nodes: constant folding and the identities 0 + a = a, 1·a = a, 0·a = 0, a^1 = a.
/// They keep the output of the symbolic derivative passes small.
[<RequireQualifiedAccess>]
module Node =
    /// The number 0.
    let zero = Node.Num 0.0

    /// The number 1.
    let one = Node.Num 1.0

    /// A number.
    let num v = Node.Num v

    /// a + b.
    let add a b =
        match a, b with
        | Node.Num 0.0, e
        | e, Node.Num 0.0 -> e
        | Node.Num p, Node.Num q -> Node.Num(p + q)
        | e, Node.Neg f -> Node.Sub(e, f)
        | _ -> Node.Add(a, b)

    /// −a.
    let neg a =
        match a with
        | Node.Num v -> Node.Num(-v)
        | Node.Neg e -> e
        | _ -> Node.Neg a

    /// a − b.
    let sub a b =
        match a, b with
        | e, Node.Num 0.0 -> e
        | Node.Num 0.0, e -> neg e
        | Node.Num p, Node.Num q -> Node.Num(p - q)
        | e, Node.Neg f -> add e f
        | _ -> Node.Sub(a, b)

    /// a·b.
    let mul a b =
        match a, b with
        | Node.Num 0.0, _
        | _, Node.Num 0.0 -> zero
        | Node.Num 1.0, e
        | e, Node.Num 1.0 -> e
        | Node.Num -1.0, e
        | e, Node.Num -1.0 -> neg e
        | Node.Num p, Node.Num q -> Node.Num(p * q)
        | Node.Num p, Node.Mul(Node.Num q, e)
        | Node.Mul(Node.Num q, e), Node.Num p -> Node.Mul(Node.Num(p * q), e)
        | e, Node.Num p -> Node.Mul(Node.Num p, e)
        | _ -> Node.Mul(a, b)

    /// a / b.
    let div a b =
        match a, b with
        | Node.Num 0.0, _ -> zero
        | e, Node.Num 1.0 -> e
        | Node.Num p, Node.Num q when q <> 0.0 -> Node.Num(p / q)
        | e, Node.Num q when q <> 0.0 -> mul (Node.Num(1.0 / q)) e
        | _ -> Node.Div(a, b)

    /// a^b.
    let pow a b =
        match a, b with
        | _, Node.Num 0.0 -> one
        | e, Node.Num 1.0 -> e
        | Node.Num p, Node.Num q -> Node.Num(p ** q)
        | _ -> Node.Pow(a, b)

    /// f(a).
    let fn f a =
        match f, a with
        | Function.Sign, Node.Num v -> Node.Num(float (sign v))
        | Function.Exp, Node.Num v -> Node.Num(exp v)
        | Function.Log, Node.Num v when v > 0.0 -> Node.Num(log v)
        | Function.Sin, Node.Num v -> Node.Num(sin v)
        | Function.Cos, Node.Num v -> Node.Num(cos v)
        | Function.Tanh, Node.Num v -> Node.Num(tanh v)
        | Function.Sqrt, Node.Num v when v >= 0.0 -> Node.Num(sqrt v)
        | Function.Abs, Node.Num v -> Node.Num(abs v)
        | _ -> Node.Fn(f, a)

    /// Σ of the nodes.
    let sum (nodes: Node seq) = Seq.fold add zero nodes

    /// Every distinct leaf of the node (numbers, coordinates, parameters, jet channels, normal components, the
    /// observed value); a subtree shared by reference is walked once.
    let leaves (n: Node) : Node list =
        let seen = System.Collections.Generic.HashSet<Node>(HashIdentity.Reference)
        let found = System.Collections.Generic.HashSet<Node>()

        let rec walk (n: Node) =
            if seen.Add n then
                match n with
                | Node.Neg a
                | Node.Fn(_, a) -> walk a
                | Node.Add(a, b)
                | Node.Sub(a, b)
                | Node.Mul(a, b)
                | Node.Div(a, b)
                | Node.Pow(a, b) ->
                    walk a
                    walk b
                | leaf -> found.Add leaf |> ignore

        walk n
        List.ofSeq found

    /// Every jet channel the node reads, as (output, channel).
    let jets (n: Node) : Set<int * Channel> =
        leaves n
        |> List.choose (fun leaf ->
            match leaf with
            | Node.Jet(o, c) -> Some(o, c)
            | _ -> None)
        |> Set.ofList
