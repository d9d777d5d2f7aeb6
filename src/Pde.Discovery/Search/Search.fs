/// The search of a discovery: the problem compiled once for the runs (network, θ₀, discretization, measurement, the
/// gates' reference), the bounce ensemble, the deflation rounds with their starts, the polish of every run on the
/// plain loss, and why the search stopped.
module Pde.Discovery.Search

open System
open System.IO
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Ecd.Core.Randomness
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery.Solutions
open Pde.Discovery.Subject

/// What a deflated run starts from.
type private DeflationStart =
    /// A fresh initialization (seeded by the round and the run).
    | Fresh
    /// Known solution j (numbered from 1) with its output layer multiplied by a.
    | Scaled of a: float * j: int * theta: float[]
    /// A fresh initialization with its output layer scaled so that its fields' root mean square is a times the
    /// largest known solution's.
    | FreshAt of a: float

/// The starts of a deflation round's runs: run 0 from the initialization, then a fresh initialization for every known
/// solution near zero, the known solutions scaled as `Deflation.startAmplitudes` says, fresh initializations at the
/// sizes of `Deflation.initializationScales`, then plain fresh initializations. Returns, per run, its description
/// and its θ.
let private deflationStarts (ds: DiscoverySearch) (example: Subject) (round: int) (known: Candidate list) =
    // known solutions with kept weights, numbered from 1 as in solutions.json
    let nearZero, scalable =
        known
        |> List.indexed
        |> List.filter (snd >> ds.Keeps)
        |> List.partition (fun (_, c) ->
            normL2 example.Weights c.Values <
                0.1
                * floorOf example.Weights ds.Reference.FieldFloor (known |> List.map _.Values))

    let plan =
        Array.ofList (
            (nearZero |> List.map (fun _ -> Fresh))
            @ [
                for a in Deflation.startAmplitudes do
                    for j, c in scalable -> Scaled(a, j + 1, c.Theta)
            ]
            @ [ for a in Deflation.initializationScales -> FreshAt a ]
        )

    // the size the fresh starts are scaled to: the largest known solution's root mean square
    let largest () =
        known
        |> List.fold (fun m c -> max m (normL2 example.Weights c.Values)) 0.0
        |> fun n -> n / sqrt (Array.sum example.GridWeights * float example.Fields.Length)

    fun (i: int) ->
        match (if i = 0 then None else Array.tryItem (i - 1) plan) with
        | _ when i = 0 -> "the initialization", (fun () -> ds.Initial round 0)
        | Some(Scaled(a, j, theta)) ->
            sprintf "solution %d × %g" j a, (fun () -> Deflation.scaleOutput ds.Network a theta)
        | Some(FreshAt a) ->
            sprintf "a fresh initialization scaled to %g × the largest solution's size" a,
            (fun () ->
                let theta = ds.Fresh(round, i)
                let size = ds.Rms theta
                let target = a * largest ()

                if size > 0.0 && target > 0.0 && Double.IsFinite(target / size) then
                    Deflation.scaleOutput ds.Network (target / size) theta
                else
                    theta)
        | Some Fresh
        | None -> "a fresh initialization", (fun () -> ds.Fresh(round, i))

/// The Newton solution (on the grid) that certification finds from a candidate's field, when Newton converged.
let private newtonOf (search: DiscoverySearch) (c: Candidate) =
    search.CertifyAt(c.Theta, search.Floor)
    |> Certification.solutionOf
    |> Option.map (Certification.onGrid search.Subject)

/// Issue 14's item 5, never discard a new solution in the polish: when the polished field of a deflated run lies
/// within the floor of solution j of the ones it was deflated from (`known`, numbered from 1) but Newton from its
/// unpolished field (`before`) converges within the floor of that field (certified) to a solution none of `known` is,
/// the polish slid a new solution back to a known one: the unpolished run is the candidate. The label for its run's
/// description, or None (certification off, nothing known, or the rule does not apply).
let keptUnpolished
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (known: float[] list)
    (before: Candidate)
    (after: Candidate)
    =
    if not s.Certify || known.IsEmpty || not (search.Keeps before) then
        None
    else
        match known |> List.tryFindIndex (fun k -> search.Same(after.Values, k)) with
        | None -> None
        | Some j ->
            match search.CertifyAt(before.Theta, search.Floor) with
            | Certify.Certified(solution, d) when
                known
                |> List.forall (fun k -> not (search.Same(Certification.onGrid search.Subject solution, k)))
                ->
                Some(
                    sprintf
                        "kept unpolished: the polish slid to solution %d it was deflated from (max |u| %.4g), but Newton certified the unpolished field %.2g from a solution not known (max |u| %.4g)"
                        (j + 1)
                        (maxAbs known[j])
                        d
                        (maxAbs before.Values)
                )
            | _ -> None

