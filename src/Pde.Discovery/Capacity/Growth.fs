/// What an attempt that plateaued grows to (Capacity's growth rule): a wider network with Fourier features from the
/// data's wavenumber, or more collocation points (fresh every step, or more of them) when the runs fit their points and
/// not the field between them; the boundary conditions weighted so that the gates balance.
module Pde.Discovery.Growth

open System
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Ecd.Core.Engine
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Terms
open Pde.Discovery.PointRules
open Pde.Discovery.NetworkGrowth

/// What happened to one attempt that found no solution, in words.
let plateauText
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
