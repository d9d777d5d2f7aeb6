/// What discovery reads off a problem's expressions: their additive terms (whose sizes make the gates' scales), what
/// they mention (fields, the boundary normal), the expression with every field replaced by 0, and the whole problem
/// as text (a folder's identity).
module Pde.Discovery.Terms

open System
open Pde.FSharp.Language
open Pde.FSharp.Problems

/// The additive terms of an expression (a − b + c ↦ a, b, c; signs dropped: only their sizes are used).
let rec additiveTerms (e: Expr) =
    match e with
    | Add(a, b)
    | Subtract(a, b) -> additiveTerms a @ additiveTerms b
    | Negate a -> additiveTerms a
    | e -> [ e ]

let rec private mentions (test: Expr -> bool) (vector: Vector -> bool) (e: Expr) =
    let go = mentions test vector

    test e
    || match e with
       | Number _
       | Constant _
       | Parameter _
       | Coordinate _
       | Field _
       | Raw _ -> false
       | Derivative(_, a)
       | Laplacian a
       | Negate a
       | Apply(_, a) -> go a
       | Add(a, b)
       | Subtract(a, b)
       | Multiply(a, b)
       | Divide(a, b)
       | Power(a, b) -> go a || go b
       | Divergence v
       | Component(v, _) -> mentionsIn test vector v
       | Dot(v, w) -> mentionsIn test vector v || mentionsIn test vector w

and private mentionsIn test vector (v: Vector) =
    vector v
    || match v with
       | Gradient e -> mentions test vector e
       | Components es -> es |> List.exists (mentions test vector)
       | Normal -> false
       | Scale(e, w) -> mentions test vector e || mentionsIn test vector w
       | VectorAdd(a, b)
       | VectorSubtract(a, b) -> mentionsIn test vector a || mentionsIn test vector b
       | VectorNegate a -> mentionsIn test vector a

/// Whether the expression depends on a field.
let hasField =
    mentions
        (function
        | Field _
        | Raw _ -> true
        | _ -> false)
        (fun _ -> false)

/// Whether the expression uses the boundary normal.
let hasNormal = mentions (fun _ -> false) (fun v -> v = Normal)

/// Replaces every field by 0.
let rec zeroFields (e: Expr) =
    match e with
    | Field _
    | Raw _ -> Number 0.0
    | Derivative(c, a) -> Derivative(c, zeroFields a)
    | Laplacian a -> Laplacian(zeroFields a)
    | Negate a -> Negate(zeroFields a)
    | Apply(f, a) -> Apply(f, zeroFields a)
    | Add(a, b) -> Add(zeroFields a, zeroFields b)
    | Subtract(a, b) -> Subtract(zeroFields a, zeroFields b)
    | Multiply(a, b) -> Multiply(zeroFields a, zeroFields b)
    | Divide(a, b) -> Divide(zeroFields a, zeroFields b)
    | Power(a, b) -> Power(zeroFields a, zeroFields b)
    | e -> e

/// The problem as text: domain, fields, constants, parameters and every condition (residual, where, weight). Two
/// problems with the same text are the same problem (a folder's identity; observations by their hash).
let describe (p: Problem) =
    let placement c =
        match c.Placement with
        | Interior -> "in the domain"
        | OnBoundary b -> "on " + b.Description
        | Observations(points, values) ->
            sprintf
                "at %d observations %s"
                values.Length
                (EcdPde.Runs.Checkpoint.hashOf (Array.append (Array.concat points) values))

    let conditions =
        p.Conditions
        |> List.map (fun c -> sprintf "%s: %O = 0 %s, weight %g" c.Name c.Residual (placement c) c.Weight)

    String.Join(
        "; ",
        [
            sprintf "domain %A" p.Domain
            "fields " + String.Join(", ", p.Fields)
            "constants "
            + String.Join(", ", p.Constants |> Seq.map (fun kv -> sprintf "%s = %g" kv.Key kv.Value))
            "parameters "
            + String.Join(", ", p.Parameters |> List.map (fun (n, v) -> sprintf "%s = %g" n v))
        ]
        @ conditions
    )
