/// Capacity that grows: when every run of the first ensemble ended without a solution and runs stalled (their loss
/// plateaued) above the gates, the network cannot represent a solution or cannot be trained to one at its size; the
/// search is redone with a larger network, up to `CapacityGrowths` times. Growth rule (nothing tuned to an example):
/// every hidden width doubles; a problem whose data oscillate across the domain (the root-mean-square wavenumber ω of
/// its sources and boundary data, measured on the grid, gives more than one wavelength across the domain's diameter)
/// also gets random Fourier features in front, as many frequencies as half the grown first width, with scale
/// σ = ω / (2π√d) for d coordinates, so that the features' wavevectors 2πσ·z (z standard normal) have the data's
/// root-mean-square wavenumber. Each grown attempt runs in its own folder (`capacity-1`, …), its first ensemble with
/// the deflation rounds' optimizer (Adam: normalized steps, where the features multiply the gradients) and every
/// run from its own initialization; the progress lines and the stop reason in solutions.json say what grew and why.
/// The interior collocation points grow with the data too (`resolvingPoints`: `pointsPerWavelength` per wavelength
/// 2π/ω along each coordinate over the domain's area, never fewer than the settings'), and a plateau is judged on
/// what matters: when every stalled run's residual on the evaluation grid is more than `overfitRatio` times its
/// residual on its own collocation points, the network fits its points and not the field between them — that attempt
/// grows the points (twice per wavelength along each coordinate, and to at least `pointsPerParameter` per weight),
/// not the network.
module Pde.Discovery.Capacity

open System
open System.IO
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Terms
open Pde.Discovery.Search

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

/// The architecture in words ("tanh 32-32-32", "Fourier features 32 (σ 3.9), tanh 64-64-64").
let describe (a: Architecture) =
    let parts =
        a.Layers
        |> List.map (fun l ->
            match l with
            | :? Ecd.Core.Engine.FourierFeatures as f ->
                sprintf "Fourier features %d (σ %.3g)" f.Count f.Scale
            | :? Ecd.Core.Engine.Dense as d ->
                sprintf "%s %d" (string d.Activation |> fun s -> s.ToLowerInvariant()) d.Width
            | :? Ecd.Core.Engine.Residual as r ->
                sprintf "residual %s" (string r.Activation |> fun s -> s.ToLowerInvariant())
            | l -> l.GetType().Name)

    String.Join(", ", parts)

/// The architecture grown once (see the module): every Dense width doubled; Fourier features of scale ω/(2π√d) in
/// front when the data have more than one wavelength 2π/ω across the domain's `diameter` and there are none yet.
let grow (omega: float) (diameter: float) (dimensions: int) (a: Architecture) =
    let layers =
        a.Layers
        |> List.map (fun l ->
            match l with
            | :? Ecd.Core.Engine.Dense as d ->
                Ecd.Core.Engine.Dense(2 * d.Width, d.Activation) :> Ecd.Core.Engine.LayerSpec
            | l -> l)

    let hasFeatures =
        layers |> List.exists (fun l -> l :? Ecd.Core.Engine.FourierFeatures)

    let firstWidth =
        layers
        |> List.tryPick (fun l ->
            match l with
            | :? Ecd.Core.Engine.Dense as d -> Some d.Width
            | _ -> None)

    let grown = { a with Layers = layers }

    match firstWidth with
    | Some w when not hasFeatures && omega * diameter > 2.0 * Math.PI ->
        Architecture.withFourierFeatures
            (max 1 (w / 2))
            (omega / (2.0 * Math.PI * sqrt (float dimensions)))
            grown
    | _ -> grown

/// Collocation points per wavelength along each coordinate that the interior points grow to (`resolvingPoints`):
/// four times Nyquist's two, the resolution at which a sampled oscillation is fitted between its points and not only
/// at them.
let pointsPerWavelength = 8.0

/// The most interior collocation points the rule asks for (beyond it the cost of a step, linear in the points, is out
/// of any budget; the note says the rule was capped).
let maxResolvingPoints = 100_000

