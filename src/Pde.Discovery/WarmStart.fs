/// Starts from classical solutions: after certification, every classical solution that no network reached (the
/// classical completion's and the near misses') becomes a warm start. The network is first fitted to the classical
/// field by least squares on the evaluation grid — the problem's own domain and fields with the classical values as
/// observations (`Problem.data`), compiled by the one objective builder and minimized by the polish optimizer
/// (L-BFGS) for a few hundred steps —, then trained on the PDE loss deflated by every known solution but its own
/// target — the network solutions and the classical ones, so that it cannot slide to another known solution — (the
/// deflation rounds' optimizer and budget), and polished on the plain loss, like any deflated run. A run that ends
/// there is a network solution, labelled in solutions.json by how it started.
module Pde.Discovery.WarmStart

open System.IO
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Pde.FSharp.Language
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Search

/// Steps of the least-squares fit: the polish's, at least 300 (a few hundred L-BFGS steps fit a smooth field to the
/// grid's accuracy).
let fitSteps (s: DiscoverySettings) = max 300L s.PolishSteps

/// The problem whose loss is the mean square misfit of the network's fields to `target` (every field's values on the
/// grid in turn) at the grid points: the subject's domain, fields and trainable parameters, one observation term per
/// field.
let fitProblem (example: Subject) (target: float[]) =
    let n = example.Grid.Length

    if target.Length <> n * example.Fields.Length then
        invalidArg
            "target"
            (sprintf
                "a warm start needs %d values (%d grid points × %d fields), got %d"
                (n * example.Fields.Length)
                n
                example.Fields.Length
                target.Length)

    let fitted =
        example.Fields
        |> List.indexed
        |> List.fold
            (fun p (k, f) -> p |> Problem.data f example.Grid target[k * n .. (k + 1) * n - 1])
            (Problem.create example.Problem.Domain example.Fields)

    { fitted with
        Parameters = example.Problem.Parameters
    }

/// The least-squares objective of `target` on the search's network, on its own pool of `threads` threads.
let private fitObjective
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (target: float[])
    (threads: int)
    (_run: int)
    : IObjective<float> =
    let discretization = Discretize.run example.Points (fitProblem example target)
    let pool = new WorkerPool(threads)
    let loss = Objective.lossOn s.Backend discretization search.Network 0.0 (Some pool)
    new OwnedObjective(loss, [ loss; pool ])

/// What the warm start from `target` (values on the grid) is deflated by: every field of `known` (the network
/// solutions, then the classical ones) that is not its target — at a relative distance of at least the threshold
/// from it, with the distance floor `floor` (Solutions.relativeDistance).
let deflationOf (weights: float[]) (floor: float) (threshold: float) (known: float[] list) (target: float[]) =
    known
    |> List.filter (fun k -> relativeDistance weights floor k target >= threshold)

/// Whether `values` lie farther than the floor `floor` (absolute L²) from every `known` network solution: nearer, the
/// deflation's pole of that solution dominates the loss — no warm start from there (Workflow), and no pole of its own
/// in a warm start's deflation (Allen–Cahn ε = 0.1: with the small solutions 0.075 from u = 0 deflated too, all six
/// warm starts ended at residuals 2–30).
let beyondFloor (weights: float[]) (floor: float) (known: float[] list) (values: float[]) =
    known
    |> List.forall (fun k -> normL2 weights (Array.map2 (-) values k) >= floor)

/// A round of warm starts (run i from `targets[i]`: a label and the classical fields on the grid): each fitted (in
/// `round-k/fit-i`), then trained on the PDE loss deflated by every solution of `known` (the network solutions) and
/// `classical` (the classical ones, values on the grid, those `beyondFloor`) but its target (`deflationOf`), stopping once it passes the
/// gates away from `known`; then polished; the polished candidates.
let round
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (round: int)
    (targets: (string * float[]) list)
    (known: float[] list)
    (classical: float[] list)
    =
    let targets = Array.ofList targets

    let fitted =
        targets
        |> Array.mapi (fun i (_, target) ->
            search.EnsembleOn(
                round,
                Path.Combine(RunFolders.roundFolder round, sprintf "fit-%d" i),
                1,
                (fun _ -> search.Theta0),
                fitObjective search example s target,
                [],
                fitSteps s,
                s.PolishOptimizer,
                FixedSteps
            )
            |> List.head
            |> fst)

    for i, (label, _) in Array.indexed targets do
        search.Start(
            { Round = round; Index = i },
            sprintf "warm start: fitted to %s, then trained on the deflated PDE loss" label
        )

    let deflation =
        targets
        |> Array.map (fun (_, target) ->
            deflationOf
                example.Weights
                search.Floor
                s.Threshold
                (known
                 @ (classical |> List.filter (beyondFloor example.Weights search.Floor known)))
                target)

    deflatedEnsemble search s round targets.Length (fun i -> fitted[i].Theta) known (fun i -> deflation[i])
