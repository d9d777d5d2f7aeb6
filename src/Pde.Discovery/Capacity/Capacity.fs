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
/// points (twice per wavelength along each coordinate, at least `pointsPerParameter` per weight), not the network
/// (Growth). When no run stalled because runs diverged (a non-finite loss or gradient: the optimizer's steps are too
/// large for the loss), the same network is trained again with the deflation rounds' optimizer (normalized steps) in
/// the next attempt's folder, not counted as a growth; when that optimizer diverged too, the stop reason says so.
module Pde.Discovery.Capacity

open System
open System.IO
open Pde.FSharp.Training
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Search
open Pde.Discovery.PointRules
open Pde.Discovery.NetworkGrowth
open Pde.Discovery.Growth

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
           | Some stop -> stop.Reason.StartsWith "converged" && stop.Reason.Contains "the gates are met"
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

    let labelled =
        function
        | Training p -> progress (Training { p with Note = label })
        | Judging what -> progress (Judging(sprintf "[%s]  %s" label what))

    next, DiscoverySearch(next, attemptSettings s j next, labelled)

/// Why an attempt whose runs diverged is retried, and with what (`remedy`: an optimizer's name or a remedy in words).
let private divergedText
    (search: DiscoverySearch)
    (candidates: Candidate list)
    (diverged: (Candidate * RunResultFile.RunStop) list)
    (optimizer: string)
    (remedy: string)
    =
    sprintf
        "%d of %d runs of the first ensemble diverged (a non-finite loss or gradient: %s's steps are too large for this loss), so %s"
        diverged.Length
        (firstRuns search candidates (fun _ -> true)).Length
        optimizer
        remedy

/// What follows attempt j when it found no solution and none of its first runs stalled: Ok the same network and
/// points again with the deflation rounds' optimizer (normalized steps; not counted as a growth) when runs diverged
/// under another optimizer; Error why the search stops (appended to its stop reason).
let private unstalled
    (search: DiscoverySearch)
    (candidates: Candidate list)
    (s: DiscoverySettings)
    (j: int)
    (example: Subject)
    : Result<Growth, string> =
    let optimizer = (attemptSettings s j example).Optimizer

    match firstRuns search candidates (fun stop -> stop.Reason.StartsWith "diverged") with
    | [] when j = 0 ->
        Error
            " (no run stalled: they were still improving when their budget ended, so a longer budget, not a larger network, is what they lack)"
    | [] -> Error ""
    | diverged when optimizer <> s.DeflationOptimizer ->
        Ok
            {
                Architecture = example.Architecture
                Points = example.Points
                Problem = example.Problem
                Note =
                    divergedText
                        search
                        candidates
                        diverged
                        optimizer
                        (sprintf
                            "the same network is trained again with %s (the deflation rounds' optimizer, whose steps are normalized)"
                            s.DeflationOptimizer)
                Costly = false
            }
    | diverged ->
        Error(
            sprintf
                " (no run stalled, and %s is what they lack, not a longer budget nor a larger network)"
                (divergedText search candidates diverged optimizer "a smaller learning rate (--set lr=…)")
        )

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

        let solutions, _ = search.Classify candidates

        let stalled = firstRuns search candidates _.Stalled

        let pointResidual (c: Candidate) =
            collocationResidual example search c.Theta

        let said = String.Join("; ", List.rev notes)

        let withNotes (r: string) =
            if said = "" then r else said + "; then " + r

        let finish (why: string) =
            search, example, attemptSettings s j example, candidates, withNotes why

        let grow (g: Growth) =
            let next, search' = grownSearch s progress (j + 1) example g
            attempt (j + 1) (growths + (if g.Costly then 1 else 0)) search' next (g.Note :: notes)

        if solutions.IsEmpty && metGatesOnly search candidates then
            finish (
                stopReason
                + " (every run met the gates and the classical review rejected it: Newton found no solution near any of them, so neither a longer budget nor a larger network is indicated)"
            )
        elif solutions.IsEmpty && stalled.IsEmpty && s.Budget <> FixedSteps then
            match unstalled search candidates s j example with
            | Ok g -> grow g
            | Error why -> finish (stopReason + why)
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
                grow g

    attempt 0 0 first example []
