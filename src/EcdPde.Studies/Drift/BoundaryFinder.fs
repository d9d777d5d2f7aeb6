/// The dt* finder: the step size where the sign of the mean tail drift flips. It evaluates the bracket's ends,
/// scans interior points when they agree in sign (or are not significant), and bisects the first significant
/// flip until the bracket is narrower than the tolerance. Every trial averages over seeds; a sign counts only
/// when |mean| ≥ z·SE, and a bisection that meets a non-significant midpoint stops and says so instead of
/// narrowing the bracket on noise.
module EcdPde.Studies.Drift.BoundaryFinder

open System
open EcdPde.Runs.Statistics

/// The finder's settings.
type FinderSettings =
    {
        /// Lower end of the bracket (> 0).
        DtLo: float
        /// Upper end of the bracket (> DtLo).
        DtHi: float
        /// Runs (seeds) per trial (≥ 1).
        Seeds: int
        /// Bisect until the bracket is narrower than this (> 0).
        Tolerance: float
        /// Interior points scanned (equally spaced) when the ends do not form a bracket (≥ 0).
        ScanPoints: int
        /// A sign is significant when |mean| ≥ Significance·SE (default 2).
        Significance: float
    }

/// The drift analyzer's example bracket [0.0022, 0.0028], 20 seeds, tolerance 1e-5, 8 scan points, 2 SE.
let defaults =
    {
        DtLo = 0.0022
        DtHi = 0.0028
        Seeds = 20
        Tolerance = 1e-5
        ScanPoints = 8
        Significance = 2.0
    }

let private r (x: float) =
    x.ToString("R", Globalization.CultureInfo.InvariantCulture).Replace("E", "e")

/// Checks the settings; errors name the parameter and the value.
let validate (s: FinderSettings) =
    let positive name (v: float) =
        if not (Double.IsFinite v && v > 0.0) then
            invalidArg name (sprintf "%s = %s must be a finite number > 0" name (r v))

    positive "dt-lo" s.DtLo
    positive "dt-hi" s.DtHi

    if s.DtLo >= s.DtHi then
        invalidArg
            "dt-lo"
            (sprintf "dt-lo = %s must be less than dt-hi = %s (bad bracket)" (r s.DtLo) (r s.DtHi))

    if s.Seeds < 1 then
        invalidArg "seeds" (sprintf "seeds = %d must be at least 1" s.Seeds)

    positive "tol" s.Tolerance

    if s.ScanPoints < 0 then
        invalidArg "scan" (sprintf "scan = %d must be ≥ 0" s.ScanPoints)

    positive "significance" s.Significance

/// Which stage evaluated a trial.
type FinderStage =
    | Endpoint
    | Scan
    | Bisection

    override s.ToString() =
        match s with
        | Endpoint -> "endpoint"
        | Scan -> "scan"
        | Bisection -> "bisection"

/// One evaluated step size.
type Trial =
    {
        /// Order of evaluation (1, 2, …).
        Index: int
        Stage: FinderStage
        Dt: float
        /// Mean over seeds of the per-run mean tail ΔH.
        Mean: float
        /// Its standard error (NaN with one seed).
        StandardError: float
        /// The per-run values.
        Values: float[]
        /// |Mean| ≥ z·SE and Mean ≠ 0 (false when the SE is unknown).
        Significant: bool
        /// The bracket after this trial (bisection trials; the ends otherwise).
        BracketAfter: (float * float) option
    }

    /// +1 anti-dissipative (mean > 0), −1 dissipative, 0 exactly zero.
    member t.Sign = sign t.Mean

    /// "anti-dissipative" (mean tail ΔH > 0), "dissipative" (< 0) or "zero".
    member t.Label =
        if t.Mean > 0.0 then "anti-dissipative"
        elif t.Mean < 0.0 then "dissipative"
        else "zero"

    /// Mean / SE.
    member t.ZScore = t.Mean / t.StandardError

