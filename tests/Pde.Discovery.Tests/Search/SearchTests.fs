/// The classical judge inside the search's rounds (Search): a round counts as new only when it adds a solution the
/// classical judge calls new (`roundFoundNew`), and the polish never discards a certified new solution
/// (`keptUnpolished`). Bratu at λ = 3 (two solutions), small sizes (AnyProblemTests.small); the runs' fields are made
/// here (scaled initializations, a network fitted to the upper solution) instead of trained.
module Pde.Discovery.Tests.SearchTests

open System.IO
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Expecto
open Pde.FSharp.Language
open Xunit
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery
open Pde.Discovery.Solutions
open Pde.Discovery.Tests.AnyProblemTests

/// Bratu at λ = 3: its subject, a search on it, the lower and upper classical solutions on the grid, and a run whose
/// network was fitted (least squares, 300 L-BFGS steps) to the upper one.
type private Fixture =
    {
        Settings: DiscoverySettings
        Subject: Subject.Subject
        Search: DiscoverySearch
        Lower: float[]
        Upper: float[]
        /// The classical solutions themselves.
        Solutions: Certify.ClassicalSolution list
        FittedUpper: Candidate
    }

/// A candidate with the fields of weights θ (run `run`), as a run that ended there.
let private candidate (f: Fixture) (run: RunId) (theta: float[]) =
    let values =
        Model.evaluate (f.Search.Model theta) (Field f.Subject.Problem.Fields.Head) f.Subject.Grid

    {
        Run = run
        Seed = 0UL
        Values = values
        ResidualL2 = 0.0
        ResidualMax = 0.0
        ResidualScale = 1.0
        BoundaryMax = 0.0
        BoundaryScale = 1.0
        FinalLoss = 0.0
        Probes = []
        Theta = theta
    }

let private fixture =
    lazy
        (let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0
         let s = small "search-judge"
         let subject = Subject.compile problem s
         let search = DiscoverySearch(subject, s, ignore)
         let options = Certification.options subject search.Floor

         let zero =
             fun (_: string) (points: float[][]) -> Array.zeroCreate<float> points.Length

         let lower =
             match Certify.solve problem options zero with
             | Ok z -> z.Solution
             | Error e -> failwith e.Reason

         let upperSolution =
             Certification.complete
                 subject
                 options
                 2
                 [ lower ]
                 (Certification.modeSeeds subject 1.0)
                 search.Floor
                 []
             |> List.map snd
             |> List.maxBy (Certification.onGrid subject >> maxAbs)

         let upper = Certification.onGrid subject upperSolution

         let fitOn (threads: int) (_: int) : IObjective<float> =
             let d =
                 Discretize.run subject.Points (WarmStart.fitProblem subject (WarmStart.onGrid subject upper))

             let pool = new WorkerPool(threads)
             let loss = Objective.lossOn s.Backend d search.Network 0.0 (Some pool)
             new OwnedObjective(loss, [ loss; pool ])

         let fitted =
             search.EnsembleOn(
                 0,
                 Path.Combine("round-0", "fit"),
                 1,
                 (fun _ -> search.Theta0),
                 fitOn,
                 [],
                 300L,
                 s.PolishOptimizer,
                 FixedSteps
             )
             |> List.head
             |> fst

         {
             Settings = s
             Subject = subject
             Search = search
             Lower = Certification.onGrid subject lower
             Upper = upper
             Solutions = [ lower; upperSolution ]
             FittedUpper = fitted
         })

let private isCertified (c: Certify.Certification) =
    match c with
    | Certify.Certified _ -> true
    | _ -> false

