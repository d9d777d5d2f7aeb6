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
open Pde.Discovery.Solutions

/// AnyProblemTests' small settings without deflation rounds or capacity growth.
let private settings (name: string) =
    { AnyProblemTests.small name with
        DeflationRounds = 0
        CapacityGrowths = 0
        OutDir = Some(TempFolders.path "ecdpde-adaptive-")
    }

let private wavenumberOf (problem: Problem) =
    let s = settings "wavenumber"
    let subject = Subject.compile problem s
    PointRules.dataWavenumber subject (Discretize.run subject.Points subject.Problem)

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
    let grown = NetworkGrowth.grow omega (sqrt 2.0) 2 a

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
    let twice = NetworkGrowth.grow omega (sqrt 2.0) 2 grown
    Assert.Equal(3, twice.Layers.Length)
    Assert.Contains("tanh 128", NetworkGrowth.describe twice)
    let flat = NetworkGrowth.grow 0.0 (sqrt 2.0) 2 a
    Assert.Equal("tanh 64, tanh 64", NetworkGrowth.describe flat)

let ``the interior points follow the data's wavenumber, with the settings' count as a floor`` () =
    let u = field "u"

    let source (waves: float) =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (-laplacian u + u - sin (2.0 * waves * pi * x))
        |> Problem.dirichlet Boundary.all u (num 0.0)

    // sin(16πx): 8 wavelengths along x, ω = 16π measured; 8 points per wavelength along each coordinate over the unit
    // square's (ω/2π)² = 64 square wavelengths: 64 × 64 = 4096 points
    let omega = wavenumberOf (source 8.0)
    let n = PointRules.resolvingPoints omega 1.0 2 1000
    Assert.Equal(int (ceil (64.0 * (omega / (2.0 * Math.PI)) ** 2.0)), n)
    Assert.InRange(n, 3850, 4350)
    // sin(6πx): 9 square wavelengths need 576 points, fewer than the settings' 1000
    Assert.Equal(1000, PointRules.resolvingPoints (wavenumberOf (source 3.0)) 1.0 2 1000)
    // data that do not vary keep the floor; a wavenumber beyond any budget is capped
    Assert.Equal(1000, PointRules.resolvingPoints 0.0 1.0 2 1000)
    Assert.Equal(PointRules.maxResolvingPoints, PointRules.resolvingPoints 1e4 1.0 2 1000)
    // the paper's disk (area π) at the measured ω = 33.1 (k = 10): 87 square wavelengths, 5 580 points
    Assert.Equal(5580, PointRules.resolvingPoints 33.1 Math.PI 2 1000)
    // drawn afresh every step by the grown network (12 545 weights): 4 per wavelength gives 1 395 at k = 10, so half a
    // point per weight decides (6 273); at ω = 77.5 (k = 20) the wavelengths decide (7 648)
    Assert.Equal(1395, PointRules.resolvingPointsAt PointRules.freshPointsPerWavelength 33.1 Math.PI 2 1000)
    Assert.Equal(6273, PointRules.freshPoints 33.1 Math.PI 2 12545 1000)
    Assert.Equal(7648, PointRules.freshPoints 77.5 Math.PI 2 12545 1000)
    Assert.Equal(PointRules.maxResolvingPoints, PointRules.freshPoints 33.1 Math.PI 2 1_000_000 1000)