/// The runs of a round polished on the plain loss with the polish optimizer (when PolishSteps > 0 and their weights
/// were kept), in the round's polish folder: an energy-conserving run ends wherever its trajectory is, and a deflated
/// run where the deflation factor left it; the polish takes either to the nearest minimum of the plain loss. The
/// fields before the polish are kept for the near-miss check. A deflated run (deflated from `known`, values on the
/// grid) whose polish slid a certified new solution back to a known one stays unpolished (`keptUnpolished`), its run
/// description saying so. A run whose field `reached` says is done (the check its training stopped on, e.g. a warm
/// start at its target) takes no polish step: its polish run stops at step 0 (before, on the unseen disk problem of
/// docs/discovery.md, two warm runs that stopped at step 0 at their targets took 300 L-BFGS steps each, whose result
/// `WarmStart.keepReached` then set aside for the unpolished field).
let polish
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (round: int)
    (known: float[] list)
    (reached: int -> int64 -> Ensemble.FieldMeasurement -> string option)
    (runs: Candidate list)
    =
    if s.PolishSteps > 0L && runs |> List.forall search.Keeps then
        let byIndex = Array.ofList runs
        search.KeepBeforePolish runs

        search.Ensemble(
            round,
            Path.Combine(RunFolders.roundFolder round, "polish"),
            byIndex.Length,
            (fun i -> byIndex[i].Theta),
            [],
            s.PolishSteps,
            s.PolishOptimizer,
            FixedSteps,
            reached = reached
        )
        |> List.map (fun after ->
            let before = byIndex[after.Run.Index]

            match keptUnpolished search s known before after with
            | Some label ->
                search.Start(before.Run, search.Started before.Run + "; " + label)
                before
            | None -> after)
    else
        runs

/// `runs` runs of round `round` from `start i`, in its folder, on the loss deflated by `known` (values on the grid)
/// with the deflation rounds' optimizer — its settings filled in for the network (Deflation.optimizerSettings), its
/// potential (Deflation.potentialFor) —, steps and budget (run i also stops where `reached i` says its measured field
/// is done; `problemOf i`, when given, is the problem of its loss instead of the subject's); then polished on the
/// plain loss.
let deflatedEnsemble
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (round: int)
    (runs: int)
    (start: int -> float[])
    (known: float[] list)
    (reached: int -> int64 -> Ensemble.FieldMeasurement -> string option)
    (problemOf: (int -> Pde.FSharp.Problems.Problem) option)
    =
    search.Ensemble(
        round,
        RunFolders.roundFolder round,
        runs,
        start,
        known,
        s.DeflationSteps,
        (s.DeflationOptimizer,
         Deflation.optimizerSettings s.DeflationOptimizer search.Theta0.Length s.DeflationOptimizerSettings),
        potential = Deflation.potentialFor s.DeflationOptimizer search.PlainScale,
        reached = reached,
        ?problemOf = problemOf
    )
    |> polish search s round known reached

/// A deflation round: its runs on the loss deflated by every known solution — the network solutions `known` and the
/// solutions Newton reached from runs that `NewtonStop.found` ended (`reached`, values on the grid) —; then every run
/// is polished on the plain loss, so that a minimum the deflation factor made (not a solution) slides back to a known
/// solution instead of being reported.
let private deflationRound
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (round: int)
    (known: Candidate list)
    (reached: float[] list)
    =
    let startOf = deflationStarts search example round known
    let deflated = (known |> List.map _.Values) @ reached

    for i in 0 .. s.DeflationRuns - 1 do
        search.Start({ Round = round; Index = i }, sprintf "deflated, from %s" (fst (startOf i)))

    // every run is a fresh optimizer: an energy-conserving one takes its energy from its own start (re-based per run)
    deflatedEnsemble
        search
        s
        round
        s.DeflationRuns
        (fun i -> (snd (startOf i)) ())
        deflated
        (NewtonStop.found search s s.DeflationOptimizer s.DeflationSteps deflated)
        None

/// Whether a deflation round found something new: `after` (the distinct solutions of every candidate so far) has more
/// than `before` (those of the `earlier` candidates) and — certification on — one of its solutions founded by this
/// round's runs alone is new by the classical judge: a field that Newton certified or moved (or could not certify) to
/// a solution (or that is itself a field) not within the one floor of anything known — the earlier solutions' fields,
/// their Newton solutions and the solutions Newton reached from ended runs (`reached`, values on the grid). A field
/// that Newton moves to a known solution is that solution again, not something new (k = 10: rounds 3 and 4, ≈ 1 000
/// CPU s, ran on such fields), and so is one it certifies at a known solution (k = 10, 2026-12-05 evening: a round's
/// run certified at the bowl that Newton had reached from round 1's field, and a third round ran).
/// Certification off: more distinct solutions than before.
let roundFoundNew
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (earlier: Candidate list)
    (before: DistinctSolution list)
    (after: DistinctSolution list)
    (reached: float[] list)
    =
    if not (after.Length > before.Length) then
        false
    elif not s.Certify then
        true
    else
        let seen = earlier |> List.map _.Run |> Set.ofList

        let known =
            (before
             |> List.collect (fun x ->
                 x.Representative.Values :: Option.toList (newtonOf search x.Representative)))
            @ reached

        let isKnown (v: float[]) =
            known |> List.exists (fun k -> search.Same(v, k))

        after
        |> List.filter (fun x -> x.Members |> List.forall (fun c -> not (seen.Contains c.Run)))
        |> List.exists (fun x ->
            let r = x.Representative

            match search.CertifyAt(r.Theta, search.Floor) with
            | Certify.Certified(solution, _)
            | Certify.Moved(solution, _) -> not (isKnown (Certification.onGrid search.Subject solution))
            | Certify.NotCertified _ -> not (isKnown r.Values))