/// A round whose only new distinct field is one Newton moves to a solution already known (the field of an earlier
/// run moved there too) found nothing new — by the count of distinct fields it did, as before the change; a round
/// that adds a certified new solution found something new, and nothing new when Newton had reached that solution
/// from an ended run already; with certification off, the count decides.
let ``a field that Newton moves to a known solution is not something new`` () =
    let f = fixture.Force()
    let search = f.Search

    let scaled (a: float) =
        Deflation.scaleOutput search.Network a search.Theta0

    let a = candidate f { Round = 0; Index = 0 } (scaled 5.0)
    let b = candidate f { Round = 1; Index = 0 } (scaled 2.0)

    // both fields moved by Newton to the lower solution
    for c in [ a; b ] do
        match search.CertifyAt(c.Theta, search.Floor) with
        | Certify.Moved(solution, _) ->
            let d =
                relativeDistance
                    f.Subject.Weights
                    search.Floor
                    (Certification.onGrid f.Subject solution)
                    f.Lower

            Assert.True(d < 0.01, sprintf "%O moved %g from the lower solution" c.Run d)
        | other -> failwithf "%O: %A" c.Run other

    let distinct (cs: Candidate list) =
        deduplicate f.Subject.Weights f.Settings.Threshold search.Reference.FieldFloor cs

    let before = distinct [ a ]
    let after = distinct [ a; b ]
    // the count alone (the rule before the change) calls the round new
    Assert.Equal(2, after.Length)
    Assert.False(Search.roundFoundNew search f.Settings [ a ] before after [])

    Assert.True(Search.roundFoundNew search { f.Settings with Certify = false } [ a ] before after [])

    let fitted =
        { f.FittedUpper with
            Run = { Round = 1; Index = 1 }
        }

    Assert.True(isCertified (search.CertifyAt(fitted.Theta, search.Floor)))
    Assert.True(Search.roundFoundNew search f.Settings [ a ] before (distinct [ a; b; fitted ]) [])
    // certified at a solution Newton reached from an ended run: that solution again, not something new
    Assert.False(Search.roundFoundNew search f.Settings [ a ] before (distinct [ a; b; fitted ]) [ f.Upper ])

/// A deflated run that reached the upper solution (certified) and whose polish slid to the lower one it was deflated
/// from stays unpolished, labelled; not when the upper solution is known too, nor when the polish kept it there.
let ``a certified new solution is kept when the polish slides it to a known one`` () =
    let f = fixture.Force()
    let search = f.Search
    let before = f.FittedUpper
    Assert.True(isCertified (search.CertifyAt(before.Theta, search.Floor)))
    let slid = { before with Values = f.Lower }

    match Search.keptUnpolished search f.Settings [ f.Lower ] before slid with
    | Some label -> Assert.StartsWith("kept unpolished: the polish slid to solution 1", label)
    | None -> failwith "the polish's slide discarded a certified new solution"

    Assert.Equal(None, Search.keptUnpolished search f.Settings [ f.Lower; f.Upper ] before slid)
    Assert.Equal(None, Search.keptUnpolished search f.Settings [ f.Lower ] before before)

    Assert.Equal(
        None,
        Search.keptUnpolished search { f.Settings with Certify = false } [ f.Lower ] before slid
    )

/// A warm round of one run from the lower solution, deflated by the upper one, on `subject`: the search, the kept
/// candidate and how its training ended.
let private warmFromLower (f: Fixture) (subject: Subject.Subject) (s: DiscoverySettings) =
    let search = DiscoverySearch(subject, s, ignore)

    let kept =
        WarmStart.round
            search
            subject
            s
            2
            [ "the lower solution", WarmStart.onGrid subject f.Lower ]
            [ f.Upper ]
        |> List.exactlyOne

    search, kept, search.Stopped kept.Run

/// A warm start from the lower solution (deflated by the upper one; its fits are ≈ 0.01 from it, the gates all but
/// met) stops at the first check — before its first step, or at a block end of its deflated training — where the gates
/// hold within the threshold of its target, not once its loss is flat, nor at its budget (600 nominal steps, 1 800 at
/// most), and keeps that field: within the threshold of the target, certified.
let ``a warm start that meets the gates at its target stops at the first check`` () =
    let f = fixture.Force()
    let s = f.Settings
    let block = (EcdPde.Runs.Stall.ofSteps s.DeflationSteps).Block

    // on fresh points every step, as the paper's PDE at k = 10 trains: the gates alone stop a run only once its loss
    // is flat (Stall.UntilFlat)
    let subject =
        { f.Subject with
            Points =
                { f.Subject.Points with
                    ResampleEvery = Some Resampling.every
                }
        }

    let search, kept, stopped = warmFromLower f subject s

    match stopped with
    | Some stop ->
        // measured: at step 0, its fit with the equation already meeting the gates 0.009 from the target (without the
        // check before the first step: 60 steps; main: 180, the first block whose loss was flat); up to two blocks
        // allowed, the fit's boundary error being within 2% of its gate
        Assert.True(
            stop.Steps <= 2L * block,
            sprintf "%d steps (checks every %d): %s" stop.Steps block stop.Reason
        )

        Assert.Contains("from its target", stop.Reason)
    | None -> failwith "the warm run's end was not recorded"

    let d = relativeDistance subject.Weights search.Floor kept.Values f.Lower
    Assert.True(d < s.Threshold, sprintf "kept %g from the target" d)
    Assert.True(isCertified (search.CertifyAt(kept.Theta, search.Floor)))
    // a run at its target takes no polish step (the settings' polish has 100): its polish run stopped at step 0
    let _, polished =
        Path.Combine(DiscoverySettings.outDir s, "round-2", "polish", "runs", "run-000", "result.json")
        |> RunResultFile.readWithStop

    Assert.Equal(0L, polished.Steps)
    Assert.StartsWith("converged at step 0", polished.Reason)

