/// Energy-conserving dynamics in deflated rounds: what ECDSep and BBI see of a deflated loss M²·L, their settings
/// (F0 / v0 from the plain loss, the step from the network's size), and a deflated run on a field problem with two
/// closed-form solutions ±g, where deflating the one the plain descent reaches must lead to the other.
module Pde.Discovery.Tests.DeflatedDynamicsTests

open System
open Xunit
open Expecto
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Pde.Discovery
open EcdPde.Runs

/// L(θ) = mean_p (u_θ(x_p)² − g_p²)² over the network's field u_θ: zero exactly at u = ±g (g > 0 at every point),
/// positive elsewhere — two closed-form solutions.
type private SquareMatch(network: Network<float>, points: float[], g: float[]) =
    let pool = new WorkerPool(1)

    let engine =
        new JetEngine<float>(network, JetRequest.ValueOnly, EngineOptions(Threads = 1), pool)

    let jets = engine.NewJets points.Length
    let sens = engine.NewJets points.Length

    interface IObjective<float> with
        member _.Dimension = network.ParameterCount

        member _.Evaluate(theta, gradient) =
            engine.Forward(theta, ReadOnlySpan points, jets)
            let u = jets.Value(0).ToArray()
            let n = float u.Length
            let r = Array.init u.Length (fun p -> u[p] * u[p] - g[p] * g[p])
            sens.Clear()
            let s = sens.Value(0)

            for p in 0 .. u.Length - 1 do
                s[p] <- 4.0 * r[p] * u[p] / n

            gradient.Clear()
            engine.Backward(sens, gradient)
            (r |> Array.sumBy (fun v -> v * v)) / n

let private net () =
    Network<float>(NetworkSpec.Mlp(1, [| 8 |], 1, Activation.Tanh), 0UL)

let private points = Array.init 24 (fun j -> -1.0 + 2.0 * float j / 23.0)
let private g = points |> Array.map (fun x -> 1.0 + 0.5 * x)

let private fieldOf (network: Network<float>) (theta: float[]) =
    use engine = new JetEngine<float>(network, JetRequest.ValueOnly)
    let jets = engine.NewJets points.Length
    engine.Forward(ReadOnlySpan theta, ReadOnlySpan points, jets)
    jets.Value(0).ToArray()

/// Root-mean-square distance between two fields relative to g's.
let private distance (a: float[]) (b: float[]) =
    sqrt (
        Array.fold2 (fun acc x y -> acc + (x - y) * (x - y)) 0.0 a b
        / Array.sumBy (fun v -> v * v) g
    )

let private run
    (optimizer: string)
    (settings: (string * string) list)
    (objective: IObjective<float>)
    (start: float[])
    (steps: int64)
    =
    let reports = ResizeArray<StepReport>()

    let o =
        OptimizerCatalog.Create<float>(optimizer, settings |> List.map Collections.Generic.KeyValuePair)

    let outcome =
        RunLoop.execute
            { RunLoop.create o objective start 11UL steps with
                OnStep = fun _ r -> reports.Add r
            }

    outcome.State.Theta, List.ofSeq reports

let private gradientOf (f: IObjective<float>) (theta: float[]) =
    let grad = Array.zeroCreate theta.Length
    let value = f.Evaluate(ReadOnlySpan theta, Span grad)
    value, grad

let ``ECDSep's kick on a deflated loss is the gradient of log L + 2 log M (deflation as an additive repulsion)``
    ()
    =
    let network = net ()
    let inner = SquareMatch(network, points, g) :> IObjective<float>
    let known = [ g |> Array.map (fun v -> 0.8 * v) ]

    use deflated =
        new Deflation.DeflatedObjective(inner, network, points, known, 2.0, 1.0, None)

    let theta = network.NewParameters 3UL
    // ECDSep with η = 1 and F0 = 0 kicks by Δt·∇F/F: compare with ∇log L + 2·∇log M, ∇log M by central differences
    let f, gradF = gradientOf (deflated :> IObjective<float>) theta
    let l, gradL = gradientOf inner theta
    let logM (t: float[]) = log (deflated.Factor(ReadOnlySpan t))
    let h = 1e-6

    for q in 0 .. theta.Length - 1 do
        let tp = Array.copy theta
        let tm = Array.copy theta
        tp[q] <- tp[q] + h
        tm[q] <- tm[q] - h
        let expected = gradL[q] / l + 2.0 * (logM tp - logM tm) / (2.0 * h)
        Assert.True(abs (gradF[q] / f - expected) <= 1e-6 * max 1.0 (abs expected), sprintf "θ[%d]" q)

    // the compressed potential log(1 + F/c) of BBI: its value, and its gradient ∇F/(c + F) by central differences
    let c = 0.37
    let compressed = Deflation.CompressedObjective(deflated, c) :> IObjective<float>
    let v, gradV = gradientOf compressed theta
    Assert.Equal(log (1.0 + f / c), v, 12)

    for q in 0 .. theta.Length - 1 do
        let tp = Array.copy theta
        let tm = Array.copy theta
        tp[q] <- tp[q] + h
        tm[q] <- tm[q] - h

        let fd =
            (fst (gradientOf compressed tp) - fst (gradientOf compressed tm)) / (2.0 * h)

        Assert.True(
            abs (gradV[q] - fd) <= 1e-6 * max 1.0 (abs fd),
            sprintf "compressed θ[%d]: %g vs %g" q gradV[q] fd
        )

    Assert.Throws<ArgumentException>(fun () -> Deflation.CompressedObjective(deflated, 0.0) |> ignore)
    |> ignore

