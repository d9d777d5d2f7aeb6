/// Ordinary least squares on a line, with the slope's confidence interval from the t distribution.
module EcdPde.Runs.Statistics.Regression

open MathNet.Numerics.Distributions

/// An OLS fit y = Intercept + Slope·x.
type LineFit =
    {
        Slope: float
        Intercept: float
        /// Standard error of the slope, s/√Σ(x − x̄)² with s² = RSS/(n − 2) (NaN for n = 2).
        SlopeStandardError: float
        /// The two-sided interval Slope ± t(1 − (1 − Confidence)/2; n − 2)·SlopeStandardError (NaN for n = 2).
        SlopeInterval: float * float
        /// The level of the interval, e.g. 0.95.
        Confidence: float
        /// Number of points.
        Points: int
        /// n − 2.
        DegreesOfFreedom: int
        /// Coefficient of determination.
        RSquared: float
    }

/// The two-sided Student-t quantile t(1 − (1 − confidence)/2; dof).
let tQuantile (confidence: float) (dof: int) =
    StudentT.InvCDF(0.0, 1.0, float dof, 1.0 - (1.0 - confidence) / 2.0)

/// OLS of ys on xs with a `confidence` interval of the slope. Needs at least two distinct x values.
let fitLine (confidence: float) (xs: float[]) (ys: float[]) =
    if not (confidence > 0.0 && confidence < 1.0) then
        invalidArg "confidence" (sprintf "confidence = %g must lie in (0, 1)" confidence)

    if xs.Length <> ys.Length then
        invalidArg "ys" (sprintf "%d x values but %d y values" xs.Length ys.Length)

    let n = xs.Length

    if n < 2 then
        invalidArg "xs" (sprintf "a line fit needs at least 2 points (got %d)" n)

    let mx, my = Array.average xs, Array.average ys
    let sxx = xs |> Array.sumBy (fun x -> (x - mx) * (x - mx))

    if not (sxx > 0.0) then
        invalidArg "xs" "a line fit needs at least two distinct x values"

    let sxy = Array.map2 (fun x y -> (x - mx) * (y - my)) xs ys |> Array.sum
    let syy = ys |> Array.sumBy (fun y -> (y - my) * (y - my))
    let slope = sxy / sxx
    let intercept = my - slope * mx

    let rss =
        Array.map2 (fun x y -> y - intercept - slope * x) xs ys
        |> Array.sumBy (fun r -> r * r)

    let dof = n - 2

    let se = if dof > 0 then sqrt (rss / float dof / sxx) else nan

    let half = if dof > 0 then tQuantile confidence dof * se else nan

    {
        Slope = slope
        Intercept = intercept
        SlopeStandardError = se
        SlopeInterval = slope - half, slope + half
        Confidence = confidence
        Points = n
        DegreesOfFreedom = dof
        RSquared = if syy > 0.0 then 1.0 - rss / syy else 1.0
    }

/// OLS fit of log y against log x (natural logs): the exponent b of y ∝ x^b with its interval.
let fitLogLog (confidence: float) (points: (float * float) list) =
    points
    |> List.iter (fun (x, y) ->
        if not (x > 0.0 && y > 0.0 && System.Double.IsFinite x && System.Double.IsFinite y) then
            invalidArg
                "points"
                (sprintf "a log-log fit needs positive finite values (got x = %g, y = %g)" x y))

    let xs = points |> List.map (fst >> log) |> Array.ofList
    let ys = points |> List.map (snd >> log) |> Array.ofList
    fitLine confidence xs ys

/// Ordinary least-squares slope of log y against log x.
let logLogSlope (points: (float * float) list) = (fitLogLog 0.95 points).Slope
