/// `ecdpde optimize`: one optimizer on one synthetic function, with a CSV trace and checkpoints.
module EcdPde.Cli.OptimizeCommand

open System
open System.Globalization
open Argu
open Ecd.Core.Optimizers
open EcdPde.Runs
open EcdPde.Cli.Arguments

let private parseFloat (what: string) (s: string) =
    match Double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
    | true, v -> v
    | _ -> invalidArg what (sprintf "%s: '%s' is not a number" what s)

/// Builds the run request from parsed arguments; errors name the argument.
let request (args: ParseResults<OptimizeArgs>) : Optimize.OptimizeRequest =
    let precision =
        match (args.GetResult(Precision, "float64")).ToLowerInvariant() with
        | "float64"
        | "double" -> Optimize.Float64
        | "float32"
        | "single"
        | "float" -> Optimize.Float32
        | other -> invalidArg "precision" (sprintf "--precision must be float64 or float32 (got '%s')" other)

    {
        Optimizer = args.GetResult Optimizer
        Settings =
            args.GetResults Set
            |> List.map (fun s ->
                let kv = HyperparameterBinder.ParsePair s
                kv.Key, kv.Value)
        Function = args.GetResult Function
        Dim = args.GetResult(Dim, 2)
        X0 =
            args.GetResult(OptimizeArgs.X0, "1").Split(',')
            |> Array.map (parseFloat "--x0")
            |> List.ofArray
        Steps = args.GetResult(Steps, 1000L)
        Seed = args.GetResult(OptimizeArgs.Seed, 0UL)
        Precision = precision
        Trace = args.TryGetResult Trace
        Checkpoint = args.TryGetResult Checkpoint
        CheckpointEvery = args.GetResult(Checkpoint_Every, 10_000L)
        Resume = args.Contains Resume
    }

/// Runs the command; returns the process exit code.
let run (args: ParseResults<OptimizeArgs>) =
    let req = request args

    let progress =
        if args.Contains Quiet || req.Steps < 20_000L then
            ignore
        else
            Optimize.progressPrinter Console.Error req.Steps (TimeSpan.FromSeconds 2.0)

    let o = Optimize.run req progress

    let num (x: float) =
        x.ToString("R", CultureInfo.InvariantCulture)

    printfn
        "optimizer %s on %s (dim %d, %O), seed %d"
        req.Optimizer
        req.Function
        req.Dim
        req.Precision
        req.Seed

    printfn "steps taken %d, bounces %d, end %O" o.StepsTaken o.Bounces o.End
    printfn "best loss %s" (num o.BestLoss)
    printfn "final energy %s (drift %s)" (num o.Final.Energy) (num o.Final.EnergyDrift)

    if o.End = Ecd.Core.Running.RunEnd.NonFinite then
        eprintfn
            "warning: the loss or gradient became NaN/infinite; the parameters are the last finite ones%s"
            (match req.Checkpoint with
             | Some p -> sprintf " (checkpoint %s)" p
             | None -> "")

    printfn "%s" (num o.FinalLoss)
    if o.End = Ecd.Core.Running.RunEnd.NonFinite then 3 else 0
