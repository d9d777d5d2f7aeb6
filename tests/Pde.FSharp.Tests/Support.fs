/// Shared helpers of the PDE-language tests: small problems, losses at random θ, finite differences.
module Pde.FSharp.Tests.Support

open System
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Ecd.Core.Randomness
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training

/// A small tanh network for derivative checks.
let smallNetwork = Architecture.mlp [ 8; 8 ] Activation.Tanh

/// Few points: derivative checks need correctness, not accuracy.
let fewPoints =
    { PointSettings.defaults with
        Interior = 24
        Boundary = 12
        Seed = 3UL
    }

/// The float64 loss of `problem` with a seeded network, and a θ (random weights, then the parameters' starts).
let lossOf (architecture: Architecture) (weightDecay: float) (points: PointSettings) (problem: Problem) =
    let d = Discretize.run points problem

    let spec =
        Architecture.spec problem.Scope.Coordinates.Length problem.Fields.Length architecture

    let network = Network<float>(spec, 7UL)
    let loss = new PinnLoss<float>(d, network, weightDecay, None)

    let theta =
        Array.append (network.NewParameters 11UL) (problem.Parameters |> List.map snd |> Array.ofList)

    loss, theta

/// F(θ) without the gradient.
let value (f: IObjective<float>) (theta: float[]) =
    f.Evaluate(ReadOnlySpan theta, Span(Array.zeroCreate theta.Length))

/// The directional derivative of f at θ along v by the fourth-order central difference with step h.
let directionalDifference (f: IObjective<float>) (theta: float[]) (v: float[]) (h: float) =
    let at s =
        value f (Array.map2 (fun a b -> a + s * b) theta v)

    (8.0 * (at h - at -h) - (at (2.0 * h) - at (-2.0 * h))) / (12.0 * h)

/// A random unit vector of length n from a seed.
let unitVector (n: int) (seed: uint64) =
    let rng = Xoshiro256.FromSeed seed
    let v = Array.init n (fun _ -> rng.NextNormal())
    let norm = sqrt (Array.sumBy (fun a -> a * a) v)
    v |> Array.map (fun a -> a / norm)

/// (analytic, finite-difference) directional derivatives of f at θ along a random direction.
let gradientPair (f: IObjective<float>) (theta: float[]) (seed: uint64) =
    let g = Array.zeroCreate theta.Length
    f.Evaluate(ReadOnlySpan theta, Span g) |> ignore
    let v = unitVector theta.Length seed
    let analytic = Array.fold2 (fun s a b -> s + a * b) 0.0 g v
    analytic, directionalDifference f theta v 1e-4

/// Points of a grid in a domain, as arrays.
let gridPoints (domain: Domain) (n: int) = Sampling.grid domain n
