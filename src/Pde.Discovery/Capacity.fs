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
    =
    let runs =
        stalled
        |> List.map (fun (c, stop) ->
            sprintf
                "run %d: residual %.3g against a gate of %.3g after %d steps"
                c.Run.Index
                c.ResidualL2
                (example.Gates.ResidualBound c)
                stop.Steps)

    sprintf "the network (%s) plateaued above the gates (%s)" (describe a) (String.Join("; ", runs))

/// The search with capacity growth: `searchAll` with the first network; while no run of the first ensemble passed
/// the gates, runs stalled and growths remain, again with the grown network in the folder `capacity-j`. Returns the
/// last attempt's search, subject and candidates, and why it stopped (with what grew and why).
let searchGrowing
    (first: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (progress: DiscoveryProgress -> unit)
    =
    let omega = dataWavenumber example first.Discretization
    let lo, hi = Domain.bounds example.Problem.Domain
    let diameter = sqrt (Array.map2 (fun a b -> (b - a) * (b - a)) lo hi |> Array.sum)

    // the settings of attempt j: the first in the settings' folder, the grown ones in capacity-j
    let settingsOf (j: int) (example: Subject) =
        if j = 0 then
            s
        else
            // the first ensemble of a grown network trains with the deflation rounds' optimizer (Adam by default):
            // BBI's kicks scale with the gradient, which Fourier features multiply by ω² (measured on the paper's PDE
            // at k = 10: loss 9e5 at the start, not finite after two steps), while Adam's steps are normalized
            { s with
                Network = example.Architecture
                Optimizer = s.DeflationOptimizer
                OptimizerSettings = s.DeflationOptimizerSettings
                // Adam ignores the run seed: from one shared initialization its runs would be copies
                Initialization = PerRun
                OutDir = Some(Path.Combine(DiscoverySettings.outDir s, sprintf "capacity-%d" j))
            }

    let rec attempt (j: int) (search: DiscoverySearch) (example: Subject) (notes: string list) =
        let candidates, stopReason = searchAll search example (settingsOf j example)

        let solutions, _ =
            classifyWith
                search.Review
                example.Gates
                example.Weights
                example.Threshold
                search.Reference.FieldFloor
                candidates

        let stalled = stalledRuns search candidates
        let said = String.Join("; ", List.rev notes)

        let withNotes (r: string) =
            if said = "" then r else said + "; then " + r

        if not solutions.IsEmpty || j >= s.CapacityGrowths || stalled.IsEmpty then
            let why =
                if solutions.IsEmpty && stalled.IsEmpty && j = 0 && s.Budget <> FixedSteps then
                    stopReason
                    + " (no run stalled: they were still improving when their budget ended, so a longer budget, not a larger network, is what they lack)"
                elif solutions.IsEmpty && not stalled.IsEmpty then
                    stopReason
                    + "; "
                    + plateauText example example.Architecture stalled
                    + " and no growth remains"
                else
                    stopReason

            search, example, candidates, withNotes why
        else
            let grown =
                grow omega diameter example.Problem.Scope.Coordinates.Length example.Architecture

            let note =
                sprintf
                    "%s; grown to %s (the data's root-mean-square wavenumber %.3g over a diameter %.3g)"
                    (plateauText example example.Architecture stalled)
                    (describe grown)
                    omega
                    diameter

            let next = { example with Architecture = grown }
            let label = sprintf "capacity %d: %s" (j + 1) (describe grown)

            let search' =
                DiscoverySearch(next, settingsOf (j + 1) next, (fun p -> progress { p with Note = label }))

            attempt (j + 1) search' next (note :: notes)

    attempt 0 first example []
