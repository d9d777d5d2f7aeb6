/// The resolution rule of `Certify.defaults`: how many cells the coarse grid gets so that the problem's data are
/// resolved — doubled from m₀ while they are not (`dataResolved`), up to the band LU's cap (`maxFactorDoubles`,
/// estimated by `factorDoubles`).
module Pde.FSharp.Classical.ResolutionRule

open Pde.FSharp.Problems
open Pde.FSharp.Symbolic

/// How closely the data interpolated from the coarse grid must match them on the finer one (relative L²): 5%, half the
/// distinctness threshold NearDistance (0.1) the judge certifies with. Cubic interpolation of a wave e^{iκx} errs by
/// ≈ 3(κh)⁴/128 at the midpoints, so data within 5% have κh ≲ 1.2 on the coarse grid, and a solution that oscillates
/// like its data has a second-order error ≈ (κh/2)²/12 ≲ 3% on the fine grid (h halved) — a third of NearDistance, so
/// the judge's own error cannot decide a verdict. Measured on the paper's PDE (docs/classical.md, "Resolving the
/// data"): data within 2.6% (k = 10, 64 cells) and 3.0% (k = 20, 128 cells) gave Richardson estimates of 0.016 and
/// 0.022 on the fine grid; 26% (k = 20, 64 cells) gave 0.115. A stricter 1% doubled k = 10 to 129/257 nodes for an
/// estimate of 0.0037, each band factorisation 10× dearer (1.38 s against 0.14 s, blocked).
let dataTolerance = 0.05

/// The problem's data (FdCompile.data: the sources of its equations) interpolated from the grid of `cells` cells to a
/// grid of 2·cells + 1 cells, against their values there: per equation the L² norm of the difference and of the data
/// (None when the problem cannot be compiled). The finer grid is not nested in the coarse one (spacings in the ratio
/// (2m + 1)/m): on nested grids, data whose wavenumber is a multiple of 2π/h of the finer grid alias to the same slow
/// wave on both and would pass (sin(2π·64·x) is 0 at every node of 33 and of 65 nodes across [0, 1]).
let private dataMisfits (problem: Problem) (parameters: Map<string, float>) (cells: int) =
    match
        FdCompile.data problem parameters (cells + 1), FdCompile.data problem parameters (2 * cells + 2)
    with
    | Ok(coarse, dc), Ok(fine, df) ->
        let norm = Newton.norm fine.Weights

        List.map2
            (fun (c: float[]) (f: float[]) ->
                norm (Array.map2 (-) (coarse.Interpolate c fine.Points) f), norm f)
            dc
            df
        |> Some
    | _ -> None

/// The data's largest relative interpolation error with `cells` cells (`dataMisfits`; 0 for data that vanish, NaN
/// when the problem cannot be compiled): what `dataResolved` holds against `dataTolerance`.
let dataError (problem: Problem) (parameters: Map<string, float>) (cells: int) =
    match dataMisfits problem parameters cells with
    | Some misfits -> misfits |> List.fold (fun m (e, f) -> if e = 0.0 then m else max m (e / f)) 0.0
    | None -> nan

/// Whether the problem's data are resolved with `cells` cells: every equation's misfit (`dataMisfits`) at most
/// `dataTolerance` of its data (relative L², absolute below 1e-12); a problem that cannot be compiled counts as
/// resolved (the compile error surfaces in certify).
let private dataResolved (problem: Problem) (parameters: Map<string, float>) (cells: int) =
    match dataMisfits problem parameters cells with
    | Some misfits -> misfits |> List.forall (fun (e, f) -> e <= dataTolerance * f + 1e-12)
    | None -> true

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
