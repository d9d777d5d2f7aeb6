namespace Pde.FSharp.Training

open System
open Ecd.Core.Engine
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Symbolic
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Loss

/// A trained (or initial) model: the problem, the network and its weights, and the trainable parameters' values.
/// It evaluates any expression of the problem (fields, derivatives, residuals) at any points.
[<NoEquality; NoComparison>]
type Model =
    {
        /// The problem.
        Problem: Problem
        /// The network specification.
        Network: NetworkSpec
        /// Seed of the network's fixed parts (the Fourier feature matrix).
        NetworkSeed: uint64
        /// The network weights θ (float64).
        Weights: float[]
        /// The trainable parameters' values, in declaration order.
        Parameters: (string * float) list
    }

/// Evaluating a model.
[<RequireQualifiedAccess>]
module Model =
    /// The value of a trainable parameter.
    let parameter (name: string) (model: Model) =
        match model.Parameters |> List.tryFind (fst >> (=) name) with
        | Some(_, v) -> v
        | None ->
            raise (
                ProblemError(
                    sprintf
                        "unknown parameter '%s' (declared parameters: %s)"
                        name
                        (String.Join(", ", model.Parameters |> List.map fst))
                )
            )

    /// θ as the loss sees it: network weights, then the parameters.
    let theta (model: Model) =
        Array.append model.Weights (model.Parameters |> List.map snd |> Array.ofList)

    /// The values of `e` (fields, their derivatives, any expression of the problem without the normal) at the
    /// points (one array of coordinates per point, in the domain's coordinate order).
    let evaluate (model: Model) (e: Expr) (points: float[][]) : float[] =
        let problem =
            { model.Problem with
                Parameters = model.Parameters
            }

        let scope = problem.Scope
        let d = scope.Coordinates.Length

        if points.Length = 0 then
            raise (ProblemError "zero points: nothing to evaluate the model at")

        match points |> Array.tryFindIndex (fun p -> p.Length <> d) with
        | Some i ->
            raise (
                ProblemError(
                    sprintf
                        "dimension mismatch: point %d has %d coordinates, the domain has %d (%s)"
                        i
                        points[i].Length
                        d
                        (String.Join(", ", scope.Coordinates))
                )
            )
        | None -> ()

        let node =
            Lowering(scope, problem.Transforms).Lower(sprintf "the expression %O" e, e, false)

        let tape = Tape [| node |]

        let samples =
            {
                Dimension = d
                Points = Array.concat points
                Normals = [||]
            }

        tape.Bind(samples, [||])
        let keys = tape.JetKeys

        let jetValues =
            if keys.Length = 0 then
                [||]
            else
                let network = Objective.network<float> model.Network model.NetworkSeed

                use engine =
                    new JetEngine<float>(
                        network,
                        Channels.request (Set.ofArray keys),
                        EngineOptions(Threads = 1)
                    )

                let jets = engine.NewJets points.Length
                engine.Forward(ReadOnlySpan model.Weights, ReadOnlySpan samples.Points, jets)

                keys
                |> Array.map (fun (o, c) -> jets.Channel(o, Channels.index engine.Channels c).ToArray())

        tape.Forward(jetValues, model.Parameters |> List.map snd |> Array.ofList)
        Array.copy (tape.Value 0)

    /// ‖e − exact‖₂ / ‖exact‖₂ over the points (exact: usually the known solution as an expression).
    let relativeError (model: Model) (e: Expr) (exact: Expr) (points: float[][]) =
        let a = evaluate model e points
        let b = evaluate model exact points
        let diff = Array.map2 (fun p q -> (p - q) ** 2.0) a b |> Array.sum
        let norm = b |> Array.sumBy (fun q -> q * q)

        if norm = 0.0 then sqrt diff else sqrt (diff / norm)

    /// mean |r|, max |r| and √(mean r²) of every term (equations, boundary conditions — i.e. boundary errors —,
    /// data) on the points of `d` (e.g. a fresh discretization with another seed).
    let residuals (model: Model) (d: Discretization) : ResidualStatistics list =
        let network = Objective.network<float> model.Network model.NetworkSeed
        use loss = Objective.loss d network 0.0 None

        loss.Residuals(ReadOnlySpan(theta model))
        |> Array.map (fun (t, _, r) -> ResidualStatistics.ofValues t.Name r)
        |> List.ofArray
