/// Quantiles, interquartile range and a seeded percentile bootstrap (for "median steps to tolerance" with an
/// interval over seeds).
module EcdPde.Runs.Statistics.Bootstrap

open System
open Ecd.Core.Randomness

/// The q-quantile by linear interpolation between order statistics (Hyndman & Fan type 7, R's default).
let quantile (q: float) (xs: float[]) =
    if xs.Length = 0 then
        invalidArg "xs" "the quantile of an empty sample is undefined"

    if not (q >= 0.0 && q <= 1.0) then
        invalidArg "q" (sprintf "q must lie in [0, 1] (got %g)" q)

    let s = Array.sort xs
    let h = float (s.Length - 1) * q
    let lo = int (floor h)
    let hi = min (s.Length - 1) (lo + 1)
    s[lo] + (h - float lo) * (s[hi] - s[lo])

/// Interquartile range Q3 − Q1.
let iqr (xs: float[]) = quantile 0.75 xs - quantile 0.25 xs

/// Percentile bootstrap interval of `statistic` at `confidence` from `resamples` resamples drawn with `seed`.
let interval (statistic: float[] -> float) (confidence: float) (resamples: int) (seed: uint64) (xs: float[]) =
    if xs.Length = 0 then
        invalidArg "xs" "cannot bootstrap an empty sample"

    if resamples < 10 then
        invalidArg "resamples" (sprintf "need at least 10 resamples (got %d)" resamples)

    if not (confidence > 0.0 && confidence < 1.0) then
        invalidArg "confidence" (sprintf "confidence must lie in (0, 1) (got %g)" confidence)

    let rng = Xoshiro256.FromSeed seed
    let n = xs.Length

    let stats =
        Array.init resamples (fun _ ->
            statistic (Array.init n (fun _ -> xs[int (rng.NextUInt64() % uint64 n)])))

    let a = (1.0 - confidence) / 2.0
    quantile a stats, quantile (1.0 - a) stats
