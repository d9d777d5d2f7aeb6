/// The classical strategy of the multi-solution study: deflated Newton on an example's finite-difference system.
module EcdPde.Studies.NewtonStrategy

open System.Diagnostics
open Pde.FSharp.Classical
open EcdPde.Studies.PdeProblem

/// The classical finite-difference system of an example, its unknowns' count and the map of a solution to the
/// example's grid.
let classicalSystem (e: Example) =
    let parameter name =
        e.Parameters |> List.find (fun (k, _) -> k = name) |> snd

    match e.Name with
    | "paper-pde" ->
        let k = parameter "k"
        let n = 800
        let system, _ = RadialPaperPde.system k n

        system,
        n,
        fun (u: float[]) ->
            e.Grid
            |> Array.map (fun p -> RadialPaperPde.interpolate k u (sqrt (p[0] * p[0] + p[1] * p[1])))
    | "bratu" ->
        let n = 63
        let system = Bratu.system2D (parameter "lambda") n
        system, n * n, fun (u: float[]) -> e.Grid |> Array.map (fun p -> Semilinear.interpolate n u p[0] p[1])
    | other -> invalidArg "example" (sprintf "no classical system for the example '%s'" other)

/// Deflated Newton from the constant guesses: the distinct solutions on the example's grid, the residual
/// evaluations and the seconds.
let runNewton (e: Example) (guesses: float list) =
    let clock = Stopwatch.StartNew()
    let system, n, toGrid = classicalSystem e

    let found, evaluations =
        Newton.deflate Newton.NewtonOptions.Default 8 system (guesses |> List.map (fun c -> Array.create n c))

    found |> List.map toGrid, int64 evaluations, clock.Elapsed.TotalSeconds
