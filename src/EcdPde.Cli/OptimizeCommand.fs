/// `ecdpde optimize`: one optimizer on one synthetic function, with a CSV trace and checkpoints.
module EcdPde.Cli.OptimizeCommand

open System
open System.Globalization
open System.IO
open Argu
open EcdPde.Runs
open EcdPde.Cli.Arguments
open EcdPde.Cli.Common

/// Builds the run request from parsed arguments; errors name the argument.
let request (common: Shared) (args: ParseResults<OptimizeArgs>) : Optimize.OptimizeRequest =
    refuse "optimize (one run on one core)" common [ "--threads" ]

    let inOut file =
        common.Out |> Option.map (fun dir -> Path.Combine(dir, file))

    let trace =
        args.TryGetResult OptimizeArgs.Trace |> Option.orElse (inOut "trace.csv")

    let checkpoint =
        args.TryGetResult OptimizeArgs.Checkpoint |> Option.orElse (inOut "state.json")

    let steps = args.GetResult(OptimizeArgs.Steps, 1000L)
    atLeast "--steps" 1L steps
    let every = args.GetResult(OptimizeArgs.Checkpoint_Every, 10_000L)
    atLeast "--checkpoint-every" 1L every

    if args.Contains OptimizeArgs.Checkpoint_Every && checkpoint.IsNone then
        invalidArg "checkpoint-every" "--checkpoint-every needs --checkpoint FILE (or --out DIR)"

    if args.Contains OptimizeArgs.Resume && checkpoint.IsNone then
        invalidArg "resume" "--resume needs --checkpoint FILE (or --out DIR) to resume from"

    let dim = args.GetResult(OptimizeArgs.Dim, 2)
    atLeast "--dim" 1L dim

    match common.Out with
    | Some dir -> Directory.CreateDirectory dir |> ignore
    | None -> ()

    {
        Optimizer = args.GetResult OptimizeArgs.Optimizer
        Settings = keyValues (args.GetResults OptimizeArgs.Set)
        Function = args.GetResult OptimizeArgs.Function
        Dim = dim
        X0 = parseFloats "--x0" (args.GetResult(OptimizeArgs.X0, "1"))
        Steps = steps
        Seed = defaultArg common.Seed 0UL
        Precision = args.GetResult(OptimizeArgs.Precision, Optimize.Float64)
        Trace = trace
        Checkpoint = checkpoint
        CheckpointEvery = every
        Resume = args.Contains OptimizeArgs.Resume
    }

/// Runs the command; returns the process exit code.
let run (common: Shared) (args: ParseResults<OptimizeArgs>) =
    let req = request common args

    let progress =
        if common.Quiet || req.Steps < 20_000L then
            ignore
        else
            Optimize.progressPrinter Console.Error req.Steps (TimeSpan.FromSeconds 2.0)

    let backend = args.GetResult(OptimizeArgs.Backend, Backend.Native)
    let o, whole = Optimize.runOn (optimizerSource backend) req progress

    let num (x: float) =
        x.ToString("R", CultureInfo.InvariantCulture)

    printfn
        "optimizer %s on %s (dim %d, %O, %s backend), seed %d"
        req.Optimizer
        req.Function
        req.Dim
        req.Precision
        (optimizerSource backend).Name
        req.Seed

    // the whole run (every invocation: the first run and its resumes), then this invocation when it is not all of it;
    // stdout stays the same for the same run, so the time goes to stderr
    printfn
        "steps %d in %d invocation(s), bounces %d, end %O"
        whole.Steps
        whole.Invocations
        whole.Bounces
        o.End

    if not common.Quiet then
        eprintfn "time %.2f s in all (%d invocation(s))" whole.Seconds whole.Invocations

    if whole.Invocations > 1 || o.StepsTaken <> whole.Steps then
        printfn "this invocation: %d steps from step %d" o.StepsTaken (whole.Steps - o.StepsTaken)

    printfn
        "best loss %s%s"
        (num whole.BestLoss)
        (if whole.FromTrace || o.StepsTaken = whole.Steps then
             ""
         else
             " (this invocation only: no trace holds the earlier steps)")

    printfn "final energy %s (drift %s)" (num o.Final.Energy) (num o.Final.EnergyDrift)

    if o.End = Ecd.Core.Running.RunEnd.NonFinite then
        eprintfn
            "warning: the loss or gradient became NaN/infinite; the parameters are the last finite ones%s"
            (match req.Checkpoint with
             | Some p -> sprintf " (checkpoint %s)" p
             | None -> "")

    printfn "%s" (num o.FinalLoss)
    if o.End = Ecd.Core.Running.RunEnd.NonFinite then 3 else 0
