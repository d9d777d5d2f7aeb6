/// The discovery examples, addressable by short names: the BBI paper's PDE on the unit disk and 2-D Bratu on the
/// unit square, each written in the PDE language, with an evaluation grid, probes, quality gates and an
/// independent classical check.
module Pde.Discovery.Examples

open System
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.FSharp.Classical

/// How an example is discovered unless the user says otherwise (sizes that finish in minutes on 2 cores).
type Defaults =
    {
        /// Runs of the first ensemble (same initialization, different bounce seeds).
        Runs: int
        Steps: int64
        Optimizer: string
        OptimizerSettings: (string * string) list
        /// Optimizer of the deflated rounds.
        DeflationOptimizer: string
        DeflationOptimizerSettings: (string * string) list
        /// Steps of every deflated run, and of the polish on the plain loss after it (L-BFGS: monotone, so a true
        /// solution is refined and a minimum made by the deflation slides to the nearest true one).
        DeflationSteps: int64
        PolishSteps: int64
        DeflationRounds: int
        /// Runs per deflation round: the first from the initialization, the others from the known solutions with
        /// scaled amplitude (see Deflation.startAmplitudes).
        DeflationRuns: int
    }

/// BBI with the paper's kind of bounce schedule (δE 1, T0 200, N_b 10, T1 2000) at learning rate `lr`.
let bbi (lr: float) =
    "bbi",
    [
        "lr", string lr
        "deltaEn", "1"
        "threshold0", "200"
        "nFixedBounces", "10"
        "threshold", "2000"
    ]

/// The size of an example: the default finishes in minutes on 2 cores; the full size is the published setting
/// (the BBI paper's network, points and optimizer for its PDE) or a larger network and more points.
type Size =
    | Default
    | Full

/// Network, points and loss weights of one size.
[<NoEquality; NoComparison>]
type Scale =
    {
        Architecture: Architecture
        Interior: int
        Boundary: int
        BoundaryWeight: float
        /// L2 regularization λ·Σθ² added to the loss.
        WeightDecay: float
        GridPoints: int
    }

/// Default size: a tanh 32-32-32 MLP, 1000 interior and 200 boundary points, boundary weight 100, no L2,
/// a 2000-point evaluation grid.
let defaultScale =
    {
        Architecture = Architecture.mlp [ 32; 32; 32 ] Activation.Tanh
        Interior = 1000
        Boundary = 200
        BoundaryWeight = 100.0
        WeightDecay = 0.0
        GridPoints = 2000
    }

/// The BBI paper's size: residual sigmoid network (2→200, three blocks, 200→1), 10 000 interior and 1000 boundary
/// points, boundary weight 1e5, L2 2e-4·Σθ², a 5000-point evaluation grid.
let paperScale =
    {
        Architecture = Architecture.residual 200 3 Activation.Sigmoid
        Interior = 10000
        Boundary = 1000
        BoundaryWeight = 1e5
        WeightDecay = 2e-4
        GridPoints = 5000
    }

/// A larger generic size: tanh 64-64-64-64, 4000 interior and 800 boundary points, boundary weight 100.
let largeScale =
    {
        Architecture = Architecture.mlp [ 64; 64; 64; 64 ] Activation.Tanh
        Interior = 4000
        Boundary = 800
        BoundaryWeight = 100.0
        WeightDecay = 0.0
        GridPoints = 5000
    }

/// The optimizer that polishes deflated runs on the plain loss: L-BFGS without stopping tolerances.
let polishOptimizer = "lbfgs", [ "toleranceChange", "0"; "toleranceGrad", "0" ]

/// A discovery example.
[<NoEquality; NoComparison>]
type Example =
    {
        Name: string
        Parameters: (string * float) list
        Problem: Problem
        /// The PDE residual (for the quality gate on the evaluation grid).
        Residual: Expr
        /// The field and its boundary value (for the boundary gate).
        Field: Expr
        BoundaryValue: float
        Architecture: Architecture
        Points: PointSettings
        /// L2 regularization of the loss.
        WeightDecay: float
        /// Evaluation grid (points in the domain) and its quadrature weights.
        Grid: float[][]
        Weights: float[]
        Probes: (float * float) list
        Gates: Solutions.QualityGates
        /// The field's typical magnitude: relative distances are taken relative to max(‖a‖, ‖b‖, Magnitude), so
        /// that fields near the zero solution are compared absolutely.
        Magnitude: float
        /// The classical solutions (values on the grid) and a description of each.
        Classical: unit -> (string * float[]) list
        Defaults: Defaults
    }