/// What the finder concluded.
type FinderVerdict =
    /// A significant flip narrowed below the tolerance: dt* ≈ Estimate ∈ [Lo, Hi].
    | Found of estimate: float * lo: float * hi: float
    /// A significant bracket [Lo, Hi] wider than the tolerance; the bisection stopped because the sign at a midpoint was not significant.
    | Unresolved of lo: float * hi: float * reason: string
    /// No significant sign flip between the evaluated points.
    | NoFlip of reason: string

/// The finder's result.
type FinderOutcome =
    {
        Settings: FinderSettings
        /// Every trial in the order evaluated.
        Trials: Trial list
        Verdict: FinderVerdict
        /// Every significant sign flip between adjacent significant points of the ends and the scan (the first is bisected).
        Flips: (float * float) list
        /// Remarks for the reader (scan used, other flips, one seed …).
        Notes: string list
    }

/// Summarises per-seed values into a trial (no bracket recorded).
let trialOf (z: float) (index: int) (stage: FinderStage) (dt: float) (values: float[]) =
    let m = Summary.mean values
    let se = Summary.standardError values

    {
        Index = index
        Stage = stage
        Dt = dt
        Mean = m
        StandardError = se
        Values = values
        Significant = Double.IsFinite m && m <> 0.0 && Double.IsFinite se && abs m >= z * se
        BracketAfter = None
    }

let private significantFlips (trials: Trial list) =
    trials
    |> List.filter _.Significant
    |> List.sortBy _.Dt
    |> List.pairwise
    |> List.filter (fun (a, b) -> a.Sign * b.Sign < 0)

/// A search in progress: the settings, the sampler, the trials so far and the notes.
type private BoundarySearch =
    {
        Settings: FinderSettings
        Sample: float -> float[]
        Trials: Collections.Generic.List<Trial>
        Notes: Collections.Generic.List<string>
    }

/// Evaluates one step size (a trial averaged over the seeds) and records it.
let private evaluate (s: BoundarySearch) stage dt =
    let values = s.Sample dt

    if values.Length <> s.Settings.Seeds then
        invalidOp (sprintf "the sampler returned %d values for %d seeds" values.Length s.Settings.Seeds)

    let t = trialOf s.Settings.Significance (s.Trials.Count + 1) stage dt values
    s.Trials.Add t
    t

/// The significant sign flips: the bracket's ends when they form one, otherwise those among the ends and an even
/// scan of interior points.
let private flipsOf (s: BoundarySearch) =
    let settings = s.Settings
    let lo = evaluate s Endpoint settings.DtLo
    let hi = evaluate s Endpoint settings.DtHi

    if lo.Significant && hi.Significant && lo.Sign * hi.Sign < 0 then
        [ lo, hi ]
    else
        let why =
            if lo.Significant && hi.Significant then
                sprintf "the ends agree in sign (%s)" lo.Label
            else
                "an end's sign is not significant"

        s.Notes.Add(sprintf "%s: scanned %d interior points" why settings.ScanPoints)
        let n = settings.ScanPoints

        for k in 1..n do
            evaluate s Scan (settings.DtLo + float k * (settings.DtHi - settings.DtLo) / float (n + 1))
            |> ignore

        significantFlips (List.ofSeq s.Trials)

/// The verdict when no significant flip was found: what the trials' signs say.
let private noFlip (s: BoundarySearch) =
    let settings = s.Settings
    let trials = s.Trials

    let raw =
        trials
        |> List.ofSeq
        |> List.filter (fun t -> t.Mean <> 0.0 && Double.IsFinite t.Mean)
        |> List.sortBy _.Dt
        |> List.pairwise
        |> List.exists (fun (a, b) -> a.Sign * b.Sign < 0)

    let significant = trials |> Seq.filter _.Significant |> List.ofSeq

    let which =
        match significant |> List.map _.Label |> List.distinct with
        | [] ->
            sprintf
                "none of the %d trials has a significant sign (|mean| ≥ %g·SE)"
                trials.Count
                settings.Significance
        | [ label ] ->
            sprintf
                "%d of %d trials have a significant sign (|mean| ≥ %g·SE), all %s"
                significant.Length
                trials.Count
                settings.Significance
                label
        | _ ->
            sprintf
                "%d of %d trials have a significant sign (|mean| ≥ %g·SE), but no two of opposite sign are adjacent among them"
                significant.Length
                trials.Count
                settings.Significance

    NoFlip(
        sprintf
            "no statistically significant sign flip in [%s, %s]: %s%s"
            (r settings.DtLo)
            (r settings.DtHi)
            which
            (if raw then
                 "; the raw signs do change, but within the noise: more seeds or steps may resolve it"
             else
                 "")
    )

