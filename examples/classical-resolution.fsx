// The certification grid of oscillatory data and the blocked band LU (docs/classical.md, "Resolving the data"):
// 1. the default grids (Certify.defaults) of the built-in problems; 2. the band LU, column by column against blocked,
// on the paper's PDE at k = 20 (the Jacobian at sin²(k r²)), alternating, medians of wall and process CPU time, and
// whether the two solves agree bit for bit; 3. Certify.solve at k = 10 and 20 from the radial shooting solution.
// Build first: dotnet build src/EcdPde.Cli -c Release      Run: dotnet fsi examples/classical-resolution.fsx [lu|solve|grids]
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open System
open System.Diagnostics
open Pde.FSharp.Classical
open Pde.Discovery

let parts =
    match fsi.CommandLineArgs |> Array.tail with
    | [||] -> set [ "grids"; "lu"; "solve" ]
    | a -> set a

let cpu () =
    Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds

let median (xs: float list) = (List.sort xs)[xs.Length / 2]

/// Wall and CPU seconds of f.
let timed f =
    let w, c = Stopwatch.StartNew(), cpu ()
    let r = f ()
    r, w.Elapsed.TotalSeconds, cpu () - c

if parts.Contains "grids" then
    for name, problem in
        [
            "paper-pde k = 2", BuiltInExamples.paperProblem 2.0
            "paper-pde k = 5", BuiltInExamples.paperProblem 5.0
            "paper-pde k = 10", BuiltInExamples.paperProblem 10.0
            "paper-pde k = 20", BuiltInExamples.paperProblem 20.0
            "bratu λ = 6", BuiltInExamples.bratuProblem 6.0
            "allen-cahn ε = 0.15", BuiltInExamples.allenCahnProblem 0.15
            "allen-cahn ε = 0.1", BuiltInExamples.allenCahnProblem 0.1
        ] do
        let o, wall, _ = timed (fun () -> Certify.defaults problem)
        let parameters = problem.Parameters |> Map.ofList
        let dataError = ResolutionRule.dataError problem parameters

        printfn
            "%-20s coarse %4d  fine %4d nodes across  (rule %.2f s); data error at 32 / 64 / 128 cells: %.3g / %.3g / %.3g"
            name
            o.Resolution
            o.FineResolution
            wall
            (dataError 32)
            (dataError 64)
            (dataError 128)

let manufactured (k: float) =
    fun (_: string) (p: float[][]) -> p |> Array.map (fun q -> sin (k * (q[0] * q[0] + q[1] * q[1])) ** 2.0)

if parts.Contains "lu" then
    let k = 20.0
    let problem = BuiltInExamples.paperProblem k

    // warm-up: both factorisations compiled to their final tier before timing
    match FdCompile.compile problem Map.empty 65 with
    | Ok s ->
        for _ in 1..40 do
            (s.Matrix(s.Sample(manufactured k))).Factor()
            (s.Matrix(s.Sample(manufactured k))).FactorUnblocked()
    | Error e -> failwith e

    for nodes, reps in [ 65, 5; 129, 5; 257, 3 ] do
        match FdCompile.compile problem Map.empty nodes with
        | Error e -> failwith e
        | Ok s ->
            let u = s.Sample(manufactured k)
            let b = Array.init s.System.Size (fun i -> sin (float i))
            let old, blocked = ResizeArray(), ResizeArray()
            let mutable same = true

            for _ in 1..reps do
                let a = s.Matrix u
                let _, w1, c1 = timed (fun () -> a.FactorUnblocked())
                old.Add(w1, c1)
                let m = s.Matrix u
                let _, w2, c2 = timed (fun () -> m.Factor())
                blocked.Add(w2, c2)
                same <- same && (a.Solve(Array.copy b) = m.Solve(Array.copy b))

            let lower, upper = s.Band
            let med (xs: ResizeArray<float * float>) f = median [ for x in xs -> f x ]

            printfn
                "%d nodes across (%s): %d unknowns, band %d/%d; column by column %.3f s wall %.3f s CPU; blocked %.3f s wall %.3f s CPU (×%.1f CPU); bit-identical solves: %b"
                nodes
                s.Grid.Description
                s.System.Size
                lower
                upper
                (med old fst)
                (med old snd)
                (med blocked fst)
                (med blocked snd)
                (med old snd / med blocked snd)
                same

if parts.Contains "solve" then
    for k in [ 10.0; 20.0 ] do
        let problem = BuiltInExamples.paperProblem k
        let steps = max 4000 (int (1000.0 * k))
        let a = RadialPaperPde.shootingRoots k steps -30.0 30.0 600 |> List.minBy abs
        let shot = RadialPaperPde.shotProfile k steps a

        let radial =
            fun (_: string) (p: float[][]) ->
                p
                |> Array.map (fun q ->
                    RadialPaperPde.interpolate k shot[0 .. steps - 1] (sqrt (q[0] * q[0] + q[1] * q[1])))

        let options = Certify.defaults problem

        match timed (fun () -> Certify.solve problem options radial) with
        | Error f, wall, _ -> printfn "k = %g: %s (%.1f s)" k f.Reason wall
        | Ok s, wall, c ->
            let d =
                match Certify.judge options s with
                | Certify.Certified(_, d) -> sprintf "Certified at %.4f" d
                | Certify.Moved(_, d) -> sprintf "Moved, %.4f" d
                | Certify.NotCertified r -> r

            printfn
                "k = %g (shooting u(0) = %.5f), grids %d/%d: %s from the shooting solution; error estimate %.4f; fine Newton %d iterations; Certify.solve %.1f s wall, %.1f s CPU"
                k
                a
                options.Resolution
                options.FineResolution
                d
                (Certify.judge options s
                 |> function
                     | Certify.Certified(x, _)
                     | Certify.Moved(x, _) -> x.ErrorEstimate
                     | _ -> nan)
                s.Solution.Iterations
                wall
                c
