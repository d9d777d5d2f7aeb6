/// A PDE discovery example as the objective of a study problem: named `pde:NAME` or `pde:NAME:key=value` in a
/// problem's Function (`pde:paper-pde:k=2`, `pde:bratu:lambda=6`); its loss is the example's PINN loss, its starts
/// are network initializations, and a run succeeds when the trained field passes the example's quality gates and lies
/// within a relative L² distance of one of the example's classical solutions (on the example's evaluation grid).
module EcdPde.Studies.PdeProblem

open System
open System.Globalization
open Ecd.Core.Engine
open Ecd.Core.Randomness
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.FSharp.Training
open Pde.Discovery
open Pde.Discovery.Subject

/// The prefix that marks a PDE example in a problem's Function.
[<Literal>]
let Prefix = "pde:"

/// True when `func` names a PDE example (starts with `pde:`).
let isPde (func: string) =
    func.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)

/// A built-in example as a study sees it: the compiled problem, its discovery settings and its classical solutions on
/// the evaluation grid.
[<NoEquality; NoComparison>]
type Example =
    {
        Subject: Subject
        Settings: DiscoverySettings
        Classical: unit -> (string * float[]) list
    }

    member e.Name = e.Subject.Name
    member e.Parameters = e.Subject.Parameters
    member e.Problem = e.Subject.Problem
    member e.Grid = e.Subject.Grid
    member e.Weights = e.Subject.Weights
    member e.Gates = e.Subject.Gates

/// A built-in example (by name, size and parameters) compiled for a study.
let compileExample (problem: Pde.FSharp.Problems.Problem, settings: DiscoverySettings) =
    let subject = compile problem settings

    {
        Subject = subject
        Settings = settings
        Classical =
            fun () ->
                match settings.Classical with
                | Some solve -> solve subject.Grid
                | None -> []
    }

/// The examples and the parameter each one takes.
let known = [ "paper-pde", "k"; "bratu", "lambda"; "allen-cahn", "epsilon" ]

/// Builds the example named by `func` (`pde:NAME[:key=value]`); errors name the example, the parameter and what is
/// known.
let example (func: string) : Example =
    if not (isPde func) then
        invalidArg "function" (sprintf "'%s' is not a PDE example (those start with '%s')" func Prefix)

    let knownText =
        String.Join(", ", known |> List.map (fun (n, p) -> sprintf "%s%s:%s=…" Prefix n p))

    let parts = func.Substring(Prefix.Length).Split(':', 2)
    let name = parts[0].Trim().ToLowerInvariant()

    let parameter =
        match
            known
            |> List.tryFind (fun (n, _) -> n = name || (name = "paper" && n = "paper-pde"))
        with
        | Some(_, p) -> p
        | None ->
            invalidArg
                "function"
                (sprintf "unknown PDE example '%s' in '%s' (known: %s)" parts[0] func knownText)

    let value =
        if parts.Length < 2 || String.IsNullOrWhiteSpace parts[1] then
            None
        else
            match parts[1].Split('=', 2) with
            | [| key; text |] when key.Trim().ToLowerInvariant() = parameter ->
                match Double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
                | true, v -> Some v
                | _ ->
                    invalidArg
                        "function"
                        (sprintf "'%s': the value of %s must be a number (got '%s')" func parameter text)
            | [| key; _ |] ->
                invalidArg
                    "function"
                    (sprintf "'%s': example '%s' has the parameter '%s' (got '%s')" func name parameter key)
            | _ -> invalidArg "function" (sprintf "'%s': write the parameter as %s=VALUE" func parameter)

    BuiltInExamples.byName
        name
        BuiltInExamples.Default
        (value |> Option.map (fun v -> parameter, v) |> Option.toList |> Map.ofList)
    |> compileExample

/// What a study needs of an example, built once per problem and shared by its cells (read-only).
[<NoEquality; NoComparison>]
type Setup =
    {
        Example: Example
        Spec: NetworkSpec
        Network: Network<float>
        Discretization: Discretization
        /// The points of the boundary gate.
        Check: Discretization
        /// The classical solutions on the grid, computed on first use.
        Classical: Lazy<(string * float[]) list>
    }

