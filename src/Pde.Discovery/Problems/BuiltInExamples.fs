/// The built-in discovery examples, addressable by short names (`ecdpde discover NAME --param k=…`): the BBI paper's
/// PDE on the unit disk, 2-D Bratu and Allen–Cahn on the unit square — each an ordinary `Problem` of the PDE language
/// with its discovery settings (name, parameters, probes, a classical check of its own) and its parameters declared as
/// data.
module Pde.Discovery.BuiltInExamples

open System
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Training
open Pde.FSharp.Classical

/// The size of an example: the default finishes in minutes on 2 cores; the full size is the published setting
/// (the BBI paper's network, points and optimizer for its PDE) or a larger network and more points.
type Size =
    | Default
    | Full

/// A larger generic size: tanh 64-64-64-64, 4000 interior and 800 boundary points, a 5000-point grid.
let private large (s: DiscoverySettings) =
    { s with
        Network = Architecture.mlp [ 64; 64; 64; 64 ] Activation.Tanh
        InteriorPoints = 4000
        BoundaryPoints = 800
        GridPoints = 5000
    }

/// The paper's PDE as a problem: −Δu + u² = f_k(r) on the unit disk, u = sin²(k) on the circle.
let paperProblem (k: float) =
    if not (k > 0.0) then
        invalidArg "k" (sprintf "k must be > 0 (got %g)" k)

    let u = field "u"
    let r2 = x * x + y * y

    let f =
        (3.0 - 4.0 * (1.0 + 16.0 * k * k * r2) * cos (2.0 * k * r2) + cos (4.0 * k * r2)
         - 32.0 * k * sin (2.0 * k * r2))
        / 8.0

    Problem.create (Domain.disk (0.0, 0.0) 1.0) [ u ]
    |> Problem.equation (-laplacian u + u * u - f)
    |> Problem.dirichlet Boundary.all u (num (sin k ** 2.0))

/// The radial solutions of the paper's PDE on the grid: every one with u(0) in [−30, 30] by shooting, refined by
/// finite differences.
let private radialSolutions (k: float) (g: float[][]) =
    let n = 800
    let system, _ = RadialPaperPde.system k n

    RadialPaperPde.shootingRoots k (max 4000 (int (1000.0 * k))) -30.0 30.0 600
    |> List.map (fun a ->
        let shot = RadialPaperPde.shotProfile k n a

        let fd =
            (Newton.solve Newton.NewtonOptions.Default [] system shot[0 .. n - 1]).Solution

        sprintf "radial solution u(0) = %.4f" fd[0],
        g
        |> Array.map (fun p -> RadialPaperPde.interpolate k fd (sqrt (p[0] * p[0] + p[1] * p[1]))))

/// −Δu + u² = f_k(r) on the unit disk, u = sin²k on the circle: the manufactured solution sin²(k r²) and (for the
/// k tried here) a second, bowl-shaped radial solution. Classical check of its own: every radial solution by shooting.
/// Full size: the BBI paper's residual sigmoid network (200 wide, 3 blocks), 10 000 + 1000 points, boundary weight
/// 1e5, L2 2e-4, BBI lr 8e-6 with δE 0 for two million steps.
let paperPde (size: Size) (k: float) =
    let problem = paperProblem k

    let settings =
        { DiscoverySettings.defaults with
            Name = "paper-pde"
            Parameters = [ "k", k ]
            Probes = [ 0.0, 0.0; 0.5, 0.0; 0.0, 0.75 ]
            DeflationRuns = 1
            Classical = Some(radialSolutions k)
        }

    problem,
    match size with
    | Default -> settings
    | Full ->
        { settings with
            Network = Architecture.residual 200 3 Activation.Sigmoid
            InteriorPoints = 10000
            BoundaryPoints = 1000
            BoundaryWeight = 1e5
            WeightDecay = 2e-4
            GridPoints = 5000
            Runs = 4
            Steps = 2_000_000L
            OptimizerSettings =
                [
                    "lr", "8e-6"
                    "deltaEn", "0"
                    "threshold0", "200"
                    "nFixedBounces", "10"
                    "threshold", "2000"
                ]
            DeflationOptimizerSettings = [ "lr", "1e-4" ]
            DeflationSteps = 200_000L
            PolishSteps = 2000L
            DeflationRuns = 2
        }

