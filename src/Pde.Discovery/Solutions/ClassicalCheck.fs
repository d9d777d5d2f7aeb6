/// The user's classical check of discovered solutions: every distinct solution beside the nearest of the classical
/// solutions the settings supply (relative L² distance on the evaluation grid), and the round it was first found in.
/// The automatic certification (finite differences + Newton from every solution) is separate: Certification.
module Pde.Discovery.ClassicalCheck

open Pde.Discovery.Solutions
open Pde.Discovery.Subject

/// A distinct solution with its classical check.
type Found =
    {
        Solution: DistinctSolution
        /// The nearest user-supplied classical solution and the relative L² distance to it on the grid
        /// ("no classical check given", NaN when the settings supply none).
        Classical: string * float
        /// Round in which it was first found (0 = bounces only).
        Round: int
    }

/// Every distinct solution with its nearest user-supplied classical solution and the round it was first found in. The
/// distance is relative to the larger of the two fields (at least `minFloor`), as certification measures: not to the
/// largest solution found (the floor that sameness uses), which made a k = 20 field 0.376 from sin²(20r²) read 0.0755
/// beside the bowl, five times larger.
let checkAll (subject: Subject) (minFloor: float) (solutions: DistinctSolution list) =
    let classical =
        match subject.Classical with
        | Some solve -> solve subject.Grid
        | None -> []

    let floor = max minFloor 1e-12

    solutions
    |> List.map (fun sol ->
        let check =
            classical
            |> List.map (fun (desc, values) ->
                if values.Length <> sol.Representative.Values.Length then
                    invalidArg
                        "classical"
                        (sprintf
                            "the classical solution '%s' has %d values; the evaluation grid has %d points × %d field(s)"
                            desc
                            values.Length
                            subject.Grid.Length
                            subject.Fields.Length)

                desc, values)
            |> List.map (fun (desc, values) ->
                desc, relativeDistance subject.Weights floor sol.Representative.Values values)
            |> List.sortBy snd
            |> List.tryHead
            |> Option.defaultValue (
                (if subject.Classical.IsSome then
                     "no classical solution"
                 else
                     "no classical check given"),
                nan
            )

        {
            Solution = sol
            Classical = check
            Round = (sol.Members |> List.map (fun c -> c.Run) |> List.min).Round
        })
