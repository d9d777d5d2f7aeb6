/// Hard constraints (Problem.hardConstraint: u = T(raw u), e.g. g + d·N with d = 0 on the boundary) for the
/// classical solver, whose unknown is the field itself: the interior equations ignore T, and T becomes the boundary
/// condition u = T(0) at the boundary nodes where T does not depend on the raw output (T(1) − T(0) vanishes there,
/// as d does). Explicit boundary conditions of the same field take precedence (they come first in the row
/// assignment).
module Pde.FSharp.Classical.HardConstraint

open Pde.FSharp.Language
open Pde.FSharp.Problems

let rec private withRaw (value: float) (e: Expr) : Expr =
    let r = withRaw value
    let rv = withRawVector value

    match e with
    | Raw _ -> Number value
    | Number _
    | Constant _
    | Parameter _
    | Coordinate _
    | Field _ -> e
    | Derivative(c, a) -> Derivative(c, r a)
    | Laplacian a -> Laplacian(r a)
    | Add(a, b) -> Add(r a, r b)
    | Subtract(a, b) -> Subtract(r a, r b)
    | Multiply(a, b) -> Multiply(r a, r b)
    | Divide(a, b) -> Divide(r a, r b)
    | Negate a -> Negate(r a)
    | Power(a, b) -> Power(r a, r b)
    | Apply(f, a) -> Apply(f, r a)
    | Divergence v -> Divergence(rv v)
    | Dot(v, w) -> Dot(rv v, rv w)
    | Component(v, i) -> Component(rv v, i)

and private withRawVector (value: float) (v: Vector) : Vector =
    let r = withRaw value
    let rv = withRawVector value

    match v with
    | Gradient e -> Gradient(r e)
    | Components es -> Components(List.map r es)
    | Normal -> Normal
    | Scale(e, w) -> Scale(r e, rv w)
    | VectorAdd(a, b) -> VectorAdd(rv a, rv b)
    | VectorSubtract(a, b) -> VectorSubtract(rv a, rv b)
    | VectorNegate a -> VectorNegate(rv a)

/// For each hard-constrained field, in the order of the problem's fields: the boundary condition u − T(0) (named
/// "hard constraint of u", on the whole boundary) and the factor T(1) − T(0), which must vanish where it holds.
let conditions (problem: Problem) : (Condition * Expr) list =
    [
        for f in problem.Fields do
            match problem.Transforms.TryFind f with
            | Some t ->
                let atZero = withRaw 0.0 t

                yield
                    Condition.boundary Pde.FSharp.Geometry.Boundary.all (Field f - atZero)
                    |> Condition.named (sprintf "hard constraint of %s" f),
                    withRaw 1.0 t - atZero
            | None -> ()
    ]