/// 2-D Bratu as a problem: Δu + λe^u = 0 on the unit square, u = 0 on the boundary.
let bratuProblem (lambda: float) =
    if not (lambda > 0.0) then
        invalidArg "lambda" (sprintf "λ must be > 0 (got %g)" lambda)

    let u = field "u"

    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (laplacian u + lambda * exp u)
    |> Problem.dirichlet Boundary.all u (num 0.0)

/// 2-D Bratu (two solutions for 0 < λ < 6.808). Classical check of its own: finite differences (63 × 63) +
/// deflated Newton from u = 0.
let bratu (size: Size) (lambda: float) =
    let problem = bratuProblem lambda

    let classical (g: float[][]) =
        let n = 63

        let found, _ =
            Newton.deflate
                Newton.NewtonOptions.Default
                4
                (Bratu.system2D lambda n)
                [ Array.zeroCreate (n * n) ]

        found
        |> List.map (fun s ->
            sprintf "finite differences, max u = %.4f" (Array.max s),
            g |> Array.map (fun p -> Semilinear.interpolate n s p[0] p[1]))

    let settings =
        { DiscoverySettings.defaults with
            Name = "bratu"
            Parameters = [ "lambda", lambda ]
            Probes = [ 0.5, 0.5; 0.25, 0.25; 0.5, 0.25 ]
            Steps = 6000L
            OptimizerSettings = snd (DiscoverySettings.bbi 0.005)
            DeflationSteps = 6000L
            Classical = Some classical
        }

    problem,
    match size with
    | Default -> settings
    | Full ->
        { large settings with
            Steps = 30000L
            DeflationSteps = 30000L
            PolishSteps = 1000L
        }

/// Allen–Cahn as a problem: ε²Δu + u − u³ = 0 on the unit square, u = 0 on the boundary.
let allenCahnProblem (epsilon: float) =
    if not (epsilon > 0.0) then
        invalidArg "epsilon" (sprintf "ε must be > 0 (got %g)" epsilon)

    let u = field "u"

    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (epsilon * epsilon * laplacian u + u - u * u * u)
    |> Problem.dirichlet Boundary.all u (num 0.0)

/// Allen–Cahn: u = 0 and, for ε < 1/(π√2) ≈ 0.225, a positive and a negative solution ±u₁; below ε = 1/(π√5) ≈
/// 0.142 also sign-changing ones. Default ε = 0.15: exactly three. Classical check of its own: finite differences
/// (47 × 47) + deflated Newton from 0 and ±sin(πx)sin(πy), ±sin(2πx)sin(πy), ±sin(πx)sin(2πy).
let allenCahn (size: Size) (epsilon: float) =
    let problem = allenCahnProblem epsilon

    let classical (g: float[][]) =
        let n = 47

        let guesses =
            Array.zeroCreate (n * n)
            :: [
                for a, b in [ 1.0, 1.0; 2.0, 1.0; 1.0, 2.0 ] do
                    for c in [ 1.0; -1.0 ] -> Semilinear.sineMode n a b c
            ]

        let found, _ =
            Newton.deflate Newton.NewtonOptions.Default 12 (Semilinear.allenCahn epsilon n) guesses

        found
        |> List.map (fun s ->
            sprintf "finite differences, u in [%.4f, %.4f]" (Array.min s) (Array.max s),
            g |> Array.map (fun p -> Semilinear.interpolate n s p[0] p[1]))

    let settings =
        { DiscoverySettings.defaults with
            Name = "allen-cahn"
            Parameters = [ "epsilon", epsilon ]
            Probes = [ 0.5, 0.5; 0.25, 0.25; 0.75, 0.5 ]
            Runs = 4
            DeflationSteps = 10000L
            // polishing an Allen–Cahn field on the plain loss drifts towards the zero solution (measured); off
            PolishSteps = 0L
            DeflationRounds = 3
            DeflationRuns = 4
            Classical = Some classical
        }

    problem,
    match size with
    | Default -> settings
    | Full ->
        { large settings with
            Steps = 20000L
            DeflationSteps = 40000L
        }

/// A parameter of a built-in example: its name (as given to `--param name=value`), its default (at the default and
/// at the full size) and what it means.
type Parameter =
    {
        Name: string
        Default: float
        /// The default at the full size (`--full`), when it differs.
        FullDefault: float option
        Description: string
    }

