/// Run folders for the report tests, written in a few milliseconds: a discovery folder shaped like what
/// `ecdpde discover` writes (synthetic fields on a lattice in the unit disk), an optimization folder from real short
/// `Optimize.run`s, drift folders from the drift writers.
module EcdPde.Reports.Tests.ReportFolders

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Ecd.Core.Drift
open EcdPde.Studies.Drift
open EcdPde.Reports.Drift
open EcdPde.Runs

/// A fresh temporary folder (with an optional name inside a fresh parent).
let fresh (name: string option) =
    let parent =
        Path.Combine(Path.GetTempPath(), "ecdpde-report-tests-" + Guid.NewGuid().ToString("N"))

    let dir =
        match name with
        | Some n -> Path.Combine(parent, n)
        | None -> parent

    Directory.CreateDirectory dir |> ignore
    dir

/// Text with every character HTML escaping must handle.
let hostile = "<script>alert(\"p\")</script> & 'co'"

/// The lattice points of spacing 0.1 (cell centres of a 20 × 20 grid on [−1, 1]²) inside the unit disk.
let diskLattice =
    [|
        for j in 0..19 do
            for i in 0..19 do
                let x, y = -0.95 + 0.1 * float i, -0.95 + 0.1 * float j

                if x * x + y * y <= 1.0 then
                    yield x, y
    |]

let private array (values: float seq) =
    JsonArray(values |> Seq.map (fun v -> JsonValue.Create v :> JsonNode) |> Array.ofSeq)

let private traceCsv (path: string) (steps: int) (loss0: float) (rate: float) =
    Directory.CreateDirectory(Path.GetDirectoryName(path) |> Option.ofObj |> Option.defaultValue ".")
    |> ignore

    let header = String.Join(",", Trace.columns)

    let rows =
        [
            for s in 0..steps ->
                let l = loss0 * exp (-rate * float s) + 0.01
                sprintf "%d,%.17g,%.17g,0,%.17g,1,1,1,Moved,,1" s l (l + 1.0) l
        ]

    File.WriteAllLines(path, header :: rows)

/// The boundary collocation points of the discovery folder: 40 points on the unit circle.
let circlePoints =
    Array.init 40 (fun k ->
        let t = 2.0 * Math.PI * float k / 40.0
        cos t, sin t)

/// A discovery folder named `folderName` (inside a fresh parent) for a problem called `problem`: two solutions on
/// the disk lattice, one unconverged run, three run traces; `current` gives the current format (residuals, and the
/// collocation points: the disk lattice inside, `circlePoints` on the boundary), otherwise a folder written before
/// they were recorded.
let discovery (folderName: string) (problem: string) (current: bool) =
    let dir = fresh (Some folderName)
    let root = JsonObject()
    let p = JsonObject()
    p["name"] <- JsonValue.Create problem
    p["k<&>"] <- JsonValue.Create 2.0
    root["problem"] <- p

    let fields =
        [
            (fun (x: float, y: float) -> (sin (2.0 * (x * x + y * y))) ** 2.0), [ 0; 1 ]
            (fun (x, y) -> -9.0 * (1.0 - (x * x + y * y))), [ 1000 ]
        ]

    let sols = JsonArray()

    for k, (f, runs) in List.indexed fields do
        let o = JsonObject()
        o["runs"] <- JsonValue.Create runs.Length
        o["run_ids"] <- JsonArray(runs |> List.map (fun r -> JsonValue.Create r :> JsonNode) |> Array.ofList)
        o["representative_run"] <- JsonValue.Create runs.Head
        o["residual_l2"] <- JsonValue.Create(0.5 + float k)
        o["residual_max"] <- JsonValue.Create(2.0 + float k)
        o["boundary_max"] <- JsonValue.Create 0.02
        o["max_abs"] <- JsonValue.Create(1.0 + 8.0 * float k)
        o["l2_norm"] <- JsonValue.Create 1.2
        o["final_loss"] <- JsonValue.Create 0.09
        o["probes"] <- JsonArray()
        let c = JsonObject()
        c["nearest"] <- JsonValue.Create(sprintf "radial <u(0)> & \"%d\"" k)
        c["relative_l2_distance"] <- JsonValue.Create 0.004
        o["classical_check"] <- c
        o["first_found_in_round"] <- JsonValue.Create k
        o["field"] <- array (diskLattice |> Seq.map f)

        if current then
            o["residual"] <-
                array (diskLattice |> Seq.map (fun (x, y) -> 0.01 * sin (5.0 * x) * cos (3.0 * y)))

        sols.Add o

    root["solutions"] <- sols
    let un = JsonObject()
    un["run"] <- JsonValue.Create 2000
    un["reason"] <- JsonValue.Create "<img src=x onerror=alert(1)>"
    un["residual_l2"] <- JsonValue.Create 3.6
    un["boundary_max"] <- JsonValue.Create 0.2
    un["final_loss"] <- JsonValue.Create 37.0
    root["unconverged"] <- JsonArray(un)
    let s = JsonObject()
    s["optimizer"] <- JsonValue.Create "bbi<b>&\""
    s["lr"] <- JsonValue.Create "0.002"
    s["seed"] <- JsonValue.Create 0
    s["initialization"] <- JsonValue.Create "shared"
    s["distinct_threshold"] <- JsonValue.Create 0.1
    root["settings"] <- s
    let tool = JsonObject()
    tool["version"] <- JsonValue.Create "9.9.9+test"
    tool["dotnet"] <- JsonValue.Create ".NET test"
    root["tool"] <- tool

    root["grid"] <-
        JsonArray(
            diskLattice
            |> Array.map (fun (x, y) -> JsonArray(JsonValue.Create x, JsonValue.Create y) :> JsonNode)
        )

    if current then
        let pairs (ps: (float * float)[]) =
            JsonArray(
                ps
                |> Array.map (fun (x, y) -> JsonArray(JsonValue.Create x, JsonValue.Create y) :> JsonNode)
            )

        let c = JsonObject()
        c["interior"] <- pairs diskLattice
        c["boundary"] <- pairs circlePoints
        root["collocation"] <- c

    File.WriteAllText(Path.Combine(dir, "solutions.json"), root.ToJsonString())

    for round, run, loss0 in [ 0, 0, 300.0; 0, 1, 280.0; 1, 0, 900.0; 2, 0, 50.0 ] do
        traceCsv
            (Path.Combine(dir, sprintf "round-%d" round, "runs", sprintf "run-%03d" run, "trace.csv"))
            400
            loss0
            (if round = 2 then 0.001 else 0.02)

    dir

