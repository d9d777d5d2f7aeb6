/// The drift analyzer's statistics on planted and closed-form answers: the dt* finder, the scaling fit, the tail.
module EcdPde.Studies.Tests.DriftTests

open System
open FsCheck
open FsCheck.FSharp
open Xunit
open Expecto
open Ecd.Core.Drift
open Ecd.Core.Randomness
open EcdPde.Studies.Drift
open EcdPde.Runs.Statistics

// ---------------------------------------------------------------------------------------------
// Tail statistics

let ``the tail is the last fraction of the measured steps, relative to E0 after the warm-up`` () =
    // H_k = k², W = 2, N = 10, tail 0.2 → steps 11 and 12; E0 = H_2 = 4; ΔH = 117, 140.
    let p: TailDrift.Protocol =
        {
            Steps = 10L
            Warmup = 2L
            TailFraction = 0.2
        }

    let m =
        TailDrift.measure p 0.1 7UL (EnergyTrace(Array.init 13 (fun k -> float (k * k)), null))

    Assert.Equal(4.0, m.E0)
    Assert.Equal(11, m.TailStart)
    Assert.Equal(128.5, m.TailMean)
    Assert.Equal(128.5, m.TailMedianAbs)
    Assert.Equal(-4.0, m.DeltaH[0])
    Assert.Equal(1.2, m.Times[12], 12)
    Assert.True(m.Stopped.IsNone)
    // A run that ended early has no tail statistics and says so.
    let cut = TailDrift.measure p 0.1 7UL (EnergyTrace([| 1.0; 2.0; 3.0 |], "diverged"))
    Assert.True(Double.IsNaN cut.TailMean)
    Assert.Equal(Some "diverged", cut.Stopped)

let ``protocol checks name the parameter and the value`` () =
    let bad (p: TailDrift.Protocol) (needle: string) =
        let e = Assert.Throws<ArgumentException>(fun () -> TailDrift.validate p)
        Assert.Contains(needle, e.Message)

    let p = TailDrift.defaultProtocol
    bad { p with Steps = 0L } "steps = 0"
    bad { p with Warmup = -1L } "warmup = -1"
    bad { p with TailFraction = 0.0 } "tail = 0"
    bad { p with TailFraction = 1.5 } "tail = 1.5"

// ---------------------------------------------------------------------------------------------
// The dt* finder on planted drifts
/// A synthetic mean-tail-drift: per seed, c·(dt − dt*) + s·ξ (ξ standard normal, seeded by the seed index and dt).
let private planted (dtStar: float) (c: float) (s: float) (seeds: int) (dt: float) =
    let rng =
        Xoshiro256.FromSeed(Xoshiro256.DeriveSeed(uint64 (BitConverter.DoubleToInt64Bits dt), 17UL))

    Array.init seeds (fun _ -> c * (dt - dtStar) + s * rng.NextNormal())

let private settings = BoundaryFinder.defaults

let ``the finder recovers a planted sign flip`` () =
    let dtStar = 0.002471

    let o = BoundaryFinder.find settings (planted dtStar 1.0 1e-7 settings.Seeds)

    match o.Verdict with
    | BoundaryFinder.Found(est, lo, hi) ->
        Assert.InRange(dtStar, lo, hi)
        Assert.True(hi - lo < settings.Tolerance)
        Assert.True(abs (est - dtStar) < settings.Tolerance / 2.0)
    | v -> failwithf "expected Found, got %A" v

    // Ends first, then bisection only (the ends already bracket the flip).
    Assert.Equal(BoundaryFinder.Endpoint, o.Trials[0].Stage)
    Assert.Equal(BoundaryFinder.Endpoint, o.Trials[1].Stage)

    Assert.True(
        o.Trials
        |> List.skip 2
        |> List.forall (fun t -> t.Stage = BoundaryFinder.Bisection)
    )

    Assert.Equal("dissipative", o.Trials[0].Label)
    Assert.Equal("anti-dissipative", o.Trials[1].Label)

