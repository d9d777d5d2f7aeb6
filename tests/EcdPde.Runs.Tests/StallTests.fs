/// The stall rule: a flat loss stops a run after its patience, a geometrically falling one does not, noise is not
/// taken for progress, the exploratory phase of a fixed bounce schedule is read from the optimizer's options, and a
/// run interrupted and resumed stops at the same step with the same θ as an uninterrupted one (the rule's state is in
/// the checkpoint).
module EcdPde.Runs.Tests.StallTests

open System
open System.IO
open Xunit
open Expecto
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Randomness
open EcdPde.Runs

/// Feeds losses to the rule from step 0 (with a convergence check); the state and step at which it fired, if it did.
let private firedWith (converged: int64 -> string option) (rule: Stall.Rule) (losses: float seq) =
    losses
    |> Seq.indexed
    |> Seq.scan
        (fun (s, _) (k, l) -> Stall.observe rule (fun () -> converged (int64 k)) (int64 k) l s, int64 k)
        (Stall.start, -1L)
    |> Seq.tryFind (fun (s, _) -> Stall.stalled s)

/// The step at which the rule fired without a convergence check, if it did.
let private firesAt (rule: Stall.Rule) (losses: float seq) =
    firedWith (fun _ -> None) rule losses |> Option.map snd

let ``the caller's convergence check ends a run at a block's end, and is not a plateau`` () =
    let rule = Stall.ofSteps 1000L
    // converged from step 150 on: asked at the end of block 2 (step 199), while the loss still falls fast
    let fired =
        firedWith
            (fun k -> if k >= 150L then Some "passes" else None)
            rule
            (Seq.init 3000 (fun k -> 0.5 ** (float k / 100.0)))

    match fired with
    | Some(s, k) ->
        Assert.Equal(199L, k)
        Assert.True(s.Met && not (Stall.plateau s))
        Assert.Equal("converged at step 199: passes", s.Reason)
        Assert.Equal(s, Stall.ofJson (Stall.toJson s))
    | None -> failwith "the check must end the run"

let ``under UntilFlat a run meeting the check trains on while its loss falls, and stops in the first flat block``
    ()
    =
    let rule = Stall.ofSteps 1000L
    // 10% lower in each block of 100 steps up to block 6 (steps 500–599), flat after: the check holds from the start
    let losses = Seq.init 3000 (fun k -> 0.9 ** float (min (k / 100) 5))

    let always _ = Some "passes"
    // without UntilFlat: the first block's end
    Assert.Equal(Some 99L, firedWith always rule losses |> Option.map snd)

    match firedWith always { rule with UntilFlat = true } losses with
    | Some(s, k) ->
        // blocks 1–6 fall by 10% (progress), block 7 (steps 600–699) is flat: asked there, converged
        Assert.Equal(699L, k)
        Assert.True(s.Met && not (Stall.plateau s))
        Assert.Equal(7, s.Blocks)
    | None -> failwith "the check must end the run once the loss is flat"

    // falling by 3% per block (under the 5% fraction): no progress, so the check is asked at block 2
    let slow = Seq.init 3000 (fun k -> 0.97 ** (float k / 100.0))
    Assert.Equal(Some 199L, firedWith always { rule with UntilFlat = true } slow |> Option.map snd)
    // the check never holding: a flat loss still stalls after the patience, as a plateau
    match firedWith (fun _ -> None) { rule with UntilFlat = true } (Seq.replicate 1000 0.5) with
    | Some(s, k) ->
        Assert.Equal(299L, k)
        Assert.True(Stall.plateau s)
    | None -> failwith "a flat loss must stall"

    Assert.Contains(
        "converged only in a block without progress",
        Stall.describe { rule with UntilFlat = true }
    )

    Assert.DoesNotContain("converged only", Stall.describe rule)

let ``a reached state ends a run at a block's end even under UntilFlat, while its loss still falls`` () =
    let rule =
        { Stall.ofSteps 1000L with
            UntilFlat = true
        }
    // 10% lower in each block of 100 steps: progress in every block, so the convergence check is never asked
    let losses = Seq.init 3000 (fun k -> 0.9 ** float (k / 100))

    let fired (reached: int64 -> string option) =
        losses
        |> Seq.indexed
        |> Seq.scan
            (fun (s, _) (k, l) ->
                Stall.observeReaching
                    rule
                    (fun () -> reached (int64 k))
                    (fun () -> Some "passes")
                    (int64 k)
                    l
                    s,
                int64 k)
            (Stall.start, -1L)
        |> Seq.tryFind (fun (s, _) -> Stall.stalled s)

    Assert.Equal(None, fired (fun _ -> None) |> Option.map snd)

    match fired (fun k -> if k >= 250L then Some "at its target" else None) with
    | Some(s, k) ->
        // reached from step 250: asked at the end of block 3 (step 299), though that block made progress
        Assert.Equal(299L, k)
        Assert.True(s.Met && not (Stall.plateau s))
        Assert.Equal("converged at step 299: at its target", s.Reason)
    | None -> failwith "a reached state must end the run"

    // a start already reached takes no step; one that is not, and a run already stopped, are left as they are
    let started = Stall.atStart (fun () -> Some "at its target") Stall.start
    Assert.Equal("converged at step 0: at its target", started.Reason)
    Assert.True(started.Met && Stall.stalled started)
    Assert.Equal(Stall.start, Stall.atStart (fun () -> None) Stall.start)
    Assert.Equal(started, Stall.atStart (fun () -> Some "again") started)

