/// The rules of the interior collocation points of an oscillatory problem (docs/discovery.md, "Oscillatory problems"):
/// how many points resolve the data's wavenumber, and whether a trained network fits its points rather than the field
/// between them (its residual on the grid against its residual on its own points). Capacity grows by them; Resampling
/// draws fresh points when fixed ones could be interpolated.
module Pde.Discovery.PointRules

open System
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Discovery.Subject
open Pde.Discovery.Terms

/// Collocation points per wavelength along each coordinate that the interior points grow to (`resolvingPoints`):
/// four times Nyquist's two, the resolution at which a sampled oscillation is fitted between its points and not only
/// at them.
let pointsPerWavelength = 8.0

/// The most interior collocation points the rule asks for (beyond it the cost of a step, linear in the points, is out
/// of any budget; the note says the rule was capped).
let maxResolvingPoints = 100_000

/// The interior collocation points that resolve data of root-mean-square angular wavenumber ω over a domain of `area`
/// in `dimensions` coordinates: `perWavelength`^d per wavelength (2π/ω)^d of the domain, at least `floor` (the settings'
/// count) and at most `maxResolvingPoints`.
let resolvingPointsAt (perWavelength: float) (omega: float) (area: float) (dimensions: int) (floor: int) =
    if not (omega > 0.0) || not (Double.IsFinite omega) then
        floor
    else
        let d = float dimensions
        let wavelengths = area * (omega / (2.0 * Math.PI)) ** d
        let wanted = ceil (perWavelength ** d * wavelengths)
        max floor (int (min wanted (float maxResolvingPoints)))

/// The interior collocation points that resolve the data for a network trained on fixed points: `resolvingPointsAt`
/// `pointsPerWavelength`.
let resolvingPoints omega area dimensions floor =
    resolvingPointsAt pointsPerWavelength omega area dimensions floor

/// Collocation points per wavelength along each coordinate of a network whose points are drawn afresh every step
/// (Resampling): twice Nyquist's two. A fixed set must pin the field between its points (`pointsPerWavelength`); a
/// fresh draw pins nothing between draws — every step's loss is an unbiased estimate of the residual's integral, and
/// its count sets the estimate's noise, not a resolution — so each draw need only sample every wavelength of the data
/// without aliasing it. Measured on the paper's PDE at k = 20 (docs/discovery.md, "Fewer fresh points"): 7 651 points
/// instead of 30 601 cost a quarter per step and lagged by about 1 000 of 10 000 steps.
let freshPointsPerWavelength = 4.0

/// Fresh points per trained weight, at least: the count sets the noise of every step's gradient, and Adam ends where
/// that noise balances the loss's fall, so a draw much smaller than the network leaves it short of the field.
/// Measured on the paper's PDE with the grown network (12 545 weights): 0.45 and 0.61 points per weight (k = 10 on
/// 5 591, k = 20 on 7 651 and 30 601) ended 0.07–0.08 from the radial solution; 0.11 (k = 10 on 1 398, the
/// wavelength rule alone) ended at residual 14 instead of 7.35 and 0.15 from Newton's solution, not certified.
let freshPointsPerParameter = 0.5

/// The interior points of a network of `weights` weights drawn afresh every step: `freshPointsPerWavelength` of the
/// data, at least `freshPointsPerParameter` per weight, at least `floor`, at most `maxResolvingPoints`.
let freshPoints (omega: float) (area: float) (dimensions: int) (weights: int) (floor: int) =
    let perWeight = int (ceil (freshPointsPerParameter * float weights))

    max
        (resolvingPointsAt freshPointsPerWavelength omega area dimensions floor)
        (min perWeight maxResolvingPoints)

/// Interior collocation points per trained weight that an overfitting network's points grow to at least: twice as
/// many residual equations as unknowns, so that the fit cannot interpolate its points.
let pointsPerParameter = 2.0

