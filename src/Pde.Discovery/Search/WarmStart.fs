/// Starts from classical solutions: after certification, every classical solution that no network reached (the
/// classical completion's and the near misses') becomes a warm start. The network is first fitted to the classical
/// field by least squares at the nodes of its fine grid (`ofSolution`) — the problem's own domain and fields with the classical values as
/// observations (`Problem.data`), compiled by the one objective builder and minimized by the polish optimizer (L-BFGS)
/// for a few hundred steps —, then fitted again with the equation: the problem itself (its equations and boundary
/// conditions at their weights) plus the same observations, weighted so that a field a relative distance δ from the
/// target costs what a residual δ of the equations' scale costs (`dataWeight`). The values alone leave the derivatives
/// free: at the paper's PDE k = 10 the fit of the bowl interpolated its grid values (misfit 8e-11) with an equation
/// residual of 6 369 against its gate of 351 (examples/warm-fit.fsx; with the equation: 344 against 66). Then trained
/// on the loss of the fit with the equation — the problem plus the observations at the same weight — deflated by the
/// known network solutions (the deflation rounds' optimizer and budget), stopping at the first check (before the first
/// step, then every block of the stall rule) where the gates hold within the threshold of the target
/// (`reachedTarget`), and polished on the plain loss, like any deflated run. Without the observations the training
/// left the target within its first block (k = 10: 0.002 → 0.19 in 400 Adam steps, and 0.15 at the end; Allen–Cahn
/// ε = 0.12: 0.02–0.03 → 0.25–0.56 in 1 000) and never met the gates within the threshold; with them the bowl at k = 10
/// stayed 0.002–0.005 away and met the gates at step 2 000 (docs/discovery.md). A run that ends there is a network
/// solution, labelled in solutions.json by how it started (with both fits' residual against its gate and distance to
/// the target, and the trained run's distance).
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

/// A warm start's target: its fields on the evaluation grid (`Values`, every field in turn: where gates and distances
/// are judged), and where the fits observe it (`Points`, with every field's values there in turn, `Observed`).
type Target =
    {
        Values: float[]
        Points: float[][]
        Observed: float[]
    }

/// A target known on the grid only, observed there.
let onGrid (example: Subject) (values: float[]) =
    {
        Values = values
        Points = example.Grid
        Observed = values
    }

/// A classical solution as a target, observed at the nodes of its own fine grid (`ClassicalSolution.Nodes`), with its
/// own values there: the nodes where certification judges a field against it, so that a fit that meets them is
/// certified (Newton converges within the threshold of it) and needs no training. Observed on the evaluation grid,
/// where its values are interpolated, and at the collocation points, a fit met its target there and not between: at
/// the paper's PDE k = 20 the fits with the equation were 0.061 (sin²(20r²)) and 0.056 (the bowl) from their targets
/// on the grid, and Newton moved them 0.297 on the 257-node grid; observed at that grid's 52 116 nodes, they were
/// certified 0.075 and 0.070 from it (docs/discovery.md).
let ofSolution (example: Subject) (solution: Pde.FSharp.Classical.Certify.ClassicalSolution) =
    {
        Values = Pde.Discovery.Certification.onGrid example solution
        Points = solution.Nodes
        Observed =
            example.Problem.Fields
            |> List.map (fun f -> solution.Values f solution.Nodes)
            |> Array.concat
    }

/// The problem whose loss is the mean square misfit of the network's fields to `target` at its observation points:
/// the subject's domain, fields and trainable parameters, one observation term per field.
let fitProblem (example: Subject) (target: Target) =
    let n = target.Points.Length

    if target.Observed.Length <> n * example.Fields.Length then
        invalidArg
            "target"
            (sprintf
                "a warm start needs %d values (%d points × %d fields), got %d"
                (n * example.Fields.Length)
                n
                example.Fields.Length
                target.Observed.Length)

    let fitted =
        example.Fields
        |> List.indexed
        |> List.fold
            (fun p (k, f) -> p |> Problem.data f target.Points target.Observed[k * n .. (k + 1) * n - 1])
            (Problem.create example.Problem.Domain example.Fields)

    { fitted with
        Parameters = example.Problem.Parameters
    }

/// The weight of the observations in the fit with the equation: a field whose distance from `target` is δ times its
/// size D costs w·δ²D²/area, an equation residual of δ times the equations' scale S costs δ²S²/area (both terms are
/// mean squares over their points, the grid's quadrature weights area/points), so w = (S/D)² makes a relative misfit
/// and a relative residual comparable at the target. S is the gates' scale of the values-only fit (its field is the
/// target's on the grid: the scale the gates judge that field against), D the target's L² norm or the search's
/// distance floor, whichever is larger (as distances are judged).
let dataWeight (example: Subject) (floor: float) (target: float[]) (scale: float) =
    let w = (scale / floorOf example.Weights floor [ target ]) ** 2.0
    // a values-only fit that diverged has no scale: the observations then weigh as the problem's own terms (1)
    if System.Double.IsFinite w && w > 0.0 then w else 1.0

