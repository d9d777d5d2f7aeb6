/// Manufactured and closed-form solutions solved end to end (problem → discretize → train → evaluate) at test
/// size. Errors are relative L2 errors on a grid of about 4000 interior points.
module Pde.FSharp.Tests.SolveTests

open Xunit
open Expecto
open Xunit.Abstractions
open Ecd.Core.Engine
open Ecd.Core.Running
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training

/// The issue's target for −Δu = 2π² sin(πx) sin(πy) on the unit square.
let PoissonTarget = 1e-3
/// Neumann, Robin, heat: measured around 2e-5…2e-4 at these sizes; 1e-3 leaves room for other machines.
let ConditionTarget = 1e-3
/// Bratu (closed form, 1-D): measured ≈ 3e-6.
let BratuTarget = 1e-4
/// The recovered coefficient of the inverse problem (true 1.5): measured ≈ 1.504.
let CoefficientTolerance = 0.02
let private u = field "u"

let private options width adam lbfgsSteps =
    { TrainingOptions.defaults with
        Network = Architecture.mlp [ width; width ] Activation.Tanh
        Stages = [ Stage.adam 2e-3 adam; Stage.lbfgs lbfgsSteps ]
        Seed = 1UL
        Threads = 1
    }

let private points interior =
    { PointSettings.defaults with
        Interior = interior
        Boundary = interior / 4
    }

type Solutions(output: ITestOutputHelper) =
    let check (name: string) (target: float) (domain: Domain) (exact: Expr) (r: TrainingResult) =
        let grid = Support.gridPoints domain 4000
        let error = Model.relativeError r.Model u exact grid
        output.WriteLine(sprintf "%s: relative L2 error %.3e, loss %.3e, %.1f s" name error r.Loss r.Seconds)
        Assert.Equal(Completed, r.Outcome)
        Assert.True(error < target, sprintf "%s: relative L2 error %.3e ≥ %g" name error target)
        error

    member _.``Poisson with a manufactured solution reaches relative L2 error below 1e-3 (Adam then L-BFGS)``
        ()
        =
        let exact = sin (pi * x) * sin (pi * y)

        let problem =
            Problem.create Domain.unitSquare [ u ]
            |> Problem.equation (-laplacian u - 2.0 * pi * pi * exact)
            |> Problem.add (Condition.dirichlet Boundary.all u (num 0.0) |> Condition.weighted 10.0)

        let r = Train.solve (points 800) (options 32 2000L 2000L) problem
        Assert.Equal<int64 list>([ 2000L; 2000L ], r.Stages |> List.map (fun s -> s.Steps))
        check "poisson" PoissonTarget Domain.unitSquare exact r |> ignore

        // Residual statistics and boundary errors on fresh points.
        let fresh = Discretize.run { points 800 with Seed = 99UL } problem

        for s in Model.residuals r.Model fresh do
            output.WriteLine(sprintf "%A" s)
            Assert.True(s.MaxAbs >= s.L2 && s.L2 >= s.MeanAbs && s.MeanAbs > 0.0)

        let boundary =
            Model.residuals r.Model fresh
            |> List.find (fun s -> s.Name = "dirichlet(boundary)")

        Assert.True(boundary.MaxAbs < 1e-2, sprintf "boundary error %g" boundary.MaxAbs)

    member _.``Neumann on a disk: −Δu + u = f with ∂u/∂n given, u = e^(x/2) cos y``() =
        let exact = exp (x / 2.0) * cos y
        let disk = Domain.disk (0.0, 0.0) 1.0

        Problem.create disk [ u ]
        |> Problem.equation (-laplacian u + u - (-laplacian exact + exact))
        |> Problem.neumann Boundary.all u (dn exact)
        |> Train.solve (points 600) (options 24 1000L 1000L)
        |> check "neumann" ConditionTarget disk exact
        |> ignore

    member _.``Robin on the outer circle of an annulus, Dirichlet on the inner one``() =
        let exact = sin x * exp (y / 2.0) + 0.5
        let ring = Domain.annulus (0.0, 0.0) 0.5 1.0

        Problem.create ring [ u ]
        |> Problem.equation (-laplacian u + laplacian exact)
        |> Problem.dirichlet (Boundary.part "inner") u exact
        |> Problem.robin (Boundary.part "outer") (num 1.0) (num 1.0) u (exact + dn exact)
        |> Train.solve (points 600) (options 24 1000L 1000L)
        |> check "robin" ConditionTarget ring exact
        |> ignore

    member _.``a hard constraint u = x(1−x)y(1−y)·N needs no boundary term``() =
        let exact = sin (pi * x) * sin (pi * y)

        Problem.create Domain.unitSquare [ u ]
        |> Problem.hardConstraint u (fun n -> x * (1.0 - x) * y * (1.0 - y) * n)
        |> Problem.equation (-laplacian u - 2.0 * pi * pi * exact)
        |> Train.solve (points 600) (options 24 1000L 1000L)
        |> check "hard constraint" ConditionTarget Domain.unitSquare exact
        |> ignore

    member _.``heat equation on a space-time domain: u = e^(−t) sin(πx)``() =
        let exact = exp (-t) * sin (pi * x)
        let slab = Domain.spaceTime (Domain.interval 0.0 1.0) (0.0, 1.0)

        Problem.create slab [ u ]
        |> Problem.equation (dt u - laplacian u / (pi * pi))
        |> Problem.dirichlet (Boundary.part "initial") u (sin (pi * x))
        |> Problem.dirichlet (Boundary.parts [ "left"; "right" ]) u (num 0.0)
        |> Train.solve (points 600) (options 24 1000L 1000L)
        |> check "heat" ConditionTarget slab exact
        |> ignore

    member _.``1-D Bratu u'' + e^u = 0 reaches the closed-form lower solution``() =
        // θ = √2·cosh(θ/4) (λ = 1), lower branch.
        let theta = 1.51716459905075
        let cosh (a: Expr) = (exp a + exp (-a)) / 2.0
        let exact = -2.0 * log (cosh ((x - 0.5) * theta / 2.0) / cosh (num (theta / 4.0)))
        let line = Domain.interval 0.0 1.0

        Problem.create line [ u ]
        |> Problem.equation (dxx u + exp u)
        |> Problem.dirichlet Boundary.all u (num 0.0)
        |> Train.solve (points 600) (options 24 1000L 1000L)
        |> check "bratu" BratuTarget line exact
        |> ignore

    member _.``inverse problem: the coefficient k of −kΔu = f is recovered from 64 observations``() =
        let exact = sin (pi * x) * sin (pi * y)
        let observed = Support.gridPoints Domain.unitSquare 64

        let values =
            observed
            |> Array.map (fun q -> sin (System.Math.PI * q[0]) * sin (System.Math.PI * q[1]))

        let problem =
            Problem.create Domain.unitSquare [ u ]
            |> Problem.parameter "k" 0.5
            |> Problem.equation (-parameter "k" * laplacian u - 1.5 * 2.0 * pi * pi * exact)
            |> Problem.dirichlet Boundary.all u (num 0.0)
            |> Problem.data u observed values

        let r = Train.solve (points 600) (options 24 1000L 1000L) problem
        let k = Model.parameter "k" r.Model
        output.WriteLine(sprintf "k = %.6f" k)
        Assert.True(abs (k - 1.5) < CoefficientTolerance, sprintf "k = %g, expected 1.5" k)
        check "inverse" 1e-2 Domain.unitSquare exact r |> ignore