/// The shape the examples share (and a builder for scripts, `ecdpde discover my-problem.fsx`): one field u, the
/// equation residual(u) = 0 in the domain, u = g on the whole boundary, network, points and weights from `scale`,
/// gates residual L² ≤ `maxResidual` and boundary error ≤ 0.1, probes, the classical solutions on the evaluation grid
/// (a function of the grid) and the discovery defaults.
let dirichlet
    (scale: Scale)
    (name: string)
    (parameters: (string * float) list)
    (domain: Domain)
    (area: float)
    (residualOf: Expr -> Expr)
    (maxResidual: float)
    (boundaryValue: float)
    (probes: (float * float) list)
    (classical: float[][] -> unit -> (string * float[]) list)
    (defaults: Defaults)
    =
    let u = field "u"
    let residual = residualOf u
    let g = Sampling.grid domain scale.GridPoints

    {
        Name = name
        Parameters = parameters
        Problem =
            Problem.create domain [ u ]
            |> Problem.equation residual
            |> Problem.add (
                Condition.dirichlet Boundary.all u (num boundaryValue)
                |> Condition.weighted scale.BoundaryWeight
            )
        Residual = residual
        Field = u
        BoundaryValue = boundaryValue
        Architecture = scale.Architecture
        Points =
            { PointSettings.defaults with
                Interior = scale.Interior
                Boundary = scale.Boundary
            }
        WeightDecay = scale.WeightDecay
        Grid = g
        Weights = Array.create g.Length (area / float g.Length)
        Probes = probes
        Gates =
            {
                MaxResidualL2 = maxResidual
                MaxBoundary = 0.1
            }
        Magnitude = 1.0
        Classical = classical g
        Defaults = defaults
    }

/// The points of the boundary sets of a discretization (where the boundary gate is measured).
let boundaryPoints (discretization: Discretization) =
    discretization.Sets
    |> Array.filter (fun set -> set.Samples.Normals.Length > 0)
    |> Array.collect (fun set -> Array.init set.Samples.Count set.Samples.Point)

/// The interior collocation points of a discretization (the sets with neither normals nor observed values).
let interiorPoints (discretization: Discretization) =
    discretization.Sets
    |> Array.filter (fun set -> set.Samples.Normals.Length = 0 && set.Observed.Length = 0)
    |> Array.collect (fun set -> Array.init set.Samples.Count set.Samples.Point)

/// The model of network weights θ for an example (its network's fixed random parts drawn from `networkSeed`).
let model (e: Example) (spec: NetworkSpec) (networkSeed: uint64) (theta: float[]) =
    {
        Problem = e.Problem
        Network = spec
        NetworkSeed = networkSeed
        Weights = theta
        Parameters = []
    }

/// What the gates and the deduplication look at, for weights θ: the field on the evaluation grid, the residual's L²
/// norm and maximum there, the largest boundary error at `boundary`, and the probes.
let measure
    (e: Example)
    (spec: NetworkSpec)
    (networkSeed: uint64)
    (boundary: float[][])
    (theta: float[])
    : Ensemble.FieldMeasurement =
    let m = model e spec networkSeed theta
    let values = Model.evaluate m e.Field e.Grid
    let residual = Model.evaluate m e.Residual e.Grid
    let onBoundary = Model.evaluate m e.Field boundary

    let probes =
        Model.evaluate m e.Field (e.Probes |> List.map (fun (px, py) -> [| px; py |]) |> Array.ofList)

    {
        Values = values
        ResidualL2 = Solutions.normL2 e.Weights residual
        ResidualMax = residual |> Array.fold (fun a v -> max a (abs v)) 0.0
        BoundaryMax = onBoundary |> Array.fold (fun a v -> max a (abs (v - e.BoundaryValue))) 0.0
        Probes = List.mapi (fun i (px, py) -> px, py, probes[i]) e.Probes
    }
