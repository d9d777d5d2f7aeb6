// Deflated continuation of the BBI paper's PDE −Δu + u² = f_k(r) on the unit disk (u = sin²k on the circle) along k:
// a discovery at k = 2 finds both radial solutions (sin²(k r²) and the bowl), then every branch is followed by
// networks warm-started from the previous k, certified by Newton at every k, with deflated runs picking up branches
// that appear. u(0) of every branch is compared with the radial solutions (shooting + finite differences).
// Build first: dotnet build src/EcdPde.Cli -c Release
// Run: K_STOP=6 K_STEP=1 dotnet fsi examples/continuation.fsx     (K_STOP default 4; minutes per value on 2 cores)
#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"

open System
open System.IO
open Ecd.Core.Engine
open Pde.FSharp.Training
open Pde.Discovery

let setting (name: string) (fallback: float) =
    match Environment.GetEnvironmentVariable name with
    | null
    | "" -> fallback
    | v -> Double.Parse(v, Globalization.CultureInfo.InvariantCulture)

let kStart, kStop, kStep = 2.0, setting "K_STOP" 4.0, setting "K_STEP" 1.0
let path = ParameterPath.create "k" kStart kStop kStep

// One network for the whole path (a warm start needs the same weights along it), sized for the path's largest k.
// Rule, from what k does to the problem: the source f_k and the solution sin²(k r²) = (1 − cos 2kr²)/2 oscillate with
// the local wavenumber d(2kr²)/dr = 4kr, at most 4k at r = 1, i.e. 2k/π cycles per unit length. Random Fourier
// features (Tancik et al. 2020) with frequencies drawn from N(0, σ²), σ = k_max/π (the band's half-width, so that
// most of the drawn frequencies lie inside the band [0, 2k_max/π]), 32 of them, in front of the default tanh 32³.
let network =
    Architecture.mlp [ 32; 32; 32 ] Activation.Tanh
    |> Architecture.withFourierFeatures 32 (kStop / Math.PI)

let family: Continuation.Family =
    {
        Parameter = "k"
        At = BuiltInExamples.family "paper-pde" BuiltInExamples.Default Map.empty "k"
    }

let settings =
    { snd (family.At kStart) with
        Network = network
        OutDir = Some(Path.Combine("out", "continue", sprintf "paper-pde-k%g-%g" kStart kStop))
    }

let clock = Diagnostics.Stopwatch.StartNew()

let file, filePath =
    Continuation.run family path settings (Discovery.progressPrinter (TimeSpan.FromSeconds 30.0)) (fun v ->
        printfn
            "k = %g: %s  (%.0f s)"
            v.Value
            (v.Branches
             |> List.map (fun b -> sprintf "branch %d %s u(0) %.4f" b.Branch b.Status b.Probe)
             |> String.concat "; ")
            clock.Elapsed.TotalSeconds)

// u(0) of every radial solution at a k (the example's own classical check: shooting + finite differences)
let radial (k: float) =
    let _, s = BuiltInExamples.paperPde BuiltInExamples.Default k
    s.Classical.Value [| [| 0.0; 0.0 |] |] |> List.map (fun (_, v) -> v[0])

printfn
    "\n%6s %7s %10s %12s %12s %12s %10s"
    "k"
    "branch"
    "status"
    "network u(0)"
    "Newton u(0)"
    "radial u(0)"
    "rel. error"

for v in file.Values do
    let radials = radial v.Value

    for b in v.Branches do
        let nearest = radials |> List.minBy (fun r -> abs (r - b.Probe))
        let scale = max (abs nearest) 1.0

        printfn
            "%6g %7d %10s %12.4f %12.4f %12.4f %10.2g"
            v.Value
            b.Branch
            b.Status
            b.Probe
            b.Certification.ClassicalProbe
            nearest
            (abs (b.Probe - nearest) / scale)

printfn
    "\n%s (%.0f s); `ecdpde report %s` draws the bifurcation diagram"
    filePath
    clock.Elapsed.TotalSeconds
    (Path.GetDirectoryName filePath)