/// Bisects the flip (a, b) until the bracket is narrower than the tolerance, or a midpoint's sign is not significant.
let private bisect (s: BoundarySearch) (a: Trial, b: Trial) =
    let settings = s.Settings
    let trials = s.Trials
    let mutable lo, hi = a, b
    let mutable stop = None

    // Record the starting bracket on the trial that closed it.
    let closing = trials |> Seq.findIndex (fun t -> t.Index = max a.Index b.Index)

    trials[closing] <-
        { trials[closing] with
            BracketAfter = Some(a.Dt, b.Dt)
        }

    while stop.IsNone && hi.Dt - lo.Dt > settings.Tolerance do
        let mid = 0.5 * (lo.Dt + hi.Dt)

        if mid <= lo.Dt || mid >= hi.Dt then
            stop <- Some "the bracket cannot be halved further in floating point"
        else
            let t = evaluate s Bisection mid

            if t.Mean = 0.0 && t.StandardError = 0.0 then
                // Identical runs with exactly zero mean drift: dt* is this dt.
                lo <- t
                hi <- t
            elif not t.Significant then
                stop <-
                    Some(
                        sprintf
                            "at dt = %s the mean tail ΔH %s ± %s (SE) is not significant (|mean| < %g·SE), so the side of dt* cannot be told; more seeds or steps may narrow it"
                            (r mid)
                            (EcdPde.Runs.Number.sci t.Mean)
                            (EcdPde.Runs.Number.sci t.StandardError)
                            settings.Significance
                    )
            else if t.Sign = lo.Sign then
                lo <- t
            else
                hi <- t

            trials[trials.Count - 1] <-
                { t with
                    BracketAfter = Some(lo.Dt, hi.Dt)
                }

    match stop with
    | None -> Found(0.5 * (lo.Dt + hi.Dt), lo.Dt, hi.Dt)
    | Some why -> Unresolved(lo.Dt, hi.Dt, why)

/// Runs the finder. `sample dt` returns one value per seed (the mean tail ΔH of each run at dt, in seed order).
let find (settings: FinderSettings) (sample: float -> float[]) : FinderOutcome =
    validate settings

    let s =
        {
            Settings = settings
            Sample = sample
            Trials = Collections.Generic.List<Trial>()
            Notes = Collections.Generic.List<string>()
        }

    let trials = s.Trials
    let notes = s.Notes

    if settings.Seeds = 1 then
        notes.Add
            "one seed per trial: no standard error, so no sign can be called significant; use --seeds ≥ 2"

    let flips = flipsOf s

    if flips.Length > 1 then
        notes.Add(
            sprintf
                "the sign flips %d times in the scan (%s); bisecting the first"
                flips.Length
                (flips
                 |> List.map (fun (a, b) ->
                     sprintf
                         "[%s, %s]"
                         (a.Dt.ToString("G6", Globalization.CultureInfo.InvariantCulture))
                         (b.Dt.ToString("G6", Globalization.CultureInfo.InvariantCulture)))
                 |> String.concat ", ")
        )

    let verdict =
        match flips with
        | [] -> noFlip s
        | flip :: _ -> bisect s flip

    if settings.Seeds > 1 && trials |> Seq.forall (fun t -> t.StandardError = 0.0) then
        notes.Add "every trial's runs are identical (deterministic dynamics): SE = 0 and the signs are exact"

    {
        Settings = settings
        Trials = List.ofSeq trials
        Verdict = verdict
        Flips = flips |> List.map (fun (a, b) -> a.Dt, b.Dt)
        Notes = List.ofSeq notes
    }