/// A warm start whose fit fails the gates (here a residual bound no field meets) but from whose field Newton converges
/// within the threshold of it and of its target is done before its first step: what the judgement accepts of such a
/// field (DiscoverySearch.Review), asked once, instead of a whole training (the paper's PDE k = 20: 10 400–12 000
/// steps per warm run, accepted by Newton all the same). It takes no training step and no polish step.
let ``a warm start that Newton certifies at its target takes no step`` () =
    let f = fixture.Force()
    // a folder of its own: the warm run of the test above is round 2 of the fixture's folder
    let s =
        { f.Settings with
            OutDir = Some(TempFolders.path "ecdpde-warm-newton-")
        }

    let subject =
        { f.Subject with
            Gates =
                { f.Subject.Gates with
                    MaxResidualL2 = Some 1e-12
                }
        }

    let search, kept, stopped = warmFromLower f subject s

    match stopped with
    | Some stop ->
        Assert.Equal(0L, stop.Steps)
        Assert.Contains("Newton on the finite-difference problem converged", stop.Reason)
    | None -> failwith "the warm run's end was not recorded"

    Assert.True(kept.ResidualL2 > 1e-12, "the fit met the impossible gate")
    let d = relativeDistance subject.Weights search.Floor kept.Values f.Lower
    Assert.True(d < s.Threshold, sprintf "kept %g from the target" d)

    let _, polished =
        Path.Combine(DiscoverySettings.outDir s, "round-2", "polish", "runs", "run-000", "result.json")
        |> RunResultFile.readWithStop

    Assert.Equal(0L, polished.Steps)

/// A classical solution as a warm start's target is observed at the nodes of its own fine grid (the paper's PDE at
/// k = 5: the grid of the certification's FineResolution nodes across the disk), with its values there, and the fit's
/// observation term has every one of those points; its values for gates and distances are on the evaluation grid.
let ``a classical target is observed at the nodes of its fine grid`` () =
    let problem, _ = BuiltInExamples.paperPde BuiltInExamples.Default 5.0
    let s = small "search-observed"
    let subject = Subject.compile problem s
    let search = DiscoverySearch(subject, s, ignore)
    let options = Certification.options subject search.Floor

    let exact =
        fun (_: string) (points: float[][]) ->
            points |> Array.map (fun p -> sin (5.0 * (p[0] * p[0] + p[1] * p[1])) ** 2.0)

    let solution =
        match Certify.solve problem options exact with
        | Ok z -> z.Solution
        | Error e -> failwith e.Reason

    let t = WarmStart.ofSolution subject solution

    let nodes =
        match DomainGrid.ofDomain problem.Domain options.FineResolution with
        | Ok g -> g.Points
        | Error e -> failwith e

    Assert.Equal<float[][]>(nodes, t.Points)

    Assert.True(
        nodes.Length > subject.Grid.Length,
        sprintf "%d nodes, %d grid points" nodes.Length subject.Grid.Length
    )

    Assert.Equal<float[]>(Certification.onGrid subject solution, t.Values)
    Assert.Equal<float[]>(solution.Values subject.Problem.Fields.Head nodes, t.Observed)
    // the node values are sin²(5r²)'s within the certification's own error
    let misfit =
        Array.map2 (-) t.Observed (exact "u" nodes) |> Array.map abs |> Array.max

    Assert.True(misfit < 0.05, sprintf "the nodes' values are %g from sin²(5r²)" misfit)
    let d = Discretize.run subject.Points (WarmStart.fitProblem subject t)
    Assert.Contains(d.Sets, (fun set -> set.Observed.Length = t.Points.Length))

/// Bratu at λ = 3 on a small network with Fourier features, so on fresh points every step, trained by Adam under a
/// stall budget (`Stall.UntilFlat`): settings, subject and search.
let private onFreshPoints (name: string) (change: DiscoverySettings -> DiscoverySettings) =
    let problem, _ = BuiltInExamples.bratu BuiltInExamples.Default 3.0

    let s =
        change
            { small name with
                Network =
                    Architecture.mlp [ 16; 16 ] Ecd.Core.Engine.Activation.Tanh
                    |> Architecture.withFourierFeatures 8 0.5
                Optimizer = "adam"
                OptimizerSettings = []
                DeflationOptimizer = "adam"
                Steps = 200L
                DeflationSteps = 200L
            }

    let subject = Subject.compile problem s
    Assert.True(subject.Points.ResampleEvery.IsSome, "fresh points every step")
    s, subject, DiscoverySearch(subject, s, ignore)

