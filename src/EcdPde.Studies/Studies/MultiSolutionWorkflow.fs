/// The workflows of the multi-solution study: the discovery settings of a PINN strategy, the examples at the study's
/// size, and the certification of their runs.
module EcdPde.Studies.MultiSolutionWorkflow

open System.Collections.Concurrent
open Pde.Discovery
open EcdPde.Studies.PdeProblem
open Pde.Discovery.Solutions
open EcdPde.Studies.MultiSolution

/// The workflow settings of a PINN strategy at the largest budget.
let workflowSettings
    (e: Example)
    (st: Strategy)
    (maxBudget: int)
    (steps: int64)
    (seed: int)
    (dir: string)
    : DiscoverySettings =
    let common: DiscoverySettings =
        { e.Settings with
            Runs = maxBudget
            Steps = steps
            DeflationSteps = steps
            PolishOptimizer = DiscoverySettings.polishOptimizer
            Seed = uint64 seed
            Initialization = Shared
            Threads = 1
            OutDir = Some dir
            DeflationRounds = 0
            Threshold = 0.1
            Executor = EcdPde.Runs.TaskBatch.inProcess
            // the study's budgets are fixed per strategy: no stall stop, no growth, no warm starts
            Budget = FixedSteps
            CapacityGrowths = 0
            WarmStarts = false
        }

    // the study gives every run its budget of steps: the bounce and restart runs are not polished after it (discovery
    // polishes every run; here the polish belongs to the deflation strategy only, as it was measured)
    match st with
    | Bounces -> { common with PolishSteps = 0L }
    | BouncesDeflation ->
        { common with
            Runs = 1
            DeflationRounds = maxBudget - 1
        }
    | Restarts(optimizer, settings) ->
        { common with
            Optimizer = optimizer
            OptimizerSettings =
                if settings.IsEmpty && optimizer = e.Settings.Optimizer then
                    e.Settings.OptimizerSettings
                else
                    settings
            Initialization = PerRun
            PolishSteps = 0L
        }
    | Deflated(optimizer, settings) ->
        // the example's own bounce ensemble and deflation rounds; certified by the study (every run), not during the
        // search, so that no strategy pays for the classical completion
        { common with
            Runs = e.Settings.Runs
            DeflationRounds = e.Settings.DeflationRounds
            DeflationOptimizer = optimizer
            DeflationOptimizerSettings = settings
            Certify = false
        }
    | ClassicalNewton _ -> invalidArg "strategy" "the classical strategy is not a workflow"

/// An example at the study's size (tanh network, points and grid), or its own.
let resized (size: StudySize option) (e: Example) =
    match size with
    | None -> e
    | Some z ->
        PdeProblem.compileExample (
            e.Problem,
            { e.Settings with
                Network = Pde.FSharp.Training.Architecture.mlp z.Hidden Ecd.Core.Engine.Activation.Tanh
                InteriorPoints = z.InteriorPoints
                BoundaryPoints = z.BoundaryPoints
                GridPoints = z.GridPoints
                DeflationRuns =
                    z.DeflationRuns
                    |> Option.fold (fun runs cap -> min runs cap) e.Settings.DeflationRuns
            }
        )

/// Certifies runs of a workflow of `e` with network seed `seed`: Newton on the finite-difference problem from the run's
/// field (the discovery's certification options; distance floor the largest classical solution's norm, at least the
/// reference's); the classical solution on the grid when it converged within the distinctness threshold of the
/// field. Memoized per run (every budget asks again).
let certifier (e: Example) (classical: (string * float[]) list) (seed: int) =
    let spec = Pde.FSharp.Training.Objective.spec e.Problem e.Subject.Architecture
    let network = Pde.FSharp.Training.Objective.network<float> spec (uint64 seed)
    let theta0 = Pde.FSharp.Training.Objective.start network e.Problem (uint64 seed)
    let reference = Pde.Discovery.Subject.reference e.Subject spec (uint64 seed) theta0
    let floor = floorOf e.Weights reference.FieldFloor (classical |> List.map snd)
    let options = Certification.options e.Subject floor
    let known = ConcurrentDictionary<RunId, float[] option>()

    fun (c: Candidate) ->
        if c.Theta.Length <> theta0.Length then
            None
        else
            known.GetOrAdd(
                c.Run,
                fun _ ->
                    match Certification.ofNetwork e.Subject spec (uint64 seed) options c.Theta with
                    | Pde.FSharp.Classical.Certify.Certified(s, _) -> Some(Certification.onGrid e.Subject s)
                    | _ -> None
            )