let ``a flat loss stalls after the patience; a falling one does not`` () =
    let rule = Stall.ofSteps 1000L
    Assert.Equal(100L, rule.Block)
    // block 1 sets the best, blocks 2 and 3 make no progress: the last report of block 3 fires
    Assert.Equal(Some 299L, firesAt rule (Seq.replicate 1000 0.5))
    // 10% per block (more than the 5% needed) never stalls
    Assert.True((firesAt rule (Seq.init 3000 (fun k -> 0.9 ** (float k / 100.0)))).IsNone)
    // 2% per block: slower than the fraction — a stall, though the loss still falls
    Assert.True((firesAt rule (Seq.init 3000 (fun k -> 0.98 ** (float k / 100.0)))).IsSome)
    // with patience 3, a plateau of two blocks followed by a drop of the loss by half is progress, not a stall
    let dropping = Seq.init 3000 (fun k -> if k < 250 then 1.0 else 0.5)
    Assert.True((firesAt { rule with Patience = 3 } (Seq.take 500 dropping)).IsNone)

let ``noise is not taken for progress, and nothing is judged before NotBefore`` () =
    let rng = Xoshiro256.FromSeed 7UL
    // log-normal noise of σ = 1 around a flat loss: a block's mean log L wanders by ~σ/√B, below 2σ/√B
    let noisy = Array.init 5000 (fun _ -> exp (rng.NextNormal()))
    let rule = Stall.ofSteps 1000L
    let fired = firesAt rule noisy
    Assert.True(fired.IsSome, "a flat noisy loss must stall")
    Assert.True(fired.Value < 1000L, sprintf "fired at %A" fired)
    let late = firesAt { rule with NotBefore = 2000L } noisy
    Assert.True(late.IsSome && late.Value >= 2000L + 3L * rule.Block - 1L, sprintf "fired at %A" late)

let ``the exploratory phase is the last fixed bounce of the optimizer's options`` () =
    let bbi =
        OptimizerCatalog.Create<float>(
            "bbi",
            [
                Collections.Generic.KeyValuePair("lr", "0.01")
                Collections.Generic.KeyValuePair("threshold0", "200")
                Collections.Generic.KeyValuePair("nFixedBounces", "10")
            ]
        )

    let state = bbi.Init(ReadOnlySpan [| 1.0; 2.0 |], 1UL)
    Assert.Equal(2000L, Stall.explorationOf (Checkpoint.identityOf bbi state []))

    let adam =
        OptimizerCatalog.Create<float>("adam", [ Collections.Generic.KeyValuePair("lr", "0.01") ])

    Assert.Equal(
        0L,
        Stall.explorationOf (Checkpoint.identityOf adam (adam.Init(ReadOnlySpan [| 1.0 |], 1UL)) [])
    )

/// 1 + |θ|²: the loss falls to 1 and stays there — a plateau.
type private Floor() =
    interface IObjective<float> with
        member _.Dimension = 2

        member _.Evaluate(theta, gradient) =
            let mutable f = 1.0

            for i in 0 .. theta.Length - 1 do
                f <- f + theta[i] * theta[i]
                gradient[i] <- 2.0 * theta[i]

            f

let private stallRun (dir: string) (steps: int64) =
    let adam =
        OptimizerCatalog.Create<float>("adam", [ Collections.Generic.KeyValuePair("lr", "0.05") ])

    { RunLoop.create adam (Floor()) [| 3.0; -2.0 |] 5UL steps with
        Files = RunLoop.RunFiles.inFolder dir "run"
        CheckpointEvery = 50L
        Stall = Some(Stall.ofSteps 500L)
    }

