/// Discovery of problems written only with the public API (the PDE language and `Discovery.run`), each solution
/// certified by the automatic classical solve: manufactured problems (a semilinear Dirichlet problem with a source in
/// x, y on the square, Neumann and Robin variants, an annulus, a two-field system) whose certified classical
/// solution must match the exact one, and the multi-solution problems (the paper's PDE on the disk, Bratu,
/// Allen–Cahn), where the networks' solutions plus the classical completion must give every known solution.
/// Small sizes: a tanh 16-16 network, 400 + 80 points, L-BFGS.
module Pde.Discovery.Tests.AnyProblemTests

open System
open System.IO
open Xunit
open Expecto
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery

/// Small settings: one L-BFGS run, one deflation round of one Adam run; certification on.
let small (name: string) =
    { Discovery.defaults with
        Name = name
        Network = Architecture.mlp [ 16; 16 ] Ecd.Core.Engine.Activation.Tanh
        InteriorPoints = 400
        BoundaryPoints = 80
        GridPoints = 400
        Runs = 1
        Steps = 600L
        Optimizer = "lbfgs"
        OptimizerSettings = [ "toleranceChange", "0"; "toleranceGrad", "0" ]
        DeflationRounds = 1
        DeflationRuns = 1
        DeflationSteps = 600L
        PolishSteps = 100L
        Threads = 2
        OutDir = Some(TempFolders.path "ecdpde-any-")
    }

/// The certified classical solutions of an outcome, with their distance to the network's field.
let private certified (outcome: Workflow.DiscoveryOutcome) =
    outcome.Certifications
    |> List.choose (function
        | Certify.Certified(s, d) -> Some(s, d)
        | _ -> None)

/// Relative L² distance (on the points) of a classical solution's field `f` to the exact values.
let private error
    (s: Certify.ClassicalSolution)
    (f: string)
    (exact: float[][] -> float[])
    (points: float[][])
    =
    let a = s.Values f points
    let b = exact points
    let d = Array.map2 (fun p q -> (p - q) ** 2.0) a b |> Array.sum
    sqrt (d / (b |> Array.sumBy (fun q -> q * q)))

let private square = Sampling.grid Domain.unitSquare 200

/// One certified solution, equal to the exact one.
let private uniqueManufactured
    (outcome: Workflow.DiscoveryOutcome)
    (exact: (string * (float[][] -> float[])) list)
    points
    =
    let c = certified outcome
    Assert.True(outcome.Found.Length >= 1, sprintf "found %d; %A" outcome.Found.Length outcome.Rejected)
    Assert.Equal(1, c.Length)
    Assert.Empty(outcome.ClassicalOnly)
    let s, d = c.Head
    Assert.True(d < 0.1, sprintf "network–classical distance %g" d)

    for f, e in exact do
        let err = error s f e points
        Assert.True(err < 5e-3, sprintf "classical %s vs exact: relative L2 error %g" f err)

let private eval (e: Expr) (points: float[][]) =
    let model =
        {
            Problem = Problem.create Domain.unitSquare [ field "unused" ]
            Network =
                Objective.spec
                    (Problem.create Domain.unitSquare [ field "unused" ])
                    (Architecture.mlp [ 1 ] Ecd.Core.Engine.Activation.Tanh)
            NetworkSeed = 0UL
            Weights = [||]
            Parameters = []
        }

    Model.evaluate model e points

let ``a semilinear Dirichlet problem with a source in x and y on the square`` () =
    let u = field "u"
    let exact = sin (pi * x) * sin (pi * y) * (1.0 + x)

    let problem =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (-laplacian u + u * u * u - (-laplacian exact + exact * exact * exact))
        |> Problem.dirichlet Boundary.all u (num 0.0)

    let outcome = Discovery.run problem (small "semilinear-source")
    uniqueManufactured outcome [ "u", eval exact ] square

let ``a Neumann variant`` () =
    let u = field "u"
    let exact = cos (pi * x) * cos (pi * y)

    let problem =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (
            -laplacian u + u + u * u * u
            - (-laplacian exact + exact + exact * exact * exact)
        )
        |> Problem.neumann Boundary.all u (num 0.0)

    let outcome = Discovery.run problem (small "neumann")
    uniqueManufactured outcome [ "u", eval exact ] square

