/// Which classical solutions become warm starts, and the warm rounds after a search (WarmStart.round): the classical
/// solutions no network reached — the classical completion's, the near misses' and the Newton solutions of network
/// fields that Newton moved — that no earlier warm round tried and that lie farther than the floor from every network
/// solution, each round deflated by the network solutions found so far.
module Pde.Discovery.WarmTargets

open Pde.FSharp.Classical
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Search

/// The classical solutions no network reached, not tried by an earlier warm round (`tried`), farther than the floor
/// (absolute L²) from every `known` network solution: nearer, the deflation's pole dominates the loss (Allen–Cahn
/// ε = 0.1: every warm start 0.075 from u = 0 diverged to residual 2–18 after 12 000–30 000 steps).
let private untried
    (example: Subject)
    (s: DiscoverySettings)
    (floor: float)
    (known: float[] list)
    (tried: float[] list)
    (classicalOnly: (SolutionsFile.ClassicalOnlyRecord * Certify.ClassicalSolution) list)
    =
    classicalOnly
    |> List.filter (fun (_, solution) ->
        let values = Certification.onGrid example solution

        tried
        |> List.forall (fun t -> not (sameSolution example.Weights floor s.Threshold values t))
        && known
           |> List.forall (fun k -> normL2 example.Weights (Array.map2 (-) values k) >= floor))

/// Each distinct solution with its certification (None for all when certification is off: no certifications).
let private withCertifications
    (found: ClassicalCheck.Found list)
    (certifications: Certify.Certification list)
    =
    if certifications.Length = found.Length then
        List.zip found (List.map Some certifications)
    else
        found |> List.map (fun f -> f, None)

/// The Newton solutions of network fields that Newton moved farther than the threshold, as classical solutions no
/// network reached (a moved field is no network solution): one per solution, none that a certified field is.
let movedTargets
    (example: Subject)
    (s: DiscoverySettings)
    (floor: float)
    (found: ClassicalCheck.Found list)
    (certifications: Certify.Certification list)
    =
    let certified =
        certifications
        |> List.choose (function
            | Certify.Certified(sol, _) -> Some(Certification.onGrid example sol)
            | _ -> None)

    // each target with its fields on the grid, computed once
    withCertifications found certifications
    |> List.fold
        (fun targets (f, c) ->
            match c with
            | Some(Certify.Moved(sol, d)) ->
                let values = Certification.onGrid example sol

                if
                    (certified @ List.map (fun (_, _, v) -> v) targets)
                    |> List.exists (sameSolution example.Weights floor s.Threshold values)
                then
                    targets
                else
                    let by =
                        sprintf
                            "Newton from the field of %O, which it moved %.3g"
                            f.Solution.Representative.Run
                            d

                    targets @ [ Certification.classicalRecord example by sol, sol, values ]
            | _ -> targets)
        []
    |> List.map (fun (record, sol, _) -> record, sol)

/// Warm-start rounds (WarmStart.round) after the search's last round: each from the `untried` classical solutions,
/// deflated by the network solutions found so far (if any: else the completion's solutions are the only way in),
/// judged again after each (which may certify new classical solutions: they seed the next round) until none is
/// untried (at most one round per classical solution the first judgement listed, at least one). Returns the
/// candidates with the warm rounds' runs and the last judgement.
let rounds
    (search: DiscoverySearch)
    (example: Subject)
    (s: DiscoverySettings)
    (judge: Candidate list -> _)
    (candidates: Candidate list)
    judged
    =
    let _, _, _, _, classicalOnly0 = judged
    let cap = max 1 (List.length classicalOnly0)

    let rec go (k: int) (tried: float[] list) candidates judged =
        let found, _, certifications, _, classicalOnly = judged

        // a field that Newton moved is no solution: not deflated (its pole would lie beside its Newton solution)
        let known =
            withCertifications found certifications
            |> List.choose (fun (f, c) ->
                match c with
                | Some(Certify.Moved _) -> None
                | _ -> Some f.Solution.Representative.Values)

        let targets =
            untried
                example
                s
                search.Floor
                known
                tried
                (classicalOnly @ movedTargets example s search.Floor found certifications)

        if not s.WarmStarts || targets.IsEmpty || k >= cap then
            candidates, judged
        else
            let round =
                1 + (candidates |> List.fold (fun m (c: Candidate) -> max m c.Run.Round) 0)

            let warm =
                WarmStart.round
                    search
                    example
                    s
                    round
                    (targets
                     |> List.map (fun (r, solution) ->
                         sprintf
                             "the classical solution no network reached (max |u| %.4g, found by %s)"
                             r.MaxAbs
                             r.FoundBy,
                         WarmStart.ofSolution example solution))
                    known

            let candidates = candidates @ warm

            go
                (k + 1)
                (tried @ (targets |> List.map (snd >> Certification.onGrid example)))
                candidates
                (judge candidates)

    go 0 [] candidates judged
