/// run-costs.json: the measured cost (seconds, gradient evaluations) of every run of a multi-solution strategy's
/// workflow, kept across reruns, and the measuring workflow runner that writes it.
module EcdPde.Studies.RunCosts

open System.Diagnostics
open System.IO
open Pde.Discovery
open EcdPde.Studies.PdeProblem
open Pde.Discovery.Solutions

/// The cost of one training run as measured while it ran.
type RunCost =
    {
        /// The workflow run.
        Run: RunId
        Seconds: float
        Evaluations: int64
    }

/// The format tag of run-costs.json.
let format = "ecdpde-run-costs/1"

/// run-costs.json: the measured cost of every run of a strategy's workflow.
type RunCostsFile = { Format: string; Runs: RunCost list }

let private path (dir: string) = Path.Combine(dir, "run-costs.json")

/// The costs stored in `dir` (none when it has no run-costs.json).
let read (dir: string) =
    let path = path dir

    if File.Exists path then
        (EcdPde.Runs.JsonFile.read<RunCostsFile> format path).Runs
        |> List.map (fun r -> r.Run, r)
        |> Map.ofList
    else
        Map.empty

/// Writes `dir/run-costs.json` atomically.
let write (dir: string) (costs: Map<RunId, RunCost>) =
    EcdPde.Runs.JsonFile.write
        (path dir)
        {
            Format = format
            Runs = costs |> Map.toList |> List.map snd
        }

/// Runs (or resumes) one PINN strategy on one example for one seed in `dir` (its runs one after the other: the
/// settings' Threads should be 1); returns the candidates in run order and the measured cost of every run (kept in
/// `dir/run-costs.json` across reruns). A run's seconds are measured from its first progress report to the next
/// run's first report (or the end of the workflow); its evaluations are those of its steps plus the final measurement.
let measure (example: Example) (ws: DiscoverySettings) =
    let mutable costs = read (DiscoverySettings.outDir ws)
    let clock = Stopwatch.StartNew()
    let mutable current: (RunId * float * int64) option = None

    let close (now: float) =
        match current with
        | Some(id, start, evals) ->
            // a deflated run reports twice (its deflated steps, then its polish on the plain loss): the costs add up
            let before =
                costs.TryFind id
                |> Option.defaultValue
                    {
                        Run = id
                        Seconds = 0.0
                        Evaluations = 0L
                    }

            costs <-
                costs.Add(
                    id,
                    { before with
                        Seconds = before.Seconds + now - start
                        Evaluations = before.Evaluations + evals + 1L
                    }
                )

            write (DiscoverySettings.outDir ws) costs
        | None -> ()

    let progress (p: Workflow.DiscoveryProgress) =
        let id =
            {
                Round = p.Round
                Index = p.Ensemble.Run
            }

        let now = clock.Elapsed.TotalSeconds

        match current with
        | Some(c, start, evals) when c = id ->
            current <- Some(c, start, evals + int64 p.Ensemble.Report.Evaluations)
        | _ ->
            close now
            current <- Some(id, now, int64 p.Ensemble.Report.Evaluations)

    let outcome = Workflow.runSubject example.Subject ws progress
    close clock.Elapsed.TotalSeconds
    outcome.Candidates |> List.sortBy (fun c -> c.Run), costs