/// The default of a parameter at a size.
let defaultOf (size: Size) (p: Parameter) =
    match size with
    | Full -> defaultArg p.FullDefault p.Default
    | Default -> p.Default

/// A built-in example: its name, other names it answers to, what it is, its parameters and how it is built from a
/// size and a value for every parameter. Adding an example here is all the command line needs.
[<NoEquality; NoComparison>]
type BuiltIn =
    {
        Name: string
        Aliases: string list
        Description: string
        Parameters: Parameter list
        Build: Size -> Map<string, float> -> Problem * DiscoverySettings
    }

/// The built-in examples.
let builtIns =
    [
        {
            Name = "paper-pde"
            Aliases = [ "paper" ]
            Description = "−Δu + u² = f_k on the unit disk, u = sin²k on the circle (the BBI paper's PDE)"
            Parameters =
                [
                    {
                        Name = "k"
                        Default = 2.0
                        FullDefault = Some 20.0
                        Description = "k > 0, the frequency of f_k and of the solution sin²(kr²)"
                    }
                ]
            Build = fun size p -> paperPde size p["k"]
        }
        {
            Name = "bratu"
            Aliases = []
            Description = "Δu + λe^u = 0 on the unit square, u = 0 on the boundary"
            Parameters =
                [
                    {
                        Name = "lambda"
                        Default = 6.0
                        FullDefault = None
                        Description = "λ > 0 (two solutions for λ < 6.808)"
                    }
                ]
            Build = fun size p -> bratu size p["lambda"]
        }
        {
            Name = "allen-cahn"
            Aliases = []
            Description = "ε²Δu + u − u³ = 0 on the unit square, u = 0 on the boundary"
            Parameters =
                [
                    {
                        Name = "epsilon"
                        Default = 0.15
                        FullDefault = None
                        Description = "ε > 0 (0.15: three solutions; below 0.142 more)"
                    }
                ]
            Build = fun size p -> allenCahn size p["epsilon"]
        }
    ]

/// The examples' names.
let names = builtIns |> List.map _.Name

/// The built-in example called `name` (or one of its aliases), ignoring case; an unknown name is an error that lists
/// the known ones.
let find (name: string) =
    let key = name.Trim().ToLowerInvariant()

    match builtIns |> List.tryFind (fun b -> b.Name = key || List.contains key b.Aliases) with
    | Some b -> b
    | None ->
        invalidArg "example" (sprintf "unknown example '%s' (known: %s)" name (String.concat ", " names))

/// The parameters of a built-in example as text: `k (default 2; full size 20)`, one per parameter, comma-separated.
let describeParameters (b: BuiltIn) =
    match b.Parameters with
    | [] -> "none"
    | ps ->
        ps
        |> List.map (fun p ->
            match p.FullDefault with
            | Some full -> sprintf "%s (default %g; full size %g)" p.Name p.Default full
            | None -> sprintf "%s (default %g)" p.Name p.Default)
        |> String.concat ", "

/// The example by name and size, with the given parameter values (by name; the others take their defaults). A name
/// the example does not have is an error that names the example's parameters.
let byName (name: string) (size: Size) (parameters: Map<string, float>) =
    let b = find name

    for KeyValue(key, _) in parameters do
        if not (b.Parameters |> List.exists (fun p -> p.Name = key)) then
            invalidArg
                "param"
                (sprintf
                    "example '%s' has no parameter '%s' (its parameters: %s)"
                    b.Name
                    key
                    (describeParameters b))

    let values =
        b.Parameters
        |> List.map (fun p ->
            p.Name,
            (match parameters.TryFind p.Name with
             | Some v -> v
             | None -> defaultOf size p))
        |> Map.ofList

    b.Build size values

/// The family of a built-in example along its parameter `parameter` (the others at the given values or their
/// defaults): the example (problem and settings) at every value of it. A parameter the example does not have is an
/// error that names the example's parameters.
let family (name: string) (size: Size) (parameters: Map<string, float>) (parameter: string) =
    let b = find name

    if not (b.Parameters |> List.exists (fun p -> p.Name = parameter)) then
        invalidArg
            "param"
            (sprintf
                "example '%s' has no parameter '%s' (its parameters: %s)"
                b.Name
                parameter
                (describeParameters b))

    fun (value: float) -> byName name size (parameters.Add(parameter, value))
