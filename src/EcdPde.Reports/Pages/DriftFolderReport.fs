/// `report.html` for a folder written by `ecdpde drift trace|find|scaling`: the JSON result files read back into the
/// drift analyzer's values and drawn by the drift report writers (TraceReport, FinderReport, ScalingReport), so the
/// page matches what the drift command writes. A folder holding several modes' results gets one page with each.
module EcdPde.Reports.DriftFolderReport

open System
open System.IO
open System.Text.Json
open Ecd.Core.Drift
open EcdPde.Studies.Drift
open EcdPde.Reports.Drift
open EcdPde.Runs.Statistics
open EcdPde.Runs.JsonRead

let private context (root: JsonElement) =
    match property "settings" root with
    | Some s when s.ValueKind = JsonValueKind.Array ->
        [
            for p in s.EnumerateArray() ->
                str "name" p |> Option.defaultValue "",
                property "value" p |> Option.map text |> Option.defaultValue ""
        ]
    | _ -> []

let private array (name: string) (e: JsonElement) =
    match property name e with
    | Some a when a.ValueKind = JsonValueKind.Array -> [ for v in a.EnumerateArray() -> v ]
    | _ -> []

let private flag (name: string) (e: JsonElement) =
    match property name e with
    | Some v -> v.ValueKind = JsonValueKind.True
    | None -> false

let private seedOf (e: JsonElement) =
    match property "seed" e with
    | Some v when v.ValueKind = JsonValueKind.Number ->
        match v.TryGetUInt64() with
        | true, s -> s
        | _ -> 0UL
    | _ -> 0UL