/// The problem of the fit with the equation: the subject's own problem (its equations, boundary conditions at their
/// weights, constants and trainable parameters) plus the observations of `target` weighted by `weight`.
let equationFitProblem (example: Subject) (target: Target) (weight: float) =
    (fitProblem example target).Conditions
    |> List.fold (fun p c -> p |> Problem.add (Condition.weighted weight c)) example.Problem

/// The problem of the fit with the equation to `target` after the values fit `values`: the observations weighted by
/// `dataWeight` at the gates' scale of `values` — also the problem of the warm run's training (`round`).
let private withObservations
    (search: DiscoverySearch)
    (example: Subject)
    (target: Target)
    (values: Candidate)
    =
    equationFitProblem example target (dataWeight example search.Floor target.Values values.ResidualScale)

/// The least-squares objective of `problem` on the search's network, on its own pool of `threads` threads.
let private fitObjective
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    problem
    (threads: int)
    (_: int)
    =
    let discretization = Discretize.run example.Points problem
    let pool = new WorkerPool(threads)
    let loss = Objective.lossOn s.Backend discretization search.Network 0.0 (Some pool)
    new OwnedObjective(loss, [ loss; pool ]) :> IObjective<float>

/// The relative distance of a field from its warm start's target (as distances are judged, at least `floor`).
let private fromTarget (example: Subject) (floor: float) (target: float[]) (values: float[]) =
    relativeDistance example.Weights (floorOf example.Weights floor [ target ]) values target

/// Whether a warm run's measured field is done: it meets the gates (residual and boundary error, as `gatesMet` with
/// nothing known) within the distinctness threshold of the classical solution it started from — that target is a
/// classical solution, so this is what certification would conclude (no Newton needed); training on can only trade
/// the distance for residual (k = 10: the bowl's run drifted 0.002 → 0.147 from it while its residual fell 368 → 31)
/// —, or, when `newton` says (certification on), Newton from its field converges within the threshold of it and of
/// the target: what the judgement accepts of a field that fails a gate (`DiscoverySearch.Review`).
let private atTarget
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (target: float[])
    (newton: bool)
    (m: Ensemble.FieldMeasurement)
    =
    let d = fromTarget example search.Floor target m.Values

    match gatesMet example search.Reference [] m with
    | Some gates when d < s.Threshold ->
        Some(sprintf "%s, %.3g from its target (within the threshold %g)" gates d s.Threshold)
    | _ when newton && s.Certify && d < s.Threshold ->
        match search.CertifyAt(m.Theta, search.Floor) with
        | Pde.FSharp.Classical.Certify.Certified(solution, moved) ->
            let fromIt =
                fromTarget example search.Floor target (Pde.Discovery.Certification.onGrid example solution)

            if fromIt < s.Threshold then
                Some(
                    sprintf
                        "Newton on the finite-difference problem converged %.3g from its field, %.3g from its target (within the threshold %g; the field is %.3g from it)"
                        moved
                        fromIt
                        s.Threshold
                        d
                )
            else
                None
        | _ -> None
    | _ -> None

/// One fit of run i (folder `round-k/NAME-i`) from `start` on `problem`: the polish optimizer for `fitSteps` under
/// `budget`, stopping where `reached` says its field is done.
let private fit
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    budget
    round
    name
    i
    start
    problem
    reached
    =
    search.EnsembleOn(
        round,
        Path.Combine(RunFolders.roundFolder round, sprintf "%s-%d" name i),
        1,
        (fun _ -> start),
        fitObjective search example s problem,
        [],
        fitSteps s,
        s.PolishOptimizer,
        budget,
        reached
    )
    |> List.head
    |> fst

/// The fits of run i of warm round `round` to `target` (observed at its points): to its values from the
/// initialization (`round-k/fit-i`, a fixed number of steps: the values are met to the grid's accuracy), then with
/// the equation from there (`round-k/fit-equation-i`, observations weighted by `dataWeight`) under the settings'
/// budget — it stops once the gates hold or the loss stalls: measured at k = 10, 300 L-BFGS steps took the loss
/// 1.9e7 → 1.1e3 still falling 25% per 30 steps —, stopping where its field is done (`atTarget`, Newton asked where
/// `NewtonStop.at` says, blocks of its stall rule: at k = 20 the 900 steps of a fit with the equation took 2 min); both
/// fitted candidates.
let fits
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (round: int)
    (i: int)
    (target: Target)
    =
    let values =
        fit search example s FixedSteps round "fit" i search.Theta0 (fitProblem example target) (fun _ _ _ ->
            None)

    let problem = withObservations search example target values
    let block = (EcdPde.Runs.Stall.ofSteps (fitSteps s)).Block

    let atItsTarget _ steps m =
        atTarget search example s target.Values (NewtonStop.at block steps) m

    values, fit search example s s.Budget round "fit-equation" i values.Theta problem atItsTarget

