namespace Pde.FSharp.Symbolic

open System.Collections.Generic
open Pde.FSharp.Language

/// <summary>
/// The lowering pass of one problem: from expressions (names, fields, symbolic derivatives, vectors) to lowered
/// nodes whose only unknowns are jet channels of the network outputs. A field becomes its network output, or its
/// hard-constraint transform with raw(field) as that output; constants become numbers; gradients, divergences and
/// normal derivatives are expanded over the spatial coordinates; derivatives go through <see cref="Calculus"/>.
/// Checks the expression first (<see cref="Check"/>) and raises <see cref="ProblemError"/> naming the term.
/// </summary>
type Lowering(scope: Scope, transforms: Map<string, Expr>) =
    let index (names: string list) name = List.findIndex ((=) name) names
    let spatial = scope.Spatial |> List.map (index scope.Coordinates)
    let calculus = Calculus(spatial, scope.Coordinates.Length)
    let fieldNodes = Dictionary<string, Node>()

    let fieldName o = scope.Fields[o]

    let rec lower (e: Expr) : Node =
        match e with
        | Number v -> Node.num v
        | Constant c -> Node.num scope.Constants[c]
        | Parameter p -> Node.P(index scope.Parameters p)
        | Coordinate c -> Node.X(index scope.Coordinates c)
        | Raw f -> Node.Jet(index scope.Fields f, Value)
        | Field f ->
            match fieldNodes.TryGetValue f with
            | true, n -> n
            | _ ->
                let n =
                    match transforms.TryFind f with
                    | Some g -> lower g
                    | None -> Node.Jet(index scope.Fields f, Value)

                fieldNodes[f] <- n
                n
        | Derivative(c, a) -> calculus.Partial(index scope.Coordinates c, lower a)
        | Laplacian a -> calculus.Laplacian(lower a)
        | Add(a, b) -> Node.add (lower a) (lower b)
        | Subtract(a, b) -> Node.sub (lower a) (lower b)
        | Multiply(a, b) -> Node.mul (lower a) (lower b)
        | Divide(a, b) -> Node.div (lower a) (lower b)
        | Negate a -> Node.neg (lower a)
        | Power(a, b) -> Node.pow (lower a) (lower b)
        | Apply(f, a) -> Node.fn f (lower a)
        | Divergence v ->
            List.map2 (fun j c -> calculus.Partial(j, c)) spatial (lowerVector v)
            |> Node.sum
        | Dot(v, w) -> List.map2 Node.mul (lowerVector v) (lowerVector w) |> Node.sum
        | Component(v, i) -> (lowerVector v)[i]

    and lowerVector (v: Vector) : Node list =
        match v with
        | Gradient e ->
            let n = lower e
            spatial |> List.map (fun j -> calculus.Partial(j, n))
        | Components es -> es |> List.map lower
        | Normal -> spatial |> List.map Node.Normal
        | Scale(s, w) ->
            let s = lower s
            lowerVector w |> List.map (Node.mul s)
        | VectorAdd(a, b) -> List.map2 Node.add (lowerVector a) (lowerVector b)
        | VectorSubtract(a, b) -> List.map2 Node.sub (lowerVector a) (lowerVector b)
        | VectorNegate a -> lowerVector a |> List.map Node.neg

    /// The problems of the transforms themselves (checked once per problem).
    member _.TransformProblems =
        [
            for KeyValue(f, g) in transforms do
                if not (List.contains f scope.Fields) then
                    yield
                        sprintf
                            "hard constraint for unknown field '%s' (declared fields: %s)"
                            f
                            (System.String.Join(", ", scope.Fields))
                else
                    for p in Check.expression scope false (Some f) g do
                        yield sprintf "hard constraint of field '%s': %s" f p
        ]

    /// The problems of expression `e` of the term named `term` (empty if it can be lowered).
    member this.Problems(term: string, e: Expr, onBoundary: bool) : string list =
        match Check.expression scope onBoundary None e with
        | [] ->
            match this.TransformProblems with
            | [] ->
                try
                    lower e |> ignore
                    []
                with :? DerivativeError as err ->
                    match err.Output with
                    | Some o ->
                        [
                            sprintf
                                "%s: needs a derivative of order %d of field '%s', but the engine provides derivatives up to order 2"
                                term
                                err.Order
                                (fieldName o)
                        ]
                    | None -> [ sprintf "%s: %s" term err.Message ]
            | _ -> [] // reported once by the caller
        | problems -> problems |> List.map (fun p -> sprintf "%s: %s" term p)

    /// The lowered node of expression `e` of the term named `term`; raises ProblemError if it has problems.
    member this.Lower(term: string, e: Expr, onBoundary: bool) : Node =
        match this.TransformProblems @ this.Problems(term, e, onBoundary) with
        | [] -> lower e
        | problems -> raise (ProblemError problems)

    /// The scope.
    member _.Scope = scope
