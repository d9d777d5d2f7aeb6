/// The conditions of a problem lowered for the classical solver: checked by the PINN's own lowering pass (a residual
/// means the same to the loss and to the finite differences), with the fields as the unknowns (hard constraints
/// become boundary values, HardConstraint), and the reasons when the problem has no square finite-difference form.
module Pde.FSharp.Classical.ConditionLowering

open System
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Symbolic
open Pde.FSharp.Problems

let private parameterIndices (n: Node) : Set<int> =
    Node.leaves n
    |> List.choose (fun leaf ->
        match leaf with
        | Node.P k -> Some k
        | _ -> None)
    |> Set.ofList

/// A condition lowered: where it holds, its residual, and for a hard constraint the factor that must vanish
/// where it holds.
type LoweredCondition =
    {
        /// The condition as written (or made from a hard constraint).
        Condition: Condition
        /// Its boundary selection; None for an interior equation.
        Selection: Boundary option
        /// The lowered residual.
        Residual: Node
        /// For a hard constraint, the factor T(1) − T(0) that vanishes where it fixes the field.
        Factor: Node option
    }

let private isEquation (c: Condition) =
    match c.Placement with
    | Interior -> true
    | _ -> false

/// Why the problem has no square finite-difference form (empty when it has one).
let private problems (problem: Problem) (lowering: Lowering) =
    let equations = problem.Conditions |> List.filter isEquation |> List.length

    [
        yield! Lowering(problem.Scope, problem.Transforms).TransformProblems

        for c in problem.Conditions do
            match c.Placement with
            | Observations _ ->
                yield
                    sprintf
                        "%s: observed data cannot be imposed by the classical solver (one row per field and node)"
                        c.Name
            | Interior -> yield! lowering.Problems(c.Name, c.Residual, false)
            | OnBoundary b ->
                yield! lowering.Problems(c.Name, c.Residual, true)

                try
                    Boundary.pieces problem.Domain b |> ignore
                with :? ProblemError as e ->
                    yield! e.Problems

        if equations <> problem.Fields.Length then
            yield
                sprintf
                    "the classical solver needs one interior equation per field: %d equations for %d fields (%s)"
                    equations
                    problem.Fields.Length
                    (String.Join(", ", problem.Fields))
    ]

/// The parameters read without a value in `parameters`, one sentence each.
let private missingParameters
    (problem: Problem)
    (parameters: Map<string, float>)
    (lowered: LoweredCondition list)
    =
    let names = problem.Parameters |> List.map fst |> Array.ofList

    lowered
    |> List.collect (fun l ->
        Set.union
            (parameterIndices l.Residual)
            (Option.fold (fun _ f -> parameterIndices f) Set.empty l.Factor)
        |> Set.toList
        |> List.filter (fun k -> not (parameters.ContainsKey names[k]))
        |> List.map (fun k -> sprintf "%s: parameter '%s' has no value" l.Condition.Name names[k]))

let private lowerAll (problem: Problem) (parameters: Map<string, float>) =
    let lowering = Lowering(problem.Scope, Map.empty)
    let equations = problem.Conditions |> List.filter isEquation

    let boundary =
        problem.Conditions
        |> List.choose (fun c ->
            match c.Placement with
            | OnBoundary b -> Some(c, b)
            | _ -> None)

    match problems problem lowering with
    | [] ->
        let entry (c: Condition) selection factor =
            {
                Condition = c
                Selection = selection
                Residual = lowering.Lower(c.Name, c.Residual, Option.isSome selection)
                Factor = factor |> Option.map (fun f -> lowering.Lower(c.Name, f, true))
            }

        let lowered =
            (equations |> List.map (fun c -> entry c None None))
            @ (boundary |> List.map (fun (c, b) -> entry c (Some b) None))
            @ (HardConstraint.conditions problem
               |> List.map (fun (c, factor) -> entry c (Some Boundary.all) (Some factor)))

        match missingParameters problem parameters lowered with
        | [] ->
            let values =
                problem.Parameters
                |> List.map (fun (n, _) -> parameters.TryFind n |> Option.defaultValue nan)
                |> Array.ofList

            Ok(lowered, equations.Length, values)
        | missing ->
            Error(
                String.Join("; ", missing)
                + " (an inverse problem's trainable parameters need the trained values: CertifyOptions.Parameters)"
            )
    | errors -> Error(String.Join("; ", errors))

/// The lowered conditions (equations first, then boundary conditions and hard constraints, each in problem order),
/// the number of equations and the parameter values in the problem's order; or the reasons, joined, why the problem
/// cannot be compiled (data terms, derivatives above second order, equations ≠ fields, parameters without values).
let lower (problem: Problem) (parameters: Map<string, float>) =
    try
        lowerAll problem parameters
    with :? ProblemError as e ->
        Error(String.Join("; ", e.Problems))