let ``a resumed run stalls at the step and θ of an uninterrupted one`` () =
    let fresh () =
        let d = TempFolders.path "ecdpde-stall-"

        Directory.CreateDirectory d |> ignore
        d

    let straight = RunLoop.execute (stallRun (fresh ()) 5000L)
    Assert.True(straight.Stall |> Option.exists Stall.stalled, "the plateau must stall")
    let stopped = straight.State.Steps
    Assert.True(stopped < 5000L && stopped > 100L, sprintf "stopped after %d steps" stopped)
    Assert.StartsWith("a stall at step", RunLoop.stopReason straight)
    // interrupted mid-way (its budget ends in the middle of a block), then resumed with the full budget
    let dir = fresh ()
    let first = RunLoop.execute (stallRun dir (stopped / 2L + 7L))
    Assert.False(first.Stall |> Option.exists Stall.stalled)
    let resumed = RunLoop.execute (stallRun dir 5000L)
    Assert.True(resumed.Resumed)
    Assert.Equal(stopped, resumed.State.Steps)
    Assert.Equal<float[]>(straight.State.Theta, resumed.State.Theta)
    Assert.Equal(RunLoop.stopReason straight, RunLoop.stopReason resumed)
    // rerun once stalled: nothing more is done
    let again = RunLoop.execute (stallRun dir 5000L)
    Assert.Equal(stopped, again.State.Steps)

/// A run whose start is already reached takes no step, keeps its start, and a rerun from its folder stays stopped;
/// one reached later (|θ| small) stops at the end of the first block where it is, before its loss is flat.
let ``a run reached at its start takes no step, and stays stopped when rerun`` () =
    let dir = TempFolders.path "ecdpde-stall-"

    Directory.CreateDirectory dir |> ignore

    let reachedRun (steps: int64) =
        { stallRun dir steps with
            Reached = fun _ -> Some "at its target"
        }

    let started = RunLoop.execute (reachedRun 5000L)
    Assert.Equal(0L, started.State.Steps)
    Assert.Equal<float[]>([| 3.0; -2.0 |], started.State.Theta)
    Assert.Equal("converged at step 0: at its target", RunLoop.stopReason started)
    let again = RunLoop.execute (reachedRun 5000L)
    Assert.True(again.Resumed)
    Assert.Equal(0L, again.State.Steps)

    let later =
        { stallRun (Path.Combine(dir, "later")) 5000L with
            Reached =
                fun st ->
                    if abs st.Theta[0] < 1.0 then
                        Some "near the minimum"
                    else
                        None
        }
        |> RunLoop.execute

    Assert.Equal(0L, later.State.Steps % 50L)
    Assert.True(later.State.Steps < 5000L && abs later.State.Theta[0] < 1.0)
    Assert.StartsWith("converged at step", RunLoop.stopReason later)

/// A fixed budget (no stall rule, like a polish): a start that is reached takes no step either, and says why; one that
/// is not takes its whole budget.
let ``a fixed-budget run reached at its start takes no step`` () =
    let dir = TempFolders.path "ecdpde-stall-"

    let fixedRun (sub: string) (reached: bool) =
        { stallRun (Path.Combine(dir, sub)) 300L with
            Stall = None
            Reached = fun _ -> if reached then Some "at its target" else None
        }
        |> RunLoop.execute

    let skipped = fixedRun "reached" true
    Assert.Equal(0L, skipped.State.Steps)
    Assert.Equal<float[]>([| 3.0; -2.0 |], skipped.State.Theta)
    Assert.Equal("converged at step 0: at its target", RunLoop.stopReason skipped)
    Assert.Equal(0L, (fixedRun "reached" true).State.Steps)
    let polished = fixedRun "not" false
    Assert.Equal(300L, polished.State.Steps)
    Assert.Equal("the step budget (300 steps)", RunLoop.stopReason polished)

[<Tests>]
let tests =
    testList
        "stall"
        [
            testCase
                "a flat loss stalls; a falling one does not"
                ``a flat loss stalls after the patience; a falling one does not``
            testCase
                "noise and NotBefore"
                ``noise is not taken for progress, and nothing is judged before NotBefore``
            testCase
                "the exploratory phase"
                ``the exploratory phase is the last fixed bounce of the optimizer's options``
            testCase "resume" ``a resumed run stalls at the step and θ of an uninterrupted one``
            testCase
                "convergence"
                ``the caller's convergence check ends a run at a block's end, and is not a plateau``
            testCase
                "convergence once flat"
                ``under UntilFlat a run meeting the check trains on while its loss falls, and stops in the first flat block``
            testCase
                "reached under UntilFlat"
                ``a reached state ends a run at a block's end even under UntilFlat, while its loss still falls``
            testCase
                "reached at the start"
                ``a run reached at its start takes no step, and stays stopped when rerun``
            testCase
                "reached at the start of a fixed budget"
                ``a fixed-budget run reached at its start takes no step``
        ]
