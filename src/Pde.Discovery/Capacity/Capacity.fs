/// Capacity that grows: when every run of the first ensemble ended without a solution and runs stalled (their loss
/// plateaued) above the gates, the network cannot represent a solution or cannot be trained to one at its size; the
/// search is redone with a larger network, up to `CapacityGrowths` times. Growth rule (nothing tuned to an example):
/// every hidden width doubles; data that oscillate across the domain (the root-mean-square wavenumber ω of the sources
/// and boundary data gives more than one wavelength across the diameter) add random Fourier features in front, half
/// the grown first width, σ = ω / (2π√d) for d coordinates (the features' wavevectors 2πσ·z then have the data's ω).
/// Each grown attempt runs in its own folder (`capacity-1`, …), its first ensemble with the deflation rounds'
/// optimizer (Adam: normalized steps, where the features multiply the gradients), every run from its own
/// initialization; the progress lines and the stop reason say what grew and why. The interior points grow with the
/// data too (PointRules: `resolvingPoints` for fixed points, `freshPoints` for points drawn afresh every step), and a
/// plateau is judged on what matters: when every stalled run's residual on the grid is more than `overfitRatio` times
/// its residual on its own collocation points, the network fits its points, not the field — that attempt grows the
/// points (twice per wavelength along each coordinate, at least `pointsPerParameter` per weight), not the network.
module Pde.Discovery.Capacity

open System
open System.IO
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Ecd.Core.Engine
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Terms
open Pde.Discovery.Search
open Pde.Discovery.PointRules
open Pde.Discovery.NetworkGrowth