let private output =
    { new ITestOutputHelper with
        member _.WriteLine(message: string) = printfn "%s" message

        member _.WriteLine(format: string, args: obj array) =
            printfn "%s" (System.String.Format(format, args))
    }

[<Tests>]
let tests =
    testList
        "SolveTests"
        [
            testCase
                "Poisson with a manufactured solution reaches relative L2 error below 1e-3 (Adam then L-BFGS)"
                (fun () ->
                    Solutions(output)
                        .``Poisson with a manufactured solution reaches relative L2 error below 1e-3 (Adam then L-BFGS)``())
            testCase "Neumann on a disk: −Δu + u = f with ∂u/∂n given, u = e^(x/2) cos y" (fun () ->
                Solutions(output).``Neumann on a disk: −Δu + u = f with ∂u/∂n given, u = e^(x/2) cos y``())
            testCase "Robin on the outer circle of an annulus, Dirichlet on the inner one" (fun () ->
                Solutions(output).``Robin on the outer circle of an annulus, Dirichlet on the inner one``())
            testCase "a hard constraint u = x(1−x)y(1−y)·N needs no boundary term" (fun () ->
                Solutions(output).``a hard constraint u = x(1−x)y(1−y)·N needs no boundary term``())
            testCase "heat equation on a space-time domain: u = e^(−t) sin(πx)" (fun () ->
                Solutions(output).``heat equation on a space-time domain: u = e^(−t) sin(πx)``())
            testCase "1-D Bratu u'' + e^u = 0 reaches the closed-form lower solution" (fun () ->
                Solutions(output).``1-D Bratu u'' + e^u = 0 reaches the closed-form lower solution``())
            testCase
                "inverse problem: the coefficient k of −kΔu = f is recovered from 64 observations"
                (fun () ->
                    Solutions(output)
                        .``inverse problem: the coefficient k of −kΔu = f is recovered from 64 observations``())
        ]
    |> testSequencedGroup "Pde.FSharp.Tests.SolveTests"
