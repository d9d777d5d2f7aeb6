/// Stopping a run on a stall instead of at a fixed step count: the run continues while its smoothed loss still falls
/// and stops when it has not fallen by a fraction for a number of blocks in a row (or at its maximum budget). The
/// rule is a fold over the loss reports with an explicit state (saved in the run's checkpoints, so a resumed run
/// judges its stall exactly as an uninterrupted one).
///
/// The rule, for a run of nominal budget S steps (`Stall.ofSteps`): the loss is smoothed as its geometric mean over
/// blocks of B = max(20, S/10) steps (the mean of log L: scale-free, and insensitive to the oscillations of an
/// energy-conserving run and to Adam's spikes); a block makes progress when its smoothed loss lies below the best
/// earlier block's by at least the fraction f = 5% — or, when the block is noisier, by two standard errors of its own
/// mean log L (2σ/√B), so that noise is not taken for progress; two blocks in a row without progress are a stall.
/// A run progressing slower than 5% per tenth of its budget would gain less than a factor 1.7 over the whole nominal
/// budget: not enough to change a gate's verdict (the gates and the distinctness threshold are relative, 5–10%),
/// which is what the polish and the deflation rounds are for. Blocks start after the exploratory phase: a run with a
/// fixed bounce schedule (BBI's N_b bounces every T0 steps, read from the optimizer's options) is not judged before
/// its last fixed bounce. The caller's convergence check (e.g. the gates hold) is asked at every block's end; under
/// `UntilFlat` only at the end of a block without progress, so a run that meets the gates trains on while its loss
/// still falls by the same measure (the fraction, or two standard errors of the block's mean): for a run whose loss is
/// an unbiased estimate of what it is judged on (fresh points every step), stopping at the first block end where the
/// gates hold left its field 16% from its Newton solution at the paper's PDE k = 10 (docs/discovery.md).
module EcdPde.Runs.Stall

open System
open System.Text.Json.Nodes

/// When a run is stalled.
type Rule =
    {
        /// Steps per block: the loss is smoothed as the mean of log L over a block.
        Block: int64
        /// Blocks in a row without progress that make a stall.
        Patience: int
        /// The least relative decrease of the smoothed loss below its best that counts as progress (raised to two
        /// standard errors of the block's mean log L when the block is noisier).
        Fraction: float
        /// No block starts before this step (the exploratory phase).
        NotBefore: int64
        /// Whether the caller's convergence check waits for the loss to stop falling: asked only at the end of a block
        /// that made no progress (for a run whose loss is an unbiased estimate of the residual it is judged on, e.g.
        /// on fresh points every step, the gates holding is no reason to stop while that estimate still falls).
        UntilFlat: bool
    }

/// The rule for a run of nominal budget `steps`: blocks of a tenth of it (at least 20 steps), two blocks without a
/// 5% decrease of the smoothed loss.
let ofSteps (steps: int64) =
    if steps < 1L then
        invalidArg "steps" (sprintf "the nominal budget must be at least 1 step (got %d)" steps)

    {
        Block = max 20L (steps / 10L)
        Patience = 2
        Fraction = 0.05
        NotBefore = 0L
        UntilFlat = false
    }

/// The rule in words (for run identities and messages).
let describe (r: Rule) =
    sprintf
        "stall: blocks of %d steps from step %d, %d without a %g%% decrease"
        r.Block
        r.NotBefore
        r.Patience
        (100.0 * r.Fraction)
    + (if r.UntilFlat then
           ", converged only in a block without progress"
       else
           "")

/// The end of the exploratory phase of an optimizer with a fixed bounce schedule, from its options as a run's
/// identity lists them ("option threshold0" = T0, "option nFixedBounces" = N_b): T0·N_b; 0 without such options.
let explorationOf (identity: (string * string) list) =
    let find key =
        identity
        |> List.tryPick (fun (k, v) ->
            match k = key, Int64.TryParse(v, Globalization.CultureInfo.InvariantCulture) with
            | true, (true, n) -> Some n
            | _ -> None)

    match find "option threshold0", find "option nFixedBounces" with
    | Some t0, Some nb when t0 > 0L && nb > 0L -> t0 * nb
    | _ -> 0L

/// The rule's state after some reports.
type State =
    {
        /// Sum of log L over the current block.
        Sum: float
        /// Sum of (log L)² over the current block.
        Squares: float
        /// Reports in the current block.
        Count: int64
        /// The smoothed loss (mean log L) of the best block so far (NaN before the first block).
        Best: float
        /// Blocks in a row without progress.
        Since: int
        /// Blocks finished.
        Blocks: int
        /// Why the run stopped ("" while it goes on).
        Reason: string
        /// Whether it stopped because the caller's check found it converged (not a plateau).
        Met: bool
    }

