namespace Pde.FSharp.Language

open System
open System.Globalization

/// Elementwise functions of an expression.
type Function =
    /// e^a.
    | Exp
    /// Natural logarithm.
    | Log
    /// sin a.
    | Sin
    /// cos a.
    | Cos
    /// tanh a.
    | Tanh
    /// √a.
    | Sqrt
    /// |a|.
    | Abs
    /// sign a (−1, 0, 1); appears in the derivative of |a|, its own derivative is 0.
    | Sign

    /// The name used in formulas.
    member f.Name =
        match f with
        | Exp -> "exp"
        | Log -> "log"
        | Sin -> "sin"
        | Cos -> "cos"
        | Tanh -> "tanh"
        | Sqrt -> "sqrt"
        | Abs -> "abs"
        | Sign -> "sign"

/// <summary>
/// A scalar expression of a PDE problem: an immutable tree that reads like the mathematics
/// (<c>-laplacian u + u ** 2.0 - f</c>). Fields stand for the unknown functions (network outputs), coordinates
/// for the independent variables; derivative nodes stay symbolic until the lowering pass expands them.
/// </summary>
[<CustomEquality; NoComparison>]
type Expr =
    /// A literal number.
    | Number of float
    /// A named constant, given a value in the problem (Problem.constant).
    | Constant of string
    /// A trainable scalar (inverse problems), declared in the problem with its starting value.
    | Parameter of string
    /// A coordinate by name: x, y, z or t.
    | Coordinate of string
    /// An unknown field (u, v, …): one output of the network, or its hard-constraint transform.
    | Field of string
    /// The raw network output behind a field; only inside a hard-constraint transform u = g + d·N.
    | Raw of string
    /// The partial derivative ∂e/∂(coordinate).
    | Derivative of string * Expr
    /// The Laplacian over the spatial coordinates (t excluded).
    | Laplacian of Expr
    /// a + b.
    | Add of Expr * Expr
    /// a − b.
    | Subtract of Expr * Expr
    /// a·b.
    | Multiply of Expr * Expr
    /// a / b.
    | Divide of Expr * Expr
    /// −a.
    | Negate of Expr
    /// a^b.
    | Power of Expr * Expr
    /// An elementwise function.
    | Apply of Function * Expr
    /// The divergence of a vector expression (spatial).
    | Divergence of Vector
    /// The dot product of two vector expressions.
    | Dot of Vector * Vector
    /// Component i (0-based) of a vector expression.
    | Component of Vector * int

    /// Structural equality (NaN literals compare by their bits, so a tree always equals itself).
    override a.Equals(o: obj) =
        match o with
        | :? Expr as b -> Expr.Same(a, b)
        | _ -> false

    /// A hash consistent with Equals.
    override e.GetHashCode() = Expr.Hash(e, 6)

    static member internal Same(a: Expr, b: Expr) : bool =
        match a, b with
        | Number p, Number q -> BitConverter.DoubleToInt64Bits p = BitConverter.DoubleToInt64Bits q
        | Constant p, Constant q
        | Parameter p, Parameter q
        | Coordinate p, Coordinate q
        | Field p, Field q
        | Raw p, Raw q -> p = q
        | Derivative(c, e), Derivative(d, f) -> c = d && Expr.Same(e, f)
        | Laplacian e, Laplacian f
        | Negate e, Negate f -> Expr.Same(e, f)
        | Add(a1, a2), Add(b1, b2)
        | Subtract(a1, a2), Subtract(b1, b2)
        | Multiply(a1, a2), Multiply(b1, b2)
        | Divide(a1, a2), Divide(b1, b2)
        | Power(a1, a2), Power(b1, b2) -> Expr.Same(a1, b1) && Expr.Same(a2, b2)
        | Apply(f, e), Apply(g, h) -> f = g && Expr.Same(e, h)
        | Divergence v, Divergence w -> Vector.Same(v, w)
        | Dot(v1, v2), Dot(w1, w2) -> Vector.Same(v1, w1) && Vector.Same(v2, w2)
        | Component(v, i), Component(w, j) -> i = j && Vector.Same(v, w)
        | _ -> false

    static member internal Hash(e: Expr, depth: int) : int =
        let inline mix (h: int) (k: int) = h * 31 + k

        if depth = 0 then
            0
        else
            let d = depth - 1

            match e with
            | Number v -> v.GetHashCode()
            | Constant s -> mix 1 (s.GetHashCode())
            | Parameter s -> mix 2 (s.GetHashCode())
            | Coordinate s -> mix 3 (s.GetHashCode())
            | Field s -> mix 4 (s.GetHashCode())
            | Raw s -> mix 5 (s.GetHashCode())
            | Derivative(c, a) -> mix (mix 6 (c.GetHashCode())) (Expr.Hash(a, d))
            | Laplacian a -> mix 7 (Expr.Hash(a, d))
            | Add(a, b) -> mix (mix 8 (Expr.Hash(a, d))) (Expr.Hash(b, d))
            | Subtract(a, b) -> mix (mix 9 (Expr.Hash(a, d))) (Expr.Hash(b, d))
            | Multiply(a, b) -> mix (mix 10 (Expr.Hash(a, d))) (Expr.Hash(b, d))
            | Divide(a, b) -> mix (mix 11 (Expr.Hash(a, d))) (Expr.Hash(b, d))
            | Negate a -> mix 12 (Expr.Hash(a, d))
            | Power(a, b) -> mix (mix 13 (Expr.Hash(a, d))) (Expr.Hash(b, d))
            | Apply(f, a) -> mix (mix 14 (f.GetHashCode())) (Expr.Hash(a, d))
            | Divergence _ -> 15
            | Dot _ -> 16
            | Component(_, i) -> mix 17 i

    /// The expression as a formula (for messages and logs).
    override e.ToString() = Expr.Format(e, 0)

    static member internal Format(e: Expr, outer: int) : string =
        let paren p (s: string) = if p < outer then "(" + s + ")" else s

        match e with
        | Number v when v < 0.0 -> paren 3 (v.ToString("G6", CultureInfo.InvariantCulture))
        | Number v -> v.ToString("G6", CultureInfo.InvariantCulture)
        | Constant s
        | Parameter s
        | Coordinate s
        | Field s -> s
        | Raw s -> "raw(" + s + ")"
        | Derivative(c, a) -> sprintf "d%s(%s)" c (Expr.Format(a, 0))
        | Laplacian a -> sprintf "laplacian(%s)" (Expr.Format(a, 0))
        | Add(a, b) -> paren 1 (Expr.Format(a, 1) + " + " + Expr.Format(b, 1))
        | Subtract(a, b) -> paren 1 (Expr.Format(a, 1) + " - " + Expr.Format(b, 2))
        | Multiply(a, b) -> paren 2 (Expr.Format(a, 2) + "*" + Expr.Format(b, 2))
        | Divide(a, b) -> paren 2 (Expr.Format(a, 2) + "/" + Expr.Format(b, 3))
        | Negate a -> paren 3 ("-" + Expr.Format(a, 3))
        | Power(a, b) -> paren 4 (Expr.Format(a, 5) + "^" + Expr.Format(b, 5))
        | Apply(f, a) -> sprintf "%s(%s)" f.Name (Expr.Format(a, 0))
        | Divergence v -> sprintf "div(%s)" (Vector.Format v)
        | Dot(v, w) -> sprintf "dot(%s, %s)" (Vector.Format v) (Vector.Format w)
        | Component(v, i) -> sprintf "%s[%d]" (Vector.Format v) i

    /// a + b.
    static member (+)(a: Expr, b: Expr) = Add(a, b)
    /// a + b.
    static member (+)(a: Expr, b: float) = Add(a, Number b)
    /// a + b.
    static member (+)(a: float, b: Expr) = Add(Number a, b)
    /// a + b.
    static member (+)(a: Expr, b: int) = Add(a, Number(float b))
    /// a + b.
    static member (+)(a: int, b: Expr) = Add(Number(float a), b)
    /// a − b.
    static member (-)(a: Expr, b: Expr) = Subtract(a, b)
    /// a − b.
    static member (-)(a: Expr, b: float) = Subtract(a, Number b)
    /// a − b.
    static member (-)(a: float, b: Expr) = Subtract(Number a, b)
    /// a − b.
    static member (-)(a: Expr, b: int) = Subtract(a, Number(float b))
    /// a − b.
    static member (-)(a: int, b: Expr) = Subtract(Number(float a), b)
    /// a·b.
    static member (*)(a: Expr, b: Expr) = Multiply(a, b)
    /// a·b.
    static member (*)(a: Expr, b: float) = Multiply(a, Number b)
    /// a·b.
    static member (*)(a: float, b: Expr) = Multiply(Number a, b)
    /// a·b.
    static member (*)(a: Expr, b: int) = Multiply(a, Number(float b))
    /// a·b.
    static member (*)(a: int, b: Expr) = Multiply(Number(float a), b)
    /// a / b.
    static member (/)(a: Expr, b: Expr) = Divide(a, b)
    /// a / b.
    static member (/)(a: Expr, b: float) = Divide(a, Number b)
    /// a / b.
    static member (/)(a: float, b: Expr) = Divide(Number a, b)
    /// a / b.
    static member (/)(a: Expr, b: int) = Divide(a, Number(float b))
    /// a / b.
    static member (/)(a: int, b: Expr) = Divide(Number(float a), b)
    /// −a.
    static member (~-)(a: Expr) = Negate a
    /// +a.
    static member (~+)(a: Expr) = a
    /// a ** b.
    static member Pow(a: Expr, b: Expr) = Power(a, b)
    /// a ** b.
    static member Pow(a: Expr, b: float) = Power(a, Number b)
    /// a ** b (an integer exponent, so that u ** 2 reads like the math).
    static member Pow(a: Expr, b: int) = Power(a, Number(float b))
    /// exp a (so that F#'s exp works on expressions).
    static member Exp(a: Expr) = Apply(Function.Exp, a)
    /// log a.
    static member Log(a: Expr) = Apply(Function.Log, a)
    /// sin a.
    static member Sin(a: Expr) = Apply(Function.Sin, a)
    /// cos a.
    static member Cos(a: Expr) = Apply(Function.Cos, a)
    /// tanh a.
    static member Tanh(a: Expr) = Apply(Function.Tanh, a)
    /// √a.
    static member Sqrt(a: Expr) = Apply(Function.Sqrt, a)
    /// |a|.
    static member Abs(a: Expr) = Apply(Function.Abs, a)

