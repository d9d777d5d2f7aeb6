// A discovery problem written as a script: `ecdpde discover examples/discover-script.fsx` evaluates this file and
// takes its `example` (ecdpde references the toolkit itself; the #load line is for editors and for
// `dotnet fsi` after `dotnet build -c Release`).
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Classical
open Pde.Discovery

// Bratu's problem at λ = 5 (two solutions: classical max u 0.557 and 2.846), written out with the builder the
// built-in examples use: domain, residual, gate, boundary value, probes, the classical check on the grid, defaults.
let lambda = 5.0

let example =
    Examples.dirichlet
        Examples.defaultScale
        "bratu-script"
        [ "lambda", lambda ]
        Domain.unitSquare
        1.0
        (fun u -> laplacian u + lambda * exp u)
        1.5
        0.0
        [ 0.5, 0.5; 0.25, 0.25 ]
        (fun grid () ->
            let n = 47
            let system = Bratu.system2D lambda n

            let found, _ =
                Newton.deflate Newton.NewtonOptions.Default 4 system [ Array.zeroCreate (n * n) ]

            found
            |> List.map (fun s ->
                sprintf "finite differences, max u = %.4f" (Array.max s),
                grid |> Array.map (fun p -> Semilinear.interpolate n s p[0] p[1])))
        (BuiltInExamples.bratu Examples.Default lambda).Defaults
