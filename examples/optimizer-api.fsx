// Driving EcdPde's optimizer core from an F# script: the same seeded BBI run twice, a checkpoint in the
// middle, and a bit-identical continuation. Build first: dotnet build -c Release
// Run: dotnet fsi examples/optimizer-api.fsx
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open System
open System.IO
open Ecd.Core.Objectives
open Ecd.Core.Optimizers
open Ecd.Core.Running

// Hyperparameters are an immutable, validated record (the authors' Ackley settings).
let bbi =
    Bbi<float>(
        BbiOptions(
            Lr = 0.009649484068918336,
            DeltaEn = 2.0,
            V0 = 1e-4,
            Threshold0 = 20L,
            Threshold = 100L,
            NFixedBounces = 4L
        )
    )

let ackley = Ackley<float>(2, b = 0.02)
let start = [| -4.0; 3.0 |]

// One uninterrupted run of 20 000 steps ...
let straight = bbi.Init(ReadOnlySpan start, 42UL)
let r = OptimizationRun.Execute(bbi, ackley, straight, 20_000L)
printfn "best loss %g after %d steps (%d bounces)" r.BestLoss r.StepsTaken r.Bounces

// ... and the same run saved after 7 000 steps, reloaded and continued.
let first = bbi.Init(ReadOnlySpan start, 42UL)
OptimizationRun.Execute(bbi, ackley, first, 7_000L) |> ignore
let path = Path.Combine(Path.GetTempPath(), "ecdpde-example-state.json")

do
    use f = File.Create path
    bbi.Save(first, f)

let resumed =
    use f = File.OpenRead path
    bbi.Load f

OptimizationRun.Execute(bbi, ackley, resumed, 13_000L) |> ignore
printfn "resumed run ends at the same point: %b" (resumed.Theta = straight.Theta)

if resumed.Theta <> straight.Theta then
    exit 1