/// A vector expression over the spatial coordinates (its length is the spatial dimension of the domain).
and [<CustomEquality; NoComparison>] Vector =
    /// ∇e (spatial gradient).
    | Gradient of Expr
    /// Explicit components.
    | Components of Expr list
    /// The outward unit normal (boundary terms only).
    | Normal
    /// s·v.
    | Scale of Expr * Vector
    /// v + w.
    | VectorAdd of Vector * Vector
    /// v − w.
    | VectorSubtract of Vector * Vector
    /// −v.
    | VectorNegate of Vector

    /// Structural equality.
    override a.Equals(o: obj) =
        match o with
        | :? Vector as b -> Vector.Same(a, b)
        | _ -> false

    /// A hash consistent with Equals.
    override v.GetHashCode() =
        match v with
        | Gradient e -> 31 + Expr.Hash(e, 5)
        | Components es -> 37 + es.Length
        | Normal -> 41
        | Scale(e, _) -> 43 + Expr.Hash(e, 4)
        | VectorAdd _ -> 47
        | VectorSubtract _ -> 53
        | VectorNegate _ -> 59

    static member internal Same(a: Vector, b: Vector) : bool =
        match a, b with
        | Gradient e, Gradient f -> Expr.Same(e, f)
        | Components es, Components fs ->
            es.Length = fs.Length && List.forall2 (fun e f -> Expr.Same(e, f)) es fs
        | Normal, Normal -> true
        | Scale(e, v), Scale(f, w) -> Expr.Same(e, f) && Vector.Same(v, w)
        | VectorAdd(v1, v2), VectorAdd(w1, w2)
        | VectorSubtract(v1, v2), VectorSubtract(w1, w2) -> Vector.Same(v1, w1) && Vector.Same(v2, w2)
        | VectorNegate v, VectorNegate w -> Vector.Same(v, w)
        | _ -> false

    /// The vector as a formula.
    override v.ToString() = Vector.Format v

    static member internal Format(v: Vector) : string =
        match v with
        | Gradient e -> sprintf "grad(%s)" (Expr.Format(e, 0))
        | Components es -> "[" + String.Join(", ", es |> List.map (fun e -> Expr.Format(e, 0))) + "]"
        | Normal -> "n"
        | Scale(e, w) -> sprintf "%s*%s" (Expr.Format(e, 3)) (Vector.Format w)
        | VectorAdd(a, b) -> sprintf "(%s + %s)" (Vector.Format a) (Vector.Format b)
        | VectorSubtract(a, b) -> sprintf "(%s - %s)" (Vector.Format a) (Vector.Format b)
        | VectorNegate a -> "-" + Vector.Format a

    /// v + w.
    static member (+)(v: Vector, w: Vector) = VectorAdd(v, w)
    /// v − w.
    static member (-)(v: Vector, w: Vector) = VectorSubtract(v, w)
    /// −v.
    static member (~-)(v: Vector) = VectorNegate v
    /// s·v.
    static member (*)(s: Expr, v: Vector) = Scale(s, v)
    /// v·s.
    static member (*)(v: Vector, s: Expr) = Scale(s, v)
    /// s·v.
    static member (*)(s: float, v: Vector) = Scale(Number s, v)
    /// v·s.
    static member (*)(v: Vector, s: float) = Scale(Number s, v)
    /// v / s.
    static member (/)(v: Vector, s: Expr) = Scale(Divide(Number 1.0, s), v)
    /// v / s.
    static member (/)(v: Vector, s: float) = Scale(Number(1.0 / s), v)
