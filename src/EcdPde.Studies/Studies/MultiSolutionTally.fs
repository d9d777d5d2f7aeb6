/// The bookkeeping of the multi-solution study: a budget's runs through the gates and deduplication, matched to the
/// classical solutions and certified, with their costs.
module EcdPde.Studies.MultiSolutionTally

open Pde.Discovery
open Pde.Discovery.Solutions
open EcdPde.Studies.MultiSolution

/// The nearest classical solution of a field and the relative L² distance to it.
let nearest (weights: float[]) (classical: (string * float[]) list) (values: float[]) =
    classical
    |> List.map (fun (desc, v) -> desc, relativeDistance weights 1e-12 values v)
    |> List.sortBy snd
    |> List.tryHead
    |> Option.defaultValue ("no classical solution", nan)

/// The distinct classical solutions among `certified` (values on the grid): one when their L² distance is below
/// `threshold` times the largest norm among them.
let distinctCertified (weights: float[]) (threshold: float) (certified: float[] list) =
    let floor = floorOf weights 0.0 certified

    certified
    |> List.fold
        (fun (kept: float[] list) v ->
            if kept |> List.exists (sameSolution weights floor threshold v) then
                kept
            else
                kept @ [ v ])
        []
    |> List.length

/// The bookkeeping of one budget: the first `budget` candidates (in run order) through the gates and deduplication,
/// each distinct solution matched to the classical ones, the classical solutions certified from the runs' fields
/// (`certify`: the certified solution on the grid, if any), the costs of those runs summed (a run without a recorded
/// cost counts `stepsPerRun` evaluations and unknown seconds).
let tally
    (certify: Candidate -> float[] option)
    (gates: QualityGates)
    (weights: float[])
    (threshold: float)
    (matchTolerance: float)
    (classical: (string * float[]) list)
    (stepsPerRun: int64)
    (costs: Map<RunId, RunCosts.RunCost>)
    (candidates: Candidate list)
    (budget: int)
    : Row =
    let used = candidates |> List.sortBy (fun c -> c.Run) |> List.truncate budget
    let solutions, rejected = classify gates weights threshold 0.0 used
    // in the order found (classify sorts by how many runs found a solution)
    let solutions =
        solutions
        |> List.sortBy (fun s -> s.Members |> List.map (fun c -> c.Run) |> List.min)

    let near =
        solutions
        |> List.map (fun s -> nearest weights classical s.Representative.Values)

    {
        Problem = ""
        Strategy = ""
        Seed = 0
        BudgetRuns = Some budget
        BudgetSteps = Some(int64 budget * stepsPerRun)
        RunsUsed = used.Length
        Converged = used.Length - rejected.Length
        Distinct = solutions.Length
        Matched =
            near
            |> List.filter (fun (_, d) -> d <= matchTolerance)
            |> List.map fst
            |> List.distinct
        Nearest = near
        Seconds =
            used
            |> List.sumBy (fun c ->
                match costs.TryFind c.Run with
                | Some r -> r.Seconds
                | None -> nan)
        Evaluations =
            used
            |> List.sumBy (fun c ->
                match costs.TryFind c.Run with
                | Some r -> r.Evaluations
                | None -> stepsPerRun)
        Certified = used |> List.choose certify |> distinctCertified weights threshold
        CpuSeconds =
            used
            |> List.sumBy (fun c ->
                match costs.TryFind c.Run with
                | Some r -> r.CpuSeconds
                | None -> nan)
    }