let ``when the ends agree in sign the finder scans the interior and bisects the first flip`` () =
    // (dt − a)(dt − b) > 0 at both ends, negative between a and b.
    let a, b = 0.00241, 0.00259

    let drift dt =
        Array.create 3 (1e3 * (dt - a) * (dt - b))

    let o = BoundaryFinder.find { settings with Seeds = 3 } drift

    match o.Verdict with
    | BoundaryFinder.Found(est, lo, hi) ->
        Assert.InRange(a, lo, hi)
        Assert.True(abs (est - a) < settings.Tolerance)
    | v -> failwithf "expected Found, got %A" v

    Assert.Equal(2, o.Flips.Length)
    Assert.InRange(b, fst o.Flips[1], snd o.Flips[1])

    Assert.Equal(
        settings.ScanPoints,
        o.Trials |> List.filter (fun t -> t.Stage = BoundaryFinder.Scan) |> List.length
    )

    Assert.Contains(o.Notes, fun n -> n.Contains "flips 2 times")
    Assert.Contains(o.Notes, fun n -> n.Contains "identical")

let ``a flip hidden in the noise is reported as not significant, never as a dt*`` () =
    // The planted flip moves the mean by at most 3e-4 while the standard error is 1e-2/√20 ≈ 2.2e-3.
    for seedShift in 0..9 do
        let o =
            BoundaryFinder.find settings (planted (0.0025 + float seedShift * 1e-7) 1.0 1e-2 settings.Seeds)

        match o.Verdict with
        | BoundaryFinder.Found _ -> failwithf "reported a dt* from noise: %A" o.Verdict
        | BoundaryFinder.NoFlip why -> Assert.Contains("no statistically significant sign flip", why)
        | BoundaryFinder.Unresolved(_, _, why) -> Assert.Contains("not significant", why)

let ``a bisection that reaches the noise stops with the significant bracket`` () =
    let dtStar = 0.00253
    let o = BoundaryFinder.find settings (planted dtStar 1.0 2e-4 settings.Seeds)

    match o.Verdict with
    | BoundaryFinder.Unresolved(lo, hi, why) ->
        Assert.InRange(dtStar, lo, hi)
        Assert.True(hi - lo > settings.Tolerance)
        Assert.Contains("not significant", why)
        let last = List.last o.Trials
        Assert.False(last.Significant)
        Assert.InRange(last.Dt, lo, hi)
    | v -> failwithf "expected Unresolved, got %A" v

let ``noise-free planted flips are found anywhere in the bracket`` () =
    let prop (k: int, up: bool) =
        let dtStar = settings.DtLo + (float k / 1000.0) * (settings.DtHi - settings.DtLo)
        let c = if up then 1.0 else -1.0
        let o = BoundaryFinder.find { settings with Seeds = 2 } (planted dtStar c 0.0 2)

        match o.Verdict with
        | BoundaryFinder.Found(est, lo, hi) ->
            lo <= dtStar && dtStar <= hi && abs (est - dtStar) <= settings.Tolerance
        | _ -> false

    Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (5, 995)) (Gen.elements [ true; false ]))) prop

/// The leapfrog on the oscillator conserves H̃ = H − Δt²|x|²/(8m) exactly, and x_n = x₀cos nθ + B sin nθ with
/// cos θ = 1 − Δt²/(2m): an independent closed form of the mean tail ΔH after a warm-up.
let private closedFormTailMean (m: float) (warmup: int) (steps: int) (tail: int) (dt: float) =
    let theta = acos (1.0 - dt * dt / (2.0 * m))

    let coord x0 p0 (n: int) =
        let x1 = x0 + dt * (p0 - 0.5 * dt * x0) / m
        let b = (x1 - x0 * cos theta) / sin theta
        x0 * cos (float n * theta) + b * sin (float n * theta)

    let r2 n =
        (coord 1.0 0.0 n) ** 2.0 + (coord 0.0 1.0 n) ** 2.0

    let dH n =
        dt * dt / (8.0 * m) * (r2 n - r2 warmup)

    [ warmup + steps - tail + 1 .. warmup + steps ] |> List.averageBy dH