let private withMode (mode: string) (path: string) (read: JsonElement -> 'T) =
    use doc = JsonDocument.Parse(File.ReadAllText path)
    let root = doc.RootElement

    match str "mode" root with
    | Some m when m = mode -> read root
    | other ->
        raise (
            InvalidDataException(
                sprintf
                    "'%s' is not a drift %s result (mode %s)"
                    path
                    mode
                    (other |> Option.map (sprintf "'%s'") |> Option.defaultValue "missing")
            )
        )

/// trace.json → (settings, dynamics description, measurement).
let readTrace (path: string) =
    withMode "trace" path (fun r ->
        let m: TailDrift.DriftMeasurement =
            {
                Dt = num "dt" r
                Seed = seedOf r
                Protocol =
                    {
                        Steps = int64 (num "steps" r)
                        Warmup = int64 (num "warmup" r)
                        TailFraction = num "tailFraction" r
                    }
                Energy = property "energy" r |> Option.map numbers |> Option.defaultValue [||]
                E0 = num "e0" r
                TailStart = int (num "tailStart" r)
                TailMean = num "tailMeanDeltaH" r
                TailMedianAbs = num "tailMedianAbsDeltaH" r
                Stopped =
                    match str "stopped" r with
                    | Some s when s <> "" -> Some s
                    | _ -> None
            }

        context r, str "dynamics" r |> Option.defaultValue "", m)

/// The number in a settings text such as "|mean| ≥ 3·SE" (the first number in it).
let private firstNumber (text: string) =
    let m =
        Text.RegularExpressions.Regex.Match(text, @"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")

    if m.Success then
        Double.Parse(m.Value, Globalization.CultureInfo.InvariantCulture)
    else
        nan

/// The finder's settings of find.json: its "search" numbers, or (written before they were recorded as numbers)
/// the defaults with the seeds, tolerance and significance read from the settings texts `ctx`.
let private finderSettings (ctx: (string * string) list) (r: JsonElement) : BoundaryFinder.FinderSettings =
    let fromContext (key: string) (fallback: float) =
        ctx
        |> List.tryFind (fun (k, _) -> k = key)
        |> Option.map (snd >> firstNumber)
        |> Option.filter Double.IsFinite
        |> Option.defaultValue fallback

    let d = BoundaryFinder.defaults

    match property "search" r with
    | Some s ->
        {
            DtLo = num "dtLo" s
            DtHi = num "dtHi" s
            Seeds = int (num "seeds" s)
            Tolerance = num "tolerance" s
            ScanPoints = int (num "scanPoints" s)
            Significance = num "significance" s
        }
    | None ->
        // written before the search settings were recorded as numbers: read them from the settings texts
        { d with
            Seeds = int (fromContext "seeds per trial" (float d.Seeds))
            Tolerance = fromContext "tolerance" d.Tolerance
            Significance = fromContext "significance" d.Significance
        }

/// One trial of find.json's "trials".
let private finderTrial (t: JsonElement) : BoundaryFinder.Trial =
    let stage =
        match str "stage" t |> Option.defaultValue "" with
        | "endpoint" -> BoundaryFinder.Endpoint
        | "scan" -> BoundaryFinder.Scan
        | _ -> BoundaryFinder.Bisection

    {
        Index = int (num "index" t)
        Stage = stage
        Dt = num "dt" t
        Mean = num "meanTailDeltaH" t
        StandardError = num "standardError" t
        Values = property "runs" t |> Option.map numbers |> Option.defaultValue [||]
        Significant = flag "significant" t
        BracketAfter =
            match property "bracketAfter" t |> Option.map numbers with
            | Some [| a; b |] -> Some(a, b)
            | _ -> None
    }

/// find.json's verdict (no flip when none is recorded).
let private finderVerdict (r: JsonElement) =
    match property "verdict" r with
    | Some v ->
        let reason = str "reason" v |> Option.defaultValue ""

        match str "kind" v with
        | Some "found" -> BoundaryFinder.Found(num "estimate" v, num "bracketLo" v, num "bracketHi" v)
        | Some "unresolved" -> BoundaryFinder.Unresolved(num "bracketLo" v, num "bracketHi" v, reason)
        | _ -> BoundaryFinder.NoFlip reason
    | None -> BoundaryFinder.NoFlip "no verdict recorded"

/// find.json → (settings, dynamics description, outcome).
let readFind (path: string) =
    withMode "find" path (fun r ->
        let ctx = context r

        let outcome: BoundaryFinder.FinderOutcome =
            {
                Settings = finderSettings ctx r
                Trials = array "trials" r |> List.map finderTrial
                Verdict = finderVerdict r
                Flips =
                    array "flips" r
                    |> List.choose (fun f ->
                        match numbers f with
                        | [| a; b |] -> Some(a, b)
                        | _ -> None)
                Notes = array "notes" r |> List.map text
            }

        ctx, str "dynamics" r |> Option.defaultValue "", outcome)

/// One method of scaling.json's "methods": its runs and, when a slope was fitted, the fit.
let private methodScaling (confidence: float) (m: JsonElement) : Scaling.MethodScaling =
    let fitPoints =
        array "fitPoints" m
        |> List.choose (fun p ->
            match numbers p with
            | [| x; y |] -> Some(x, y)
            | _ -> None)

    let slope = num "slope" m

    {
        Method = str "method" m |> Option.defaultValue "?"
        Description = str "description" m |> Option.defaultValue ""
        Symplectic = flag "symplectic" m
        Runs =
            array "runs" m
            |> List.map (fun p ->
                {
                    Dt = num "dt" p
                    Run = int (num "run" p)
                    Steps = int64 (num "steps" p)
                    TailMedianAbs = num "tailMedianAbsDeltaH" p
                    TailMean = num "tailMeanDeltaH" p
                })
        Fit =
            if Double.IsFinite slope then
                Some
                    {
                        Slope = slope
                        Intercept = num "intercept" m
                        SlopeStandardError = num "slopeStandardError" m
                        SlopeInterval = num "slopeLow" m, num "slopeHigh" m
                        Confidence = confidence
                        Points = fitPoints.Length
                        DegreesOfFreedom = fitPoints.Length - 2
                        RSquared = num "rSquared" m
                    }
            else
                None
        FitPoints = fitPoints
        Excluded = int (num "excluded" m)
    }

/// The study's settings and noise from scaling.json's "parameters".
let private scalingParameters (confidence: float) (p: JsonElement) =
    let horizon = num "horizon" p

    let channel =
        match str "noiseChannel" p with
        | Some "gradient" -> NoiseChannel.Gradient
        | Some "momentum" -> NoiseChannel.Momentum
        | _ -> NoiseChannel.None

    ({
        Dts =
            property "dts" p
            |> Option.map numbers
            |> Option.defaultValue [||]
            |> List.ofArray
        Seeds = int (num "seeds" p)
        Length =
            if Double.IsFinite horizon then
                Scaling.Horizon horizon
            else
                Scaling.FixedSteps(int64 (num "fixedSteps" p))
        Warmup = int64 (num "warmup" p)
        TailFraction = num "tailFraction" p
        Confidence = confidence
    }
    : Scaling.ScalingSettings),
    (if channel = NoiseChannel.None then
         NoiseOptions.Off
     else
         NoiseOptions.On(channel, num "sigma" p))

/// The settings and noise of a scaling.json written before the parameters were recorded: what the runs show, and
/// the noise read from its description.
let private scalingFromRuns (confidence: float) (r: JsonElement) (runs: Scaling.RunPoint list) =
    let noise =
        match str "noise" r with
        | Some n when n.StartsWith "gradient" -> NoiseOptions.On(NoiseChannel.Gradient, firstNumber n)
        | Some n when n.StartsWith "momentum" -> NoiseOptions.On(NoiseChannel.Momentum, firstNumber n)
        | _ -> NoiseOptions.Off

    { Scaling.defaults with
        Dts = runs |> List.map _.Dt |> List.distinct
        Seeds = 1 + (runs |> List.map _.Run |> List.fold max 0)
        Length = Scaling.FixedSteps(runs |> List.map _.Steps |> List.fold max 0L)
        Confidence = confidence
    },
    noise

/// scaling.json → (settings, outcome).
let readScaling (path: string) =
    withMode "scaling" path (fun r ->
        let confidence = num "confidence" r
        let methods = array "methods" r |> List.map (methodScaling confidence)

        let settings, noise =
            match property "parameters" r with
            | Some p -> scalingParameters confidence p
            // written before the parameters were recorded: what the runs show
            | None -> scalingFromRuns confidence r (methods |> List.collect _.Runs)

        let outcome: Scaling.ScalingOutcome =
            {
                Settings = settings
                Noise = noise
                Methods = methods
            }

        context r, outcome)

/// The drift result files `ecdpde report` recognizes, with their modes.
let resultFiles =
    [ "trace.json", "trace"; "find.json", "find"; "scaling.json", "scaling" ]

/// The drift results in `dir`: (file, mode) for every result file whose mode matches its name.
let present (dir: string) =
    resultFiles
    |> List.filter (fun (file, mode) ->
        let path = Path.Combine(dir, file)

        File.Exists path
        && (match tryParseFile path with
            | Some doc ->
                use doc = doc
                str "mode" doc.RootElement = Some mode
            | None -> false))

/// True when `dir` holds a drift result.
let recognizes (dir: string) = not (present dir).IsEmpty

let private findNote =
    "<p class=\"muted\">The example ΔH(t) runs at the final bracket are not stored in find.json, so this page leaves them out; <a href=\"find.html\">find.html</a>, written by <code>ecdpde drift find</code>, has them.</p>\n"

/// The page of one result file.
let private pageOf (dir: string) (file: string, mode: string) =
    let path = Path.Combine(dir, file)

    match mode with
    | "trace" ->
        let ctx, description, m = readTrace path
        TraceReport.html ctx description m
    | "find" ->
        let ctx, description, o = readFind path
        (FinderReport.html ctx description o []).Replace("</body>", findNote + "</body>")
    | _ ->
        let ctx, o = readScaling path
        ScalingReport.html ctx o

let private bodyOf (page: string) =
    let a = page.IndexOf("<body>\n")
    let b = page.LastIndexOf("</body>")

    if a < 0 || b < a then
        page
    else
        page.Substring(a + 7, b - a - 7)

/// Builds the report of the drift folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let page =
        match present dir with
        | [] ->
            invalidArg
                "dir"
                (sprintf
                    "'%s' holds no drift result (%s)"
                    dir
                    (String.Join(", ", resultFiles |> List.map fst)))
        | [ one ] -> pageOf dir one
        | several ->
            Html.page
                "Energy drift results"
                (Html.paragraph (
                    sprintf "This folder holds %s; each follows." (String.Join(", ", several |> List.map fst))
                 )
                 :: (several |> List.map (pageOf dir >> bodyOf)))

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, page)
    path
