/// Deflation of a physics-informed loss (Farrell, Birkisson & Funke 2015, applied to PINNs): once solutions
/// u₁…u_m are known, the residual is multiplied by M(θ) = Π_i (‖u_θ − u_i‖^−p + σ), with ‖·‖² the mean square over a
/// set of points; the loss, a mean square of residuals, is therefore multiplied by M², L_defl = M²·L. A known solution
/// is then no longer a minimum: near it L vanishes like ‖u − u_i‖² while M² grows like ‖u − u_i‖^−2p, so for p = 2
/// L_defl grows without bound (with M·L instead it would tend to a constant: a flat valley into the known solution).
/// Defaults as in defcon: p = 2, σ = 1.
module Pde.Discovery.Deflation

open System
open Ecd.Core.Engine
open Ecd.Core.Objectives

/// A deflated objective: `inner` (θ ↦ L, ∇L, with the network weights first in θ), the network, the points
/// (N × d) where the distance to the known solutions is measured, and the known solutions' values there (every
/// output of the network in turn: N values of output 0, then of output 1, …).
type DeflatedObjective
    (
        inner: IObjective<float>,
        network: Network<float>,
        points: float[],
        known: float[] list,
        power: float,
        shift: float,
        pool: WorkerPool option
    ) =
    let d = network.InputDimension
    let n = points.Length / d
    let outputs = network.Outputs

    do
        if points.Length = 0 || points.Length % d <> 0 then
            invalidArg
                "points"
                (sprintf "points must hold N × %d coordinates (got %d values)" d points.Length)

        if known |> List.exists (fun k -> k.Length <> n * outputs) then
            invalidArg
                "known"
                (sprintf "every known solution needs one value per point and output (%d × %d)" n outputs)

        if not (power > 0.0) || not (shift >= 0.0) then
            invalidArg "power" (sprintf "deflation needs power > 0 and shift ≥ 0 (got %g, %g)" power shift)


    let ownPool = pool.IsNone
    let workers = defaultArg pool (new WorkerPool(1))

    let engine =
        new JetEngine<float>(network, JetRequest.ValueOnly, EngineOptions(Threads = workers.Threads), workers)

    let jets = engine.NewJets n
    let sens = engine.NewJets n

    /// The network's values u at the points, and for every known solution (d²ᵢ, tᵢ) with d²ᵢ the mean square of
    /// u − uᵢ and tᵢ = (d²ᵢ)^(−p/2) + σ, so that M = Π tᵢ.
    let termsAt (theta: ReadOnlySpan<float>) =
        engine.Forward(theta.Slice(0, network.ParameterCount), ReadOnlySpan points, jets)
        let u = Array.init outputs (fun o -> jets.Value(o).ToArray()) |> Array.concat

        let terms =
            known
            |> List.map (fun k ->
                let mutable s = 0.0

                for p in 0 .. u.Length - 1 do
                    s <- s + (u[p] - k[p]) * (u[p] - k[p])

                let d2 = s / float u.Length
                d2, d2 ** (-power / 2.0) + shift)

        u, terms

    /// The deflation factor M at θ (1 without known solutions); the loss is multiplied by its square.
    member _.Factor(theta: ReadOnlySpan<float>) =
        if known.IsEmpty then
            1.0
        else
            snd (termsAt theta) |> List.fold (fun m (_, t) -> m * t) 1.0

    interface IObjective<float> with
        member _.Dimension = inner.Dimension

        member _.Evaluate(theta, gradient) =
            let l = inner.Evaluate(theta, gradient)

            if known.IsEmpty || not (Double.IsFinite l) then
                l
            else
                // M = Π tᵢ;  ∂ log M/∂u_p = Σᵢ (−p/2)(d²ᵢ)^(−p/2−1)·(2/N)(u_p − uᵢ,p) / tᵢ;
                // L_defl = M²·L, so ∇L_defl = M²·∇L + L·M²·2·∇log M
                let u, terms = termsAt theta
                let m = terms |> List.fold (fun acc (_, t) -> acc * t) 1.0
                sens.Clear()
                let total = float u.Length

                let dlogs =
                    Array.init u.Length (fun q ->
                        List.fold2
                            (fun acc (d2, t) (k: float[]) ->
                                acc
                                + (-power / 2.0)
                                  * d2 ** (-power / 2.0 - 1.0)
                                  * (2.0 / total)
                                  * (u[q] - k[q])
                                  / t)
                            0.0
                            terms
                            known)

                for o in 0 .. outputs - 1 do
                    let s = sens.Value(o)

                    for p in 0 .. n - 1 do
                        s[p] <- l * m * m * 2.0 * dlogs[o * n + p]

                for i in 0 .. gradient.Length - 1 do
                    gradient[i] <- m * m * gradient[i]

                engine.Backward(sens, gradient.Slice(0, network.ParameterCount))
                m * m * l

    interface IDisposable with
        member _.Dispose() =
            (engine :> IDisposable).Dispose()

            if ownPool then
                workers.Dispose()

/// Amplitudes of the deflated runs that start from a known solution. Run 0 of a deflation round starts as the first
/// ensemble; runs j ≥ 1 take, in order, a fresh initialization for every known solution near zero (scaling it would
/// stay near zero, where the deflation factor explodes), then every other known solution with its output layer
/// multiplied by 2, then by −1, then by ½ (as classical deflation restarts Newton from the known solutions), then
/// fresh initializations.
let startAmplitudes = [| 2.0; -1.0; 0.5 |]

