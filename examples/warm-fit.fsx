// The warm start's two fits at the paper's PDE on the grown network (docs/discovery.md, "Warm starts fitted with the
// equation"): the network a capacity growth builds at wavenumber k (widths doubled, Fourier features at the data's
// measured wavenumber, the data's points drawn afresh every step, boundary conditions weighted for the gates), fitted
// to the classical bowl (the radial solution of least u(0)) first to its values, then with the equation; prints each
// fit's grid residual against its gate, its boundary error and its distance from the bowl.
// Build first: dotnet build src/EcdPde.Cli -c Release. Run:
// K=10 BOUNDARY_WEIGHT=3.49e4 OUT=/tmp/warm-fit dotnet fsi examples/warm-fit.fsx
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open System
open Pde.Discovery
open Pde.Discovery.Solutions

let env (n: string) = Environment.GetEnvironmentVariable n
let k = float (env "K")
let problem, s0 = BuiltInExamples.paperPde BuiltInExamples.Default k
let first = Subject.compile problem s0

let d =
    PointRules.dataScale first (Pde.FSharp.Discretization.Discretize.run first.Points first.Problem)

let grown = NetworkGrowth.grow d.Omega d.Diameter d.Dimensions first.Architecture

let s =
    { s0 with
        Network = grown
        InteriorPoints = PointRules.resolvingPoints d.Omega d.Area d.Dimensions s0.InteriorPoints
        // the balanced weight the growth measured from round 0's gates at k = 10 (docs/discovery.md)
        BoundaryWeight = float (env "BOUNDARY_WEIGHT")
        Threads = 1
        OutDir = Some(env "OUT")
    }

let example = Subject.compile problem s
let search = DiscoverySearch(example, s, ignore)

let label, bowl =
    example.Classical.Value example.Grid |> List.minBy (fun (_, v) -> v[0])

printfn
    "%s, %d interior points%s; target: %s"
    (NetworkGrowth.describe example.Architecture)
    example.Points.Interior
    (if example.Points.ResampleEvery.IsSome then
         " (fresh every step)"
     else
         "")
    label

let sw = Diagnostics.Stopwatch.StartNew()

let values, equation =
    WarmStart.fits search example s 1 0 (WarmStart.onGrid example bowl)

for name, c in [ "to the values", values; "with the equation", equation ] do
    let floor = floorOf example.Weights search.Floor [ bowl ]

    printfn
        "fit %-18s residual %.4g (gate %.4g, scale %.4g), boundary %.3g (gate %.3g), distance %.4g, u(0) %.4f, loss %.4g"
        name
        c.ResidualL2
        (example.Gates.ResidualBound c)
        c.ResidualScale
        c.BoundaryMax
        (example.Gates.BoundaryBound c)
        (relativeDistance example.Weights floor c.Values bowl)
        (let _, _, u = c.Probes.Head in u)
        c.FinalLoss

printfn "%.1f s wall" sw.Elapsed.TotalSeconds
