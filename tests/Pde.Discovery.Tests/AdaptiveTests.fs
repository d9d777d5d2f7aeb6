/// Capacity that grows and starts that explore: the data's wavenumber measured on the grid against closed forms, the
/// growth rule (widths doubled, Fourier features of the data's scale), and a classical solution that no network
/// reached becoming a network solution when warm-started (Bratu λ = 3 without deflation rounds: the networks reach
/// only the lower solution, the classical completion finds the upper one).
module Pde.Discovery.Tests.AdaptiveTests

open System
open System.IO
open Xunit
open Expecto
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Discovery

/// AnyProblemTests' small settings without deflation rounds or capacity growth.
let private settings (name: string) =
    { AnyProblemTests.small name with
        DeflationRounds = 0
        CapacityGrowths = 0
        OutDir = Some(Path.Combine(Path.GetTempPath(), "ecdpde-adaptive-" + Guid.NewGuid().ToString("N")))
    }

let private wavenumberOf (problem: Problem) =
    let s = settings "wavenumber"
    let subject = Subject.compile problem s
    Capacity.dataWavenumber subject (Discretize.run subject.Points subject.Problem)

let ``the data's wavenumber is that of the source, and 0 without oscillating data`` () =
    let u = field "u"
    // sin(6πx) on the unit square: mean |∇f|² = 18π², variance ½, so ω = 6π
    let oscillating =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (-laplacian u + u - sin (6.0 * pi * x))
        |> Problem.dirichlet Boundary.all u (num 0.0)

    let omega = wavenumberOf oscillating
    Assert.True(abs (omega / (6.0 * Math.PI) - 1.0) < 0.03, sprintf "ω = %g, expected 6π" omega)
    // boundary data cos(4πy) on the left side only: ω = 4π along it (measured on its 80 collocation points)
    let onBoundary =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (-laplacian u + u)
        |> Problem.dirichlet (Boundary.where "x = 0" (fun p -> p[0] < 1e-9)) u (cos (4.0 * pi * y))
        |> Problem.dirichlet (Boundary.where "x > 0" (fun p -> p[0] >= 1e-9)) u (num 0.0)

    let omegaB = wavenumberOf onBoundary
    Assert.True(abs (omegaB / (4.0 * Math.PI) - 1.0) < 0.15, sprintf "ω = %g, expected 4π" omegaB)
    let bratu, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
    Assert.Equal(0.0, wavenumberOf bratu)

let ``growth doubles the widths and adds Fourier features of the data's scale`` () =
    let a = Architecture.mlp [ 32; 32 ] Ecd.Core.Engine.Activation.Tanh
    let omega = 6.0 * Math.PI
    let grown = Capacity.grow omega (sqrt 2.0) 2 a

    match grown.Layers with
    | [ (:? Ecd.Core.Engine.FourierFeatures as f)
        (:? Ecd.Core.Engine.Dense as d1)
        (:? Ecd.Core.Engine.Dense as d2) ] ->
        Assert.Equal(32, f.Count)
        // σ = ω/(2π√2): the wavevectors 2πσ·z have root-mean-square length ω
        Assert.Equal(3.0 / sqrt 2.0, f.Scale, 12)
        Assert.Equal(64, d1.Width)
        Assert.Equal(64, d2.Width)
    | layers -> failwithf "unexpected layers %A" layers

    // a second growth keeps the features and doubles again; data without a wavelength across the domain get none
    let twice = Capacity.grow omega (sqrt 2.0) 2 grown
    Assert.Equal(3, twice.Layers.Length)
    Assert.Contains("tanh 128", Capacity.describe twice)
    let flat = Capacity.grow 0.0 (sqrt 2.0) 2 a
    Assert.Equal("tanh 64, tanh 64", Capacity.describe flat)

let ``a classical solution no network reached becomes a network solution when warm-started`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0

    let cold =
        Discovery.run
            problem
            { settings "bratu-cold" with
                WarmStarts = false
            }
    // without warm starts: the lower solution by the network, the upper one only classically
    Assert.Equal(1, cold.Found.Length)
    Assert.Equal(1, cold.ClassicalOnly.Length)
    let upper = cold.ClassicalOnly.Head.MaxAbs
    Assert.True(upper > 2.0 * cold.Found.Head.Solution.MaxAbs, sprintf "upper max %g" upper)
    let warm = Discovery.run problem (settings "bratu-warm")
    Assert.Empty(warm.ClassicalOnly)
    Assert.Equal(2, warm.Found.Length)

    let index, reached =
        warm.Found |> List.indexed |> List.maxBy (fun (_, f) -> f.Solution.MaxAbs)

    Assert.True(
        abs (reached.Solution.MaxAbs / upper - 1.0) < 0.05,
        sprintf "%g vs %g" reached.Solution.MaxAbs upper
    )

    let file = SolutionsFile.read warm.Path
    let starts = file.Solutions |> List.collect (fun s -> s.RunStarts)

    Assert.Contains(
        starts,
        fun (d: string) -> d.StartsWith "warm start: fitted to the classical solution no network reached"
    )

    match List.item index warm.Certifications with
    | Pde.FSharp.Classical.Certify.Certified(_, d) -> Assert.True(d < 0.1)
    | c -> failwithf "the warm-started solution is not certified: %A" c

[<Tests>]
let tests =
    testList
        "adaptive"
        [
            testCase
                "data wavenumber"
                ``the data's wavenumber is that of the source, and 0 without oscillating data``
            testCase "growth" ``growth doubles the widths and adds Fourier features of the data's scale``
            testCase
                "warm starts"
                ``a classical solution no network reached becomes a network solution when warm-started``
        ]
