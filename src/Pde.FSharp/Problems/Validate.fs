/// The checks of a problem before anything is sampled or trained: every problem found is reported at once, each
/// naming the condition, symbol or value at fault.
module Pde.FSharp.Problems.Validate

open System
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Symbolic

/// Everything wrong with `problem` (empty when it can be discretized).
let problems (problem: Problem) : string list =
    let scope = problem.Scope
    let lowering = Lowering(scope, problem.Transforms)
    let d = Domain.dimension problem.Domain

    let attempt (f: unit -> unit) =
        try
            f ()
            []
        with :? ProblemError as e ->
            e.Problems

    [
        if problem.Conditions.IsEmpty then
            yield "the problem has no equations, boundary conditions or data"

        for KeyValue(name, v) in problem.Constants do
            if not (Double.IsFinite v) then
                yield sprintf "constant '%s' is %g (not finite)" name v

        for (name, v) in problem.Parameters do
            if not (Double.IsFinite v) then
                yield sprintf "parameter '%s' starts at %g (not finite)" name v

            if List.contains name problem.Fields then
                yield sprintf "'%s' is declared both as a field and as a parameter" name

        yield! lowering.TransformProblems

        // An empty domain shows in the first interior point.
        yield! attempt (fun () -> Sampling.interior problem.Domain Halton 1 0UL "the domain check" |> ignore)

        for c in problem.Conditions do
            if not (Double.IsFinite c.Weight) || c.Weight < 0.0 then
                yield sprintf "%s: weight %g must be finite and ≥ 0" c.Name c.Weight

            match c.Points with
            | Some n when n < 1 ->
                yield sprintf "zero points: %s asks for %d points (need at least 1)" c.Name n
            | _ -> ()

            match c.Placement with
            | Interior -> yield! lowering.Problems(c.Name, c.Residual, false)
            | OnBoundary b ->
                yield! attempt (fun () -> Boundary.pieces problem.Domain b |> ignore)
                yield! lowering.Problems(c.Name, c.Residual, true)
            | Observations(points, values) ->
                if points.Length = 0 then
                    yield sprintf "zero points: %s has no observation points" c.Name

                if points.Length <> values.Length then
                    yield sprintf "%s: %d points but %d observed values" c.Name points.Length values.Length

                match points |> Array.tryFindIndex (fun p -> p.Length <> d) with
                | Some i ->
                    yield
                        sprintf
                            "dimension mismatch: observation point %d of %s has %d coordinates, the domain has %d (%s)"
                            i
                            c.Name
                            points[i].Length
                            d
                            (String.Join(", ", scope.Coordinates))
                | None -> ()

                if points |> Array.exists (Array.exists (Double.IsFinite >> not)) then
                    yield sprintf "%s: an observation point has a NaN or infinite coordinate" c.Name

                if values |> Array.exists (Double.IsFinite >> not) then
                    yield sprintf "%s: an observed value is NaN or infinite" c.Name

                yield! lowering.Problems(c.Name, c.Residual, false)
    ]
    |> List.distinct

/// Raises ProblemError listing every problem of `problem`, if there is any.
let check (problem: Problem) =
    match problems problem with
    | [] -> ()
    | ps -> raise (ProblemError ps)

/// What is suspicious about `problem` although it can be trained: equations with no boundary condition and no data
/// (their solutions are not unique, so training reaches one of many fields without saying which).
let warnings (problem: Problem) : string list =
    let has placement =
        problem.Conditions |> List.exists (fun c -> placement c.Placement)

    [
        if
            has (fun p ->
                match p with
                | Interior -> true
                | _ -> false)
            && not (
                has (fun p ->
                    match p with
                    | OnBoundary _
                    | Observations _ -> true
                    | Interior -> false)
            )
        then
            yield
                "the problem has no boundary condition and no data: its solution is not unique, so training ends at one of many fields"
    ]
