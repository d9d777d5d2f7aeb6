/// The classical check of discovered solutions: every distinct solution beside the nearest of the example's classical
/// solutions (relative L² distance on the evaluation grid), and the round it was first found in.
module Pde.Discovery.ClassicalCheck

open Pde.Discovery.Solutions
open Pde.Discovery.Examples

/// A distinct solution with its classical check.
type Found =
    {
        Solution: DistinctSolution
        /// The nearest classical solution and the relative L² distance to it on the grid.
        Classical: string * float
        /// Round in which it was first found (0 = bounces only).
        Round: int
    }

/// Every distinct solution with its nearest classical solution and the round it was first found in.
let checkAll (example: Example) (solutions: DistinctSolution list) =
    let classical = example.Classical()

    solutions
    |> List.map (fun sol ->
        let check =
            classical
            |> List.map (fun (desc, values) ->
                desc, relativeDistance example.Weights example.Magnitude sol.Representative.Values values)
            |> List.sortBy snd
            |> List.tryHead
            |> Option.defaultValue ("no classical solution", nan)

        {
            Solution = sol
            Classical = check
            Round = (sol.Members |> List.map (fun c -> c.Run) |> List.min).Round
        })
