/// One parameter value of a deflated continuation (Farrell, Beentjes & Birkisson's deflated continuation, as in
/// defcon, on networks): every known branch is continued by training a network warm-started from its weights at the
/// previous value; each point is certified classically (Newton from the network's field, else from the previous
/// point's classical solution); a branch whose point fails to certify or merges into another ends here; then deflated
/// runs from the previous value's networks, deflating every continued branch, pick up branches that appear.
module Pde.Discovery.ContinuationStep

open System.IO
open Pde.FSharp.Classical
open Pde.Discovery.Solutions
open Pde.Discovery.Subject
open Pde.Discovery.Search

/// A branch alive at a parameter value: its number, its network there, and its classical solution (the warm start
/// of the next value's classical Newton; None after a resume).
[<NoEquality; NoComparison>]
type Branch =
    {
        Number: int
        Point: Candidate
        Classical: Certify.ClassicalSolution option
    }

/// A point of a branch at one value, before it is written: the run, its folder, whether it lives on, and why.
[<NoEquality; NoComparison>]
type Point =
    {
        Number: int
        Candidate: Candidate
        Folder: string
        Certification: Certify.Certification option
        /// "continued", "found" or "ended".
        Status: string
        Reason: string
    }

/// Whether a point lives on (continued or found here).
let alive (p: Point) = p.Status <> "ended"

/// Runs from `starts` (trained with the deflation optimizer for DeflationSteps on the loss deflated by `deflate`,
/// then polished on the plain loss when PolishSteps > 0), in the round folder `dir`: each run's candidate and folder.
let private trained
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (round: int)
    (starts: float[][])
    (deflate: float[] list)
    =
    let dir = RunFolders.roundFolder round
    let root = DiscoverySettings.outDir s

    let raw =
        search.Ensemble(
            round,
            dir,
            starts.Length,
            (fun i -> starts[i]),
            deflate,
            s.DeflationSteps,
            (s.DeflationOptimizer, s.DeflationOptimizerSettings)
        )

    if s.PolishSteps > 0L then
        let byIndex = Array.ofList raw

        search.Ensemble(
            round,
            Path.Combine(dir, "polish"),
            byIndex.Length,
            (fun i -> byIndex[i].Theta),
            [],
            s.PolishSteps,
            s.PolishOptimizer
        )
        |> List.map (fun c -> c, RunFolders.polishFolder root c.Run)
    else
        raw
        |> List.map (fun c -> c, RunFolders.runFolder (Path.Combine(root, dir)) c.Run.Index)

/// Certifies a network point: Newton from its field; when that does not certify it, Newton from the previous
/// point's classical solution, certified when it converges within the distinctness threshold of the network's
/// field. The certification and how it was reached.
let certify
    (subject: Subject)
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (floor: float)
    (previous: Certify.ClassicalSolution option)
    (c: Candidate)
    =
    let options = Certification.options subject floor

    let fromField = Certification.ofNetwork subject search.Spec s.Seed options c.Theta

    match fromField, previous with
    | Certify.Certified _, _
    | _, None -> fromField, "Newton from the network's field"
    | _, Some prev ->
        match Certify.certify subject.Problem options prev.Values with
        | Certify.Certified(sol, _)
        | Certify.Moved(sol, _) ->
            let d =
                relativeDistance subject.Weights floor (Certification.onGrid subject sol) c.Values

            if d <= s.Threshold then
                Certify.Certified(sol, d), "Newton from the previous point's classical solution"
            else
                fromField, "Newton from the network's field"
        | Certify.NotCertified _ -> fromField, "Newton from the network's field"

/// Whether a point is a solution: certified when certification is on, else through the gates; the reason when not.
let private verdict (gates: QualityGates) (c: Candidate) (cert: Certify.Certification option) =
    match cert with
    | Some(Certify.Certified _) -> None
    | Some(Certify.Moved(_, d)) ->
        Some(sprintf "not certified: Newton from its field converged to another solution, %.2g away" d)
    | Some(Certify.NotCertified reason) -> Some("not certified: " + reason)
    | None ->
        match judge gates c with
        | Accepted -> None
        | Unconverged reason -> Some("failed the gates: " + reason)

