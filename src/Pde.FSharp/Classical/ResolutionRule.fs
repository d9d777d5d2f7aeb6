/// The resolution rule of `Certify.defaults`: how many cells the coarse grid gets so that the problem's data are
/// resolved — doubled from m₀ while they are not (`dataResolved`), up to the band LU's cap (`maxFactorDoubles`,
/// estimated by `factorDoubles`).
module Pde.FSharp.Classical.ResolutionRule

open Pde.FSharp.Problems
open Pde.FSharp.Symbolic

/// Whether the problem's data (FdCompile.data: the sources of its equations) are resolved with `cells` cells: their
/// values interpolated from that grid to a grid of 2·cells + 1 cells differ from the values there by at most 1%
/// (relative L², absolute below 1e-12). The finer grid is not nested in the coarse one (spacings in the ratio
/// (2m + 1)/m): on nested grids, data whose wavenumber is a multiple of 2π/h of the finer grid alias to the same
/// slow wave on both and would pass (sin(2π·64·x) is 0 at every node of 33 and of 65 nodes across [0, 1]).
let private dataResolved (problem: Problem) (parameters: Map<string, float>) (cells: int) =
    match
        FdCompile.data problem parameters (cells + 1), FdCompile.data problem parameters (2 * cells + 2)
    with
    | Ok(coarse, dc), Ok(fine, df) ->
        List.forall2
            (fun (c: float[]) (f: float[]) ->
                let interpolated = coarse.Interpolate c fine.Points
                let norm = Newton.norm fine.Weights
                norm (Array.map2 (-) interpolated f) <= 0.01 * norm f + 1e-12)
            dc
            df
    | _ -> true // the compile error surfaces in certify

/// The largest band LU that `Certify.defaults` lets the fine grid need: 2^27 doubles (1 GiB). The band storage of N unknowns
/// with b sub- and b super-diagonals is N·(3b + 1) doubles (LAPACK gbtrf's layout: the pivoting widens the upper band
/// by b), its factorization N·b·2b multiply-adds; one doubling of the cells multiplies both by 8 (4× the nodes, 2×
/// the band), so this cap admits a one-field disk or square at 257 nodes across (0.4–0.5 GiB) and not at 513 (3–4 GiB).
let maxFactorDoubles = 1 <<< 27

/// The band storage (doubles, see maxFactorDoubles) of the problem's system on the grid of `nodes` nodes across:
/// N = grid nodes × F unknowns, b = F × the reach of the Laplacian's stencil at an interior node (one ring of a
/// polar grid, one row of a rectangle grid). A normal derivative on a boundary can double the lower band there; the
/// interior reach is what every problem on the grid needs. Infinite for a domain without a grid (nothing to double).
let factorDoubles (problem: Problem) (nodes: int) =
    match DomainGrid.ofDomain problem.Domain nodes with
    | Error _ -> infinity
    | Ok g ->
        let fields = problem.Fields.Length
        let middle = g.Count / 2

        let reach =
            g.Jet middle CollapsedLaplacian
            |> Array.fold (fun r (k, _) -> max r (abs (k - middle))) 0

        let band = fields * (reach + 1) - 1
        float (g.Count * fields) * float (3 * band + 1)

/// The coarse grid's cells (Certify.defaults): m₀ = round(32/F^¾) (at least 12), doubled while the problem's data are not resolved
/// (dataResolved) and the fine grid of the doubled count (4m + 1 nodes) stays within maxFactorDoubles.
let cells (problem: Problem) (parameters: Map<string, float>) =
    let mutable cells =
        max 12 (int (round (32.0 / float problem.Fields.Length ** 0.75)))

    while not (dataResolved problem parameters cells)
          && factorDoubles problem (4 * cells + 1) <= float maxFactorDoubles do
        cells <- 2 * cells

    cells