/// One Adam run of round `round` (its own folder) from `start`, deflated from `known`, ended where `NewtonStop.found`
/// says: the candidate and how its run stopped.
let private trainOnFreshPoints
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (round: int)
    (start: float[])
    (known: float[] list)
    =
    let c =
        search.Ensemble(
            round,
            sprintf "round-%d" round,
            1,
            (fun _ -> start),
            known,
            s.Steps,
            ("adam", []),
            reached = NewtonStop.found search s "adam" s.Steps known
        )
        |> List.head

    c, (search.Stopped c.Run).Value

/// The solution Newton converges to from a candidate's field (values on the grid), asserted to be the lower one by the
/// search's one sameness rule (`DiscoverySearch.Same`).
let private lowerByNewton (search: DiscoverySearch) lower (c: Candidate) =
    let reached =
        match search.CertifyAt(c.Theta, search.Floor) with
        | Certify.Certified(sol, _)
        | Certify.Moved(sol, _) -> Certification.onGrid search.Subject sol
        | Certify.NotCertified r -> failwith r

    Assert.True(search.Same(reached, lower), "Newton reached the lower solution")

    reached

/// A run on fresh points (Fourier features, Adam, a stall budget: `Stall.UntilFlat`) ends at the first Newton check
/// after its first step (block 1 of its stall rule) where Newton converges from its field to a solution it is not
/// deflated from (`NewtonStop.found`); deflated from that solution, the same run trains past that check.
let ``a run on fresh points stops once Newton converges from its field`` () =
    let f = fixture.Force()
    let s, _, search = onFreshPoints "search-newton-stop" id
    let block = (EcdPde.Runs.Stall.ofSteps s.Steps).Block

    let plain, stop = trainOnFreshPoints search s 0 search.Theta0 []
    Assert.True(stop.Reason.Contains NewtonStop.words, stop.Reason)
    Assert.Equal(block, stop.Steps)

    let reached = lowerByNewton search f.Lower plain

    let _, deflatedStop = trainOnFreshPoints search s 1 search.Theta0 [ reached ]
    Assert.True(deflatedStop.Steps > block, deflatedStop.Reason)

/// A deflated run on fresh points whose field Newton takes to a solution it is deflated from trains on to its nominal
/// steps, not past them (`NewtonStop.found`): started at the field of a run Newton took to the lower solution and
/// deflated from that solution, it stops at exactly its nominal steps, saying so; deflated from nothing, the same
/// start stops at Newton's first check (block 1).
let ``a deflated run in a known solution's basin stops at its nominal steps`` () =
    let f = fixture.Force()
    let s, _, search = onFreshPoints "search-newton-known" id
    let block = (EcdPde.Runs.Stall.ofSteps s.Steps).Block

    let plain, _ = trainOnFreshPoints search s 0 search.Theta0 []

    let lower = lowerByNewton search f.Lower plain

    let _, deflated = trainOnFreshPoints search s 1 plain.Theta [ lower ]
    Assert.True(deflated.Reason.Contains NewtonStop.knownWords, deflated.Reason)
    Assert.Equal(s.Steps, deflated.Steps)
    let _, undeflated = trainOnFreshPoints search s 2 plain.Theta []
    Assert.True(undeflated.Reason.Contains NewtonStop.words, undeflated.Reason)
    Assert.Equal(block, undeflated.Steps)

/// The search deflates the solution Newton reached from a run it ended: the first ensemble on fresh points stops at
/// Newton's first check, Newton having moved its field to the lower solution (a distinctness threshold of 0.1% makes
/// it "moved"); the deflation round runs deflated by that solution too, and the stop reason says so.
let ``a solution Newton reached from an ended run is deflated`` () =
    let f = fixture.Force()
    // a distinctness threshold of 0.1% makes Newton's solution of a briefly trained field "moved", not certified
    let s, subject, search =
        onFreshPoints "search-newton-deflated" (fun s -> { s with Threshold = 1e-3 })

    let candidates, why = Search.searchAll search subject s
    let first = candidates |> List.filter (fun c -> c.Run.Round = 0)
    Assert.NotEmpty first

    for c in first do
        let stop = (search.Stopped c.Run).Value
        Assert.True(stop.Reason.Contains NewtonStop.words, stop.Reason)

    Assert.Contains(candidates, (fun c -> c.Run.Round = 1))
    Assert.Contains("found by Newton on the finite-difference problem from the fields of runs it ended", why)
    // what the deflation round was deflated from: the lower solution
    let deflatedFrom =
        match search.CertifyAt(first.Head.Theta, search.Floor) with
        | Certify.Moved(sol, _) -> Certification.onGrid subject sol
        | other -> failwithf "%A" other

    Assert.True(
        sameSolution subject.Weights search.Floor f.Settings.Threshold deflatedFrom f.Lower,
        "the lower solution"
    )

