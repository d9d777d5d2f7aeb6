/// One discovery in progress: the problem compiled once for its runs (network, θ₀, discretization, measurement, the
/// gates' reference), how every run started and stopped, and its ensembles (the bounce ensemble, deflated rounds, the
/// polish); the rounds themselves are in Search.
namespace Pde.Discovery

open System
open System.IO
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Ecd.Core.Randomness
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery.Solutions
open Pde.Discovery.Subject

/// A training step's progress.
type TrainingProgress =
    {
        Round: int
        Ensemble: Ensemble.EnsembleProgress
        /// What the search is doing beyond its rounds ("" normally; e.g. the network it grew to, see Capacity).
        Note: string
    }

/// Progress (for a live display): a training step, or a stage of the judgement between trainings (the gates' review,
/// certification, the classical completion, warm starts' fits), in words, as it starts.
type DiscoveryProgress =
    | Training of TrainingProgress
    | Judging of string

/// One discovery in progress: the problem compiled once (network, θ₀, discretization, measurement) and how every run
/// started (for solutions.json).
type DiscoverySearch(example: Subject, s: DiscoverySettings, progress: DiscoveryProgress -> unit) =
    let cores =
        if s.Threads <= 0 then
            Environment.ProcessorCount
        else
            s.Threads

    let spec = Objective.spec example.Problem example.Architecture
    let network = Objective.network<float> spec s.Seed
    let theta0 = Objective.start network example.Problem s.Seed
    let discretization = Discretize.run example.Points example.Problem
    let check = boundaryCheck example
    let gridPoints = example.Grid |> Array.collect id
    let reference = reference example spec s.Seed theta0
    let measure = measure example spec s.Seed check reference
    let starts = Collections.Generic.Dictionary<RunId, string>()
    let stops = Collections.Generic.Dictionary<RunId, RunResultFile.RunStop>()
    let beforePolish = ResizeArray<Candidate>()
    let rescued = Collections.Generic.Dictionary<RunId, float>()

    // one solve per θ, solved once even when asked from parallel runs at once, different θs side by side
    let solves =
        Collections.Concurrent.ConcurrentDictionary<string, Lazy<Result<Certify.Solve, Certify.SolveFailure>>>()

    /// The deflated loss of run i on its own pool (the factor over `deflate`, values on the grid), as the potential
    /// its optimizer minimizes: the loss of the subject's problem, or of `problemOf i` when given.
    let objective
        (engineThreads: int)
        (deflate: float[] list)
        (potential: Deflation.Potential)
        (problemOf: (int -> Pde.FSharp.Problems.Problem) option)
        (i: int)
        : IObjective<float> =
        let discretization =
            match problemOf with
            | Some p -> Discretize.run example.Points (p i)
            | None -> discretization

        let pool = new WorkerPool(engineThreads)

        let loss =
            Objective.lossOn s.Backend discretization network example.WeightDecay (Some pool)

        let deflated =
            new Deflation.DeflatedObjective(loss, network, gridPoints, deflate, 2.0, 1.0, Some pool)

        let minimized: IObjective<float> =
            match potential with
            | Deflation.DeflatedLoss -> deflated
            | Deflation.Compressed scale -> Deflation.CompressedObjective(deflated, scale)

        // fresh points every few steps when the rule says so (Resampling; the run's optimizer decides whether it uses them)
        match example.Points.ResampleEvery with
        | Some every ->
            new Resampling.ResampledObjective(
                minimized,
                loss,
                discretization,
                every,
                [ deflated; loss; pool ]
            )
            :> IObjective<float>
        | None -> new OwnedObjective(minimized, [ deflated; loss; pool ])

    /// The plain loss at θ.
    let plainLossAt (theta: float[]) =
        let f = objective 1 [] Deflation.DeflatedLoss None 0
        let l = f.Evaluate(ReadOnlySpan theta, Span(Array.zeroCreate theta.Length))

        match box f with
        | :? IDisposable as d -> d.Dispose()
        | _ -> ()

        l

    /// The plain loss at the shared initialization (the scale the first ensemble starts from).
    let plainScale = lazy (plainLossAt theta0)

    /// Cores used (all when the settings say 0).
    member _.Cores = cores
    member _.Theta0 = theta0
    member _.Network = network
    member _.Spec = spec
    member _.Reference = reference
    member _.Discretization = discretization

    /// The compiled problem this search runs on.
    member _.Subject = example

    /// The plain loss at the shared initialization θ₀ (the scale of BBI's compressed potential in deflated rounds).
    member _.PlainScale = plainScale.Force()

    /// The model of trained weights θ.
    member _.Model(theta: float[]) = model example spec s.Seed theta

    /// Whether a candidate's weights are this search's network's (a run of an earlier, smaller attempt's network, or a
    /// result file written before weights were kept, has others): only those can be measured, solved or polished here.
    member _.Keeps(c: Candidate) = c.Theta.Length = theta0.Length

    /// Says what the judgement starts doing (a progress line).
    member _.Judging(what: string) = progress (Judging what)

    /// How run `id` started.
    member _.Started(id: RunId) =
        match starts.TryGetValue id with
        | true, d -> d
        | _ -> "unknown"

    /// Records how run `id` started.
    member _.Start(id: RunId, description: string) = starts[id] <- description

    /// How training run `id` ended (None for runs of this search not made yet, and for polish runs).
    member _.Stopped(id: RunId) =
        match stops.TryGetValue id with
        | true, stop -> Some stop
        | _ -> None

    /// The fields' root mean square on the grid for weights θ (the size of a network's output).
    member _.Rms(theta: float[]) = sizeOf example spec s.Seed theta

    /// The deflated runs' fields before their polish (seeds of the certification's near-miss check).
    member _.BeforePolish = List.ofSeq beforePolish

    /// Records deflated runs before their polish.
    member _.KeepBeforePolish(cs: Candidate list) = beforePolish.AddRange cs

    /// Newton on the finite-difference problem from the field of weights θ (certification on, weights of this
    /// search's network), solved once per θ for the whole search — the review of the gates, the certification of
    /// the solutions, the near-miss check — and judged against each one's distance floor (`CertifyAt`).
    member _.Solve(theta: float[]) =
        let key = EcdPde.Runs.Checkpoint.hashOf theta

        solves
            .GetOrAdd(
                key,
                fun _ ->
                    lazy
                        (Certification.solveNetwork
                            example
                            spec
                            s.Seed
                            (Certification.options example reference.FieldFloor)
                            theta)
            )
            .Force()

    /// The one distance floor of the classical judgements (the review's rescue, the certification of the solutions,
    /// the near-miss check, the classical completion's distinctness): the reference's (the threshold times the L²
    /// norm of a unit-RMS field, the scale the network and the gates work at), so that a field is judged against its
    /// own size and its Newton solution's (`Certify.judge`), never against the largest solution's — which merged
    /// small distinct solutions with u = 0 (Allen–Cahn ε = 0.1: max |u| 0.16, L² 0.05 < 0.1 × 0.69).
    member _.Floor = reference.FieldFloor

    /// Whether two fields on the grid are one solution by the one floor's rule (`Floor`, as `Certify.judge`): relative
    /// L² distance below the threshold, over max(‖a‖, ‖b‖, the floor).
    member _.Same(a: float[], b: float[]) =
        sameSolution example.Weights reference.FieldFloor example.Threshold a b

    /// Whether runs of `optimizer` train on fresh points every step, so that their stall rule waits for the loss to
    /// stop falling (`Stall.UntilFlat`): the subject draws fresh points and the optimizer follows a moving loss.
    member _.OnFreshPoints(optimizer: string) =
        example.Points.ResampleEvery.IsSome && Resampling.tolerates optimizer

    /// The certification of weights θ with the distance floor `floor` (Certification.options), from the one solve.
    member this.CertifyAt(theta: float[], floor: float) =
        if theta.Length <> theta0.Length then
            Certify.NotCertified "the run's weights were not kept (a folder written by an older version)"
        else
            match this.Solve theta with
            | Ok solved -> Certify.judge (Certification.options example floor) solved
            | Error failure -> Certify.NotCertified failure.Reason

    /// The classical solve's say on the gates' verdict of a run (certification on, its weights kept): a run that
    /// failed a gate is a solution all the same when Newton from its field converges within the distinctness
    /// threshold of it (the gates are a first filter; the classical solve is the judge); a run that passed them is
    /// not one when Newton from its field does not converge at all (no solution near it: e.g. Bratu beyond its fold,
    /// where a network still fits the equation to 0.4% of its scale). Unsupported problems keep the gates' verdict.
    member this.Review (c: Candidate) (verdict: GateVerdict) =
        if not s.Certify || not (this.Keeps c) then
            verdict
        else
            match verdict with
            | Accepted ->
                match this.Solve c.Theta with
                | Error(Certify.NotConverged reason) ->
                    Unconverged(
                        sprintf
                            "passed the gates, but Newton on the finite-difference problem does not converge from its field, so no solution is near it (%s)"
                            reason
                    )
                | _ -> Accepted
            | Unconverged _ ->
                match this.CertifyAt(c.Theta, this.Floor) with
                | Certify.Certified(_, d) ->
                    lock rescued (fun () -> rescued[c.Run] <- d)
                    Accepted
                | _ -> verdict

    /// Newton from the fields of `candidates` (their weights kept; certification on), side by side on the search's
    /// cores: the solves are independent, each cached for the whole search (`Solve`).
    member this.SolveAll(candidates: Candidate list) =
        if s.Certify then
            Threading.Tasks.Parallel.ForEach(
                candidates |> List.filter this.Keeps,
                Threading.Tasks.ParallelOptions(MaxDegreeOfParallelism = cores),
                fun (c: Candidate) -> this.Solve c.Theta |> ignore
            )
            |> ignore

    /// The gates and the deduplication of `candidates` with the classical solve's say (`Review`; its solves first,
    /// side by side): the distinct solutions and the runs that were not solutions, with why.
    member this.Classify(candidates: Candidate list) =
        this.SolveAll candidates

        classifyWith
            this.Review
            example.Gates
            example.Weights
            example.Threshold
            reference.FieldFloor
            candidates

    /// The runs accepted by certification after failing a gate, with the network ↔ classical distance.
    member _.Rescued =
        lock rescued (fun () -> [ for KeyValue(run, d) in rescued -> run, d ])
        |> List.sortBy fst

    /// One ensemble of `runs` runs from `start i` on the objectives `objectiveOn` makes (given the engine threads
    /// of one run and its index), in `dir`, for `steps` nominal steps under `budget` (a run also stops once it passes the gates
    /// away from the `known` fields, or — at any block end of the stall rule — once `reached i` says run i's
    /// measured field is done): the candidates with how their runs ended.
    member this.EnsembleOn
        (
            round: int,
            dir: string,
            runs: int,
            start: int -> float[],
            objectiveOn: int -> int -> IObjective<float>,
            known: float[] list,
            steps: int64,
            optimizer: string * (string * string) list,
            budget: RunBudget,
            ?reached: int -> int64 -> Ensemble.FieldMeasurement -> string option
        ) =
        let optimizerName, optimizerSettings = optimizer
        let atOnce = max 1 (min runs cores)

        let problem: Ensemble.EnsembleProblem =
            {
                Name = example.Name
                Parameters = example.Parameters
                InitialTheta = start
                Objective = objectiveOn (max 1 (cores / atOnce))
                Measure = measure
                Weights = example.Weights
                Converged = fun theta -> gatesMet example reference known (measure theta)
                Reached =
                    match reached with
                    | Some r -> fun i steps theta -> r i steps (measure theta)
                    | None -> fun _ _ _ -> None
            }

        let settings: Ensemble.EnsembleSettings =
            {
                Runs = runs
                Steps =
                    match budget with
                    | FixedSteps -> steps
                    | UntilStall factor -> int64 (ceil (factor * float steps))
                Optimizer = optimizerName
                Settings = optimizerSettings
                Seed = Xoshiro256.DeriveSeed(s.Seed, uint64 (round + 1))
                Parallel = atOnce
                Round = round
                OutDir = Path.Combine(DiscoverySettings.outDir s, dir)
                CheckpointEvery = 1000L
                Executor = s.Executor
                Stall =
                    match budget with
                    | FixedSteps -> None
                    | UntilStall _ ->
                        // on fresh points every step the loss estimates the residual between points too (Resampling):
                        // a run meeting the gates trains on while it still falls
                        Some
                            { EcdPde.Runs.Stall.ofSteps steps with
                                UntilFlat = this.OnFreshPoints optimizerName
                            }
            }

        Ensemble.runWithStops problem settings (fun p ->
            progress (
                Training
                    {
                        Round = round
                        Ensemble = p
                        Note = ""
                    }
            ))

    /// One ensemble: `runs` runs from `start i`, on the loss deflated by `deflate` (values on the grid) — the
    /// subject's problem's, or run i's own `problemOf i` —, in `dir`, under the settings' budget — training runs,
    /// whose ends `Stopped` tells — or under `budget` (the polish); run i also stops where `reached i` says its
    /// measured field is done.
    member this.Ensemble
        (
            round: int,
            dir: string,
            runs: int,
            start: int -> float[],
            deflate: float[] list,
            steps: int64,
            optimizer: string * (string * string) list,
            ?budget: RunBudget,
            ?potential: Deflation.Potential,
            ?reached: int -> int64 -> Ensemble.FieldMeasurement -> string option,
            ?problemOf: int -> Pde.FSharp.Problems.Problem
        ) =
        let potential = defaultArg potential Deflation.DeflatedLoss

        let ended =
            this.EnsembleOn(
                round,
                dir,
                runs,
                start,
                (fun threads -> objective threads deflate potential problemOf),
                deflate,
                steps,
                optimizer,
                defaultArg budget s.Budget,
                defaultArg reached (fun _ _ _ -> None)
            )

        if budget.IsNone then
            for c, stop in ended do
                stops[c.Run] <- stop

        ended |> List.map fst

    /// A fresh initialization for run i of a round (seeded).
    member _.Fresh(round: int, i: int) =
        Objective.start
            network
            example.Problem
            (Xoshiro256.DeriveSeed(s.Seed, 7919UL * uint64 (round + 1) + uint64 i))

    /// The start of run i of a round without deflation: the shared initialization or its own.
    member this.Initial (round: int) (i: int) =
        match s.Initialization with
        | Shared -> theta0
        | PerRun -> this.Fresh(round, i)