let ``the residual on the collocation points is the grid's for a network that fits the field`` () =
    let u = field "u"

    // a domain of area 3, so that a quadrature weight that forgot the area would show
    let problem =
        Problem.create (Domain.rectangle (0.0, 3.0) (0.0, 1.0)) [ u ]
        |> Problem.equation (-laplacian u + u - sin (2.0 * pi * x))
        |> Problem.dirichlet Boundary.all u (num 0.0)

    let s =
        { settings "collocation" with
            InteriorPoints = 1500
        }

    let subject = Subject.compile problem s
    let search = DiscoverySearch(subject, s, ignore)
    // the initial network: a smooth field, whose residual both quadratures (1500 random points, the grid) agree on
    let m =
        Subject.measure
            subject
            search.Spec
            s.Seed
            (Subject.boundaryCheck subject)
            search.Reference
            search.Theta0

    let onPoints = PointRules.collocationResidual subject search search.Theta0
    Assert.True(abs (onPoints / m.ResidualL2 - 1.0) < 0.1, sprintf "points %g, grid %g" onPoints m.ResidualL2)
    Assert.False(PointRules.overfits m.ResidualL2 onPoints)
    // a residual 2.5 times larger on the grid than on the points is a network fitting its points
    Assert.True(PointRules.overfits (2.5 * onPoints) onPoints)
    Assert.False(PointRules.overfits m.ResidualL2 nan)

let private boundaryWeights (p: Problem) =
    p.Conditions
    |> List.choose (fun c ->
        match c.Placement with
        | OnBoundary _ -> Some c.Weight
        | _ -> None)

