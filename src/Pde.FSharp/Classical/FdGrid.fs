namespace Pde.FSharp.Classical

open Pde.FSharp.Symbolic

/// <summary>
/// A finite-difference grid of a planar domain: its nodes, their quadrature weights, the boundary parts each node
/// lies on (with the outward normal there), every Cartesian jet channel of a grid function at a node as a stencil
/// over node indices, and interpolation of grid values at any point. Built by <c>RectangleGrid</c> and
/// <c>PolarGrid</c>; the node ordering keeps every stencil within a band of the node index.
/// </summary>
[<NoEquality; NoComparison>]
type FdGrid =
    {
        /// What the grid is, for messages ("rectangle grid 33 × 33").
        Description: string
        /// Node coordinates (x, y).
        Points: float[][]
        /// Quadrature weights: Σ wᵢ f(pᵢ) ≈ ∫ f over the domain.
        Weights: float[]
        /// For each node, the boundary parts it lies on with the outward unit normal there, in the domain's part
        /// order; empty for interior nodes.
        Parts: (string * float[]) list[]
        /// The second-order stencil of a Cartesian jet channel (u, u_x, u_y, u_xx, u_xy, u_yy, Δu) at a node:
        /// (node index, weight) pairs.
        Jet: int -> Channel -> (int * float)[]
        /// Interpolates node values (one per node) at the given points (cubic Lagrange in grid coordinates).
        Interpolate: float[] -> float[][] -> float[]
        /// The grid spacing h that the discretization error scales with (h² for these stencils).
        Spacing: float
    }

    /// Number of nodes.
    member g.Count = g.Points.Length