/// The Newton solution of a network field that Newton moved is a warm start's target (no network reached it), once
/// however many fields moved there, and none when another field is certified to it.
let ``a moved field's Newton solution is a warm start's target`` () =
    let f = fixture.Force()
    let lower, upper = f.Solutions[0], f.Solutions[1]

    let foundAt (i: int) : ClassicalCheck.Found =
        let c = candidate f { Round = 0; Index = i } f.Search.Theta0

        let solution: DistinctSolution =
            {
                Representative = c
                Members = [ c ]
                MaxAbs = maxAbs c.Values
                L2Norm = normL2 f.Subject.Weights c.Values
            }

        {
            Solution = solution
            Classical = ("", nan)
            Round = 0
        }

    let found = [ foundAt 0; foundAt 1 ]

    let targets certifications =
        WarmTargets.movedTargets f.Subject f.Settings f.Search.Floor found certifications
        |> List.map (fun (_, sol) -> Certification.onGrid f.Subject sol)

    Assert.Equal<float[] list>([ f.Upper ], targets [ Certify.Moved(upper, 0.5); Certify.Moved(upper, 0.4) ])

    Assert.Equal<float[] list>(
        [ f.Lower; f.Upper ],
        targets [ Certify.Moved(lower, 0.5); Certify.Moved(upper, 0.4) ]
    )

    Assert.Empty(targets [ Certify.Certified(upper, 0.01); Certify.Moved(upper, 0.5) ])
    // certification off: no certifications, no targets
    Assert.Empty(targets [])

/// A distinct solution whose least-residual member Newton moves is represented by a member Newton certifies (the next
/// in order of residual), with that member's size; one whose representative certifies keeps it.
let ``a solution is represented by a member Newton certifies`` () =
    let f = fixture.Force()
    let search = f.Search

    let moved =
        candidate f { Round = 0; Index = 0 } (Deflation.scaleOutput search.Network 5.0 search.Theta0)

    let certified =
        { f.FittedUpper with
            Run = { Round = 2; Index = 1 }
            ResidualL2 = 1.0
        }

    let solution: DistinctSolution =
        {
            Representative = moved
            Members = [ moved; certified ]
            MaxAbs = maxAbs moved.Values
            L2Norm = normL2 f.Subject.Weights moved.Values
        }

    let represented = Workflow.representedCertified search f.Subject solution
    Assert.Equal(certified.Run, represented.Representative.Run)
    Assert.Equal(maxAbs certified.Values, represented.MaxAbs)
    Assert.Equal<Candidate list>(solution.Members, represented.Members)

    let kept =
        Workflow.representedCertified
            search
            f.Subject
            { solution with
                Representative = certified
            }

    Assert.Equal(certified.Run, kept.Representative.Run)

[<Tests>]
let tests =
    testList
        "Pde.Discovery.Tests.SearchTests"
        [
            testCase
                "a field that Newton moves to a known solution is not something new"
                ``a field that Newton moves to a known solution is not something new``
            testCase
                "a certified new solution is kept when the polish slides it to a known one"
                ``a certified new solution is kept when the polish slides it to a known one``
            testCase
                "a warm start that meets the gates at its target stops at the first check"
                ``a warm start that meets the gates at its target stops at the first check``
            testCase
                "a warm start that Newton certifies at its target takes no step"
                ``a warm start that Newton certifies at its target takes no step``
            testCase
                "a run on fresh points stops once Newton converges from its field"
                ``a run on fresh points stops once Newton converges from its field``
            testCase
                "a deflated run in a known solution's basin stops at its nominal steps"
                ``a deflated run in a known solution's basin stops at its nominal steps``
            testCase
                "a solution Newton reached from an ended run is deflated"
                ``a solution Newton reached from an ended run is deflated``
            testCase
                "a classical target is observed at the nodes of its fine grid"
                ``a classical target is observed at the nodes of its fine grid``
            testCase
                "a solution is represented by a member Newton certifies"
                ``a solution is represented by a member Newton certifies``
            testCase
                "a moved field's Newton solution is a warm start's target"
                ``a moved field's Newton solution is a warm start's target``
        ]
    |> testSequencedGroup "Pde.Discovery.Tests.SearchTests"
