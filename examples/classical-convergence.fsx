// The classical finite-difference compiler on manufactured solutions: observed convergence orders (max-norm node
// error as the resolution doubles) and the time of one Newton step's linear algebra (Jacobian assembly, banded LU,
// solve) on the fine grids; then a certification and a completion (Bratu at λ = 6). docs/classical.md quotes it.
// Build first: dotnet build src/EcdPde.Cli -c Release      Run: dotnet fsi examples/classical-convergence.fsx
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open System
open System.Diagnostics
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Classical

let u, v = field "u", field "v"
let ue = sin (x + 0.5) * exp (0.3 * y)
let um = exp (x * y) + x
let ud = cos (x + 2.0 * y) + x * y
let va = sin (x * y) + y

/// A closed form as a function of the point (the same formula as its expression).
let at (f: float -> float -> float) (p: float[]) = f p[0] p[1]

let cases =
    [
        "rectangle, Dirichlet + Neumann + Robin",
        Problem.create (Domain.rectangle (0.0, 1.0) (0.0, 2.0)) [ u ]
        |> Problem.equation (-laplacian u + u ** 3 - (-laplacian ue + ue ** 3))
        |> Problem.dirichlet (Boundary.part "left") u ue
        |> Problem.neumann (Boundary.parts [ "bottom"; "right" ]) u (dn ue)
        |> Problem.robin (Boundary.part "top") (num 2.0) (num 0.5) u (2.0 * ue + 0.5 * dn ue),
        [ at (fun x y -> sin (x + 0.5) * exp (0.3 * y)) ]
        "square, mixed derivative u_xy and u·u_x",
        Problem.create Domain.unitSquare [ u ]
        |> Problem.equation (
            -laplacian u + 0.5 * dxy u + u * dx u
            - (-laplacian um + 0.5 * dxy um + um * dx um)
        )
        |> Problem.dirichlet Boundary.all u um,
        [ at (fun x y -> exp (x * y) + x) ]
        "disk, Robin circle, u_xy",
        Problem.create (Domain.disk (0.2, -0.1) 1.0) [ u ]
        |> Problem.equation (-laplacian u + 0.3 * dxy u + u ** 2 - (-laplacian ud + 0.3 * dxy ud + ud ** 2))
        |> Problem.robin (Boundary.part "circle") (num 1.0) (num 1.0) u (ud + dn ud),
        [ at (fun x y -> cos (x + 2.0 * y) + x * y) ]
        "annulus, Dirichlet outer + Neumann inner",
        Problem.create (Domain.annulus (0.0, 0.0) 0.4 1.0) [ u ]
        |> Problem.equation (-laplacian u + dx u + exp u - (-laplacian ud + dx ud + exp ud))
        |> Problem.dirichlet (Boundary.part "outer") u ud
        |> Problem.neumann (Boundary.part "inner") u (dn ud),
        [ at (fun x y -> cos (x + 2.0 * y) + x * y) ]
        "square, two coupled fields",
        Problem.create Domain.unitSquare [ u; v ]
        |> Problem.equation (-laplacian u + v - (-laplacian um + va))
        |> Problem.equation (-laplacian v + u * v - (-laplacian va + um * va))
        |> Problem.dirichlet Boundary.all u um
        |> Problem.dirichlet (Boundary.parts [ "left"; "right" ]) v va
        |> Problem.neumann (Boundary.parts [ "bottom"; "top" ]) v (dn va),
        [ at (fun x y -> exp (x * y) + x); at (fun x y -> sin (x * y) + y) ]
    ]

let compile problem n =
    match FdCompile.compile problem Map.empty n with
    | Ok s -> s
    | Error e -> failwith e

let error (problem: Problem) (exact: (float[] -> float) list) (n: int) =
    let s = compile problem n

    let r =
        Newton.solve Newton.NewtonOptions.Default [] s.System (Array.zeroCreate s.System.Size)

    let e =
        exact
        |> List.mapi (fun k f ->
            Array.map2 (fun p w -> abs (w - f p)) s.Grid.Points (s.Field r.Solution k)
            |> Array.max)
        |> List.max

    s, e

printfn "Observed orders log(e_n/e_2n)/log(h_n/h_2n) of the max-norm node error (n = nodes across):"

for name, problem, exact in cases do
    let results = [ 17; 33; 65 ] |> List.map (fun n -> n, error problem exact n)

    let orders =
        results
        |> List.pairwise
        |> List.map (fun ((_, (s1, e1)), (_, (s2, e2))) ->
            log (e1 / e2) / log (s1.Grid.Spacing / s2.Grid.Spacing))

    printfn
        "  %-42s errors %s   orders %s"
        name
        (String.Join(" ", results |> List.map (fun (n, (_, e)) -> sprintf "%d:%.2e" n e)))
        (String.Join(" ", orders |> List.map (sprintf "%.2f")))

// Timing: the linear algebra of one Newton step at 65 nodes across (the default fine grid of one field), the
// problems alternated in one process, five rounds, medians.
let systems = cases |> List.map (fun (name, problem, _) -> name, compile problem 65)
let times = Collections.Generic.Dictionary<string, ResizeArray<float>>()

for _ in 1..5 do
    for name, s in systems do
        let point = Array.create s.System.Size 0.1
        let sw = Stopwatch.StartNew()
        let solve = s.System.Jacobian point
        solve (Array.create s.System.Size 1.0) |> ignore

        if not (times.ContainsKey name) then
            times[name] <- ResizeArray()

        times[name].Add sw.Elapsed.TotalMilliseconds

printfn "One Newton step's Jacobian assembly + banded LU + solve at 65 nodes across (median of 5):"

for name, s in systems do
    let sorted = times[name] |> Seq.sort |> Array.ofSeq

    printfn
        "  %-42s %-30s %6d unknowns, band %A: %6.0f ms"
        name
        s.Grid.Description
        s.System.Size
        s.Band
        sorted[sorted.Length / 2]

printfn "Load average: %s" (IO.File.ReadAllText "/proc/loadavg" |> fun t -> t.Trim())

// Certification: Bratu at λ = 6 from u = 0 (Moved: 0 is not a solution), then completion finds the upper branch.
let bratu =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (laplacian u + 6.0 * exp u)
    |> Problem.dirichlet Boundary.all u (num 0.0)

let options = Certify.defaults bratu
let zero (_: string) (points: float[][]) = Array.zeroCreate points.Length
let sw = Stopwatch.StartNew()

match Certify.certify bratu options zero with
| Certify.Certified(s, d)
| Certify.Moved(s, d) ->
    let middle = (s.Values "u" [| [| 0.5; 0.5 |] |])[0]

    printfn
        "Bratu λ = 6: u(½, ½) = %.4f, distance from the start %.2f, error estimate %.1e (%d + %d nodes across, %.1f s)"
        middle
        d
        s.ErrorEstimate
        options.Resolution
        options.FineResolution
        sw.Elapsed.TotalSeconds

    for other in Completion.complete bratu options 1 [ s ] [] do
        let middle = (other.Values "u" [| [| 0.5; 0.5 |] |])[0]

        printfn
            "  completion: u(½, ½) = %.4f, error estimate %.1e (%.1f s in all)"
            middle
            other.ErrorEstimate
            sw.Elapsed.TotalSeconds
| Certify.NotCertified reason -> printfn "Bratu: not certified: %s" reason