let ``on the real toy system the finder lands on the closed-form dt*`` () =
    // No noise, warm-up 200, 1000 measured steps: the mean tail ΔH changes sign inside [0.0012, 0.0016].
    let f = closedFormTailMean 0.35 200 1000 200
    let mutable lo, hi = 0.0012, 0.0016
    Assert.True(f lo * f hi < 0.0)

    while hi - lo > 1e-13 do
        let mid = 0.5 * (lo + hi)
        if sign (f mid) = sign (f lo) then lo <- mid else hi <- mid

    let exact = 0.5 * (lo + hi)
    let dyn = Dynamics.build Dynamics.toy

    let protocol: TailDrift.Protocol =
        {
            Steps = 1000L
            Warmup = 200L
            TailFraction = 0.2
        }

    let s =
        { settings with
            DtLo = 0.0012
            DtHi = 0.0016
            Seeds = 2
            Tolerance = 1e-7
        }

    let o =
        BoundaryFinder.find s (fun dt ->
            TailDrift.runSeeds dyn protocol NoiseOptions.Off 0UL s.Seeds dt
            |> Array.map _.TailMean)

    match o.Verdict with
    | BoundaryFinder.Found(est, _, _) ->
        Assert.True(abs (est - exact) < 1e-7, sprintf "found %g, closed form %g" est exact)
    | v -> failwithf "expected Found, got %A" v

let ``bad brackets, zero seeds and non-positive tolerances give clear errors`` () =
    let bad (s: BoundaryFinder.FinderSettings) (needles: string list) =
        let e =
            Assert.Throws<ArgumentException>(fun () -> BoundaryFinder.find s (fun _ -> [| 1.0 |]) |> ignore)

        for n in needles do
            Assert.Contains(n, e.Message)

    bad
        { settings with
            DtLo = 0.003
            DtHi = 0.002
        }
        [ "dt-lo = 0.003"; "dt-hi = 0.002" ]

    bad
        { settings with
            DtLo = 0.002
            DtHi = 0.002
        }
        [ "dt-lo = 0.002"; "less than" ]

    bad { settings with DtLo = -0.001 } [ "dt-lo = -0.001"; "> 0" ]
    bad { settings with DtLo = 0.0 } [ "dt-lo = 0" ]
    bad { settings with DtHi = nan } [ "dt-hi = NaN" ]
    bad { settings with Seeds = 0 } [ "seeds = 0" ]
    bad { settings with Tolerance = 0.0 } [ "tol = 0" ]
    bad { settings with Tolerance = -1e-5 } [ "tol = -1e-05" ]
    bad { settings with ScanPoints = -1 } [ "scan = -1" ]

// ---------------------------------------------------------------------------------------------
// The drift scaling
let private runPoints (dts: float list) (perDt: int) (make: float -> int -> float) : Scaling.RunPoint list =
    [
        for dt in dts do
            for i in 0 .. perDt - 1 ->
                {
                    Dt = dt
                    Run = i
                    Steps = 1L
                    TailMedianAbs = make dt i
                    TailMean = nan
                }
    ]

let ``the slope fit recovers a known exponent and its interval covers it at the stated rate`` () =
    // y = 3·dt^2.5·e^(0.2ξ): the 95% interval should contain 2.5 in about 95% of replicates, and shrink like 1/√n.
    let dts = [ 0.04; 0.02; 0.01; 0.005 ]

    let replicate (perDt: int) (r: int) =
        let rng = Xoshiro256.FromSeed(Xoshiro256.DeriveSeed(99UL, uint64 r))

        let fit, _, _ =
            Scaling.fit
                0.95
                (runPoints dts perDt (fun dt _ -> 3.0 * dt ** 2.5 * exp (0.2 * rng.NextNormal())))

        fit.Value

    let small = [ for r in 0..399 -> replicate 2 r ]

    let covered =
        small
        |> List.filter (fun f -> fst f.SlopeInterval <= 2.5 && 2.5 <= snd f.SlopeInterval)

    Assert.InRange(float covered.Length / 400.0, 0.92, 0.98)
    Assert.InRange(small |> List.averageBy _.Slope, 2.47, 2.53)

    let width (f: Regression.LineFit) =
        snd f.SlopeInterval - fst f.SlopeInterval

    let big = [ for r in 0..49 -> replicate 32 (1000 + r) ]
    // 8 → 128 points: the width falls by about √16 = 4 times t(0.975; 6)/t(0.975; 126) ≈ 1.24.
    let ratio = (small |> List.averageBy width) / (big |> List.averageBy width)
    Assert.InRange(ratio, 4.0, 6.0)
    // Exact power-law data: the exponent to rounding and a vanishing interval.
    let exact, _, _ = Scaling.fit 0.95 (runPoints dts 1 (fun dt _ -> 0.7 * dt ** 1.5))
    Assert.Equal(1.5, exact.Value.Slope, 12)
    Assert.True(width exact.Value < 1e-10)

