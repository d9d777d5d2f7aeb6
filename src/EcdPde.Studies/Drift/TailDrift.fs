/// One measured run: H(t), ΔH(t) = H(t) − E0 with E0 re-based after a warm-up, and the tail statistics
/// (mean ΔH and median |ΔH| over the last fraction of the measured steps) that the finder and the scaling use.
module EcdPde.Studies.Drift.TailDrift

open System
open Ecd.Core.Drift
open EcdPde.Runs.Statistics

/// How a run is measured.
type Protocol =
    {
        /// Measured steps N (after the warm-up).
        Steps: int64
        /// Warm-up steps W: E0 is re-based to H after them ("Set E0 = H(t)" of the drift analyzer).
        Warmup: int64
        /// The tail: the last fraction of the N measured steps (default 0.2, the last 20%).
        TailFraction: float
    }

/// 1000 measured steps, no warm-up, the last 20% as the tail.
let defaultProtocol =
    {
        Steps = 1000L
        Warmup = 0L
        TailFraction = 0.2
    }

/// Checks a protocol; errors name the parameter and the value.
let validate (p: Protocol) =
    if p.Steps < 1L then
        invalidArg "steps" (sprintf "steps = %d must be at least 1" p.Steps)

    if p.Warmup < 0L then
        invalidArg "warmup" (sprintf "warmup = %d must be ≥ 0" p.Warmup)

    if not (p.TailFraction > 0.0 && p.TailFraction <= 1.0) then
        invalidArg "tail" (sprintf "tail = %g must lie in (0, 1]" p.TailFraction)

/// Number of tail steps: the last ⌈fraction·N⌉ measured steps (at least one).
let tailLength (p: Protocol) =
    max 1L (int64 (Math.Ceiling(p.TailFraction * float p.Steps - 1e-9)))

/// A measured run.
type DriftMeasurement =
    {
        Dt: float
        /// The run's seed.
        Seed: uint64
        Protocol: Protocol
        /// H(t_k) for k = 0 … W + N (the warm-up included).
        Energy: float[]
        /// E0 = H(t_W), the baseline after the warm-up.
        E0: float
        /// Index of the first tail step in Energy.
        TailStart: int
        /// Mean of ΔH over the tail (the sign statistic of the dt* finder).
        TailMean: float
        /// Median of |ΔH| over the tail (the figure of merit of the drift scaling).
        TailMedianAbs: float
        /// Why the run ended early (then the tail statistics are NaN).
        Stopped: string option
    }

    /// ΔH(t_k) = H(t_k) − E0 for k = 0 … W + N.
    member m.DeltaH = m.Energy |> Array.map (fun h -> h - m.E0)

    /// t_k = k·Δt.
    member m.Times = Array.init m.Energy.Length (fun k -> float k * m.Dt)

/// Measures an energy trace of W + N steps.
let measure (p: Protocol) (dt: float) (seed: uint64) (trace: EnergyTrace) =
    let total = p.Warmup + p.Steps
    let e = trace.Energy
    let tailStart = int (total - tailLength p + 1L)

    let complete = trace.Completed && int64 e.Length = total + 1L

    let e0 = if int64 e.Length > p.Warmup then e[int p.Warmup] else nan

    let tail =
        if complete then
            e[tailStart..] |> Array.map (fun h -> h - e0)
        else
            [||]

    {
        Dt = dt
        Seed = seed
        Protocol = p
        Energy = e
        E0 = e0
        TailStart = tailStart
        TailMean = Summary.mean tail
        TailMedianAbs = tail |> Array.map abs |> Summary.median
        Stopped =
            match trace.Stopped with
            | null when complete -> None
            | null -> Some(sprintf "the run recorded %d of %d steps" (e.Length - 1) total)
            | why -> Some why
    }

/// Runs `dynamics` for W + N steps at `dt` with `noise` and `seed`, and measures it.
let run (dynamics: IEnergyDynamics) (p: Protocol) (noise: NoiseOptions) (dt: float) (seed: uint64) =
    validate p
    dynamics.Run(dt, p.Warmup + p.Steps, noise, seed) |> measure p dt seed

/// A run that could not be measured (it diverged or the optimizer froze).
exception RunFailed of string

/// The seed of run `i` of a family with base seed `seed` (independent streams).
let runSeed (seed: uint64) (i: int) =
    Ecd.Core.Randomness.Xoshiro256.DeriveSeed(seed, uint64 i)

/// Runs `seeds` seeded runs at `dt` (in parallel; each run is deterministic for its seed) and returns their
/// measurements in seed order; raises RunFailed naming dt and the seed when a run ended early. The runs share the
/// dynamics' objective, so its Evaluate must be safe to call concurrently (the synthetic functions are).
let runSeeds
    (dynamics: IEnergyDynamics)
    (p: Protocol)
    (noise: NoiseOptions)
    (seed: uint64)
    (seeds: int)
    (dt: float)
    =
    let ms =
        Array.init seeds id
        |> Array.Parallel.map (fun i -> run dynamics p noise dt (runSeed seed i))

    match ms |> Array.tryFindIndex (fun m -> m.Stopped.IsSome) with
    | Some i ->
        raise (
            RunFailed(
                sprintf
                    "%s run %d at dt = %s (seed %d) ended early: %s"
                    dynamics.Name
                    i
                    (ms[i].Dt.ToString("R", Globalization.CultureInfo.InvariantCulture))
                    ms[i].Seed
                    ms[i].Stopped.Value
            )
        )
    | None -> ms
