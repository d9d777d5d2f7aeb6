namespace Pde.FSharp.Geometry

open System
open Pde.FSharp.Language

/// <summary>
/// A selection of boundary parts on which a condition holds: every part, named parts (part names or tags), and
/// optionally only the points satisfying a predicate. Build it with the <c>Boundary</c> module.
/// </summary>
[<NoEquality; NoComparison>]
type Boundary =
    {
        /// Part names or tags; None = the whole boundary.
        Parts: string list option
        /// A description and a test of the point (coordinates in input order); None = every point.
        Where: (string * (float[] -> bool)) option
    }

    /// How the selection reads in names and messages.
    member b.Description =
        let parts =
            match b.Parts with
            | None -> "boundary"
            | Some ps -> String.Join("+", ps)

        match b.Where with
        | None -> parts
        | Some(text, _) -> sprintf "%s where %s" parts text

/// Selections of boundary parts.
[<RequireQualifiedAccess>]
module Boundary =
    /// The whole boundary.
    let all = { Parts = None; Where = None }

    /// One named part (bottom/right/top/left, circle, inner/outer, edgeK, initial/final) or a Domain.tag.
    let part (name: string) = { Parts = Some [ name ]; Where = None }

    /// Several named parts.
    let parts (names: string list) = { Parts = Some names; Where = None }

    /// The points of the whole boundary where `test` holds (`description` names it in messages).
    let where (description: string) (test: float[] -> bool) =
        {
            Parts = None
            Where = Some(description, test)
        }

    /// The pieces of `domain` the selection covers, each cut to the selected points. Raises ProblemError for a
    /// part name the domain does not have.
    let pieces (domain: Domain) (selection: Boundary) : BoundaryPiece list =
        let all = BoundaryPiece.ofDomain domain

        let chosen =
            match selection.Parts with
            | None -> all
            | Some names ->
                let known = all |> List.collect (fun p -> p.Name :: p.Tags) |> List.distinct

                for n in names do
                    if not (all |> List.exists (BoundaryPiece.answersTo n)) then
                        raise (
                            ProblemError(
                                sprintf
                                    "unknown boundary part '%s' (the domain's parts are: %s)"
                                    n
                                    (String.Join(", ", known))
                            )
                        )

                all
                |> List.filter (fun p -> names |> List.exists (fun n -> BoundaryPiece.answersTo n p))

        match selection.Where with
        | None -> chosen
        | Some(_, test) ->
            chosen
            |> List.map (fun p ->
                { p with
                    Keep = fun q n -> p.Keep q n && test q
                })
