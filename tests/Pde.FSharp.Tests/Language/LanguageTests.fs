/// The expression syntax and the channel pass: which jet channels each point set asks the engine for.
module Pde.FSharp.Tests.LanguageTests

open Xunit
open Expecto
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Symbolic
open Pde.FSharp.Problems
open Pde.FSharp.Discretization

let private u = field "u"
let private v = field "v"

let private request (problem: Problem) (term: string) =
    let d =
        Discretize.run
            { PointSettings.defaults with
                Interior = 10
                Boundary = 10
            }
            problem

    let set = (d.Terms |> Array.find (fun t -> t.Name = term)).Set

    d.Terms
    |> Array.filter (fun t -> t.Set = set)
    |> Array.map (fun t -> t.Residual)
    |> Channels.used
    |> Channels.request

let private square fields = Problem.create Domain.unitSquare fields

let ``operators build the tree the formula reads`` () =
    let f = sin (pi * x)
    let e = -laplacian u + u ** 2 - f
    Assert.Equal(Subtract(Add(Negate(Laplacian(Field "u")), Power(Field "u", Number 2.0)), f), e)
    Assert.Equal("-laplacian(u) + u^2 - sin(3.14159*x)", string e)
    Assert.Equal(Dot(Normal, Gradient(Field "u")), dn u)
    Assert.Equal("div(2*grad(u))", string (div (2.0 * grad u)))
    Assert.Equal(Apply(Function.Exp, Field "u"), exp u)
    Assert.Equal(Divide(Number 1.0, Add(Number 1.0, Field "u")), 1 / (1 + u))

let ``a Dirichlet set asks for values only, the Poisson interior for the gradient and the Laplacian`` () =
    let p =
        square [ u ]
        |> Problem.equation (-laplacian u + u ** 2 - 1.0)
        |> Problem.dirichlet Boundary.all u (num 0.0)

    let interior = request p "equation"
    Assert.True(interior.Gradient && interior.Laplacian && interior.SecondDerivatives.Count = 0)
    let boundary = request p "dirichlet(boundary)"
    Assert.False(boundary.Gradient || boundary.Laplacian)

let ``mixed and individual second derivatives become individual channels, not the Laplacian`` () =
    let p = square [ u; v ] |> Problem.equation (dxy u + dyy v)
    let r = request p "equation"
    Assert.False(r.Laplacian)

    Assert.Equal<(int * int) list>(
        [ 0, 1; 1, 1 ],
        r.SecondDerivatives |> Seq.map (fun (struct (i, j)) -> i, j) |> List.ofSeq
    )

let ``a Neumann set asks for first derivatives; a space-time Laplacian uses ∂²/∂x² without t`` () =
    let p =
        square [ u ] |> Problem.equation u |> Problem.neumann Boundary.all u (num 0.0)

    let r = request p "neumann(boundary)"
    Assert.True(r.Gradient && not r.Laplacian && r.SecondDerivatives.Count = 0)

    let heat =
        Problem.create (Domain.spaceTime (Domain.interval 0.0 1.0) (0.0, 1.0)) [ u ]
        |> Problem.equation (dt u - laplacian u)

    let h = request heat "equation"
    Assert.False(h.Laplacian)

    Assert.Equal<(int * int) list>(
        [ 0, 0 ],
        h.SecondDerivatives |> Seq.map (fun (struct (i, j)) -> i, j) |> List.ofSeq
    )

let ``through a hard constraint the product rule reaches the raw output's channels`` () =
    let p =
        square [ u ]
        |> Problem.hardConstraint u (fun n -> x * (1.0 - x) * n)
        |> Problem.equation (laplacian u)

    let d =
        Discretize.run
            { PointSettings.defaults with
                Interior = 5
            }
            p

    let used = Channels.used [ d.Terms[0].Residual ]
    // Δ(g·N) = Δg·N + 2∇g·∇N + g·ΔN with g = x(1 − x): the value, ∂N/∂x (∇g has no y part) and ΔN.
    Assert.Equal<Set<int * Channel>>(set [ 0, Value; 0, First 0; 0, CollapsedLaplacian ], used)

[<Tests>]
let tests =
    testList
        "LanguageTests"
        [
            testCase
                "operators build the tree the formula reads"
                ``operators build the tree the formula reads``
            testCase
                "a Dirichlet set asks for values only, the Poisson interior for the gradient and the Laplacian"
                ``a Dirichlet set asks for values only, the Poisson interior for the gradient and the Laplacian``
            testCase
                "mixed and individual second derivatives become individual channels, not the Laplacian"
                ``mixed and individual second derivatives become individual channels, not the Laplacian``
            testCase
                "a Neumann set asks for first derivatives; a space-time Laplacian uses ∂²/∂x² without t"
                ``a Neumann set asks for first derivatives; a space-time Laplacian uses ∂²/∂x² without t``
            testCase
                "through a hard constraint the product rule reaches the raw output's channels"
                ``through a hard constraint the product rule reaches the raw output's channels``
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.LanguageTests"
