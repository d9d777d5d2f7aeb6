/// The built-in discovery examples, addressable by short names (`ecdpde discover NAME --param k=…`): the BBI paper's
/// PDE on the unit disk, 2-D Bratu and Allen–Cahn on the unit square, each written in the PDE language with the
/// Examples builder, with its parameters declared as data.
module Pde.Discovery.BuiltInExamples

open System
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.FSharp.Classical
open Pde.Discovery.Examples

/// −Δu + u² = f_k(r) on the unit disk, u = sin²(k) on the circle: the manufactured solution sin²(k r²) and (for the
/// k tried here) a second, bowl-shaped radial solution. Classical check: every radial solution with u(0) in
/// [−30, 30] by shooting, refined by finite differences.
let paperPde (size: Size) (k: float) =
    if not (k > 0.0) then
        invalidArg "k" (sprintf "k must be > 0 (got %g)" k)

    let r2 = x * x + y * y

    let f =
        (3.0 - 4.0 * (1.0 + 16.0 * k * k * r2) * cos (2.0 * k * r2) + cos (4.0 * k * r2)
         - 32.0 * k * sin (2.0 * k * r2))
        / 8.0

    dirichlet
        (if size = Full then paperScale else defaultScale)
        "paper-pde"
        [ "k", k ]
        (Domain.disk (0.0, 0.0) 1.0)
        Math.PI
        (fun u -> -laplacian u + u * u - f)
        1.5
        (sin k ** 2.0)
        [ 0.0, 0.0; 0.5, 0.0; 0.0, 0.75 ]
        (fun g () ->
            let n = 800
            let system, _ = RadialPaperPde.system k n

            RadialPaperPde.shootingRoots k (max 4000 (int (1000.0 * k))) -30.0 30.0 600
            |> List.map (fun a ->
                let shot = RadialPaperPde.shotProfile k n a

                let fd =
                    (Newton.solve Newton.NewtonOptions.Default [] system shot[0 .. n - 1]).Solution

                sprintf "radial solution u(0) = %.4f" fd[0],
                g
                |> Array.map (fun p -> RadialPaperPde.interpolate k fd (sqrt (p[0] * p[0] + p[1] * p[1])))))
        (match size with
         | Default ->
             {
                 Runs = 2
                 Steps = 4000L
                 Optimizer = fst (bbi 0.002)
                 OptimizerSettings = snd (bbi 0.002)
                 DeflationOptimizer = "adam"
                 DeflationOptimizerSettings = [ "lr", "0.001" ]
                 DeflationSteps = 4000L
                 PolishSteps = 300L
                 DeflationRounds = 2
                 DeflationRuns = 1
             }
         | Full ->
             // the paper: BBI lr 8e-6, T0 200, N_b 10, T1 2000, δE 0, two million steps
             {
                 Runs = 4
                 Steps = 2_000_000L
                 Optimizer = "bbi"
                 OptimizerSettings =
                     [
                         "lr", "8e-6"
                         "deltaEn", "0"
                         "threshold0", "200"
                         "nFixedBounces", "10"
                         "threshold", "2000"
                     ]
                 DeflationOptimizer = "adam"
                 DeflationOptimizerSettings = [ "lr", "1e-4" ]
                 DeflationSteps = 200_000L
                 PolishSteps = 2000L
                 DeflationRounds = 2
                 DeflationRuns = 2
             })

/// 2-D Bratu Δu + λe^u = 0 on the unit square, u = 0 on the boundary (two solutions for 0 < λ < 6.808).
/// Classical check: finite differences (63 × 63) + deflated Newton from u = 0.
let bratu (size: Size) (lambda: float) =
    if not (lambda > 0.0) then
        invalidArg "lambda" (sprintf "λ must be > 0 (got %g)" lambda)

    dirichlet
        (if size = Full then largeScale else defaultScale)
        "bratu"
        [ "lambda", lambda ]
        Domain.unitSquare
        1.0
        (fun u -> laplacian u + lambda * exp u)
        1.5
        0.0
        [ 0.5, 0.5; 0.25, 0.25; 0.5, 0.25 ]
        (fun g () ->
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
                g |> Array.map (fun p -> Semilinear.interpolate n s p[0] p[1])))
        {
            Runs = 2
            Steps = if size = Full then 30000L else 6000L
            Optimizer = fst (bbi 0.005)
            OptimizerSettings = snd (bbi 0.005)
            DeflationOptimizer = "adam"
            DeflationOptimizerSettings = [ "lr", "0.001" ]
            DeflationSteps = if size = Full then 30000L else 6000L
            PolishSteps = if size = Full then 1000L else 300L
            DeflationRounds = 2
            DeflationRuns = 2
        }

/// Allen–Cahn ε²Δu + u − u³ = 0 on the unit square, u = 0 on the boundary: u = 0 and, for ε < 1/(π√2) ≈ 0.225, a
/// positive and a negative solution ±u₁; below ε = 1/(π√5) ≈ 0.142 also sign-changing ones. Default ε = 0.15: exactly
/// three. Classical check: finite differences (47 × 47) + deflated Newton from 0 and ±sin(πx)sin(πy),
/// ±sin(2πx)sin(πy), ±sin(πx)sin(2πy).
let allenCahn (size: Size) (epsilon: float) =
    if not (epsilon > 0.0) then
        invalidArg "epsilon" (sprintf "ε must be > 0 (got %g)" epsilon)

    let e2 = epsilon * epsilon

    dirichlet
        (if size = Full then largeScale else defaultScale)
        "allen-cahn"
        [ "epsilon", epsilon ]
        Domain.unitSquare
        1.0
        (fun u -> e2 * laplacian u + u - u * u * u)
        0.15
        0.0
        [ 0.5, 0.5; 0.25, 0.25; 0.75, 0.5 ]
        (fun g () ->
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
                g |> Array.map (fun p -> Semilinear.interpolate n s p[0] p[1])))
        {
            Runs = 4
            Steps = if size = Full then 20000L else 4000L
            Optimizer = fst (bbi 0.002)
            OptimizerSettings = snd (bbi 0.002)
            DeflationOptimizer = "adam"
            DeflationOptimizerSettings = [ "lr", "0.001" ]
            DeflationSteps = if size = Full then 40000L else 10000L
            // polishing an Allen–Cahn field on the plain loss drifts towards the zero solution (measured); off
            PolishSteps = 0L
            DeflationRounds = 3
            DeflationRuns = 4
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
        Build: Size -> Map<string, float> -> Example
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