/// Whether a run (its field and certification) is the solution of point `p`: their fields within the threshold, or
/// both certified to classical solutions within the threshold of each other (two networks far from exact can differ
/// by more than the threshold and still be one solution, as Newton from both shows).
let private sameAs
    (subject: Subject)
    (s: DiscoverySettings)
    (floor: float)
    (p: Point)
    (c: Candidate)
    (cert: Certify.Certification option)
    =
    let near = sameSolution subject.Weights floor s.Threshold

    near p.Candidate.Values c.Values
    || (match p.Certification, cert with
        | Some(Certify.Certified(a, _)), Some(Certify.Certified(b, _)) ->
            near (Certification.onGrid subject a) (Certification.onGrid subject b)
        | _ -> false)

/// The continued points of `branches` (in branch order), each certified (when asked): a point that is the solution of
/// an earlier living one (`sameAs`) has merged into it; the others end when they are not solutions.
let private judgeContinued
    (subject: Subject)
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (floor: float)
    (runs: (Branch * (Candidate * string)) list)
    =
    runs
    |> List.fold
        (fun (points: Point list) (b, (c, folder)) ->
            let cert, how =
                if s.Certify then
                    let cert, how = certify subject search s floor b.Classical c
                    Some cert, how
                else
                    None, "the gates (certification off)"

            let mergedInto =
                points
                |> List.filter alive
                |> List.tryFind (fun p -> sameAs subject s floor p c cert)

            let point status reason =
                {
                    Number = b.Number
                    Candidate = c
                    Folder = folder
                    Certification = cert
                    Status = status
                    Reason = reason
                }

            match mergedInto, verdict subject.Gates c cert with
            | Some p, _ ->
                let d = relativeDistance subject.Weights floor p.Candidate.Values c.Values

                let why =
                    sprintf "merged into branch %d (relative L² distance of the networks %.2g)" p.Number d

                points @ [ point "ended" why ]
            | None, None -> points @ [ point "continued" ("warm-started from the previous value; " + how) ]
            | None, Some why -> points @ [ point "ended" why ])
        []

/// The runs of a deflation round that are solutions distinct from every `living` point (and from each other),
/// certified when asked: a run from the previous network of a branch that merged here (`merged`: run index → branch)
/// continues that branch; any other starts a new branch, numbered from `number` on.
let private newPoints
    (subject: Subject)
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (round: int)
    (merged: Map<int, int>)
    (living: Point list)
    (number: int)
    (runs: (Candidate * string) list)
    =
    runs
    |> List.fold
        (fun (acc: Point list) (c, folder) ->
            let known = living @ acc

            let floor =
                floorOf subject.Weights search.Reference.FieldFloor (known |> List.map _.Candidate.Values)

            let cert =
                if s.Certify then
                    Some(fst (certify subject search s floor None c))
                else
                    None

            let isNew = known |> List.forall (fun p -> not (sameAs subject s floor p c cert))

            if not isNew || (verdict subject.Gates c cert).IsSome then
                acc
            else
                let revived =
                    merged.TryFind c.Run.Index
                    |> Option.filter (fun n -> known |> List.forall (fun p -> p.Number <> n))

                let fresh = acc |> List.filter (fun p -> p.Status = "found") |> List.length

                acc
                @ [
                    {
                        Number = defaultArg revived (number + fresh)
                        Candidate = c
                        Folder = folder
                        Certification = cert
                        Status = if revived.IsSome then "continued" else "found"
                        Reason =
                            match revived with
                            | Some _ ->
                                sprintf
                                    "deflated continuation (round %d, run %d): from its network at the previous value, deflating the branches that had absorbed it"
                                    round
                                    c.Run.Index
                            | None ->
                                sprintf "a deflated run (round %d, run %d) at this value" round c.Run.Index
                    }
                ])
        []

