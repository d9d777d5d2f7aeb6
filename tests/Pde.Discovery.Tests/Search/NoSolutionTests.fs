/// Discovery where no solution exists (Bratu beyond its fold) and the one classical solve per run that every floor is
/// judged against (DiscoverySearch.CertifyAt against Certification.ofNetwork). Small sizes (AnyProblemTests.small).
module Pde.Discovery.Tests.NoSolutionTests

open System.IO
open Xunit
open Expecto
open Pde.FSharp.Classical
open Pde.Discovery
open Pde.Discovery.Tests.AnyProblemTests

/// Bratu at λ = 7 > λc ≈ 6.808 has no solution: nothing may be reported — neither by a network nor by the classical
/// completion — and the outcome and solutions.json say so plainly.
let ``Bratu beyond its fold: no solution found`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 7.0
    let outcome = Discovery.run problem (small "bratu-7")
    Assert.True(outcome.Found.IsEmpty, sprintf "reported %d solution(s) at λ = 7" outcome.Found.Length)
    Assert.Empty(outcome.ClassicalOnly)
    Assert.StartsWith("no solution found", outcome.StopReason)
    Assert.Contains("no solution found", File.ReadAllText outcome.Path)

/// Bratu at λ = 3 (settings `small name`) whose first ensemble diverges: gradient descent at lr 10⁶, no warm starts.
let private diverging (name: string) =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0

    problem,
    { small name with
        Optimizer = "gdm"
        OptimizerSettings = [ "lr", "1e6" ]
        WarmStarts = false
    }

/// A first ensemble whose runs diverge (gradient descent with an absurd step) stalls nowhere: the same network is
/// trained again with the deflation rounds' optimizer (Adam, normalized steps), which finds Bratu's solution, and the
/// stop reason says why. Measured on the paper's PDE at k = 20 with one BBI run: it diverged at step 1 458 and the
/// output said the runs were still improving.
let ``runs that diverge are trained again with a normalized optimizer`` () =
    let outcome = diverging "bratu-diverged" ||> Discovery.run
    Assert.NotEmpty(outcome.Found)
    Assert.Contains("diverged", outcome.StopReason)
    Assert.Contains("trained again with adam", outcome.StopReason)
    Assert.DoesNotContain("still improving", outcome.StopReason)

/// When the deflation rounds' optimizer diverges too, nothing is left to retry with: the stop reason says the runs
/// diverged and names the remedy (a smaller step), not "they were still improving" (a longer budget), and no network
/// grows.
let ``runs that diverge with every optimizer are said to diverge`` () =
    let problem, s = diverging "bratu-diverged-twice"

    let outcome =
        Discovery.run
            problem
            { s with
                DeflationOptimizer = "gdm"
                DeflationOptimizerSettings = [ "lr", "1e6" ]
            }

    Assert.Empty(outcome.Found)
    Assert.Contains("diverged", outcome.StopReason)
    Assert.Contains("smaller learning rate", outcome.StopReason)
    Assert.DoesNotContain("still improving", outcome.StopReason)

/// The review of the gates, the certification and the near-miss check judge one solve per run: at every floor the
/// cached solve's distance is the one Certify.distance measures afresh between the network's field and the solution
/// (its own compile of the fine grid), and its status follows from it.
let ``one solve per run, judged at every floor as a fresh certification`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
    let s = small "bratu-cache"
    let subject = Subject.compile problem s
    let search = DiscoverySearch(subject, s, ignore)
    let theta = Deflation.scaleOutput search.Network 5.0 search.Theta0
    let start = Certification.fieldsOf subject search.Spec s.Seed theta

    for floor in [ 1e-3; search.Reference.FieldFloor; 100.0 ] do
        let options = Certification.options subject floor

        match search.CertifyAt(theta, floor) with
        | Certify.Certified(solution, d)
        | Certify.Moved(solution, d) as c ->
            match Certify.distance problem options start solution.Values with
            | Ok fresh -> Assert.Equal(fresh, d, 9)
            | Error e -> failwith e

            Assert.Equal(
                d <= options.NearDistance,
                (match c with
                 | Certify.Certified _ -> true
                 | _ -> false)
            )
        | c -> failwithf "floor %g: %A" floor c

    // the largest floor is what the distance divides by: it must have changed the distance
    let d (floor: float) =
        match search.CertifyAt(theta, floor) with
        | Certify.Certified(_, d)
        | Certify.Moved(_, d) -> d
        | _ -> nan

    Assert.True(d 100.0 < d 1e-3, sprintf "floor 100: %g, floor 0.001: %g" (d 100.0) (d 1e-3))

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.NoSolutionTests"
        [
            testCase "Bratu beyond its fold: no solution found" ``Bratu beyond its fold: no solution found``
            testCase
                "runs that diverge are trained again with a normalized optimizer"
                ``runs that diverge are trained again with a normalized optimizer``
            testCase
                "runs that diverge with every optimizer are said to diverge"
                ``runs that diverge with every optimizer are said to diverge``
            testCase
                "one solve per run, judged at every floor as a fresh certification"
                ``one solve per run, judged at every floor as a fresh certification``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.NoSolutionTests"
