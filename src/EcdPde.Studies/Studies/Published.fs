/// Reproductions of the published synthetic experiments of De Luca & Silverstein (ICML 2022) and of the
/// ECDSep paper, with the authors' hyperparameters (from their repository gbdl/BBI, synthetic/*.txt).
module EcdPde.Studies.Published

open System
open System.Diagnostics
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Randomness
open Ecd.Core.Running

let private pairs (settings: (string * string) list) =
    settings |> List.map Collections.Generic.KeyValuePair

/// BBI on Ackley (b = 0.02), tuned by the authors with hyperopt (synthetic/bbi-param-ackley.txt).
let ackleyBbi =
    [
        "lr", "0.009649484068918336"
        "deltaEn", "2.0"
        "v0", "0.0001"
        "threshold0", "20"
        "threshold", "100"
        "nFixedBounces", "4"
        "consEn", "true"
    ]

/// GDM on Ackley (b = 0.02), tuned by the authors (synthetic/sgd-param-ackley.txt).
let ackleyGdm = [ "lr", "0.1992562204241242"; "momentum", "0.5633869657709932" ]

/// BBI on Zakharov without bounces (synthetic/bbi-param-zakharov.txt).
let zakharovBbi =
    [
        "lr", "0.0026036721489343054"
        "deltaEn", "0.0"
        "v0", "1e-22"
        "threshold0", "1e20"
        "threshold", "1e25"
        "nFixedBounces", "0"
    ]

/// GDM on Zakharov (synthetic/sgd-param-zakharov.txt).
let zakharovGdm = [ "lr", "1.8026609877941198e-06"; "momentum", "0.99722657760598" ]

/// ECDSep on Zakharov (the ECDSep paper's tuned values, as given in EcdPde's issue 2).
let zakharovEcdSep =
    [ "lr", "9594.6"; "eta", "1.01156"; "nu", "0.08155"; "deltaEn", "5.0512" ]

/// BBI settings of the two-basin volume-formula test (synthetic/multi_basin.ipynb).
let twoBasinBbi =
    [
        "lr", "0.01"
        "threshold0", "20"
        "threshold", "750"
        "v0", "0.001"
        "nFixedBounces", "1"
        "deltaEn", "0"
        "consEn", "true"
    ]

// The Ackley success-rate protocol (100 starts uniform in [−4, 4]², up to five bounce seeds per start, 30 000 steps,
// success below 5e-4) is the built-in study BuiltInStudies.ackley, run by StudyRunner (`ecdpde compare ackley` and
// `ecdpde reproduce ackley`).

// ---------------------------------------------------------------------------------------------
// Zakharov

/// One optimizer's run on Zakharov (n = 10, start all ones) in float64.
type ZakharovOutcome =
    {
        Optimizer: string
        Steps: int64
        BestLoss: float
        /// First step whose loss is below 1e-20, 1e-22 and 1e-25 (None = never).
        FirstBelow: (float * int64 option) list
        Seconds: float
    }

/// Runs `optimizer` with `settings` on Zakharov for `steps` steps.
let zakharov (optimizer: string) (settings: (string * string) list) (steps: int64) (seed: uint64) =
    let clock = Stopwatch.StartNew()
    let f = Zakharov<float>(10)
    let opt = OptimizerCatalog.Create<float>(optimizer, pairs settings)
    let state = opt.Init(ReadOnlySpan(Array.create 10 1.0), seed)
    let thresholds = [ 1e-20; 1e-22; 1e-25 ]
    let first = Collections.Generic.Dictionary<float, int64>()

    let observe (r: StepReport) =
        for t in thresholds do
            if r.Loss < t && not (first.ContainsKey t) then
                first[t] <- r.Step

    let r = OptimizationRun.Execute(opt, f, state, steps, observe)

    {
        Optimizer = optimizer
        Steps = steps
        BestLoss = r.BestLoss
        FirstBelow =
            thresholds
            |> List.map (fun t ->
                t,
                (match first.TryGetValue t with
                 | true, s -> Some s
                 | _ -> None))
        Seconds = clock.Elapsed.TotalSeconds
    }

// ---------------------------------------------------------------------------------------------
// Two basins and the volume formula

/// Hessian of a 2-D objective at a point by central differences of its analytic gradient.
let hessian (f: IObjective<float>) (x: float[]) =
    let h = 1e-5

    let grad (y: float[]) =
        let g = Array.zeroCreate y.Length
        f.Evaluate(ReadOnlySpan y, Span g) |> ignore
        g

    Array.init x.Length (fun j ->
        let xp = Array.copy x
        let xm = Array.copy x
        xp[j] <- xp[j] + h
        xm[j] <- xm[j] - h
        let gp, gm = grad xp, grad xm
        Array.init x.Length (fun i -> (gp[i] - gm[i]) / (2.0 * h)))

