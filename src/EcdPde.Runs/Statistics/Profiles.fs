/// Benchmarking profiles across problems: performance profiles (Dolan & Moré 2002) and data profiles
/// (Moré & Wild 2009). Costs are per (problem, solver); a failed solver has cost +∞.
module EcdPde.Runs.Statistics.Profiles

open System

/// ρ_s(τ): the fraction of problems on which solver s is within a factor τ of the best solver,
/// for each solver (columns of `costs`, rows are problems) and each τ ≥ 1.
let performance (costs: float[][]) (taus: float[]) =
    if costs.Length = 0 then
        invalidArg "costs" "need at least one problem"

    let solvers = costs[0].Length

    if costs |> Array.exists (fun row -> row.Length <> solvers) then
        invalidArg "costs" "every problem needs a cost for every solver"

    if costs |> Array.exists (Array.exists (fun c -> Double.IsNaN c || c <= 0.0)) then
        invalidArg "costs" "costs must be > 0 (use +∞ for a failure)"

    let ratios =
        costs
        |> Array.map (fun row ->
            let best = Array.min row
            row |> Array.map (fun c -> if Double.IsFinite best then c / best else infinity))

    Array.init solvers (fun s ->
        taus
        |> Array.map (fun tau ->
            float (ratios |> Array.filter (fun r -> r[s] <= tau) |> Array.length)
            / float costs.Length))

/// d_s(κ): the fraction of problems solver s solves within κ simplex gradients, i.e. evaluations/(n_p + 1) ≤ κ,
/// where `evaluations[p][s]` is the cost to reach the tolerance (+∞ if never) and `dimensions[p]` is n_p.
let data (evaluations: float[][]) (dimensions: int[]) (kappas: float[]) =
    if evaluations.Length <> dimensions.Length then
        invalidArg "dimensions" "one dimension per problem"

    let solvers = if evaluations.Length = 0 then 0 else evaluations[0].Length

    Array.init solvers (fun s ->
        kappas
        |> Array.map (fun k ->
            let solved =
                evaluations
                |> Array.mapi (fun p row -> row[s] / float (dimensions[p] + 1) <= k)
                |> Array.filter id
                |> Array.length

            float solved / float evaluations.Length))