/// Deflated rounds at this value: runs from the previous value's networks (and fresh initializations up to
/// DeflationRuns), on the loss deflated by every living branch, until a round finds nothing new or DeflationRounds
/// ran; a run that is a solution distinct from every living branch continues the branch whose network it started
/// from when that branch merged here (`merged`), else it starts a new branch. The living points after the rounds.
let private deflatedRounds
    (subject: Subject)
    (search: DiscoverySearch)
    (s: DiscoverySettings)
    (previous: float[][])
    (merged: Map<int, int>)
    (living: Point list)
    (nextNumber: int)
    =
    let rec deflationRound (r: int) (living: Point list) (number: int) =
        if r > s.DeflationRounds || living.IsEmpty then
            living
        else
            let count = max s.DeflationRuns previous.Length

            let starts =
                Array.init count (fun i ->
                    if i < previous.Length then
                        previous[i]
                    else
                        search.Fresh(r, i))

            let runs = trained search s r starts (living |> List.map _.Candidate.Values)
            let found = newPoints subject search s r merged living number runs

            if found.IsEmpty then
                living
            else
                let fresh = found |> List.filter (fun p -> p.Status = "found") |> List.length
                deflationRound (r + 1) (living @ found) (number + fresh)

    deflationRound 1 living nextNumber

/// Branch identity by nearness: a living point and a previous branch that are each other's nearest (relative L² on
/// the grid, the fields at the previous value against those here) are one branch — a warm-started network can jump to
/// another branch, and a deflated run can pick up the branch it left. A living point whose number another point took
/// this way gets a fresh number (from `nextNumber` on, above every number in use) and counts as found here.
let private relabel
    (subject: Subject)
    (floor: float)
    (branches: Branch list)
    (living: Point list)
    (nextNumber: int)
    =
    let distance (b: Branch) (p: Point) =
        relativeDistance subject.Weights floor b.Point.Values p.Candidate.Values

    let matched =
        if living.IsEmpty then
            Map.empty
        else
            [
                for b in branches do
                    let p = living |> List.minBy (distance b)

                    if (branches |> List.minBy (fun b' -> distance b' p)).Number = b.Number then
                        yield p.Number, b.Number
            ]
            |> Map.ofList

    let taken = set matched.Values

    living
    |> List.fold
        (fun (acc: Point list, next: int) p ->
            match matched.TryFind p.Number with
            | Some b when b = p.Number -> acc @ [ p ], next
            | Some b ->
                let why =
                    sprintf "; nearest to branch %d at the previous value, so it continues that branch" b

                acc
                @ [
                    { p with
                        Number = b
                        Status = "continued"
                        Reason = p.Reason + why
                    }
                ],
                next
            | None when taken.Contains p.Number ->
                let why =
                    "; its own branch is continued by a nearer point, so it starts a new branch"

                acc
                @ [
                    { p with
                        Number = next
                        Status = "found"
                        Reason = p.Reason + why
                    }
                ],
                next + 1
            | None -> acc @ [ p ], next)
        ([], max nextNumber (1 + (living |> List.fold (fun m p -> max m p.Number) 0)))
    |> fst

/// Continues `branches` to the subject's parameter value: the points of every branch (living or ended here) and the
/// new branches (numbered from `nextNumber` on), in branch order.
let run
    (subject: Subject)
    (s: DiscoverySettings)
    (progress: DiscoveryProgress -> unit)
    (nextNumber: int)
    (branches: Branch list)
    =
    let search = DiscoverySearch(subject, s, progress)

    for b in branches do
        if b.Point.Theta.Length <> search.Theta0.Length then
            invalidArg
                "branches"
                (sprintf
                    "branch %d has %d weights, the network at this value %d: the network must not change along the path"
                    b.Number
                    b.Point.Theta.Length
                    search.Theta0.Length)

    let starts = branches |> List.map _.Point.Theta |> Array.ofList
    let runs = trained search s 0 starts []

    let floor =
        floorOf subject.Weights search.Reference.FieldFloor (runs |> List.map (fun (c, _) -> c.Values))

    let points = judgeContinued subject search s floor (List.zip branches runs)

    // branches that merged into another here: a deflated run from their previous network may continue them
    let merged =
        points
        |> List.indexed
        |> List.filter (fun (_, p) -> p.Status = "ended" && p.Reason.StartsWith "merged")
        |> List.map (fun (i, p) -> i, p.Number)
        |> Map.ofList

    let living =
        deflatedRounds subject search s starts merged (List.filter alive points) nextNumber

    let living = relabel subject floor branches living nextNumber

    let ended =
        points
        |> List.filter (fun p -> not (alive p) && living |> List.forall (fun l -> l.Number <> p.Number))

    living @ ended |> List.sortBy _.Number