/// The interior collocation points that resolve data of root-mean-square angular wavenumber ω over a domain of `area`
/// in `dimensions` coordinates: `pointsPerWavelength`^d per wavelength (2π/ω)^d of the domain, at least `floor` (the
/// settings' count) and at most `maxResolvingPoints`.
let resolvingPoints (omega: float) (area: float) (dimensions: int) (floor: int) =
    if not (omega > 0.0) || not (Double.IsFinite omega) then
        floor
    else
        let d = float dimensions
        let wavelengths = area * (omega / (2.0 * Math.PI)) ** d
        let wanted = ceil (pointsPerWavelength ** d * wavelengths)
        max floor (int (min wanted (float maxResolvingPoints)))

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

/// The training runs of the first ensemble that stalled, with how they ended.
let private stalledRuns (search: DiscoverySearch) (candidates: Candidate list) =
    candidates
    |> List.filter (fun c -> c.Run.Round = 0)
    |> List.choose (fun c ->
        match search.Stopped c.Run with
        | Some stop when stop.Stalled -> Some(c, stop)
        | _ -> None)

/// What happened to one attempt that found no solution, in words.
let private plateauText
    (example: Subject)
    (a: Architecture)
    (stalled: (Candidate * RunResultFile.RunStop) list)
    (pointResidual: Candidate -> float)
    =
    let runs =
        stalled
        |> List.map (fun (c, stop) ->
            sprintf
                "run %d: residual %.3g on the grid (%.3g on its %d collocation points) against a gate of %.3g after %d steps"
                c.Run.Index
                c.ResidualL2
                (pointResidual c)
                example.Points.Interior
                (example.Gates.ResidualBound c)
                stop.Steps)

    sprintf "the network (%s) plateaued above the gates (%s)" (describe a) (String.Join("; ", runs))

/// The data's measurements that the growth rules use: ω, the domain's diameter and area, and its dimension.
type DataScale =
    {
        Omega: float
        Diameter: float
        Area: float
        Dimensions: int
    }

/// What an attempt whose runs stalled without a solution grows to: the network and interior points of the next
/// attempt, and why in words. Runs that fit their collocation points and not the field between them (every stalled
/// run's grid residual more than `overfitRatio` times its residual on its points) lack points, not width.
let growth
    (d: DataScale)
    (example: Subject)
    (weights: int)
    (stalled: (Candidate * RunResultFile.RunStop) list)
    (pointResidual: Candidate -> float)
    =
    let overfitting =
        stalled |> List.forall (fun (c, _) -> overfits c.ResidualL2 (pointResidual c))

    let was = example.Points.Interior
    let resolving = resolvingPoints d.Omega d.Area d.Dimensions was
    let plateau = plateauText example example.Architecture stalled pointResidual

    if overfitting then
        // twice the points per wavelength along each coordinate, at least the data's rule, and at least
        // `pointsPerParameter` per trained weight, so that the residual equations overdetermine the weights (measured,
        // paper's PDE at k = 10: 12 545 weights fitted 5 591 points to a residual of 0.6 and left 854 on the grid)
        let points =
            [
                resolving
                was * pown 2 d.Dimensions
                int (pointsPerParameter * float weights)
            ]
            |> List.max
            |> min maxResolvingPoints

        example.Architecture,
        points,
        sprintf
            "%s: the runs fit their collocation points and not the field between them (overfitting), so the points grow, not the network: %d interior points (from %d: twice per wavelength along each coordinate, at least %g per weight of its %d and %d from the data's wavenumber%s)"
            plateau
            points
            was
            pointsPerParameter
            weights
            resolving
            (if points >= maxResolvingPoints then ", capped" else "")
    else
        let grown = grow d.Omega d.Diameter d.Dimensions example.Architecture

        let pointsText =
            if resolving = was then
                sprintf "%d interior points" resolving
            else
                sprintf
                    "%d interior points (from %d: %g per wavelength along each coordinate of the data's wavenumber, over an area %.3g%s)"
                    resolving
                    was
                    pointsPerWavelength
                    d.Area
                    (if resolving >= maxResolvingPoints then ", capped" else "")

        grown,
        resolving,
        sprintf
            "%s; grown to %s and %s (the data's root-mean-square wavenumber %.3g over a diameter %.3g)"
            plateau
            (describe grown)
            pointsText
            d.Omega
            d.Diameter