/// Whether a warm run's field after `steps` steps is done (`atTarget`, Newton asked where `NewtonStop.at` says, blocks of
/// the deflation rounds' stall rule). Asked before the warm run's first step (a fit that is done is not trained) and at
/// every block end of its stall rule, it stops the run there, keeping that field.
let reachedTarget search example (s: DiscoverySettings) target (steps: int64) m =
    let block = (EcdPde.Runs.Stall.ofSteps (max 1L s.DeflationSteps)).Block
    atTarget search example s target (NewtonStop.at block steps) m

/// A run's residual against its gate and its distance from the target, in words.
let private fitted (example: Subject) (floor: float) (target: float[]) (c: Candidate) =
    sprintf
        "residual %.3g against its gate %.3g, %.3g from it"
        c.ResidualL2
        (example.Gates.ResidualBound c)
        (fromTarget example floor target c.Values)

/// A warm run's result: the last of its stages — polished, trained (before the polish), fitted with the equation —
/// whose field met the gates within the distinctness threshold of the classical solution it was fitted to (else the
/// polished run), with the polished run and what was kept in words. Training is there to improve a field, the polish (on the plain loss) to
/// undo minima the deflation factor made; a field that passes the gates at a certified classical solution is none, and
/// neither may take it away. Measured: Bratu λ = 6.5 at the continuation test's size — the warm start met the gates at
/// max 1.845 against the upper branch's 1.858, and 300 L-BFGS steps slid it to the lower branch (max 1.000);
/// Allen–Cahn ε = 0.1 — a fit met the gates 0.04 from a (2,2) solution, the deflated training took it 0.12 away (max
/// 0.62 → 0.69). The classical review still judges the field kept.
let private keepReached
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (round: int)
    (targets: float[][])
    (fitted: Candidate[])
    (polished: Candidate list)
    =
    let reached (c: Candidate) =
        (atTarget search example s targets[c.Run.Index] false (Ensemble.measurementOf c)).IsSome

    let before = search.BeforePolish |> List.filter (fun c -> c.Run.Round = round)

    polished
    |> List.map (fun p ->
        [
            yield p, ""
            match before |> List.tryFind (fun b -> b.Run = p.Run) with
            | Some b -> yield b, " (kept: the field before its polish, which left the target)"
            | None -> ()
            yield
                { fitted[p.Run.Index] with Run = p.Run },
                " (kept: the fit with the equation, which met the gates at the target the training left)"
        ]
        |> List.tryFind (fst >> reached)
        |> Option.defaultValue (p, "")
        |> fun (kept, why) -> kept, p, why)

/// A round of warm starts (run i from `targets[i]`: a label and a Target): each fitted to the
/// values (in `round-k/fit-i`), then with the equation (`round-k/fit-equation-i`), then trained on the problem plus its
/// observations (as the fit with the equation) deflated by `known` (values on the grid) until it meets the gates
/// within the threshold of its target (`reachedTarget`, asked before the first step too) or its stall rule ends it,
/// then polished; the kept candidates (`keepReached`).
let round
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (round: int)
    (targets: (string * Target) list)
    (known: float[] list)
    =
    let targets = Array.ofList targets

    search.Judging(
        sprintf
            "warm starts: fitting networks to %d classical solution(s) that no network reached, then training them"
            targets.Length
    )

    let fits =
        targets
        |> Array.mapi (fun i (_, target) -> fits search example s round i target)

    let describe i after =
        let label, target = targets[i]
        let values, equation = fits[i]

        sprintf
            "warm start: fitted to %s (to its values: %s; with the equation: %s), then trained on the deflated PDE loss with its observations%s"
            label
            (fitted example search.Floor target.Values values)
            (fitted example search.Floor target.Values equation)
            after

    for i in 0 .. targets.Length - 1 do
        search.Start({ Round = round; Index = i }, describe i "")

    let trained =
        deflatedEnsemble
            search
            s
            round
            targets.Length
            (fun i -> (snd fits[i]).Theta)
            known
            (fun i -> reachedTarget search example s (snd targets[i]).Values)
            (Some(fun i -> withObservations search example (snd targets[i]) (fst fits[i])))
        |> keepReached
            search
            example
            s
            round
            (targets |> Array.map (fun (_, t) -> t.Values))
            (Array.map snd fits)

    for _, c, kept in trained do
        let after = fitted example search.Floor (snd targets[c.Run.Index]).Values c
        search.Start(c.Run, describe c.Run.Index (sprintf " (then %s)%s" after kept))

    trained |> List.map (fun (kept, _, _) -> kept)
