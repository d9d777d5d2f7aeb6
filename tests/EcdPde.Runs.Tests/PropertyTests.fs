/// Property tests (FsCheck) for laws the optimizer core must keep for any input.
module EcdPde.Runs.Tests.PropertyTests

open System
open System.IO
open FsCheck
open FsCheck.FSharp
open Xunit
open Expecto
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Randomness

let private config =
    { FsCheckConfig.defaultConfig with
        maxTest = 60
        // seeded: the same cases in every run (FsCheck prints the seed of a failure)
        replay = Some(20261203UL, 1UL, None)
    }

let private finiteVector n =
    Gen.arrayOfLength n (Gen.choose (-4000, 4000) |> Gen.map (fun i -> float i / 1000.0))

let ``a bounce keeps |π| and re-draws the direction`` () =
    let prop (seed: uint64) =
        let f = Rosenbrock<float>(3)

        let opt =
            OptimizerCatalog.Create<float>(
                "bbi",
                [
                    Collections.Generic.KeyValuePair("lr", "0.0001")
                    Collections.Generic.KeyValuePair("threshold0", "1")
                    Collections.Generic.KeyValuePair("deltaEn", "1")
                ]
            )

        let s = opt.Init(ReadOnlySpan [| 0.5; -0.3; 0.2 |], seed) :?> BbiState<float>
        opt.Step(s, f) |> ignore // move (sets π)
        let before = Array.copy s.Momentum
        let r = opt.Step(s, f) // fixed bounce (T0 = 1)
        let n2 (v: float[]) = v |> Array.sumBy (fun x -> x * x)

        r.Status = StepStatus.Bounced
        && abs (n2 before - n2 s.Momentum) < 1e-12 * n2 before
        && before <> s.Momentum

    Prop.forAll (Arb.fromGen (Gen.choose (0, Int32.MaxValue) |> Gen.map uint64)) prop

let ``save then load continues bit-identically for any seed and split point`` () =
    let prop (seed: uint64, split: int) =
        let settings =
            [ "lr", "0.03"; "eta", "1.3"; "nu", "0.2"; "deltaEn", "0.5"; "gamma", "1" ]
            |> List.map Collections.Generic.KeyValuePair

        let opt = OptimizerCatalog.Create<float32>("ecdsep", settings)
        let f = Rastrigin<float32>(3)
        let x0 = [| 0.4f; -0.2f; 0.3f |]
        let a = opt.Init(ReadOnlySpan x0, seed)

        for _ in 1..40 do
            opt.Step(a, f) |> ignore

        let b = opt.Init(ReadOnlySpan x0, seed)

        for _ in 1..split do
            opt.Step(b, f) |> ignore

        use ms = new MemoryStream()
        opt.Save(b, ms)
        ms.Position <- 0L
        let c = opt.Load ms

        for _ in split + 1 .. 40 do
            opt.Step(c, f) |> ignore

        a.Theta = c.Theta

    let gen =
        Gen.zip (Gen.choose (0, Int32.MaxValue) |> Gen.map uint64) (Gen.choose (0, 40))

    Prop.forAll (Arb.fromGen gen) prop

let ``any positive finite lr binds exactly and any non-positive one is refused`` () =
    let prop (x: float) =
        let text = x.ToString("R", Globalization.CultureInfo.InvariantCulture)

        let bind () =
            HyperparameterBinder.Bind<GdmOptions>([ Collections.Generic.KeyValuePair("lr", text) ])

        if Double.IsFinite x && x > 0.0 then
            (bind ()).Lr = x
        else
            try
                bind () |> ignore
                false
            with :? HyperparameterException as e ->
                e.Name = "lr"

    Prop.forAll (ArbMap.defaults |> ArbMap.arbitrary<float>) prop

let ``synthetic gradients agree with central differences at random points`` () =
    let prop (x: float[]) =
        [ "ackley"; "ackley002"; "zakharov"; "rosenbrock"; "rastrigin"; "quadratic" ]
        |> List.forall (fun name ->
            let f = SyntheticFunctions.Create<float>(name, x.Length)
            let g = Array.zeroCreate x.Length
            f.Evaluate(ReadOnlySpan x, Span g) |> ignore

            [ 0 .. x.Length - 1 ]
            |> List.forall (fun i ->
                let h = 1e-6
                let xp = Array.copy x
                let xm = Array.copy x
                xp[i] <- xp[i] + h
                xm[i] <- xm[i] - h
                let tmp = Array.zeroCreate x.Length

                let fd =
                    (f.Evaluate(ReadOnlySpan xp, Span tmp) - f.Evaluate(ReadOnlySpan xm, Span tmp))
                    / (2.0 * h)
                // Ackley's √ term has a kink at the origin: skip points within 1e-3 of it.
                let nearKink =
                    name.StartsWith "ackley" && (x |> Array.sumBy (fun v -> v * v)) < 1e-6

                nearKink || abs (fd - g[i]) <= 1e-4 * max 1.0 (abs fd)))

    Prop.forAll (Arb.fromGen (finiteVector 3)) prop

let ``uniform draws lie in [0, 1) and normals are finite for any seed`` () =
    let prop (seed: uint64) =
        let r = Xoshiro256.FromSeed seed

        Seq.init 1000 (fun _ -> r.NextDouble())
        |> Seq.forall (fun u -> u >= 0.0 && u < 1.0)
        && Seq.init 1000 (fun _ -> r.NextNormal()) |> Seq.forall Double.IsFinite

    Prop.forAll (Arb.fromGen (Gen.choose (0, Int32.MaxValue) |> Gen.map uint64)) prop

[<Tests>]
let tests =
    testList
        "PropertyTests"
        [
            testPropertyWithConfig
                (config)
                "a bounce keeps |π| and re-draws the direction"
                (``a bounce keeps |π| and re-draws the direction`` ())
            testPropertyWithConfig
                (config)
                "save then load continues bit-identically for any seed and split point"
                (``save then load continues bit-identically for any seed and split point`` ())
            testPropertyWithConfig
                ({ config with maxTest = 300 })
                "any positive finite lr binds exactly and any non-positive one is refused"
                (``any positive finite lr binds exactly and any non-positive one is refused`` ())
            testPropertyWithConfig
                (config)
                "synthetic gradients agree with central differences at random points"
                (``synthetic gradients agree with central differences at random points`` ())
            testPropertyWithConfig
                (config)
                "uniform draws lie in [0, 1) and normals are finite for any seed"
                (``uniform draws lie in [0, 1) and normals are finite for any seed`` ())
        ]
    |> testSequencedGroup "EcdPde.Runs.Tests.PropertyTests"
