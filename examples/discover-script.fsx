// A problem of your own, discovered from the command line: `ecdpde discover examples/discover-script.fsx` evaluates
// this file and takes its `problem` (and `settings`); every solution found is certified by a classical solve. The
// #load line is for editors and for `dotnet fsi` after `dotnet build -c Release src/EcdPde.Cli`.
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.Discovery

// Bratu's equation with a coefficient that varies in x and y: Δu + 5·(1 + ½ sin πx cos πy)·eᵘ = 0 on the unit
// square, u = 0 on the boundary (two solutions).
let u = field "u"

let problem =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (laplacian u + 5.0 * (1.0 + 0.5 * sin (pi * x) * cos (pi * y)) * exp u)
    |> Problem.dirichlet Boundary.all u (num 0.0)

let settings =
    { Discovery.defaults with
        Name = "bratu-variable"
    }