/// How much larger a network's residual on the evaluation grid may be than on its own interior collocation points
/// before it counts as fitting its points rather than the field (both are quadratures of the same integral; a factor
/// 2 in the L² norm is 4 in the squared residual, far beyond the sampling error of a thousand points).
let overfitRatio = 2.0

/// The equations' residual L² norm on the search's interior collocation points (each weighted area / points, like the
/// grid's quadrature) for weights θ: what the training loss sees of the residual.
let collocationResidual (example: Subject) (search: DiscoverySearch) (theta: float[]) =
    let points = interiorPoints search.Discretization

    if points.Length = 0 || theta.Length = 0 then
        nan
    else
        let m = search.Model theta
        let w = area example.Problem.Domain / float points.Length

        example.Equations
        |> List.sumBy (fun e -> Model.evaluate m e points |> Array.sumBy (fun v -> w * v * v))
        |> sqrt

/// Whether a run fits its collocation points and not the field between them: its residual on the grid is more than
/// `overfitRatio` times its residual on the points.
let overfits (gridResidual: float) (pointResidual: float) =
    Double.IsFinite pointResidual && gridResidual > overfitRatio * pointResidual

/// The root-mean-square angular wavenumber √(Σ|∇f|² / Σ(f − f̄)²) of values f with gradients (gx, gy) at equally
/// weighted points; 0 when f does not vary.
let private wavenumber (f: float[]) (gx: float[]) (gy: float[]) =
    let mean = Array.average f
    let variance = f |> Array.averageBy (fun v -> (v - mean) * (v - mean))
    let gradient = Array.map2 (fun a b -> a * a + b * b) gx gy |> Array.average

    if variance <= 1e-24 * (1.0 + mean * mean) || not (Double.IsFinite gradient) then
        0.0
    else
        sqrt (gradient / variance)

/// The data's root-mean-square angular wavenumber ω: the largest over the problem's sources (each equation's residual
/// at the zero field, on the evaluation grid) and boundary data (each boundary condition's residual at the zero field,
/// on its collocation points of `discretization`); 0 for data that do not vary (Bratu's λ, Allen–Cahn's 0).
let dataWavenumber (example: Subject) (discretization: Discretization) =
    let model =
        {
            Problem = example.Problem
            Network = Objective.spec example.Problem (Architecture.mlp [ 1 ] Ecd.Core.Engine.Activation.Tanh)
            NetworkSeed = 0UL
            Weights = [||]
            Parameters = example.Problem.Parameters
        }

    let measure (e: Expr) (points: float[][]) =
        let data = zeroFields e

        if hasNormal data || points.Length = 0 then
            0.0
        else
            let at (x: Expr) = Model.evaluate model x points
            wavenumber (at data) (at (dx data)) (at (dy data))

    let sources = example.Equations |> List.map (fun e -> measure e example.Grid)

    let boundary =
        discretization.Terms
        |> Array.toList
        |> List.choose (fun t ->
            match t.Condition.Placement with
            | OnBoundary _ ->
                let set = discretization.Sets[t.Set].Samples
                Some(measure t.Condition.Residual (Array.init set.Count set.Point))
            | _ -> None)

    sources @ boundary |> List.fold max 0.0

/// The data's measurements that the growth rules use: ω, the domain's diameter and area, and its dimension.
type DataScale =
    {
        Omega: float
        Diameter: float
        Area: float
        Dimensions: int
    }

/// The data's scale of a subject: ω measured on `discretization` (`dataWavenumber`), the diameter of the domain's
/// bounding box, its area and dimension.
let dataScale (example: Subject) (discretization: Discretization) =
    let lo, hi = Domain.bounds example.Problem.Domain

    {
        Omega = dataWavenumber example discretization
        Diameter = sqrt (Array.map2 (fun a b -> (b - a) * (b - a)) lo hi |> Array.sum)
        Area = area example.Problem.Domain
        Dimensions = example.Problem.Scope.Coordinates.Length
    }
