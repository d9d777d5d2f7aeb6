/// The deflation-strategy comparison, a multi-solution study whose strategies differ only in the optimizer of the
/// deflated rounds (deflated Adam, ECDSep without and with γ-damped generalized bounces, BBI with bounces), every one
/// after the same bounce ensemble (round 0, computed once per problem and seed), on every built-in problem at a reduced
/// size; counted as certified distinct solutions per seed, with Wilson intervals and the compute per certified solution.
module EcdPde.Studies.DeflationComparison

open System
open EcdPde.Studies.MultiSolution

/// The strategies: the deflated rounds' optimizer, its settings completed by `Deflation.optimizerSettings` (Δt =
/// 1e-3·√dimension, η 1, δE 1, F0 = v0 = 0; BBI with the first ensemble's bounce schedule and the compressed
/// potential); ECDSep's generalized bounces ν = 1e-3 damped by γ = 1 near the minimum.
let strategies =
    [
        {
            Label = "deflated-adam"
            Strategy = Deflated("adam", [ "lr", "0.001" ])
        }
        {
            Label = "deflated-ecdsep"
            Strategy = Deflated("ecdsep", [ "nu", "0" ])
        }
        {
            Label = "deflated-ecdsep-bounces"
            Strategy = Deflated("ecdsep", [ "nu", "0.001"; "gamma", "1" ])
        }
        {
            Label = "deflated-bbi"
            Strategy = Deflated("bbi", [])
        }
    ]

/// The comparison's settings: paper-pde (k = 2), Bratu (λ = 6), Allen–Cahn (ε = 0.15) with a tanh 16-16 network, 400
/// interior and 80 points per boundary condition, a 1000-point grid, 2000 steps per run, at most 2 runs per deflation
/// round (Allen–Cahn's 4 would have doubled the study on a machine shared by six sessions), ten seeds; every example
/// keeps its own round 0 (runs, optimizer, polish) and its number of deflation rounds.
let settings: MultiSolutionSettings =
    {
        Name = "deflation-strategies"
        Problems =
            [
                {
                    Function = "pde:paper-pde:k=2"
                    StepsPerRun = 2000L
                }
                {
                    Function = "pde:bratu:lambda=6"
                    StepsPerRun = 2000L
                }
                {
                    Function = "pde:allen-cahn:epsilon=0.15"
                    StepsPerRun = 2000L
                }
            ]
        Strategies = strategies
        // the Deflated strategies count all their runs; the budget levels do not apply
        Budgets = [ 1 ]
        Seeds = 10
        Threshold = 0.1
        MatchTolerance = 0.1
        Size =
            Some
                {
                    Hidden = [ 16; 16 ]
                    InteriorPoints = 400
                    BoundaryPoints = 80
                    GridPoints = 1000
                    DeflationRuns = Some 2
                }
    }

/// One line of the comparison: a strategy on a problem over the seeds.
type Line =
    {
        Problem: string
        Strategy: string
        Seeds: int
        /// Seeds whose runs certified every known solution of the problem.
        Successes: int
        /// 95% Wilson interval of the success rate.
        Interval: float * float
        /// Certified distinct solutions, mean over the seeds.
        MeanCertified: float
        /// Training steps (gradient evaluations, the polish included) per certified solution, over all seeds.
        StepsPerCertified: float
        /// CPU seconds per certified solution, over all seeds.
        CpuPerCertified: float
    }

/// The lines of `rows` (one per problem and strategy, in row order); `known` gives the number of known (classical)
/// solutions of each problem, which a successful seed certifies.
let lines (known: (string * int) list) (rows: Row list) : Line list =
    rows
    |> List.filter (fun r -> r.BudgetRuns.IsSome)
    |> List.groupBy (fun r -> r.Problem, r.Strategy)
    |> List.map (fun ((problem, strategy), rs) ->
        let need =
            known
            |> List.tryFind (fun (p, _) -> p = problem)
            |> Option.map snd
            |> Option.defaultValue Int32.MaxValue

        let successes = rs |> List.filter (fun r -> r.Certified >= need) |> List.length
        let certified = rs |> List.sumBy (fun r -> r.Certified) |> float

        let per (total: float) =
            if certified > 0.0 then total / certified else nan

        {
            Problem = problem
            Strategy = strategy
            Seeds = rs.Length
            Successes = successes
            Interval = EcdPde.Runs.Statistics.Proportion.wilson successes rs.Length
            MeanCertified = certified / float rs.Length
            StepsPerCertified = per (rs |> List.sumBy (fun r -> float r.Evaluations))
            CpuPerCertified = per (rs |> List.sumBy (fun r -> r.CpuSeconds))
        })

/// The comparison as a table: headers and one row of text per line.
let table (ls: Line list) =
    let g (x: float) =
        if Double.IsNaN x then
            "–"
        else
            x.ToString("G4", Globalization.CultureInfo.InvariantCulture)

    [
        "problem"
        "strategy"
        "all certified / seeds"
        "95% Wilson"
        "certified (mean)"
        "steps / certified"
        "CPU s / certified"
    ],
    ls
    |> List.map (fun l ->
        [
            l.Problem
            l.Strategy
            sprintf "%d/%d" l.Successes l.Seeds
            sprintf "[%.2f, %.2f]" (fst l.Interval) (snd l.Interval)
            g l.MeanCertified
            g l.StepsPerCertified
            g l.CpuPerCertified
        ])