let ``a Robin variant`` () =
    let u = field "u"
    let exact = exp (0.5 * x) * sin (2.0 * y + 0.3)

    let problem =
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (-laplacian u + u * u * u - (-laplacian exact + exact * exact * exact))
        |> Problem.robin Boundary.all (num 1.0) (num 1.0) u (exact + dn exact)

    let outcome = Discovery.run problem (small "robin")
    uniqueManufactured outcome [ "u", eval exact ] square

let ``a problem on an annulus`` () =
    let u = field "u"
    let exact = (x * x + y * y) * cos x + y
    let domain = Domain.annulus (0.0, 0.0) 0.5 1.0

    let problem =
        Problem.create domain [ u ]
        |> Problem.equation (-laplacian u + u * u * u - (-laplacian exact + exact * exact * exact))
        |> Problem.dirichlet Boundary.all u exact

    let outcome = Discovery.run problem (small "annulus")
    uniqueManufactured outcome [ "u", eval exact ] (Sampling.grid domain 200)

let ``a two-field system`` () =
    let u = field "u"
    let v = field "v"
    let ue = sin (pi * x) * sin (pi * y)
    let ve = x * y * (1.0 - x) * (1.0 - y) * 4.0

    let problem =
        Problem.create Domain.unitSquare [ u; v ]
        |> Problem.equation (-laplacian u + v - (-laplacian ue + ve))
        |> Problem.equation (-laplacian v - u + v * v * v - (-laplacian ve - ue + ve * ve * ve))
        |> Problem.dirichlet Boundary.all u (num 0.0)
        |> Problem.dirichlet Boundary.all v (num 0.0)

    let outcome = Discovery.run problem (small "two-fields")
    uniqueManufactured outcome [ "u", eval ue; "v", eval ve ] square

/// Every known solution is either a certified network solution or a classical solution no network reached; returns
/// the maximum of the first field of each.
let private allSolutions (outcome: Workflow.DiscoveryOutcome) (expected: int) =
    let c = certified outcome
    Assert.True(c.Length >= 1, sprintf "no certified solution: %A" outcome.Certifications)
    Assert.All(c, fun (_, d) -> Assert.True(d < 0.1, sprintf "network–classical distance %g" d))
    Assert.Equal(expected, c.Length + outcome.ClassicalOnly.Length)

let ``the paper's PDE on the disk`` () =
    let problem, _ = BuiltInExamples.paperPde BuiltInExamples.Default 2.0
    // the bowl is far from the first solution: the deflated run needs more steps than the others
    let outcome =
        Discovery.run
            problem
            { small "paper-pde" with
                DeflationSteps = 3000L
            }

    allSolutions outcome 2
    // u(0) of the two radial solutions: ≈ 0 (sin²(k r²)) and ≈ −9.2977 (the bowl)
    let centres =
        (certified outcome
         |> List.map (fun (s, _) -> (s.Values "u" [| [| 0.0; 0.0 |] |])[0]))
        @ (outcome.ClassicalOnly |> List.map (fun c -> -c.MaxAbs))
        |> List.sort

    Assert.True(abs (centres[0] + 9.2977) < 0.1, sprintf "bowl u(0) %g" centres[0])

let ``Bratu`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
    let outcome = Discovery.run problem (small "bratu")
    allSolutions outcome 2

let ``Allen–Cahn`` () =
    let problem, _ = BuiltInExamples.allenCahn BuiltInExamples.Default 0.15
    let outcome = Discovery.run problem (small "allen-cahn")
    allSolutions outcome 3

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.AnyProblemTests"
        [
            testCase
                "a semilinear Dirichlet problem with a source in x and y on the square"
                ``a semilinear Dirichlet problem with a source in x and y on the square``
            testCase "a Neumann variant" ``a Neumann variant``
            testCase "a Robin variant" ``a Robin variant``
            testCase "a problem on an annulus" ``a problem on an annulus``
            testCase "a two-field system" ``a two-field system``
            testCase "the paper's PDE on the disk" ``the paper's PDE on the disk``
            testCase "Bratu" ``Bratu``
            testCase "Allen–Cahn" ``Allen–Cahn``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.AnyProblemTests"
