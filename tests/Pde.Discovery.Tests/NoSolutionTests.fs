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

/// The review of the gates, the certification and the near-miss check judge one solve per run: the certification
/// from the cached solve at any floor is the one a fresh certification with that floor gives.
let ``one solve per run, judged at every floor as a fresh certification`` () =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
    let s = small "bratu-cache"
    let subject = Subject.compile problem s
    let search = DiscoverySearch(subject, s, ignore)
    let theta = Deflation.scaleOutput search.Network 5.0 search.Theta0

    for floor in [ 1e-3; search.Reference.FieldFloor; 100.0 ] do
        let fresh =
            Certification.ofNetwork subject search.Spec s.Seed (Certification.options subject floor) theta

        let cached = search.CertifyAt(theta, floor)

        match fresh, cached with
        | Certify.Certified(a, d), Certify.Certified(b, e)
        | Certify.Moved(a, d), Certify.Moved(b, e) ->
            Assert.Equal(d, e, 12)
            Assert.Equal(a.ErrorEstimate, b.ErrorEstimate, 12)
        | _ -> failwithf "floor %g: fresh %A, cached %A" floor fresh cached

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.NoSolutionTests"
        [
            testCase "Bratu beyond its fold: no solution found" ``Bratu beyond its fold: no solution found``
            testCase
                "one solve per run, judged at every floor as a fresh certification"
                ``one solve per run, judged at every floor as a fresh certification``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.NoSolutionTests"
