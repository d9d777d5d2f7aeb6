/// Starts from classical solutions: after certification, every classical solution that no network reached (the
/// classical completion's and the near misses') becomes a warm start. The network is first fitted to the classical
/// field by least squares on the evaluation grid — the problem's own domain and fields with the classical values as
/// observations (`Problem.data`), compiled by the one objective builder and minimized by the polish optimizer
/// (L-BFGS) for a few hundred steps —, then trained on the PDE loss deflated by the known network solutions (the
/// deflation rounds' optimizer and budget) and polished on the plain loss, like any deflated run. A run that ends
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
    ()
    : IObjective<float> =
    let discretization = Discretize.run example.Points (fitProblem example target)
    let pool = new WorkerPool(threads)
    let loss = Objective.lossOn s.Backend discretization search.Network 0.0 (Some pool)
    new OwnedObjective(loss, [ loss; pool ])

/// A round of warm starts (run i from `targets[i]`: a label and the classical fields on the grid): each fitted (in
/// `round-k/fit-i`), then trained on the PDE loss deflated by `known` (values on the grid), then polished; the
/// polished candidates.
let round
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (round: int)
    (targets: (string * float[]) list)
    (known: float[] list)
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

    deflatedEnsemble search s round targets.Length (fun i -> fitted[i].Theta) known
