// Residual of a trained grown network (capacity-1 of `discover paper-pde --param k=K`) on its training points, on a
// 40 000-point lattice of the disk and by radius; θ from a run's result.json or a checkpoint's state.json.
// Build first: dotnet build src/EcdPde.Cli -c Release. Run (docs/discovery.md, "Oscillatory problems"):
// K=10 POINTS=5591 RUN=/tmp/osc/k10/capacity-1/round-0/runs/run-000/result.json dotnet fsi examples/oscillatory-overfit.fsx
// (WIDTHS=32,32,32 FEATURES=16 SIGMA=3.728 for a network of your own instead of the workflow's growth)
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open System
open System.Text.Json
open Pde.FSharp.Training
open Pde.FSharp.Discretization
open Pde.Discovery

let env (n: string) = Environment.GetEnvironmentVariable n
let k = float (env "K")
let points = int (env "POINTS")
let file = env "RUN"
let problem, s0 = BuiltInExamples.paperPde BuiltInExamples.Default k
let first = Subject.compile problem s0

let omega =
    PointRules.dataWavenumber first (Discretize.run first.Points first.Problem)

let a =
    if env "WIDTHS" = null then
        NetworkGrowth.grow omega (2.0 * sqrt 2.0) 2 s0.Network
    else
        Architecture.mlp
            ((env "WIDTHS").Split ',' |> Array.map int |> List.ofArray)
            Ecd.Core.Engine.Activation.Tanh
        |> Architecture.withFourierFeatures (int (env "FEATURES")) (float (env "SIGMA"))

printfn "ω %.6g, %s" omega (NetworkGrowth.describe a)

let s =
    { s0 with
        Network = a
        InteriorPoints = points
        Initialization = PerRun
    }

let subject = Subject.compile problem s
let search = DiscoverySearch(subject, s, ignore)

let theta =
    if file.EndsWith "state.json" then
        use d = JsonDocument.Parse(IO.File.ReadAllText file)

        d.RootElement.GetProperty("state").GetProperty("Theta").EnumerateArray()
        |> Seq.map (fun e -> e.GetDouble())
        |> Array.ofSeq
    else
        (RunResultFile.read file).Theta

printfn "theta %d vs %d" theta.Length search.Theta0.Length
let onPoints = PointRules.collocationResidual subject search theta
let m = search.Model theta
let fine = Pde.FSharp.Geometry.Sampling.grid problem.Domain 40000
let res = Model.evaluate m subject.Equations.Head fine
let l2 = sqrt (Math.PI / float fine.Length * (res |> Array.sumBy (fun v -> v * v)))
printfn "points %g  lattice (%d) %g" onPoints fine.Length l2

for lo, hi in [ 0.0, 0.5; 0.5, 0.8; 0.8, 0.9; 0.9, 0.95; 0.95, 1.01 ] do
    let idx =
        [|
            for i in 0 .. fine.Length - 1 do
                let r = sqrt (fine[i][0] ** 2.0 + fine[i][1] ** 2.0)

                if r >= lo && r < hi then
                    yield i
        |]

    printfn
        "r in [%g, %g): n %d rms %g"
        lo
        hi
        idx.Length
        (sqrt ((idx |> Array.sumBy (fun i -> res[i] * res[i])) / float idx.Length))
