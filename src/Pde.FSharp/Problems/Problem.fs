namespace Pde.FSharp.Problems

open Pde.FSharp.Language
open Pde.FSharp.Geometry

/// <summary>
/// A PDE problem as a value: the domain, the unknown fields (network outputs, in order), named constants,
/// trainable parameters with their starting values, hard-constraint transforms, and the conditions (equations,
/// boundary conditions, data) whose weighted mean squares make the loss. Build it with the <c>Problem</c> module;
/// <c>Validate</c> checks it.
/// </summary>
[<NoEquality; NoComparison>]
type Problem =
    {
        /// The domain.
        Domain: Domain
        /// Unknown fields, in network output order.
        Fields: string list
        /// Named constants.
        Constants: Map<string, float>
        /// Trainable scalars and their starting values, in θ order (after the network weights).
        Parameters: (string * float) list
        /// Hard constraints: field ↦ its expression in raw(field) (u = g + d·N).
        Transforms: Map<string, Expr>
        /// Equations, boundary conditions and data, in order.
        Conditions: Condition list
    }

    /// The symbols of the problem.
    member p.Scope: Scope =
        let coordinates = Domain.coordinates p.Domain

        {
            Coordinates = coordinates
            Spatial = coordinates |> List.filter ((<>) "t")
            Fields = p.Fields
            Constants = p.Constants
            Parameters = p.Parameters |> List.map fst
        }

/// Building problems step by step (pipe style).
[<RequireQualifiedAccess>]
module Problem =
    /// A problem on `domain` with the given unknown fields (made with `field`).
    let create (domain: Domain) (fields: Expr list) =
        let names =
            fields
            |> List.map (fun f ->
                match f with
                | Field name -> name
                | other ->
                    raise (
                        ProblemError(sprintf "Problem.create expects fields made with `field`, got %O" other)
                    ))

        if names.IsEmpty then
            raise (ProblemError "a problem needs at least one field")

        match names |> List.countBy id |> List.tryFind (fun (_, c) -> c > 1) with
        | Some(n, _) -> raise (ProblemError(sprintf "field '%s' is declared twice" n))
        | None -> ()

        {
            Domain = domain
            Fields = names
            Constants = Map.empty
            Parameters = []
            Transforms = Map.empty
            Conditions = []
        }

    /// Adds a condition; a name already used gets a suffix #2, #3, ….
    let add (c: Condition) (p: Problem) =
        let taken = p.Conditions |> List.map (fun c -> c.Name) |> set

        let name =
            if not (taken.Contains c.Name) then
                c.Name
            else
                Seq.initInfinite (fun i -> sprintf "%s#%d" c.Name (i + 2))
                |> Seq.find (taken.Contains >> not)

        { p with
            Conditions = p.Conditions @ [ { c with Name = name } ]
        }

    /// Adds the PDE residual = 0 in the interior (named "equation", "equation#2", …).
    let equation (residual: Expr) (p: Problem) = add (Condition.equation residual) p

    /// Adds u = g on the selected boundary.
    let dirichlet (on: Boundary) (u: Expr) (g: Expr) (p: Problem) = add (Condition.dirichlet on u g) p

    /// Adds ∂u/∂n = g on the selected boundary.
    let neumann (on: Boundary) (u: Expr) (g: Expr) (p: Problem) = add (Condition.neumann on u g) p

    /// Adds a·u + b·∂u/∂n = g on the selected boundary.
    let robin (on: Boundary) (a: Expr) (b: Expr) (u: Expr) (g: Expr) (p: Problem) =
        add (Condition.robin on a b u g) p

    /// Adds observed values of `e` at `points`.
    let data (e: Expr) (points: float[][]) (values: float[]) (p: Problem) =
        add (Condition.data e points values) p

    /// Gives the named constant a value.
    let constant (name: string) (value: float) (p: Problem) =
        { p with
            Constants = p.Constants.Add(name, value)
        }

    /// Declares a trainable scalar with its starting value (replaces an earlier declaration of the same name).
    let parameter (name: string) (initial: float) (p: Problem) =
        { p with
            Parameters = (p.Parameters |> List.filter (fst >> (<>) name)) @ [ name, initial ]
        }

    /// A hard constraint: `u` becomes `transform (raw u)`, e.g. `fun n -> g + d * n` with d = 0 on the boundary,
    /// so that u = g there whatever the network does.
    let hardConstraint (u: Expr) (transform: Expr -> Expr) (p: Problem) =
        match u with
        | Field name ->
            { p with
                Transforms = p.Transforms.Add(name, transform (Raw name))
            }
        | other -> raise (ProblemError(sprintf "hardConstraint expects a field, got %O" other))

    /// Sets the weight of the named condition.
    let weight (name: string) (w: float) (p: Problem) =
        if not (p.Conditions |> List.exists (fun c -> c.Name = name)) then
            raise (
                ProblemError(
                    sprintf
                        "no condition named '%s' (conditions: %s)"
                        name
                        (System.String.Join(", ", p.Conditions |> List.map (fun c -> c.Name)))
                )
            )

        { p with
            Conditions =
                p.Conditions
                |> List.map (fun c -> if c.Name = name then { c with Weight = w } else c)
        }
