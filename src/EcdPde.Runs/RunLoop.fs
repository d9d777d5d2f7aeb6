/// The one resumable run loop: every optimization in EcdPde (`ecdpde optimize`, each training stage, each
/// ensemble run, each study cell that keeps files) goes through `RunLoop.execute`. It resumes from a checkpoint,
/// rewrites the trace rows after it, writes a trace row per step, checkpoints every N steps — only once the
/// checkpointed point has been evaluated finite — and at the end, and reports the last finite point when the loss or
/// its gradient stops being finite (keeping the last checkpoint confirmed finite; when there is none, the state it
/// stopped in, if its θ is finite).
module EcdPde.Runs.RunLoop

open System
open System.IO
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Running

/// The files of one run: a checkpoint (the optimizer's whole state) and a trace (one CSV row per step).
type RunFiles =
    {
        /// Checkpoint file, rewritten atomically every CheckpointEvery steps and at the end.
        Checkpoint: string option
        /// CSV trace file (step 0 = the start).
        Trace: string option
    }

/// Constructors of RunFiles.
[<RequireQualifiedAccess>]
module RunFiles =
    /// No files: nothing is written and nothing can be resumed.
    let none = { Checkpoint = None; Trace = None }

    /// `dir/<stem>.checkpoint.json` and `dir/<stem>.trace.csv`.
    let inFolder (dir: string) (stem: string) =
        {
            Checkpoint = Some(Path.Combine(dir, stem + ".checkpoint.json"))
            Trace = Some(Path.Combine(dir, stem + ".trace.csv"))
        }

/// One run: what to optimize, from where, for how long, and where its files go.
[<NoEquality; NoComparison>]
type Run<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>> =
    {
        Optimizer: IOptimizer<'T>
        Objective: IObjective<'T>
        /// The starting point of a fresh run.
        Start: 'T[]
        /// Seed of the optimizer's random draws in a fresh run (a resumed run continues its saved generator).
        Seed: uint64
        /// Total steps of the run (a resumed run takes the remaining ones).
        Steps: int64
        Files: RunFiles
        /// Checkpoint interval in steps (0: only at the end).
        CheckpointEvery: int64
        /// Continue from the checkpoint file when it exists.
        Resume: bool
        /// Checks a resumed state against the request (raise to refuse it).
        CheckResumed: OptimizerState<'T> -> unit
        /// Called once the state is ready (fresh or resumed), before the first step.
        OnStart: OptimizerState<'T> -> unit
        /// Sees every step's report (after its trace row is written), with the state after the step.
        OnStep: OptimizerState<'T> -> StepReport -> unit
        /// Ends the run early (RunEnd.StopConditionMet) when it returns true. (A stop requested through Interrupt
        /// ends every run anyway, with a checkpoint, and raises Interrupt.RunInterrupted.)
        StopWhen: StepReport -> bool
        /// Ends the run early on a stall of its loss (Steps is then the maximum budget); the rule's state is saved
        /// in the checkpoints, so a resumed run stops where an uninterrupted one would. Its NotBefore is raised to the
        /// end of the optimizer's fixed bounce schedule (Stall.explorationOf). None: the run takes all its steps.
        Stall: Stall.Rule option
        /// Asked at the end of every block of the stall rule (with the state after the block's last step): Some
        /// reason ends the run as converged (e.g. a discovery run whose field passes the gates).
        Converged: OptimizerState<'T> -> string option
        /// Asked before the first step and at the end of every block of the stall rule before `Converged`, whatever
        /// the rule's UntilFlat: Some reason ends the run as converged even while its loss still falls (a state that
        /// is done, e.g. a warm start meeting the gates within the threshold of its target); a start that is takes no
        /// step, with or without a stall rule (a polish of a field that is done).
        Reached: OptimizerState<'T> -> string option
        /// What identifies the run beyond its optimizer, options, seed, starting point and dimension (e.g. the
        /// objective's name): a checkpoint of another identity is refused.
        Identity: Checkpoint.Identity
    }

/// How a run ended.
[<NoEquality; NoComparison>]
type RunOutcome<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>> =
    {
        /// The optimizer's state at the end (θ, momenta, counters, generator).
        State: OptimizerState<'T>
        /// The core loop's result (final report, best loss, steps taken, bounces, why it ended).
        Result: RunResult
        /// Whether the run continued from a checkpoint.
        Resumed: bool
        /// The last point evaluated finite (State.Theta unless the run diverged).
        LastFinite: 'T[]
        /// The step of the last checkpoint written or resumed from (after a divergence with no earlier checkpoint:
        /// the step the run stopped at, whose state was saved).
        LastSaved: int64 option
        /// True when the loss or its gradient stopped being finite.
        Diverged: bool
        /// The stall rule's final state (None without a rule).
        Stall: Stall.State option
    }

