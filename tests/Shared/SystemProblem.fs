/// The test problem that reaches most of the loss (shared by the PDE-language and TorchSharp-backend tests): two
/// fields on a holed square, a hard constraint, a trainable parameter "a" (start 0.7), a Neumann term and data.
module Pde.Tests.Shared.SystemProblem

open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems

let create () =
    let u = field "u"
    let v = field "v"
    let a = parameter "a"
    let obs = [| [| 0.2; 0.3 |]; [| 0.7; 0.1 |]; [| 0.5; 0.9 |] |]

    Problem.create (Domain.difference Domain.unitSquare (Domain.disk (0.5, 0.5) 0.2)) [ u; v ]
    |> Problem.parameter "a" 0.7
    |> Problem.hardConstraint u (fun n -> sin (pi * x) + x * (1.0 - x) * y * n)
    |> Problem.equation (-div(a * grad u) + v * u - 1.0)
    |> Problem.equation (dxy v + dyy u * tanh v - a ** 2 * x)
    |> Problem.neumann (Boundary.part "circle") v (a * x)
    |> Problem.data (u + v) obs [| 0.1; 0.2; 0.3 |]
