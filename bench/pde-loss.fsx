// The PDE language's compiled loss against the hand-written PINN loss of the bench (bench/EcdPde.Bench/PinnStep.cs):
// same network (config small: tanh MLP 2-64-64-64-1 or paper: residual sigmoid net 200×3), same residual
// −Δu + u² − 1 on 4096 (10 000) interior points and a value term on 512 (1 000) points, weight 100, same threads and
// float type. Prints the median milliseconds of one loss-and-gradient evaluation of each.
// Build first: dotnet build -c Release && dotnet build -c Release bench/EcdPde.Bench
// Run: dotnet fsi bench/pde-loss.fsx [small|paper] [threads] [float32|float64]
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"
#r "EcdPde.Bench/bin/Release/net10.0/EcdPde.Bench.dll"

open System
open System.Diagnostics
open Ecd.Core.Engine
open Ecd.Core.Objectives
open EcdPde.Bench
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Loss

let args = fsi.CommandLineArgs
let configName = if args.Length > 1 then args[1] else "small"
let threads = if args.Length > 2 then int args[2] else 1
let precision = if args.Length > 3 then args[3] else "float32"
let config = PinnConfig.Get configName
let repeats = if configName = "paper" then 15 else 60

/// Median milliseconds of f and g, timed alternately (so that drift of the machine affects both alike).
let medians (f: unit -> unit) (g: unit -> unit) =
    for _ in 1..3 do
        f ()
        g ()

    let time (h: unit -> unit) =
        let t = Stopwatch.GetTimestamp()
        h ()
        Stopwatch.GetElapsedTime(t).TotalMilliseconds

    let pairs = Array.init repeats (fun _ -> time f, time g)
    let median (xs: float[]) = (Array.sort xs)[repeats / 2]
    median (Array.map fst pairs), median (Array.map snd pairs)

let u = field "u"

let problem =
    Problem.create (Domain.rectangle (-1.0, 1.0) (-1.0, 1.0)) [ u ]
    |> Problem.equation (-laplacian u + u ** 2 - 1.0)
    |> Problem.add (Condition.dirichlet Boundary.all u (num 0.5) |> Condition.weighted 100.0)

let d =
    Discretize.run
        { PointSettings.defaults with
            Interior = config.Interior
            Boundary = config.Boundary
            Sampler = Uniform
            Seed = 1UL
        }
        problem

let measure<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    ()
    =
    use hand = new PinnObjective<'T>(config, threads, 1UL)
    let network = Network<'T>(config.Spec, 1UL)
    use pool = new WorkerPool(threads)
    use compiled = new PinnLoss<'T>(d, network, 0.0, Some pool)
    let theta = network.NewParameters 2UL
    let g = Array.zeroCreate<'T> theta.Length

    let handMs, compiledMs =
        medians (fun () -> hand.Evaluate(ReadOnlySpan theta, Span g) |> ignore) (fun () ->
            (compiled :> IObjective<'T>).Evaluate(ReadOnlySpan theta, Span g) |> ignore)

    printfn
        "config %s, %s, %d thread(s): hand-written %.2f ms, compiled %.2f ms per evaluation (%.0f%% overhead)"
        configName
        precision
        threads
        handMs
        compiledMs
        (100.0 * (compiledMs / handMs - 1.0))

if precision = "float64" then
    measure<float>()
else
    measure<float32>()
