// The paper's PDE with a network and points of your own, trained as a grown attempt trains (one run, Adam, its own
// initialization, no deflation, no warm starts); prints each run's residual on the grid and on its points.
// Build first: dotnet build src/EcdPde.Cli -c Release. Run (docs/discovery.md, "Oscillatory problems"):
// K=10 POINTS=6400 WIDTHS=32,32,32 FEATURES=16 SIGMA=3.728 OUT=/tmp/osc/k10-small dotnet fsi examples/oscillatory-small-network.fsx
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open System
open Pde.FSharp.Training
open Pde.Discovery

let env (n: string) = Environment.GetEnvironmentVariable n
let k = float (env "K")
let points = int (env "POINTS")
let problem, s0 = BuiltInExamples.paperPde BuiltInExamples.Default k
let widths = (env "WIDTHS").Split ',' |> Array.map int |> List.ofArray

let a =
    Architecture.mlp widths Ecd.Core.Engine.Activation.Tanh
    |> Architecture.withFourierFeatures (int (env "FEATURES")) (float (env "SIGMA"))

let s =
    { s0 with
        Network = a
        InteriorPoints = points
        Initialization = PerRun
        Runs = 1
        CapacityGrowths = 0
        Optimizer = s0.DeflationOptimizer
        OptimizerSettings = s0.DeflationOptimizerSettings
        DeflationRounds = 0
        Threads = 1
        WarmStarts = false
        OutDir = Some(env "OUT")
    }

let outcome = Workflow.run problem s ignore
printfn "found %d: %s" outcome.Found.Length outcome.StopReason
let subject = Subject.compile problem s
let search = DiscoverySearch(subject, s, ignore)

for c in outcome.Candidates do
    printfn
        "run %A params %d grid residual %g points residual %g loss %g"
        c.Run
        c.Theta.Length
        c.ResidualL2
        (PointRules.collocationResidual subject search c.Theta)
        c.FinalLoss
