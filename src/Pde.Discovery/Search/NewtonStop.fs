/// When Newton on the finite-difference problem ends a run: the steps at which it is asked (`at`), and the end of a run
/// on fresh points once Newton from its field converges to a solution (`found`) — the warm starts (WarmStart) then
/// represent that solution — or, past its nominal steps, to a solution it is deflated from.
module Pde.Discovery.NewtonStop

open Pde.FSharp.Classical
open Pde.Discovery.Solutions
open Pde.Discovery.Subject

/// Whether Newton is asked of a run's field after `steps` steps: before its first step and at the end of the blocks of
/// its stall rule (`block` steps each) whose number is a power of two (steps B, 2B, 4B, …) — at most log₂ of its
/// blocks solves, a fraction of the training they may save: a solve costs 10–30 s at the paper's PDE k = 20, a block
/// 13–25 s. The rule depends on the steps alone, so a resumed run asks where an uninterrupted one does.
let at (block: int64) (steps: int64) =
    steps = 0L
    || (block > 0L
        && steps % block = 0L
        && (let n = steps / block in n &&& (n - 1L) = 0L))

/// Whether a run of `optimizer` trains on fresh points every step under a stall rule that waits for its loss to stop
/// falling (`Stall.UntilFlat`: a stall budget, and `DiscoverySearch.OnFreshPoints`).
let private untilFlat (search: DiscoverySearch) (s: DiscoverySettings) (optimizer: string) =
    s.Budget <> FixedSteps && search.OnFreshPoints optimizer

/// The words of a run's stop reason when `found` ended it.
let words = "its solution found by Newton on the finite-difference problem"

/// The words of a run's stop reason when `found` ended it at or past its nominal steps in a known solution's basin.
let knownWords =
    "its nominal steps trained, Newton on the finite-difference problem takes its field to a solution it is deflated from"

/// The end of a run on fresh points (`untilFlat`) once Newton has found what it reached: at the first Newton check
/// after its first step (`at`, blocks of the stall rule of `steps` nominal steps, and at the nominal steps themselves)
/// where Newton on the finite-difference problem converges from its field — certified (a solution), or moved to a
/// solution that none of `known` (the fields the run is deflated from) is: that solution is then known, and a warm
/// start fitted at its nodes represents it (WarmTargets, WarmStart.ofSolution). On fresh points a run's loss falls for
/// long: at the paper's PDE k = 20 the grown network's first run trained 12 000 steps (14 min beside its twin) and
/// Newton still moved its field 0.36 to sin²(20r²), while Newton moved the same run's field to sin²(20r²) at step 400
/// already, and the warm start fitted at that solution's nodes was certified without a step (docs/discovery.md).
///
/// A run also ends at a check at or past its nominal steps where Newton moves its field to one of `known`: the
/// budget's extension past the nominal steps (`UntilStall`, while the loss still falls) is for runs approaching
/// something, and a deflated run whose field lies in the Newton basin of a solution it is deflated from approaches
/// that one, held off by the deflation factor (k = 20: the deflated round's run, deflated from sin²(20r²), trained on
/// to its cap of 12 000 steps, 7 min 48 s, its loss still falling, and Newton took its last field 1.08 to
/// sin²(20r²)). Before its nominal steps, it trains on: deflation may yet push it out. None for runs on fixed points
/// (the gates end them) and with certification off.
let found
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (optimizer: string)
    (steps: int64)
    (known: float[] list)
    : int -> int64 -> Ensemble.FieldMeasurement -> string option =
    let block = (EcdPde.Runs.Stall.ofSteps (max 1L steps)).Block

    let knownIndex (v: float[]) =
        known |> List.tryFindIndex (fun k -> search.Same(v, k))

    if not (s.Certify && untilFlat search s optimizer) then
        fun _ _ _ -> None
    else
        fun _ n m ->
            if n = 0L || not (at block n || n = steps) then
                None
            else
                match search.CertifyAt(m.Theta, search.Floor) with
                | Certify.Certified(_, d) -> Some(sprintf "%s: its field, certified %.3g from it" words d)
                | Certify.Moved(solution, d) ->
                    let v = Certification.onGrid search.Subject solution

                    match knownIndex v with
                    | None ->
                        Some(
                            sprintf
                                "%s: a solution not known (max |u| %.4g), %.3g from its field, which a warm start fitted at its nodes represents"
                                words
                                (maxAbs v)
                                d
                        )
                    | Some j when n >= steps ->
                        Some(
                            sprintf
                                "%s (number %d of them, max |u| %.4g), %.3g from its field"
                                knownWords
                                (j + 1)
                                (maxAbs v)
                                d
                        )
                    | Some _ -> None
                | Certify.NotCertified _ -> None