/// An optimization folder: Adam and BBI on Ackley (b = 0.02), 300 steps each, traces + settings files, a checkpoint
/// for the BBI run; the Adam trace's file name is `adamName`.
let optimization (adamName: string) =
    let dir = fresh None

    let request
        (optimizer: string)
        (settings: (string * string) list)
        (trace: string)
        (checkpoint: string option)
        =
        ({
            Optimizer = optimizer
            Settings = settings
            Function = "ackley002"
            Dim = 2
            X0 = [ -4.0; 3.0 ]
            Steps = 300L
            Seed = 3UL
            Precision = Optimize.Float64
            Trace = Some(Path.Combine(dir, trace))
            Checkpoint = checkpoint |> Option.map (fun c -> Path.Combine(dir, c))
            CheckpointEvery = 0L
            Resume = false
        }
        : Optimize.OptimizeRequest)

    Optimize.run (request "adam" [ "lr", "0.01" ] adamName None) ignore |> ignore

    Optimize.run
        (request
            "bbi"
            [
                "lr", "0.0096"
                "deltaEn", "2"
                "v0", "1e-4"
                "threshold0", "20"
                "threshold", "100"
                "nFixedBounces", "4"
            ]
            "bbi.csv"
            (Some "bbi-state.json"))
        ignore
    |> ignore

    dir

/// A measured drift trace (the toy dynamics, 400 + 50 steps, momentum noise).
let driftMeasurement () =
    let p: TailDrift.Protocol =
        {
            Steps = 400L
            Warmup = 50L
            TailFraction = 0.2
        }

    TailDrift.run (Dynamics.build Dynamics.toy) p (NoiseOptions.On(NoiseChannel.Momentum, 0.1)) 0.01 3UL

/// A finder outcome with a found boundary (synthetic per-seed values).
let finderOutcome () =
    BoundaryFinder.find
        { BoundaryFinder.defaults with
            Seeds = 3
        }
        (fun dt -> [| dt - 0.00251; dt - 0.00251 + 1e-9; dt - 0.00251 - 1e-9 |])

/// A scaling outcome of the toy dynamics over a time span of 1.
let scalingOutcome () =
    Scaling.run
        { Scaling.defaults with
            Seeds = 2
            Length = Scaling.Horizon 1.0
        }
        (NoiseOptions.On(NoiseChannel.Gradient, 0.05))
        0UL
        [ Dynamics.build Dynamics.toy ]