/// Sizes of the fresh initializations of a deflation round relative to the largest known solution's root mean square
/// (after the known solutions' scalings): the network's own initial size says nothing about the problem, while an
/// unknown solution is often larger than the known ones (the upper Bratu branch, the paper's bowl): 1, 2 and 4 times
/// the largest.
let initializationScales = [| 1.0; 2.0; 4.0 |]

/// θ of `network` with its (linear) output layer multiplied by `factor`, so that every output is multiplied by it.
let scaleOutput (network: Network<float>) (factor: float) (theta: float[]) =
    let scaled = Array.copy theta
    let last = network.Layers[network.Layers.Count - 1]

    for i in last.WeightOffset .. last.WeightOffset + last.In * last.Out - 1 do
        scaled[i] <- factor * scaled[i]

    for i in last.BiasOffset .. last.BiasOffset + last.Out - 1 do
        scaled[i] <- factor * scaled[i]

    scaled

/// The deflated loss as a bounded-range potential for BBI: V = log(1 + F/c), with F = M²·L the deflated loss and
/// c > 0 the plain loss's scale. V ≥ 0 vanishes only where F does (at a solution of the plain problem that is not
/// deflated), ≈ F/c near such a minimum (BBI's own linear potential) and grows only logarithmically where F is large —
/// at a scaled start far from any solution, or close to a known solution where M explodes. BBI's speed is at most
/// Δt·√V, so this bounds its steps by the problem's own scale instead of by the deflation factor's range.
type CompressedObjective(inner: IObjective<float>, scale: float) =
    do
        if not (scale > 0.0) || Double.IsInfinity scale then
            invalidArg
                "scale"
                (sprintf "the loss scale of a compressed potential must be finite and > 0 (got %g)" scale)

    interface IObjective<float> with
        member _.Dimension = inner.Dimension

        member _.Evaluate(theta, gradient) =
            let f = inner.Evaluate(theta, gradient)

            if Double.IsFinite f then
                // ∇ log(1 + F/c) = ∇F / (c + F)
                let k = 1.0 / (scale + f)

                for i in 0 .. gradient.Length - 1 do
                    gradient[i] <- k * gradient[i]

                Math.Log(1.0 + f / scale)
            else
                f

/// What a deflated run's optimizer minimizes: the deflated loss F = M²·L itself, or BBI's compressed potential
/// log(1 + F/c) with c the plain loss's scale.
type Potential =
    | DeflatedLoss
    | Compressed of scale: float

/// The potential of a deflated run with `optimizer`: BBI (whose potential is linear in F, and whose speed √V·Δt
/// follows F's range: measured, a deflated loss of 4.7e7 after one step) gets the compressed one, at the scale of the
/// plain loss `plainScale` (its value at the shared initialization: the scale the first ensemble started from);
/// ECDSep already sees η·log F = η·(log L + 2·log M), deflation as an additive repulsion whatever F's range, and Adam
/// normalises its steps.
let potentialFor (optimizer: string) (plainScale: float) =
    if optimizer.Trim().ToLowerInvariant() = "bbi" then
        Compressed(
            if plainScale > 0.0 && Double.IsFinite plainScale then
                plainScale
            else
                1.0
        )
    else
        DeflatedLoss

/// The step Δt of an energy-conserving deflated run of a network with `dimension` weights: ECDSep moves θ by
/// 2Δt·|p|/(s + |p|²) ≤ Δt per step, BBI on the compressed potential by Δt·√(V(1 − V²/E²)) ≈ Δt (V of order 1); the
/// deflated Adam default moves every weight by its lr 1e-3 at first, θ by 1e-3·√dimension. The same first step for
/// both: Δt = 1e-3·√dimension.
let energyConservingStep (dimension: int) = 1e-3 * sqrt (float (max 1 dimension))

/// The settings of a deflated run's optimizer: the user's, completed where a key is missing. ECDSep: Δt from
/// `energyConservingStep`, η 1 (the potential log F: deflation adds 2·log M), δE 1 (the run may climb to twice its
/// starting loss), F0 0; BBI: Δt likewise, δE 1 and the first ensemble's bounce schedule (T0 200, N_b 10, T1 2000),
/// v0 0. F0 and v0 are a lower bound of the *plain* loss L — a PINN loss is a sum of squared residuals (plus λ·Σθ²),
/// so 0 — and therefore of M²·L, since M = Π(d⁻ᵖ + σ) ≥ σᵐ = 1. Other optimizers: the user's settings as given.
let optimizerSettings (optimizer: string) (dimension: int) (settings: (string * string) list) =
    let has (key: string) =
        settings
        |> List.exists (fun (k, _) -> String.Equals(k.Trim(), key, StringComparison.OrdinalIgnoreCase))

    let complete (defaults: (string * string) list) =
        (defaults |> List.filter (fun (k, _) -> not (has k))) @ settings

    let step =
        (energyConservingStep dimension).ToString("R", Globalization.CultureInfo.InvariantCulture)

    match optimizer.Trim().ToLowerInvariant() with
    | "ecdsep" -> complete [ "lr", step; "eta", "1"; "deltaEn", "1"; "F0", "0" ]
    | "bbi" ->
        complete
            [
                "lr", step
                "deltaEn", "1"
                "threshold0", "200"
                "nFixedBounces", "10"
                "threshold", "2000"
                "v0", "0"
            ]
    | _ -> settings
