/// run-costs.json: the measured cost (seconds, gradient evaluations) of every run of a multi-solution strategy's
/// workflow, kept across reruns, and the measuring workflow runner that writes it.
module EcdPde.Studies.RunCosts

open System
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
        /// CPU seconds of the thread the run ran on, between its progress reports.
        CpuSeconds: float
    }

/// The format tag of run-costs.json.
let format = "ecdpde-run-costs/2"

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

/// The CPU time of the calling thread (Linux: clock_gettime with CLOCK_THREAD_CPUTIME_ID), or of the process elsewhere.
module private ThreadCpu =
    [<Struct;
      System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)>]
    type Timespec =
        val mutable Seconds: int64
        val mutable Nanoseconds: int64

    [<System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")>]
    extern int clockGettime(int clock, Timespec& time)

    let private threadClock = 3 // CLOCK_THREAD_CPUTIME_ID

    let private linux =
        System.OperatingSystem.IsLinux() && System.Environment.Is64BitProcess

    /// Seconds of CPU used by the calling thread (by the process when the thread's clock is not available).
    let seconds () =
        let mutable t = Timespec()

        if linux && clockGettime (threadClock, &t) = 0 then
            float t.Seconds + 1e-9 * float t.Nanoseconds
        else
            use p = Process.GetCurrentProcess()
            p.TotalProcessorTime.TotalSeconds

/// A run being measured: its id, wall start, evaluations, CPU seconds so far, and the thread CPU clock at its last
/// report (a run executes on one thread; its CPU is summed between consecutive reports on that thread).
type private Measuring =
    {
        Id: RunId
        Start: float
        mutable Evaluations: int64
        mutable Cpu: float
        mutable Thread: int
        mutable LastCpu: float
    }

/// Runs (or resumes) one PINN strategy on one example for one seed in `dir` (its runs one after the other: the
/// settings' Threads should be 1); returns the candidates in run order and the measured cost of every run (kept in
/// `dir/run-costs.json` across reruns). A run's wall seconds are measured from its first progress report to the next
/// run's first report (or the end of the workflow); its CPU seconds are those of the thread it runs on between its
/// reports (so workflows in parallel threads do not count each other's); its evaluations are those of its steps plus
/// the final measurement.
let measure (example: Example) (ws: DiscoverySettings) =
    let mutable costs = read (DiscoverySettings.outDir ws)
    let clock = Stopwatch.StartNew()
    let mutable current: Measuring option = None

    let close (now: float) =
        match current with
        | Some m ->
            // a deflated run reports twice (its deflated steps, then its polish on the plain loss): the costs add up
            let before =
                costs.TryFind m.Id
                |> Option.defaultValue
                    {
                        Run = m.Id
                        Seconds = 0.0
                        Evaluations = 0L
                        CpuSeconds = 0.0
                    }

            costs <-
                costs.Add(
                    m.Id,
                    { before with
                        Seconds = before.Seconds + now - m.Start
                        Evaluations = before.Evaluations + m.Evaluations + 1L
                        CpuSeconds = before.CpuSeconds + m.Cpu
                    }
                )

            write (DiscoverySettings.outDir ws) costs
        | None -> ()

    let training (p: Workflow.TrainingProgress) =
        let id =
            {
                Round = p.Round
                Index = p.Ensemble.Run
            }

        let now = clock.Elapsed.TotalSeconds
        let cpu = ThreadCpu.seconds ()
        let thread = Environment.CurrentManagedThreadId

        match current with
        | Some m when m.Id = id ->
            m.Evaluations <- m.Evaluations + int64 p.Ensemble.Report.Evaluations

            if m.Thread = thread then
                m.Cpu <- m.Cpu + cpu - m.LastCpu

            m.Thread <- thread
            m.LastCpu <- cpu
        | _ ->
            close now

            current <-
                Some
                    {
                        Id = id
                        Start = now
                        Evaluations = int64 p.Ensemble.Report.Evaluations
                        Cpu = 0.0
                        Thread = thread
                        LastCpu = cpu
                    }

    // the judgement between trainings is no run's cost
    let progress =
        function
        | DiscoveryProgress.Training p -> training p
        | DiscoveryProgress.Judging _ ->
            close clock.Elapsed.TotalSeconds
            current <- None

    let outcome = Workflow.runSubject example.Subject ws progress
    close clock.Elapsed.TotalSeconds
    outcome.Candidates |> List.sortBy (fun c -> c.Run), costs