let ``identical runs count once and zero drifts are excluded from the fit`` () =
    let runs =
        runPoints [ 0.02; 0.01 ] 3 (fun dt i -> if dt = 0.01 && i = 2 then 0.0 else dt * dt)

    let fit, points, excluded = Scaling.fit 0.95 runs
    Assert.Equal(2, points.Length)
    Assert.Equal(1, excluded)
    Assert.Equal(2.0, fit.Value.Slope, 12)

let ``real dynamics: leapfrog drifts like dt squared and explicit Euler like dt over a fixed time span`` () =
    let s =
        { Scaling.defaults with
            Dts = [ 0.004; 0.002; 0.001; 0.0005 ]
            Seeds = 2
            Length = Scaling.Horizon 5.0
        }

    let o =
        Scaling.run
            s
            NoiseOptions.Off
            0UL
            [
                Dynamics.build Dynamics.toy
                Dynamics.build
                    { Dynamics.toy with
                        Method = Dynamics.Euler
                    }
            ]

    let slope name =
        (o.Methods |> List.find (fun m -> m.Method = name)).Fit.Value

    Assert.InRange((slope "leapfrog").Slope, 1.99, 2.01)
    Assert.InRange((slope "euler").Slope, 0.99, 1.05)
    Assert.Equal(4, (slope "leapfrog").Points) // the two identical seeds count once
    Assert.Equal(2500L, (o.Methods.Head.Runs |> List.find (fun r -> r.Dt = 0.002)).Steps)

let ``scaling and dynamics inputs are checked`` () =
    let bad (f: unit -> unit) (needle: string) =
        let e = Assert.ThrowsAny<ArgumentException>(f)
        Assert.Contains(needle, e.Message)

    let s = Scaling.defaults
    bad (fun () -> Scaling.validate { s with Dts = [] }) "dts is empty"
    bad (fun () -> Scaling.validate { s with Dts = [ 0.01 ] }) "two distinct"
    bad (fun () -> Scaling.validate { s with Dts = [ 0.01; -0.02 ] }) "-0.02"
    bad (fun () -> Scaling.validate { s with Seeds = 0 }) "seeds = 0"

    bad
        (fun () ->
            Scaling.validate
                { s with
                    Length = Scaling.FixedSteps 0L
                })
        "steps = 0"

    bad (fun () -> Scaling.validate { s with Length = Scaling.Horizon -1.0 }) "horizon = -1"
    bad (fun () -> Dynamics.build { Dynamics.toy with Mass = 0.0 } |> ignore) "mass = 0"
    bad (fun () -> Dynamics.parseMethod "adam" |> ignore) "'adam'"

    bad
        (fun () ->
            Dynamics.build
                { Dynamics.toy with
                    X0 = [ 1.0; 2.0; 3.0 ]
                }
            |> ignore)
        "x0 has 3 values"

    bad
        (fun () ->
            Dynamics.build
                { Dynamics.toy with
                    Method = Dynamics.EcdSep
                    Settings = [ "lr", "0.1" ]
                }
            |> ignore)
        "lr=0.1"

    bad
        (fun () ->
            Dynamics.build
                { Dynamics.toy with
                    Method = Dynamics.EcdSep
                    Settings = [ "eta", "0.5" ]
                }
            |> ignore)
        "eta = 0.5"

