namespace Pde.FSharp.Discretization

open Pde.FSharp.Geometry

/// How a problem is discretized into collocation points.
type PointSettings =
    {
        /// Interior points shared by the equations (default 1000).
        Interior: int
        /// Points of each boundary condition (default 200).
        Boundary: int
        /// Placement of the points (default Halton).
        Sampler: Sampler
        /// Seed of every random draw of the points (default 0).
        Seed: uint64
        /// Draw fresh points every K optimizer steps (default None: the points stay fixed). Not with L-BFGS, whose
        /// line search and curvature pairs assume one objective.
        ResampleEvery: int option
    }

/// Default point settings.
[<RequireQualifiedAccess>]
module PointSettings =
    /// 1000 interior and 200 points per boundary condition, Halton, seed 0, no resampling.
    let defaults =
        {
            Interior = 1000
            Boundary = 200
            Sampler = Halton
            Seed = 0UL
            ResampleEvery = None
        }
