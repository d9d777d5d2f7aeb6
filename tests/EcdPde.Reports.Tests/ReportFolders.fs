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
open Pde.Discovery

/// A fresh temporary folder (with an optional name inside a fresh parent).
let fresh (name: string option) =
    let parent = TempFolders.path "ecdpde-report-tests-"

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
    let run (round, index) : Pde.Discovery.Solutions.RunId = { Round = round; Index = index }

    let fields =
        [
            (fun (x: float, y: float) -> (sin (2.0 * (x * x + y * y))) ** 2.0), [ 0, 0; 0, 1 ]
            (fun (x, y) -> -9.0 * (1.0 - (x * x + y * y))), [ 1, 0 ]
        ]

    let solution k (f: float * float -> float, runs) : SolutionsFile.SolutionRecord =
        {
            Runs = List.length runs
            RunIds = runs |> List.map run
            RunStarts = runs |> List.map (fun _ -> "bounces, from the shared initialization")
            RepresentativeRun = run (List.head runs)
            FirstFoundInRound = k
            ResidualL2 = 0.5 + float k
            ResidualMax = 2.0 + float k
            ResidualScale = 30.0
            BoundaryMax = 0.02
            BoundaryScale = 1.0
            MaxAbs = 1.0 + 8.0 * float k
            L2Norm = 1.2
            FinalLoss = 0.09
            Probes = []
            ClassicalCheck =
                {
                    Nearest = sprintf "radial <u(0)> & \"%d\"" k
                    RelativeL2Distance = 0.004
                }
            Certification = None
            Field = diskLattice |> Array.map f
            MoreFields = [||]
            Residual =
                if current then
                    Some(diskLattice |> Array.map (fun (x, y) -> 0.01 * sin (5.0 * x) * cos (3.0 * y)))
                else
                    None
        }

    let pairs (ps: (float * float)[]) =
        ps |> Array.map (fun (x, y) -> [| x; y |])

    let file: SolutionsFile.Solutions =
        {
            Format = SolutionsFile.format
            Problem =
                {
                    Name = problem
                    Parameters = Map.ofList [ "k<&>", 2.0 ]
                    Fields = [ "u" ]
                    Definition = "−Δu + u² = f <script>alert(1)</script>"
                }
            Settings =
                {
                    Optimizer = SolutionsFile.optimizer "bbi<b>&\"" [ "lr", "0.002" ]
                    DeflationOptimizer = SolutionsFile.optimizer "adam" [ "lr", "0.001" ]
                    PolishOptimizer = SolutionsFile.optimizer "lbfgs" []
                    Runs = 2
                    Steps = 400L
                    Seed = 0UL
                    Initialization = "shared"
                    DeflationRounds = 2
                    DeflationRuns = 1
                    DeflationSteps = 400L
                    PolishSteps = 0L
                    DistinctThreshold = 0.1
                    RelativeResidualGate = 0.05
                    RelativeBoundaryGate = 0.1
                    MaxResidualL2 = None
                    MaxBoundary = None
                }
            Tool =
                {
                    Version = "9.9.9+test"
                    Dotnet = ".NET test"
                }
            Solutions = fields |> List.mapi solution
            Unconverged =
                [
                    {
                        Run = run (2, 0)
                        Reason = "<img src=x onerror=alert(1)>"
                        ResidualL2 = 3.6
                        BoundaryMax = 0.2
                        FinalLoss = 37.0
                    }
                ]
            StopReason = "deflation round 2 found nothing new"
            NearMisses = []
            AcceptedByCertification = []
            ClassicalOnly = []
            Grid = pairs diskLattice
            Collocation =
                if current then
                    {
                        Interior = pairs diskLattice
                        Boundary = pairs circlePoints
                    }
                else
                    { Interior = [||]; Boundary = [||] }
        }

    SolutionsFile.write dir file |> ignore

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