/// The settings of attempt j: the first in the settings' folder, the grown ones in capacity-j.
let private attemptSettings (s: DiscoverySettings) (j: int) (example: Subject) =
    if j = 0 then
        s
    else
        // the first ensemble of a grown network trains with the deflation rounds' optimizer (Adam by default):
        // BBI's kicks scale with the gradient, which Fourier features multiply by ω² (measured on the paper's PDE
        // at k = 10: loss 9e5 at the start, not finite after two steps), while Adam's steps are normalized
        { s with
            Network = example.Architecture
            InteriorPoints = example.Points.Interior
            Optimizer = s.DeflationOptimizer
            OptimizerSettings = s.DeflationOptimizerSettings
            // Adam ignores the run seed: from one shared initialization its runs would be copies
            Initialization = PerRun
            OutDir = Some(Path.Combine(DiscoverySettings.outDir s, sprintf "capacity-%d" j))
        }

/// Whether every run stopped on meeting the gates (so that, with no solution, the classical review rejected each:
/// no budget or capacity matter).
let private metGatesOnly (search: DiscoverySearch) (candidates: Candidate list) =
    not candidates.IsEmpty
    && candidates
       |> List.forall (fun c ->
           match search.Stopped c.Run with
           | Some stop -> stop.Reason.StartsWith "converged"
           | None -> false)


/// The search with capacity growth: `searchAll` with the first network; while no run of the first ensemble passed
/// the gates, runs stalled and growths remain, again with the grown network (and points, see `growth`) in the folder
/// `capacity-j`. Returns the last attempt's search, subject, settings (its network, points and folder) and
/// candidates, and why it stopped (with what grew and why).
let searchGrowing
    (first: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (progress: DiscoveryProgress -> unit)
    =
    let lo, hi = Domain.bounds example.Problem.Domain

    let data =
        {
            Omega = dataWavenumber example first.Discretization
            Diameter = sqrt (Array.map2 (fun a b -> (b - a) * (b - a)) lo hi |> Array.sum)
            Area = area example.Problem.Domain
            Dimensions = example.Problem.Scope.Coordinates.Length
        }

    let rec attempt (j: int) (search: DiscoverySearch) (example: Subject) (notes: string list) =
        let candidates, stopReason = searchAll search example (attemptSettings s j example)

        let solutions, _ =
            classifyWith
                search.Review
                example.Gates
                example.Weights
                example.Threshold
                search.Reference.FieldFloor
                candidates

        let stalled = stalledRuns search candidates

        let pointResidual (c: Candidate) =
            collocationResidual example search c.Theta

        let said = String.Join("; ", List.rev notes)

        let withNotes (r: string) =
            if said = "" then r else said + "; then " + r

        if not solutions.IsEmpty || j >= s.CapacityGrowths || stalled.IsEmpty then
            let why =
                if solutions.IsEmpty && metGatesOnly search candidates then
                    stopReason
                    + " (every run met the gates and the classical review rejected it: Newton found no solution near any of them, so neither a longer budget nor a larger network is indicated)"
                elif solutions.IsEmpty && stalled.IsEmpty && j = 0 && s.Budget <> FixedSteps then
                    stopReason
                    + " (no run stalled: they were still improving when their budget ended, so a longer budget, not a larger network, is what they lack)"
                elif solutions.IsEmpty && not stalled.IsEmpty then
                    stopReason
                    + "; "
                    + plateauText example example.Architecture stalled pointResidual
                    + " and no growth remains"
                else
                    stopReason

            search, example, attemptSettings s j example, candidates, withNotes why
        else
            let grown, points, note =
                growth data example search.Theta0.Length stalled pointResidual

            let next =
                { example with
                    Architecture = grown
                    Points =
                        { example.Points with
                            Interior = points
                        }
                }

            let label = sprintf "capacity %d: %s, %d points" (j + 1) (describe grown) points

            let search' =
                DiscoverySearch(
                    next,
                    attemptSettings s (j + 1) next,
                    (fun p -> progress { p with Note = label })
                )

            attempt (j + 1) search' next (note :: notes)

    attempt 0 first example []