let ``optimizer dynamics take the drift defaults and any objective`` () =
    let d =
        Dynamics.build
            { Dynamics.toy with
                Method = Dynamics.Bbi
                Function = "rosenbrock"
                X0 = [ 0.5 ]
            }

    let m = TailDrift.run d TailDrift.defaultProtocol NoiseOptions.Off 0.001 0UL
    Assert.True(m.Stopped.IsNone)
    Assert.Equal(1001, m.Energy.Length)
    // consEn is off by default: the energy drifts (with it on, BBI would pin H to E).
    Assert.True(abs m.TailMean > 1e-6)
    // Same seed, same run.
    Assert.Equal<float[]>(
        m.Energy,
        (TailDrift.run d TailDrift.defaultProtocol NoiseOptions.Off 0.001 0UL).Energy
    )

let ``any IObjective plugs in, as a PINN loss will`` () =
    // A hand-written objective (F = Σ cosh xᵢ) stands in for a loss the core does not know by name.
    let objective =
        { new Ecd.Core.Objectives.IObjective<float> with
            member _.Dimension = 3

            member _.Evaluate(theta, gradient) =
                let mutable f = 0.0

                for i in 0 .. theta.Length - 1 do
                    f <- f + cosh theta[i]
                    gradient[i] <- sinh theta[i]

                f
        }

    let d =
        Dynamics.ofObjective Dynamics.EcdSep [ "F0", "0" ] objective [| 0.3; -0.2; 0.1 |]
    // The same time span (t = 2) at two step sizes.
    let at (dt: float) steps =
        TailDrift.run
            d
            { TailDrift.defaultProtocol with
                Steps = steps
            }
            NoiseOptions.Off
            dt
            0UL

    let small, large = at 0.002 1000L, at 0.004 500L
    Assert.True(small.Stopped.IsNone && large.Stopped.IsNone)
    // ECDSep is a leapfrog: doubling Δt quadruples the energy error.
    Assert.InRange(large.TailMedianAbs / small.TailMedianAbs, 3.6, 4.4)

[<Tests>]
let tests =
    testList
        "DriftTests"
        [
            testCase
                "the tail is the last fraction of the measured steps, relative to E0 after the warm-up"
                ``the tail is the last fraction of the measured steps, relative to E0 after the warm-up``
            testCase
                "protocol checks name the parameter and the value"
                ``protocol checks name the parameter and the value``
            testCase "the finder recovers a planted sign flip" ``the finder recovers a planted sign flip``
            testCase
                "when the ends agree in sign the finder scans the interior and bisects the first flip"
                ``when the ends agree in sign the finder scans the interior and bisects the first flip``
            testCase
                "a flip hidden in the noise is reported as not significant, never as a dt*"
                ``a flip hidden in the noise is reported as not significant, never as a dt*``
            testCase
                "a bisection that reaches the noise stops with the significant bracket"
                ``a bisection that reaches the noise stops with the significant bracket``
            testPropertyWithConfig
                ({ FsCheckConfig.defaultConfig with
                    maxTest = 60
                    // seeded: the same cases in every run (FsCheck prints the seed of a failure)
                    replay = Some(20261203UL, 1UL, None)
                })
                "noise-free planted flips are found anywhere in the bracket"
                (``noise-free planted flips are found anywhere in the bracket`` ())
            testCase
                "on the real toy system the finder lands on the closed-form dt*"
                ``on the real toy system the finder lands on the closed-form dt*``
            testCase
                "bad brackets, zero seeds and non-positive tolerances give clear errors"
                ``bad brackets, zero seeds and non-positive tolerances give clear errors``
            testCase
                "the slope fit recovers a known exponent and its interval covers it at the stated rate"
                ``the slope fit recovers a known exponent and its interval covers it at the stated rate``
            testCase
                "identical runs count once and zero drifts are excluded from the fit"
                ``identical runs count once and zero drifts are excluded from the fit``
            testCase
                "real dynamics: leapfrog drifts like dt squared and explicit Euler like dt over a fixed time span"
                ``real dynamics: leapfrog drifts like dt squared and explicit Euler like dt over a fixed time span``
            testCase "scaling and dynamics inputs are checked" ``scaling and dynamics inputs are checked``
            testCase
                "optimizer dynamics take the drift defaults and any objective"
                ``optimizer dynamics take the drift defaults and any objective``
            testCase
                "any IObjective plugs in, as a PINN loss will"
                ``any IObjective plugs in, as a PINN loss will``
        ]
    |> testSequencedGroup "EcdPde.Studies.Tests.DriftTests"