let ``a plateau that fits its points and not the field grows the points, not the network`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
    let subject = Subject.compile problem (settings "growth-decision")

    let data: PointRules.DataScale =
        {
            Omega = 40.0
            Diameter = sqrt 2.0
            Area = 1.0
            Dimensions = 2
        }

    let stalledRun (grid: float) =
        let c: Candidate =
            {
                Run = { Round = 0; Index = 0 }
                Seed = 0UL
                Values = [||]
                ResidualL2 = grid
                ResidualMax = grid
                ResidualScale = 1.0
                BoundaryMax = 0.0
                BoundaryScale = 1.0
                FinalLoss = 1.0
                Probes = [ 0.5, 0.5, 0.0 ]
                Theta = [||]
            }

        let stop: RunResultFile.RunStop =
            {
                Reason = "a stall"
                Stalled = true
                Steps = 100L
            }

        c, stop

    // 40 / 2π ≈ 6.4 wavelengths along each side: the data's rule asks for ⌈64 · 6.37²⌉ = 2594 points
    let resolving = PointRules.resolvingPoints 40.0 1.0 2 subject.Points.Interior
    Assert.Equal(2594, resolving)
    // fresh every step: ⌈16 · 6.37²⌉ = 649 (4 per wavelength), at least half a point per weight (3000: 1500) and the
    // settings' count
    Assert.Equal(649, PointRules.resolvingPointsAt PointRules.freshPointsPerWavelength 40.0 1.0 2 1)
    let fresh = List.max [ 649; 1500; subject.Points.Interior ]
    Assert.True(fresh < resolving)
    // the grid's residual 100 against 1 on the points: overfitting — on fixed points: same network, fresh points
    // every step, the data's points for fresh draws, not counted as a growth (a step costs what it cost)
    let g = Growth.growth data subject 3000 [ stalledRun 100.0 ] (fun _ -> 1.0)
    Assert.Equal(subject.Architecture, g.Architecture)
    Assert.Equal(Some Resampling.every, g.Points.ResampleEvery)
    Assert.Equal(fresh, g.Points.Interior)
    Assert.False(g.Costly)
    Assert.Contains("overfitting", g.Note)
    Assert.Contains("drawn afresh", g.Note)
    // overfitting again while resampling: same network, points ×4 and ≥ 2 per weight, a growth
    let resampling = { subject with Points = g.Points }

    let g2 = Growth.growth data resampling 3000 [ stalledRun 100.0 ] (fun _ -> 1.0)
    Assert.Equal(subject.Architecture, g2.Architecture)
    Assert.Equal(List.max [ 6000; 4 * fresh; resolving ], g2.Points.Interior)
    Assert.True(g2.Costly)
    // 100 against 90: a plateau of the network — widths doubled, Fourier features, the data's points; the grown
    // network has Fourier features: fresh points
    let g3 = Growth.growth data subject 3000 [ stalledRun 100.0 ] (fun _ -> 90.0)

    Assert.Equal(
        NetworkGrowth.describe (NetworkGrowth.grow 40.0 (sqrt 2.0) 2 subject.Architecture),
        NetworkGrowth.describe g3.Architecture
    )

    let grownWeights =
        Ecd.Core.Engine.Network<float>(Objective.spec subject.Problem g3.Architecture).ParameterCount

    Assert.Equal(List.max [ 649; (grownWeights + 1) / 2; subject.Points.Interior ], g3.Points.Interior)
    Assert.Equal(Some Resampling.every, g3.Points.ResampleEvery)
    Assert.True(g3.Costly)
    Assert.DoesNotContain("overfitting", g3.Note)
    // gates 0.05 · 1 and 0.1 · 1 keep the settings' boundary weight (0.25 < 100) ...
    Assert.Equal<float list>(boundaryWeights subject.Problem, boundaryWeights g3.Problem)
    // ... gates 50 (residual scale 1000) and 0.03 (boundary scale 0.3) on the unit square weight the boundary
    // 50² / (1 · 0.03²) ≈ 2.78e6, so that a field at both gates loses as much on the boundary as inside
    let c, stop = stalledRun 100.0

    let scaled =
        { c with
            ResidualScale = 1000.0
            BoundaryScale = 0.3
        },
        stop

    let g4 = Growth.growth data subject 3000 [ scaled ] (fun _ -> 90.0)
    let ws = boundaryWeights g4.Problem
    Assert.NotEmpty ws
    Assert.All(ws, fun w -> Assert.True(abs (w / (2500.0 / 9e-4) - 1.0) < 1e-9, sprintf "weight %g" w))
    Assert.Contains("boundary conditions weighted", g4.Note)

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

let ``the fit with the equation is the problem plus the observations, weighted by the scales`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
    let subject = Subject.compile problem (settings "equation-fit")

    let target =
        subject.Grid |> Array.map (fun p -> sin (Math.PI * p[0]) * sin (Math.PI * p[1]))

    let size = normL2 subject.Weights target
    // a relative misfit δ weighs (S/D)²·δ²D² = δ²S², as a residual δ·S does
    let w = WarmStart.dataWeight subject 0.01 target 30.0
    Assert.True(abs (w / (30.0 / size) ** 2.0 - 1.0) < 1e-12, sprintf "weight %g" w)
    // a target smaller than the floor is measured against the floor
    let tiny = target |> Array.map (fun v -> 1e-6 * v)
    Assert.True(abs (WarmStart.dataWeight subject 0.5 tiny 30.0 / 3600.0 - 1.0) < 1e-12)
    Assert.Equal(1.0, WarmStart.dataWeight subject 0.5 target nan)

    let fitted =
        WarmStart.equationFitProblem subject (WarmStart.onGrid subject target) w

    let own = subject.Problem.Conditions
    Assert.Equal(own.Length + 1, fitted.Conditions.Length)

    for a, b in List.zip own (List.take own.Length fitted.Conditions) do
        Assert.Equal(a.Name, b.Name)
        Assert.Equal(a.Weight, b.Weight)

    let data = List.last fitted.Conditions
    Assert.Equal(w, data.Weight)

    match data.Placement with
    | Observations(points, values) ->
        Assert.Equal(subject.Grid.Length, points.Length)
        Assert.Equal<float[]>(target, values)
    | _ -> failwith "the last condition is not the observations"

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
                "resolving points"
                ``the interior points follow the data's wavenumber, with the settings' count as a floor``
            testCase
                "growth decision"
                ``a plateau that fits its points and not the field grows the points, not the network``
            testCase
                "collocation residual"
                ``the residual on the collocation points is the grid's for a network that fits the field``
            testCase
                "warm starts"
                ``a classical solution no network reached becomes a network solution when warm-started``
            testCase
                "equation fit"
                ``the fit with the equation is the problem plus the observations, weighted by the scales``
        ]
