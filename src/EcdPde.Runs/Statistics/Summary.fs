/// Sample summaries used by the analyses: mean, standard deviation, standard error, median.
module EcdPde.Runs.Statistics.Summary

open System

/// Arithmetic mean (NaN for an empty sample).
let mean (xs: float[]) =
    if xs.Length = 0 then nan else Array.average xs

/// Sample standard deviation (n − 1 in the denominator; NaN below two values; exactly 0 when all values are equal,
/// which rounding in the mean would otherwise turn into a tiny positive number).
let standardDeviation (xs: float[]) =
    if xs.Length < 2 then
        nan
    elif xs |> Array.forall (fun x -> x = xs[0]) then
        0.0
    else
        let m = mean xs
        sqrt ((xs |> Array.sumBy (fun x -> (x - m) * (x - m))) / float (xs.Length - 1))

/// Standard error of the mean, s/√n (NaN below two values).
let standardError (xs: float[]) =
    standardDeviation xs / sqrt (float xs.Length)

/// Median (the mean of the two middle values for an even count; NaN for an empty sample).
let median (xs: float[]) =
    if xs.Length = 0 then
        nan
    else
        let s = Array.sort xs
        let n = s.Length

        if n % 2 = 1 then
            s[n / 2]
        else
            0.5 * (s[n / 2 - 1] + s[n / 2])