/// The training runs of the first ensemble whose end `picked` selects (stalled, diverged: RunLoop.stopReason's words),
/// with how they ended.
let private firstRuns
    (search: DiscoverySearch)
    (candidates: Candidate list)
    (picked: RunResultFile.RunStop -> bool)
    =
    candidates
    |> List.filter (fun c -> c.Run.Round = 0)
    |> List.choose (fun c ->
        match search.Stopped c.Run with
        | Some stop when picked stop -> Some(c, stop)
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

/// The boundary conditions' weight at which a field just at both gates loses as much on the boundary as in the
/// interior: the interior term is the mean square residual, (residual gate)² / area at the gate, the boundary term the
/// weight times the mean square error, at most (boundary gate)²; so w = (residual gate)² / (area · (boundary gate)²),
/// the smallest over the stalled runs' gates. Measured on the paper's PDE at k = 10: with the settings' 100 the grown
/// network reached residual 11.9 on a lattice (gate ≈ 50) and left 0.65 on the circle (gate ≈ 0.05) after 6 000
/// steps: the source's scale, ~ω² times a smooth problem's, outweighed the boundary.
let balancedBoundaryWeight (example: Subject) (stalled: (Candidate * RunResultFile.RunStop) list) =
    stalled
    |> List.map (fun (c, _) ->
        let r = example.Gates.ResidualBound c
        let b = example.Gates.BoundaryBound c
        r * r / (area example.Problem.Domain * b * b))
    |> List.filter (fun w -> Double.IsFinite w && w > 0.0)
    |> function
        | [] -> None
        | ws -> Some(List.min ws)

/// What an attempt that plateaued grows to: the network and points of the next attempt, why in words, and whether the
/// growth makes a step dearer (a wider network, more points: it counts against `CapacityGrowths`).
type Growth =
    {
        Architecture: Architecture
        Points: PointSettings
        /// The problem with its boundary conditions weighted for the gates (`balancedBoundaryWeight`).
        Problem: Problem
        Note: string
        Costly: bool
    }

/// The network of an attempt that fit its points grown no further, on fresh points every step (Resampling).
let private resampled (example: Subject) (resolving: int) (plateau: string) =
    let points =
        { example.Points with
            Interior = max example.Points.Interior resolving
            ResampleEvery = Some Resampling.every
        }

    {
        Architecture = example.Architecture
        Points = points
        Problem = example.Problem
        Note =
            sprintf
                "%s: the runs fit their collocation points and not the field between them (overfitting), so the points are drawn afresh every %d step(s) from the run's seed, not the network grown: %d interior points (the data's wavenumber asks for %d)"
                plateau
                Resampling.every
                points.Interior
                resolving
        Costly = false
    }

/// The network of an attempt that fit its points on fresh ones already, on more points: twice per wavelength along
/// each coordinate, at least the data's rule, and at least `pointsPerParameter` per trained weight, so that the
/// residual equations overdetermine the weights (measured, paper's PDE at k = 10: 12 545 weights fitted 5 591 fixed
/// points to a residual of 0.6 and left 854 on the grid).
let private morePoints (d: DataScale) (example: Subject) (weights: int) (resolving: int) (plateau: string) =
    let was = example.Points.Interior

    let points =
        [
            resolving
            was * pown 2 d.Dimensions
            int (pointsPerParameter * float weights)
        ]
        |> List.max
        |> min maxResolvingPoints

    {
        Architecture = example.Architecture
        Points =
            { example.Points with
                Interior = points
            }
        Problem = example.Problem
        Note =
            sprintf
                "%s: the runs fit their collocation points and not the field between them (overfitting), so the points grow, not the network: %d interior points (from %d: twice per wavelength along each coordinate, at least %g per weight of its %d and %d from the data's wavenumber%s)"
                plateau
                points
                was
                pointsPerParameter
                weights
                resolving
                (if points >= maxResolvingPoints then ", capped" else "")
        Costly = true
    }

/// The network grown (`grow`), with the data's points — `freshPoints` when it draws them afresh every step (Resampling's
/// rule), else `resolvingPoints`.
let private wider (d: DataScale) (example: Subject) (plateau: string) =
    let was = example.Points.Interior
    let grown = grow d.Omega d.Diameter d.Dimensions example.Architecture

    let fresh = (Resampling.rule grown).IsSome

    // fresh points every step need fewer than fixed ones (PointRules.freshPoints)
    let resolving =
        if fresh then
            let weights = Network<float>(Objective.spec example.Problem grown).ParameterCount
            freshPoints d.Omega d.Area d.Dimensions weights example.Points.Interior
        else
            resolvingPoints d.Omega d.Area d.Dimensions example.Points.Interior

    let points =
        Resampling.apply
            grown
            { example.Points with
                Interior = resolving
            }

    let freshText =
        match points.ResampleEvery with
        | Some k -> sprintf ", drawn afresh every %d step(s)" k
        | None -> ""

    let pointsText =
        if resolving = was then
            sprintf "%d interior points%s" resolving freshText
        else
            sprintf
                "%d interior points%s (from %d: %s, over an area %.3g%s)"
                resolving
                freshText
                was
                (if fresh then
                     sprintf
                         "%g per wavelength along each coordinate of the data's wavenumber, at least %g per weight"
                         freshPointsPerWavelength
                         freshPointsPerParameter
                 else
                     sprintf
                         "%g per wavelength along each coordinate of the data's wavenumber"
                         pointsPerWavelength)
                d.Area
                (if resolving >= maxResolvingPoints then ", capped" else "")

    {
        Architecture = grown
        Points = points
        Problem = example.Problem
        Note =
            sprintf
                "%s; grown to %s and %s (the data's root-mean-square wavenumber %.3g over a diameter %.3g)"
                plateau
                (describe grown)
                pointsText
                d.Omega
                d.Diameter
        Costly = true
    }

/// What an attempt whose runs stalled without a solution grows to. Runs that fit their collocation points and not the
/// field between them (every stalled run's grid residual more than `overfitRatio` times its residual on its points)
/// lack points, not width: on fixed points they get fresh points every step (Resampling) — at the cost per step of
/// the points they have, so not counted as a growth —; already resampling, more points. Otherwise the network grows.
let growth
    (d: DataScale)
    (example: Subject)
    (weights: int)
    (stalled: (Candidate * RunResultFile.RunStop) list)
    (pointResidual: Candidate -> float)
    =
    let overfitting =
        stalled |> List.forall (fun (c, _) -> overfits c.ResidualL2 (pointResidual c))

    let resolving = resolvingPoints d.Omega d.Area d.Dimensions example.Points.Interior

    let plateau = plateauText example example.Architecture stalled pointResidual

    let g =
        if overfitting && example.Points.ResampleEvery.IsNone then
            resampled
                example
                (freshPoints d.Omega d.Area d.Dimensions weights example.Points.Interior)
                plateau
        elif overfitting then
            morePoints d example weights resolving plateau
        else
            wider d example plateau

    match balancedBoundaryWeight example stalled with
    | Some w when
        example.Problem.Conditions
        |> List.exists (fun c -> c.Placement.IsOnBoundary && c.Weight < w)
        ->
        { g with
            Problem = reweightBoundary (max w) example.Problem
            Note = sprintf "%s; boundary conditions weighted %.3g (the gates balanced)" g.Note w
        }
    | _ -> g

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
            // a network on fresh points is not polished on fixed ones (L-BFGS needs one function): measured at
            // k = 10, 300 L-BFGS steps took the loss 310 → 9 and the grid residual 30 → 46 (it fit the points again)
            PolishSteps =
                if example.Points.ResampleEvery.IsSome then
                    0L
                else
                    s.PolishSteps
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

/// Attempt j's subject (`g`'s network and points) and its search, its progress lines labelled with what grew.
let private grownSearch
    (s: DiscoverySettings)
    (progress: DiscoveryProgress -> unit)
    (j: int)
    (example: Subject)
    g
    =
    let next =
        { example with
            Architecture = g.Architecture
            Points = g.Points
            Problem = g.Problem
        }

    let label =
        sprintf
            "capacity %d: %s, %d points%s"
            j
            (describe g.Architecture)
            g.Points.Interior
            (if g.Points.ResampleEvery.IsSome then
                 " (fresh every step)"
             else
                 "")

    next, DiscoverySearch(next, attemptSettings s j next, (fun p -> progress { p with Note = label }))

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
    let data = dataScale example first.Discretization

    let rec attempt
        (j: int)
        (growths: int)
        (search: DiscoverySearch)
        (example: Subject)
        (notes: string list)
        =
        let candidates, stopReason = searchAll search example (attemptSettings s j example)

        let solutions, _ =
            classifyWith
                search.Review
                example.Gates
                example.Weights
                example.Threshold
                search.Reference.FieldFloor
                candidates

        let stalled = firstRuns search candidates _.Stalled

        let pointResidual (c: Candidate) =
            collocationResidual example search c.Theta

        let said = String.Join("; ", List.rev notes)

        let withNotes (r: string) =
            if said = "" then r else said + "; then " + r

        let finish (why: string) =
            search, example, attemptSettings s j example, candidates, withNotes why

        if solutions.IsEmpty && metGatesOnly search candidates then
            finish (
                stopReason
                + " (every run met the gates and the classical review rejected it: Newton found no solution near any of them, so neither a longer budget nor a larger network is indicated)"
            )
        elif solutions.IsEmpty && stalled.IsEmpty && j = 0 && s.Budget <> FixedSteps then
            match firstRuns search candidates (fun stop -> stop.Reason.StartsWith "diverged") with
            | [] ->
                finish (
                    stopReason
                    + " (no run stalled: they were still improving when their budget ended, so a longer budget, not a larger network, is what they lack)"
                )
            | diverged ->
                finish (
                    stopReason
                    + sprintf
                        " (no run stalled, and %d of %d diverged — a non-finite loss or gradient: the optimizer's steps are too large for this loss, so a smaller learning rate (--set lr=…) or a normalized optimizer (--optimizer adam) is what they lack, not a longer budget nor a larger network)"
                        diverged.Length
                        (firstRuns search candidates (fun _ -> true)).Length
                )
        elif not solutions.IsEmpty || stalled.IsEmpty then
            finish stopReason
        else
            let g = growth data example search.Theta0.Length stalled pointResidual

            if g.Costly && growths >= s.CapacityGrowths then
                finish (
                    stopReason
                    + "; "
                    + plateauText example example.Architecture stalled pointResidual
                    + " and no growth remains"
                )
            else
                let next, search' = grownSearch s progress (j + 1) example g

                attempt (j + 1) (growths + (if g.Costly then 1 else 0)) search' next (g.Note :: notes)

    attempt 0 0 first example []
