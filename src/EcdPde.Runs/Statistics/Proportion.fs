/// Success rates with an honest interval.
module EcdPde.Runs.Statistics.Proportion

/// Wilson score interval (95%) for k successes in n trials.
let wilson (k: int) (n: int) =
    if n <= 0 then
        invalidArg "n" "the Wilson interval needs n ≥ 1"

    if k < 0 || k > n then
        invalidArg "k" (sprintf "successes must lie in [0, n] (got %d of %d)" k n)

    let z = 1.959963984540054
    let n' = float n
    let p = float k / n'
    let denom = 1.0 + z * z / n'
    let centre = (p + z * z / (2.0 * n')) / denom
    let half = z / denom * sqrt (p * (1.0 - p) / n' + z * z / (4.0 * n' * n'))
    max 0.0 (centre - half), min 1.0 (centre + half)
