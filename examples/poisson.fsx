// A PDE written like mathematics and solved with a physics-informed network: −Δu = 2π² sin(πx) sin(πy) on the
// unit square, u = 0 on the boundary (exact solution sin(πx) sin(πy)).
// Build first: dotnet build -c Release      Run: dotnet fsi examples/poisson.fsx
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training

let u = field "u"
let exact = sin (pi * x) * sin (pi * y)

let problem =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (-laplacian u - 2.0 * pi * pi * exact)
    |> Problem.add (Condition.dirichlet Boundary.all u (num 0.0) |> Condition.weighted 10.0)

let result =
    problem
    |> Train.solve
        { PointSettings.defaults with
            Interior = 800
            Boundary = 200
        }
        { TrainingOptions.defaults with
            Network = Architecture.mlp [ 32; 32 ] Activation.Tanh
            Stages = [ Stage.adam 2e-3 2000L; Stage.lbfgs 2000L ]
            Seed = 1UL
        }

for w in result.Warnings do
    eprintfn "warning: %s" w

let error =
    Model.relativeError result.Model u exact (Sampling.grid Domain.unitSquare 10_000)

printfn "relative L2 error %.2e, loss %.2e, %.1f s" error result.Loss result.Seconds

if error > 1e-3 then
    exit 1