/// The solutions (values on the grid) that Newton converged to from the fields of the `runs` that `NewtonStop.found`
/// ended farther than the threshold from them (moved: no network solutions), each once, none the same (the one floor's
/// rule) as one of `known`.
let private reachedByNewton (search: DiscoverySearch) (runs: Candidate list) (known: float[] list) =
    runs
    |> List.filter (fun c ->
        search.Stopped c.Run
        |> Option.exists (fun stop -> stop.Reason.Contains NewtonStop.words))
    |> List.choose (fun c ->
        match search.CertifyAt(c.Theta, search.Floor) with
        | Certify.Moved(solution, _) -> Some(Certification.onGrid search.Subject solution)
        | _ -> None)
    |> List.fold
        (fun found v ->
            if (known @ found) |> List.exists (fun k -> search.Same(v, k)) then
                found
            else
                found @ [ v ])
        []

/// Why the search stopped: `deflated` solutions to deflate after the first ensemble (network solutions and solutions
/// Newton reached from ended runs), `reached` of those found by Newton (`reachedByNewton`).
let private stopReason
    (s: DiscoverySettings)
    (deflated: int)
    (reached: int)
    (round: int)
    (foundNew: bool)
    (note: string)
    =
    let byNewton =
        if reached > 0 then
            sprintf
                "; %d solution(s) no network solution is were found by Newton on the finite-difference problem from the fields of runs it ended (deflated as known; warm starts fitted at their nodes represent them)"
                reached
        else
            ""

    if deflated = 0 then
        "no run of the first ensemble was accepted (by the gates and the classical review), so there was nothing to deflate: deflation skipped"
    elif s.DeflationRounds = 0 then
        "no deflation rounds were asked for (DeflationRounds = 0)" + byNewton
    elif foundNew then
        sprintf
            "the round cap: all %d deflation round(s) ran, the last one found something new%s"
            s.DeflationRounds
            byNewton
    else
        sprintf "deflation round %d found nothing new%s%s" round note byNewton

/// The bounce ensemble, then deflation rounds until a round finds nothing new (`roundFoundNew`; or the round cap);
/// every candidate and why the search stopped.
let searchAll (search: DiscoverySearch) (example: Subject) (s: DiscoverySettings) =
    let classify' (cands: Candidate list) = search.Classify cands

    for i in 0 .. s.Runs - 1 do
        search.Start(
            { Round = 0; Index = i },
            match s.Initialization with
            | Shared -> "bounces, from the shared initialization"
            | PerRun -> "bounces, from its own initialization"
        )

    let mutable candidates =
        search.Ensemble(
            0,
            RunFolders.roundFolder 0,
            s.Runs,
            search.Initial 0,
            [],
            s.Steps,
            (s.Optimizer, s.OptimizerSettings),
            reached = NewtonStop.found search s s.Optimizer s.Steps []
        )
        |> polish search s 0 [] (fun _ _ _ -> None)

    let mutable solutions, _ = classify' candidates
    let valuesOf (xs: DistinctSolution list) = xs |> List.map _.Representative.Values
    let mutable reached = reachedByNewton search candidates (valuesOf solutions)
    let deflated = solutions.Length + reached.Length
    let mutable round = 1
    let mutable searching = deflated > 0
    let mutable foundNew = true
    let mutable note = ""

    while searching && round <= s.DeflationRounds do
        let known = solutions |> List.map (fun x -> x.Representative)
        let earlier = candidates
        let ran = deflationRound search example s round known reached
        candidates <- candidates @ ran
        let next, _ = classify' candidates
        // a run of this round that Newton ended at a solution not known is something new too
        let more = reachedByNewton search ran (valuesOf next @ reached)

        if roundFoundNew search s earlier solutions next reached || not more.IsEmpty then
            solutions <- next
            reached <- reached @ more
            round <- round + 1
        else
            if next.Length > solutions.Length then
                note <-
                    sprintf
                        " (%d more field(s) passed the gates, but each was a solution already known to the classical judge: Newton moved it there, or it lies within the floor of one)"
                        (next.Length - solutions.Length)

            foundNew <- false
            searching <- false

    candidates, stopReason s deflated reached.Length round foundNew note