/// A run with no files, no hooks and no checks.
let create
    (optimizer: IOptimizer<'T>)
    (objective: IObjective<'T>)
    (start: 'T[])
    (seed: uint64)
    (steps: int64)
    =
    {
        Optimizer = optimizer
        Objective = objective
        Start = start
        Seed = seed
        Steps = steps
        Files = RunFiles.none
        CheckpointEvery = 0L
        Resume = true
        CheckResumed = ignore
        OnStart = ignore
        OnStep = fun _ _ -> ()
        StopWhen = fun _ -> false
        Stall = None
        Converged = fun _ -> None
        Reached = fun _ -> None
        Identity = []
    }

/// Why a run ended, in words (result files): the stall, the step budget, the optimizer's own stop, a divergence.
let stopReason (outcome: RunOutcome<'T>) =
    match outcome.Stall with
    | _ when outcome.Diverged ->
        sprintf "diverged (a non-finite loss or gradient) after %d steps" outcome.State.Steps
    | Some s when Stall.stalled s -> s.Reason
    | _ ->
        match outcome.Result.End with
        | RunEnd.OptimizerStopped ->
            sprintf "the optimizer stopped by itself after %d steps" outcome.State.Steps
        | RunEnd.StopConditionMet -> sprintf "the caller's stop condition after %d steps" outcome.State.Steps
        | _ -> sprintf "the step budget (%d steps)" outcome.State.Steps

/// The identity of a run: its optimizer and options, seed, starting point, dimension, its stall rule and the
/// caller's part.
let private identityOf (run: Run<'T>) (fresh: OptimizerState<'T>) =
    Checkpoint.identityOf
        run.Optimizer
        fresh
        ([
            "seed", string run.Seed
            "start", Checkpoint.hashOf run.Start
            "dimension", string run.Objective.Dimension
         ]
         @ (run.Stall |> Option.map (fun r -> "stall", Stall.describe r) |> Option.toList)
         @ run.Identity)

/// The stall rule of a run (its NotBefore raised to the end of the optimizer's fixed bounce schedule) and its state:
/// from the checkpoint when the run resumed, else fresh.
let private stallOf (run: Run<'T>) (identity: Checkpoint.Identity) (resumed: bool) =
    run.Stall
    |> Option.map (fun rule ->
        let rule =
            { rule with
                NotBefore = max rule.NotBefore (Stall.explorationOf identity)
            }

        let saved =
            match run.Files.Checkpoint with
            | Some path when resumed ->
                Checkpoint.extra path "stall"
                |> Option.map (fun node ->
                    try
                        Stall.ofJson node
                    with
                    | :? InvalidOperationException
                    | :? FormatException as e ->
                        raise (
                            JsonFile.ResultFileException(
                                path,
                                sprintf "has an unreadable stall state (%s)" e.Message
                            )
                        ))
            | _ -> None

        rule, defaultArg saved Stall.start)

/// The state a run starts from — its checkpoint when resuming (checked against the request and the run's identity),
/// else a fresh one — and the run's identity.
let private startOf (run: Run<'T>) =
    let fresh = run.Optimizer.Init(ReadOnlySpan run.Start, run.Seed)
    let identity = identityOf run fresh

    match run.Files.Checkpoint with
    | Some path when run.Resume && File.Exists path ->
        let state = Checkpoint.loadChecked run.Optimizer identity run.CheckResumed path
        Checkpoint.checkShape path fresh state
        state, true, identity
    | _ -> fresh, false, identity

/// Checkpoints confirmed finite: step k reports θ_k, so θ_k is known finite once its report is; a checkpoint taken
/// at step k is written only after the next report confirms its point.
type private FiniteCheckpoints<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    (
        run: Run<'T>,
        state: OptimizerState<'T>,
        identity: Checkpoint.Identity,
        trace: Trace.TraceWriter option,
        resumed: bool,
        extras: unit -> (string * Text.Json.Nodes.JsonNode) list
    ) =
    let mutable lastSaved = if resumed then Some state.Steps else None
    let mutable good = Array.copy state.Theta
    let mutable candidate = Array.copy state.Theta

    let mutable pending: (OptimizerState<'T> * (string * Text.Json.Nodes.JsonNode) list) option =
        None

    /// Writes `s` with the loop's parts `parts` to the checkpoint file (flushing the trace first, so that the trace
    /// covers the checkpoint).
    member _.Save(s: OptimizerState<'T>, parts) =
        run.Files.Checkpoint
        |> Option.iter (fun p ->
            trace |> Option.iter (fun t -> t.Flush())
            Checkpoint.saveWith run.Optimizer s identity parts p
            lastSaved <- Some s.Steps)

    /// Sees a step's report: confirms the previous point, takes a pending checkpoint every CheckpointEvery steps.
    member this.Observe(r: StepReport) =
        if r.Status <> StepStatus.NonFinite then
            good <- candidate
            pending |> Option.iter this.Save
            pending <- None
            candidate <- Array.copy state.Theta

            if
                run.CheckpointEvery > 0L
                && state.Steps % run.CheckpointEvery = 0L
                && run.Files.Checkpoint.IsSome
            then
                pending <- Some(run.Optimizer.Copy state, extras ())

    /// At the end: a finished run saves its final state; a diverged one keeps its last confirmed checkpoint, or,
    /// when there is none, saves the state it stopped in if its θ is finite (a state to inspect or resume with other
    /// settings).
    member this.Finish(diverged: bool) =
        if not diverged then
            this.Save(state, extras ())
            good <- Array.copy state.Theta
        elif lastSaved.IsNone && state.Theta |> Array.forall 'T.IsFinite then
            this.Save(state, extras ())

    member _.LastFinite = good
    member _.LastSaved = lastSaved

/// The stall rule's state after report `r`, the run's checks asked of `state` (the state after the report's step).
let private observeStall (run: Run<'T>) (state: OptimizerState<'T>) rule (r: StepReport) s =
    Stall.observeReaching rule (fun () -> run.Reached state) (fun () -> run.Converged state) r.Step r.Loss s

/// The stall state before the run's next step: a run that has taken no step and whose start is already reached
/// (`Reached`) takes none (Stall.atStart) — with a stall rule or without one (a fixed budget, e.g. a polish of a
/// field that is already done: its state then records the stop, which `stopReason` gives).
let private reachedAtStart (run: Run<'T>) (state: OptimizerState<'T>) (s: Stall.State option) =
    if state.Steps > 0L then
        s
    else
        match s with
        | Some s -> Some(Stall.atStart (fun () -> run.Reached state) s)
        | None ->
            let stopped = Stall.atStart (fun () -> run.Reached state) Stall.start
            if Stall.stalled stopped then Some stopped else None

/// Executes (or resumes) the run.
let execute (run: Run<'T>) : RunOutcome<'T> =
    if run.Steps < 0L then
        invalidArg "steps" (sprintf "steps must be ≥ 0 (got %d)" run.Steps)

    if run.CheckpointEvery < 0L then
        invalidArg
            "checkpointEvery"
            (sprintf "the checkpoint interval must be ≥ 0 (got %d)" run.CheckpointEvery)

    let state, resumed, identity = startOf run
    run.OnStart state

    match run.Files.Trace with
    | Some t when resumed -> Trace.truncateFrom t state.Steps
    | _ -> ()

    let trace =
        run.Files.Trace |> Option.map (fun p -> new Trace.TraceWriter(p, resumed))

    use _closeTrace =
        { new IDisposable with
            member _.Dispose() =
                trace |> Option.iter (fun t -> (t :> IDisposable).Dispose())
        }

    let stallRule = stallOf run identity resumed
    let stall = ref (reachedAtStart run state (stallRule |> Option.map snd))

    let extras () =
        stall.Value |> Option.map (fun s -> "stall", Stall.toJson s) |> Option.toList

    let checkpoints = FiniteCheckpoints(run, state, identity, trace, resumed, extras)

    // the stall state sees report k before a checkpoint of the state after step k is taken
    let observe (r: StepReport) =
        trace |> Option.iter (fun t -> t.Write r)

        match stallRule, stall.Value with
        | Some(rule, _), Some s when r.Status <> StepStatus.NonFinite ->
            stall.Value <- Some(observeStall run state rule r s)
        | _ -> ()

        checkpoints.Observe r
        run.OnStep state r

    let stalledNow () =
        stall.Value |> Option.exists Stall.stalled

    let result =
        OptimizationRun.Execute(
            run.Optimizer,
            run.Objective,
            state,
            (if stalledNow () then
                 0L
             else
                 max 0L (run.Steps - state.Steps)),
            Action<StepReport> observe,
            Func<StepReport, bool>(fun r -> Interrupt.requested () || run.StopWhen r || stalledNow ())
        )

    let diverged =
        result.End = RunEnd.NonFinite || result.Final.Status = StepStatus.NonFinite

    trace |> Option.iter (fun t -> t.Write result.Final)
    checkpoints.Finish diverged

    if Interrupt.requested () && not diverged then
        raise (Interrupt.RunInterrupted(Interrupt.exitCode ()))

    {
        State = state
        Result = result
        Resumed = resumed
        LastFinite = checkpoints.LastFinite
        LastSaved = checkpoints.LastSaved
        Diverged = diverged
        Stall = stall.Value
    }
