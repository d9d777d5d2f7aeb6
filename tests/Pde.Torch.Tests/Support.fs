/// Shared helpers of the TorchSharp-backend tests: the problems of the equivalence table written in the PDE
/// language, seeded θ, and the two backends' loss and gradient at one θ.
module Pde.Torch.Tests.Support

open System
open TorchSharp
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Ecd.Core.Randomness
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.Torch

/// libtorch's intra-op threads on the calling thread: one (the machine is shared; spinning OpenMP threads make small
/// models slower).
let oneThread () = torch.set_num_threads 1

let private u = field "u"
let private v = field "v"

/// −Δu = 2π² sin πx sin πy on the unit square, u = 0 on the boundary (weight 10).
let poisson =
    let exact = sin (pi * x) * sin (pi * y)

    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (-laplacian u - 2.0 * pi * pi * exact)
    |> Problem.add (Condition.dirichlet Boundary.all u (num 0.0) |> Condition.weighted 10.0)

/// The BBI paper's PDE −Δu + u² = f_k on the unit disk, u = sin²k on the circle (k = 1).
let paperPde =
    let k = 1.0
    let r2 = x * x + y * y

    let f =
        (3.0 - 4.0 * (1.0 + 16.0 * k * k * r2) * cos (2.0 * k * r2) + cos (4.0 * k * r2)
         - 32.0 * k * sin (2.0 * k * r2))
        / 8.0

    Problem.create (Domain.disk (0.0, 0.0) 1.0) [ u ]
    |> Problem.equation (-laplacian u + u * u - f)
    |> Problem.dirichlet Boundary.all u (num (sin k ** 2.0))

/// Bratu Δu + λe^u = 0 on the unit square (λ = 1 as a named constant), u = 0 on the boundary.
let bratu =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.constant "lambda" 1.0
    |> Problem.equation (laplacian u + constant "lambda" * exp u)
    |> Problem.dirichlet Boundary.all u (num 0.0)

/// Allen–Cahn ε²Δu + u − u³ = 0 on the unit square (ε = 0.15), u = 0 on the boundary.
let allenCahn =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (0.15 * 0.15 * laplacian u + u - u ** 3)
    |> Problem.dirichlet Boundary.all u (num 0.0)

/// −Δu + u = f on the unit disk with ∂u/∂n given (u = e^(x/2) cos y).
let neumann =
    let exact = exp (x / 2.0) * cos y

    Problem.create (Domain.disk (0.0, 0.0) 1.0) [ u ]
    |> Problem.equation (-laplacian u + u - (-laplacian exact + exact))
    |> Problem.neumann Boundary.all u (dn exact)

/// −Δu = −Δ(exact) on an annulus, Dirichlet on the inner circle, Robin u + ∂u/∂n on the outer one.
let robin =
    let exact = sin x * exp (y / 2.0) + 0.5

    Problem.create (Domain.annulus (0.0, 0.0) 0.5 1.0) [ u ]
    |> Problem.equation (-laplacian u + laplacian exact)
    |> Problem.dirichlet (Boundary.part "inner") u exact
    |> Problem.robin (Boundary.part "outer") (num 1.0) (num 1.0) u (exact + dn exact)

/// A two-field system: −Δu + v = 1, −∇·(u∇v) + sin(u)·v = x y, mixed derivatives, both fields fixed on the boundary.
let system =
    Problem.create Domain.unitSquare [ u; v ]
    |> Problem.equation (-laplacian u + v - 1.0)
    |> Problem.equation (-div(u * grad v) + dxy v + sin u * v - x * y)
    |> Problem.dirichlet Boundary.all u (num 0.0)
    |> Problem.dirichlet Boundary.all v (x * y)

/// The inverse problem: the coefficient k of −kΔu = f (trainable, starts at 0.5) from 16 observations.
let inverse =
    let exact = sin (pi * x) * sin (pi * y)
    let observed = Sampling.grid Domain.unitSquare 16

    let values =
        observed |> Array.map (fun q -> sin (Math.PI * q[0]) * sin (Math.PI * q[1]))

    Problem.create Domain.unitSquare [ u ]
    |> Problem.parameter "k" 0.5
    |> Problem.equation (-parameter "k" * laplacian u - 1.5 * 2.0 * pi * pi * exact)
    |> Problem.dirichlet Boundary.all u (num 0.0)
    |> Problem.data u observed values

/// A hard constraint, a hole, a normal derivative of the second field, a parameter and data (GradientTests' problem).
let constrained = Pde.Tests.Shared.SystemProblem.create ()

/// The heat equation on a space-time domain (the Laplacian leaves t out).
let heat =
    Problem.create (Domain.spaceTime (Domain.interval 0.0 1.0) (0.0, 0.5)) [ u ]
    |> Problem.equation (dt u - 0.1 * laplacian u)
    |> Problem.dirichlet (Boundary.part "initial") u (sin (pi * x))
    |> Problem.dirichlet (Boundary.parts [ "left"; "right" ]) u (num 0.0)

/// Few points: the equivalence needs correctness, not accuracy.
let fewPoints =
    { PointSettings.defaults with
        Interior = 48
        Boundary = 16
        Seed = 3UL
    }

/// θ of the network drawn from the seed (Objective.start), every entry (biases too) moved by 0.1·N(0, 1) so that
/// no bias is zero, then the problem's parameters at their starts.
let thetaOf (network: Network<float>) (problem: Problem) (seed: uint64) =
    let theta = Objective.start network problem seed
    let rng = Xoshiro256.FromSeed(seed + 1000UL)

    for i in 0 .. network.ParameterCount - 1 do
        theta[i] <- theta[i] + 0.1 * rng.NextNormal()

    theta

/// (loss, gradient) of an objective at θ.
let evaluate (f: IObjective<float>) (theta: float[]) =
    let g = Array.zeroCreate theta.Length
    let loss = f.Evaluate(ReadOnlySpan theta, Span g)
    loss, g

/// max |a − b| / max |b|: the relative difference of two vectors (of two numbers when of length 1).
let relativeDifference (a: float[]) (b: float[]) =
    let scale = b |> Array.map abs |> Array.max
    let diff = Array.map2 (fun p q -> abs (p - q)) a b |> Array.max
    if scale = 0.0 then diff else diff / scale

/// Both backends' (loss, gradient) at the same θ: (native, torch, θ).
let bothBackends
    (architecture: Architecture)
    (weightDecay: float)
    (points: PointSettings)
    (problem: Problem)
    =
    let d = Discretize.run points problem
    let network = Objective.network<float> (Objective.spec problem architecture) 7UL
    let theta = thetaOf network problem 11UL
    use native = Objective.lossOn Objective.native d network weightDecay None
    use torchLoss = Objective.lossOn (TorchBackend.create ()) d network weightDecay None
    evaluate native theta, evaluate torchLoss theta, theta