/// Builds the setup of a PDE example.
let setup (e: Example) =
    let spec = Objective.spec e.Problem e.Subject.Architecture
    let discretization = Discretize.run e.Subject.Points e.Problem

    {
        Example = e
        Spec = spec
        Network = Objective.network<float> spec 0UL
        Discretization = discretization
        Check = boundaryCheck e.Subject
        Classical = lazy (e.Classical())
    }

/// The network initialization of start `start` (deterministic for the study seed and the problem's name).
let initialTheta (s: Setup) (studySeed: uint64) (problemHash: uint64) (start: int) =
    Objective.start
        s.Network
        s.Example.Problem
        (Xoshiro256.DeriveSeed(Xoshiro256.DeriveSeed(studySeed, problemHash), uint64 start))

/// The example's PINN loss (θ ↦ loss, gradient) computed by `backend` (Objective.native: the engine) on its own worker
/// pool of `threads` threads; dispose it after use.
type CellObjective(s: Setup, threads: int, backend: ILossBackend) =
    let pool = new WorkerPool(max 1 threads)

    let loss =
        Objective.lossOn backend s.Discretization s.Network s.Example.Subject.WeightDecay (Some pool)

    let inner = loss :> Ecd.Core.Objectives.IObjective<float>

    interface Ecd.Core.Objectives.IObjective<float> with
        member _.Dimension = inner.Dimension
        member _.Evaluate(theta, gradient) = inner.Evaluate(theta, gradient)

    interface IDisposable with
        member _.Dispose() =
            (loss :> IDisposable).Dispose()
            pool.Dispose()

/// The relative L² distance of a field to one classical solution on the example's grid.
type ClassicalDistance = { Solution: string; Distance: float }

/// How close a trained field is to a known solution.
type Assessment =
    {
        /// The example's quality gates (residual L² on the grid, boundary error) pass.
        GatesPass: bool
        /// "accepted", or which gate failed and by how much.
        Verdict: string
        ResidualL2: float
        BoundaryMax: float
        /// The first field at the example's first probe (the paper's PDE: u(0)).
        Centre: float
        /// The nearest classical solution and the relative L² distance to it.
        Nearest: string
        Distance: float
        /// The relative L² distance to every classical solution, nearest first.
        Distances: ClassicalDistance list
    }

/// Measures θ on the example's grid: gates, nearest classical solution and its relative L² distance.
let assess (s: Setup) (theta: float[]) =
    let e = s.Example

    let reference =
        Subject.reference e.Subject s.Spec 0UL (Objective.start s.Network e.Problem 0UL)

    let m = measure e.Subject s.Spec 0UL s.Check reference theta

    let candidate: Solutions.Candidate =
        {
            Run = { Round = 0; Index = 0 }
            Seed = 0UL
            Values = m.Values
            ResidualL2 = m.ResidualL2
            ResidualMax = m.ResidualMax
            ResidualScale = m.ResidualScale
            BoundaryMax = m.BoundaryMax
            BoundaryScale = m.BoundaryScale
            FinalLoss = nan
            Probes = m.Probes
            Theta = theta
        }

    let classical = s.Classical.Force()
    let floor = Solutions.floorOf e.Weights 0.0 (classical |> List.map snd)

    let distances =
        classical
        |> List.map (fun (desc, v) ->
            {
                Solution = desc
                Distance = Solutions.relativeDistance e.Weights floor m.Values v
            })
        |> List.sortBy _.Distance

    let verdict = Solutions.judge e.Gates candidate

    {
        GatesPass = (verdict = Solutions.Accepted)
        Verdict =
            match verdict with
            | Solutions.Accepted -> "accepted"
            | Solutions.Unconverged reason -> reason
        ResidualL2 = m.ResidualL2
        BoundaryMax = m.BoundaryMax
        Centre =
            match m.Probes with
            | (_, _, v) :: _ -> v
            | [] -> nan
        Nearest =
            distances
            |> List.tryHead
            |> Option.map _.Solution
            |> Option.defaultValue "no classical solution"
        Distance = distances |> List.tryHead |> Option.map _.Distance |> Option.defaultValue nan
        Distances = distances
    }

/// Success: the gates pass and the distance to the nearest classical solution is at most `tolerance`.
let reached (tolerance: float) (a: Assessment) = a.GatesPass && a.Distance <= tolerance
