namespace Pde.FSharp.Problems

open Pde.FSharp.Language
open Pde.FSharp.Geometry

/// Where a residual is evaluated.
[<NoEquality; NoComparison>]
type Placement =
    /// At interior collocation points.
    | Interior
    /// At points of the selected boundary parts (the normal n is available).
    | OnBoundary of Boundary
    /// At given points, against observed values: the residual is expression − observed.
    | Observations of points: float[][] * values: float[]

/// <summary>
/// One mean-square term of the loss: a residual expression, where it is evaluated, its weight, and optionally its
/// own number of points. Equations, Dirichlet/Neumann/Robin conditions and data are all conditions; build them
/// with the <c>Condition</c> module.
/// </summary>
[<NoEquality; NoComparison>]
type Condition =
    {
        /// Name in logs, breakdowns and error messages.
        Name: string
        /// The residual r; the term is Weight · mean(r²). For data, the observed expression (r = it − the observed
        /// value at each point).
        Residual: Expr
        /// Where r is evaluated.
        Placement: Placement
        /// Weight of the term (default 1).
        Weight: float
        /// Number of points for this term (default: the discretization's interior or boundary count).
        Points: int option
    }

/// Constructors of conditions and their modifiers.
[<RequireQualifiedAccess>]
module Condition =
    let private make name residual placement =
        {
            Name = name
            Residual = residual
            Placement = placement
            Weight = 1.0
            Points = None
        }

    /// The PDE residual = 0 in the interior.
    let equation (residual: Expr) = make "equation" residual Interior

    /// u = g on the selected boundary (residual u − g).
    let dirichlet (on: Boundary) (u: Expr) (g: Expr) =
        make (sprintf "dirichlet(%s)" on.Description) (u - g) (OnBoundary on)

    /// ∂u/∂n = g on the selected boundary (residual n·∇u − g, n the outward normal).
    let neumann (on: Boundary) (u: Expr) (g: Expr) =
        make (sprintf "neumann(%s)" on.Description) (dn u - g) (OnBoundary on)

    /// a·u + b·∂u/∂n = g on the selected boundary.
    let robin (on: Boundary) (a: Expr) (b: Expr) (u: Expr) (g: Expr) =
        make (sprintf "robin(%s)" on.Description) (a * u + b * dn u - g) (OnBoundary on)

    /// Any residual = 0 on the selected boundary.
    let boundary (on: Boundary) (residual: Expr) =
        make (sprintf "boundary(%s)" on.Description) residual (OnBoundary on)

    /// Observed values of an expression (usually a field) at given points (inverse problems): residual e − observed.
    let data (e: Expr) (points: float[][]) (values: float[]) =
        make (sprintf "data(%O)" e) e (Observations(points, values))

    /// Renames the condition.
    let named (name: string) (c: Condition) = { c with Name = name }

    /// Sets the weight.
    let weighted (weight: float) (c: Condition) = { c with Weight = weight }

    /// Sets the number of points of this term.
    let withPoints (n: int) (c: Condition) = { c with Points = Some n }