let ``the deflated rounds' settings complete the user's: F0 and v0 from the plain loss, the step from the network``
    ()
    =
    let ecd =
        Deflation.optimizerSettings "ecdsep" 400 [ "nu", "0.001"; "gamma", "1"; "ETA", "2" ]
    // the user's keys win (case-insensitive), the missing ones follow the rules
    Assert.Contains(("ETA", "2"), ecd)
    Assert.DoesNotContain(("eta", "1"), ecd)
    Assert.Contains(("F0", "0"), ecd)
    Assert.Contains(("lr", "0.02"), ecd)
    Assert.Contains(("gamma", "1"), ecd)
    // it builds: ECDSep with the γ-damped generalized bounces
    OptimizerCatalog.Create<float>("ecdsep", ecd |> List.map Collections.Generic.KeyValuePair)
    |> ignore

    let bbi = Deflation.optimizerSettings "bbi" 100 [ "lr", "0.5" ]
    Assert.Contains(("v0", "0"), bbi)
    Assert.Contains(("lr", "0.5"), bbi)
    Assert.Contains(("nFixedBounces", "10"), bbi)

    Assert.Equal<(string * string) list>(
        [ "lr", "0.001" ],
        Deflation.optimizerSettings "adam" 100 [ "lr", "0.001" ]
    )

    Assert.Equal(Deflation.Compressed 2.5, Deflation.potentialFor "BBI" 2.5)
    Assert.Equal(Deflation.Compressed 1.0, Deflation.potentialFor "bbi" nan)
    Assert.Equal(Deflation.DeflatedLoss, Deflation.potentialFor "ecdsep" 2.5)

let ``deflated ECDSep and BBI runs reach the second closed-form solution, ECDSep's energy conserved`` () =
    let network = net ()
    let inner = SquareMatch(network, points, g) :> IObjective<float>
    let theta0 = network.NewParameters 5UL
    // the plain descent from θ₀ reaches one of ±g: that one is the known solution
    let plain, _ = run "adam" [ "lr", "0.01" ] inner theta0 3000L
    let reached = fieldOf network plain

    let first =
        if distance reached g < distance reached (Array.map (~-) g) then
            g
        else
            Array.map (~-) g

    let second = Array.map (~-) first

    Assert.True(
        distance reached first < 0.02,
        sprintf "the plain descent ended %g from ±g" (distance reached first)
    )

    let scale = fst (gradientOf inner theta0)

    for optimizer in [ "ecdsep"; "bbi" ] do
        use deflated =
            new Deflation.DeflatedObjective(inner, network, points, [ first ], 2.0, 1.0, None)

        let objective =
            match Deflation.potentialFor optimizer scale with
            | Deflation.Compressed c -> Deflation.CompressedObjective(deflated, c) :> IObjective<float>
            | Deflation.DeflatedLoss -> deflated :> IObjective<float>

        // from the known solution's network with its output halved, as a deflation round starts
        let start = Deflation.scaleOutput network 0.5 plain
        let settings = Deflation.optimizerSettings optimizer network.ParameterCount []
        let theta, reports = run optimizer settings objective start 4000L
        let u = fieldOf network theta

        Assert.True(
            distance u second < 0.05,
            sprintf
                "%s: deflated run ended %g from the second solution, %g from the first"
                optimizer
                (distance u second)
                (distance u first)
        )

        // the energy of the run's own start, conserved by the rescaling every step: what is left is the leapfrog's
        // O(Δt²) error between two rescalings (relative for ECDSep, whose energy is a logarithm), not a drift
        let moved = reports |> List.filter (fun r -> r.Status = StepStatus.Moved)
        let drift = moved |> List.map (fun r -> abs r.EnergyDrift) |> List.max

        let relative =
            if optimizer = "ecdsep" then
                drift
            else
                drift / abs moved.Head.Energy
        // measured: 0.012 (ECDSep), 6.6e-5 (BBI)
        let tolerance = if optimizer = "ecdsep" then 0.03 else 1e-3

        Assert.True(
            relative < tolerance,
            sprintf "%s's energy changed by %g in a deflated run" optimizer relative
        )

[<Tests>]
let tests =
    testList
        "DeflatedDynamicsTests"
        [
            testCase
                "ECDSep's kick on a deflated loss is the gradient of log L + 2 log M (deflation as an additive repulsion)"
                ``ECDSep's kick on a deflated loss is the gradient of log L + 2 log M (deflation as an additive repulsion)``
            testCase
                "the deflated rounds' settings complete the user's: F0 and v0 from the plain loss, the step from the network"
                ``the deflated rounds' settings complete the user's: F0 and v0 from the plain loss, the step from the network``
            testCase
                "deflated ECDSep and BBI runs reach the second closed-form solution, ECDSep's energy conserved"
                ``deflated ECDSep and BBI runs reach the second closed-form solution, ECDSep's energy conserved``
        ]