/// The state before any report.
let start =
    {
        Sum = 0.0
        Squares = 0.0
        Count = 0L
        Best = nan
        Since = 0
        Blocks = 0
        Reason = ""
        Met = false
    }

/// Whether the rule has fired (a stall, or the caller's check of convergence).
let stalled (s: State) = s.Reason <> ""

/// Whether the run stopped on a plateau (a stall, not convergence).
let plateau (s: State) = stalled s && not s.Met

/// The state after the report of step `step` with loss `loss` (non-finite losses are skipped); at the end of every
/// block `reached ()` is asked first, whatever the rule's `UntilFlat` — Some reason stops the run as converged: a
/// state that is done however its loss goes on (e.g. a warm start that meets the gates within the threshold of the
/// classical solution it started from) —, then, at the end of every block — or, when the rule is `UntilFlat`, of
/// every block without progress — `converged ()`: Some reason stops the run as converged (e.g. the discovery gates
/// are met).
let observeReaching
    (rule: Rule)
    (reached: unit -> string option)
    (converged: unit -> string option)
    (step: int64)
    (loss: float)
    (s: State)
    =
    if step < rule.NotBefore || stalled s || not (Double.IsFinite loss) then
        s
    else
        let v = log (max loss Double.Epsilon)

        let s =
            { s with
                Sum = s.Sum + v
                Squares = s.Squares + v * v
                Count = s.Count + 1L
            }

        if s.Count < rule.Block then
            s
        else
            let n = float s.Count
            let mean = s.Sum / n
            let sd = sqrt (max 0.0 (s.Squares / n - mean * mean))
            let needed = max (-log(1.0 - rule.Fraction)) (2.0 * sd / sqrt n)

            let next =
                { s with
                    Sum = 0.0
                    Squares = 0.0
                    Count = 0L
                    Blocks = s.Blocks + 1
                }

            let progress = Double.IsNaN s.Best || mean <= s.Best - needed

            // the convergence check: at every block's end, or (UntilFlat) only once the loss has stopped falling
            let met =
                match reached () with
                | Some why -> Some why
                | None when rule.UntilFlat && progress -> None
                | None -> converged ()

            match met with
            | Some why ->
                { next with
                    Reason = sprintf "converged at step %d: %s" step why
                    Met = true
                }
            | None when progress -> { next with Best = mean; Since = 0 }
            | None when s.Since + 1 >= rule.Patience ->
                { next with
                    Since = s.Since + 1
                    Reason =
                        sprintf
                            "a stall at step %d: the loss smoothed over %d steps (%.4g) has not fallen %.3g%% below its best (%.4g) for %d blocks"
                            step
                            rule.Block
                            (exp mean)
                            (100.0 * (1.0 - exp -needed))
                            (exp s.Best)
                            (s.Since + 1)
                }
            | None -> { next with Since = s.Since + 1 }

/// The state of a run before its first step: stopped as converged at step 0 when `reached ()` says its start is
/// already done (asked once, of a run that has taken no step: a resumed run carries its state), so it takes no step.
let atStart (reached: unit -> string option) (s: State) =
    if stalled s then
        s
    else
        match reached () with
        | Some why ->
            { s with
                Reason = sprintf "converged at step 0: %s" why
                Met = true
            }
        | None -> s

/// The state after the report of step `step` with loss `loss`: `observeReaching` with nothing reached early.
let observe (rule: Rule) (converged: unit -> string option) (step: int64) (loss: float) (s: State) =
    observeReaching rule (fun () -> None) converged step loss s

/// The state as JSON (in a checkpoint).
let toJson (s: State) : JsonNode =
    let number (v: float) : JsonNode | null =
        if Double.IsFinite v then JsonValue.Create v else null

    let o = JsonObject()
    o["sum"] <- number s.Sum
    o["squares"] <- number s.Squares
    o["count"] <- JsonValue.Create s.Count
    o["best"] <- number s.Best
    o["since"] <- JsonValue.Create s.Since
    o["blocks"] <- JsonValue.Create s.Blocks
    o["reason"] <- JsonValue.Create s.Reason
    o["met"] <- JsonValue.Create s.Met
    o :> JsonNode

/// The state of its JSON (InvalidOperationException/FormatException when it is not one).
let ofJson (node: JsonNode) =
    let number (key: string) =
        match node[key] with
        | null -> nan
        | v -> v.GetValue<float>()

    let required (key: string) =
        match node[key] with
        | null -> raise (FormatException(sprintf "the stall state has no \"%s\"" key))
        | v -> v

    {
        Sum = number "sum"
        Squares = number "squares"
        Count = (required "count").GetValue<int64>()
        Best = number "best"
        Since = (required "since").GetValue<int>()
        Blocks = (required "blocks").GetValue<int>()
        Reason = (required "reason").GetValue<string>()
        Met = (required "met").GetValue<bool>()
    }