/// Outcome of the two-basin study.
type TwoBasinOutcome =
    {
        Runs: int
        Basin1: int
        Basin2: int
        /// Runs that reached neither basin within the step budget.
        Unresolved: int
        Ratio: float
        /// 95% interval of the ratio (from the Wilson interval of the basin-1 fraction).
        RatioInterval: float * float
        /// The volume formula's prediction √(det H₂ / det H₁).
        Predicted: float
        Seconds: float
    }

/// The volume-formula test (multi_basin.ipynb): every run starts at (10, −10) with BBI (seeded bounces) and stops
/// when it enters the unit ellipse |√λ·(θ − cᵢ)| &lt; 1 of either basin (λ the Hessian eigenvalue there).
let twoBasin (runs: int) (maxSteps: int64) (seed: uint64) =
    if runs < 1 then
        invalidArg "runs" (sprintf "need at least one run (got %d)" runs)

    let clock = Stopwatch.StartNew()
    let f = TwoBasin<float>()
    let h1 = hessian f TwoBasin<float>.Center1
    let h2 = hessian f TwoBasin<float>.Center2
    let det (h: float[][]) = h[0][0] * h[1][1] - h[0][1] * h[1][0]
    let predicted = sqrt (det h2 / det h1)
    // Basin radius scale: the (isotropic) eigenvalue, mean of the Hessian's diagonal.
    let lam1 = (h1[0][0] + h1[1][1]) / 2.0
    let lam2 = (h2[0][0] + h2[1][1]) / 2.0

    let inside (c: float[]) lam (x: float[]) =
        sqrt lam * sqrt ((x[0] - c[0]) ** 2.0 + (x[1] - c[1]) ** 2.0) < 1.0

    let optimizer = OptimizerCatalog.Create<float>("bbi", pairs twoBasinBbi)

    let ends =
        Array.init runs id
        |> Array.Parallel.map (fun i ->
            let state =
                optimizer.Init(ReadOnlySpan [| 10.0; -10.0 |], Xoshiro256.DeriveSeed(seed, uint64 i))

            let mutable k = 0L
            let mutable basin = 0

            while basin = 0 && k < maxSteps do
                optimizer.Step(state, f) |> ignore

                if inside TwoBasin<float>.Center1 lam1 state.Theta then
                    basin <- 1
                elif inside TwoBasin<float>.Center2 lam2 state.Theta then
                    basin <- 2

                k <- k + 1L

            basin)

    let n1 = ends |> Array.filter ((=) 1) |> Array.length
    let n2 = ends |> Array.filter ((=) 2) |> Array.length
    let toRatio p = p / (1.0 - p)

    let lo, hi =
        if n1 + n2 = 0 then
            nan, nan
        else
            let a, b = EcdPde.Runs.Statistics.Proportion.wilson n1 (n1 + n2)
            toRatio a, toRatio b

    {
        Runs = runs
        Basin1 = n1
        Basin2 = n2
        Unresolved = runs - n1 - n2
        Ratio = float n1 / float n2
        RatioInterval = lo, hi
        Predicted = predicted
        Seconds = clock.Elapsed.TotalSeconds
    }

// ---------------------------------------------------------------------------------------------
// Energy drift of the leapfrog

/// Largest |E − E0| of ECDSep (consEn off, ν = 0) on `objective` from `x0` over a fixed time span `horizon`,
/// with F0 below the objective's range,
/// for each step size: the leapfrog's energy error should scale like Δt².
let ecdSepDrift
    (objective: IObjective<float>)
    (x0: float[])
    (eta: float)
    (f0: float)
    (deltaEn: float)
    (horizon: float)
    (dts: float list)
    =
    dts
    |> List.map (fun dt ->
        let opt =
            EcdSep<float>(
                EcdSepOptions(Lr = dt, Eta = eta, F0 = f0, DeltaEn = deltaEn, ConsEn = false, Nu = 0.0)
            )

        let state = opt.Init(ReadOnlySpan x0, 0UL)
        let steps = int64 (Math.Round(horizon / dt))
        let mutable worst = 0.0

        OptimizationRun.Execute(
            opt,
            objective,
            state,
            steps,
            fun r -> worst <- max worst (abs r.EnergyDrift)
        )
        |> ignore

        dt, worst)
