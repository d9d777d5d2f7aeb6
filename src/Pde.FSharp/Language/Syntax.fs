/// The vocabulary of PDE expressions: coordinates, fields, constants, parameters and the differential operators,
/// so that problems read like the mathematics (`-laplacian u + u ** 2 - f`). F#'s own exp, log, sin, cos, tanh,
/// sqrt and abs apply to expressions directly.
[<AutoOpen>]
module Pde.FSharp.Language.Syntax

/// The coordinate x (first input of the network).
let x = Coordinate "x"

/// The coordinate y (second spatial coordinate).
let y = Coordinate "y"

/// The coordinate z (third spatial coordinate).
let z = Coordinate "z"

/// Time t, the last coordinate of a space-time domain (Domain.spaceTime).
let t = Coordinate "t"

/// π as a number (multiply it with expressions: `sin (pi * x)`).
let pi = System.Math.PI

/// An unknown field: one output of the network (declare it in Problem.create).
let field (name: string) = Field name

/// A named constant; its value is given with Problem.constant.
let constant (name: string) = Constant name

/// A trainable scalar for inverse problems; declare it with Problem.parameter (its starting value).
let parameter (name: string) = Parameter name

/// A literal number as an expression.
let num (value: float) = Number value

/// a^b.
let pow (a: Expr) (b: Expr) = Power(a, b)

/// ∂e/∂(coordinate named c).
let d (c: string) (e: Expr) = Derivative(c, e)

/// ∂e/∂x.
let dx (e: Expr) = Derivative("x", e)

/// ∂e/∂y.
let dy (e: Expr) = Derivative("y", e)

/// ∂e/∂z.
let dz (e: Expr) = Derivative("z", e)

/// ∂e/∂t.
let dt (e: Expr) = Derivative("t", e)

/// ∂²e/∂x².
let dxx (e: Expr) = dx (dx e)

/// ∂²e/∂y².
let dyy (e: Expr) = dy (dy e)

/// ∂²e/∂z².
let dzz (e: Expr) = dz (dz e)

/// ∂²e/∂x∂y.
let dxy (e: Expr) = dx (dy e)

/// ∂²e/∂x∂z.
let dxz (e: Expr) = dx (dz e)

/// ∂²e/∂y∂z.
let dyz (e: Expr) = dy (dz e)

/// Δe over the spatial coordinates (t is excluded on a space-time domain).
let laplacian (e: Expr) = Laplacian e

/// ∇e over the spatial coordinates.
let grad (e: Expr) = Gradient e

/// ∇·v.
let div (v: Vector) = Divergence v

/// v·w.
let dot (v: Vector) (w: Vector) = Dot(v, w)

/// A vector from its components.
let vec (components: Expr list) = Components components

/// The outward unit normal of the boundary (boundary terms only).
let normal = Normal

/// The outward normal derivative ∂e/∂n = n·∇e (boundary terms only).
let dn (e: Expr) = Dot(Normal, Gradient e)
