// The PDE language on TorchSharp: a TorchSharp module of our own, trained on a Problem with BBI (the TorchSharp
// optimizer of Ecd.Core.TorchSharp). −Δu = 2π² sin(πx) sin(πy) on the unit square, u = 0 on the boundary.
// Build first: dotnet build src/EcdPde.Cli -c Release      Run: OMP_NUM_THREADS=1 dotnet fsi examples/torch-module.fsx
// TorchSharp's native library must be the build's patched copy (docs/torchsharp.md), loaded before any torch call.
let bin = __SOURCE_DIRECTORY__ + "/../src/EcdPde.Cli/bin/Release/net10.0/"
System.Runtime.InteropServices.NativeLibrary.Load(bin + "runtimes/linux-x64/native/libLibTorchSharp.so")

#load "../src/EcdPde.Cli/bin/Release/net10.0/EcdPde.fsx"
#r "../src/EcdPde.Cli/bin/Release/net10.0/TorchSharp.dll"
#r "../src/EcdPde.Cli/bin/Release/net10.0/Ecd.Core.TorchSharp.dll"
#r "../src/EcdPde.Cli/bin/Release/net10.0/Pde.Torch.dll"

open TorchSharp
open Ecd.Core.Optimizers
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.Torch
open Pde.Torch.Loss

/// Our own module: u(x, y) = x(1−x)·y(1−y)·N(x, y) with N a tanh MLP 2 → 24 → 24 → 1, so u = 0 on the boundary by
/// construction. Any module that maps N × 2 points to N × 1 values (row by row) works.
type Bubble() as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("bubble")
    let f64 = torch.ScalarType.Float64
    let hidden1 = torch.nn.Linear(2L, 24L, dtype = f64)
    let hidden2 = torch.nn.Linear(24L, 24L, dtype = f64)
    let output = torch.nn.Linear(24L, 1L, dtype = f64)
    let one = (1.0).ToScalar()

    do
        this.register_module ("hidden1", hidden1)
        this.register_module ("hidden2", hidden2)
        this.register_module ("output", output)

    override _.forward(p: torch.Tensor) =
        let x, y = p.select (1L, 0L), p.select (1L, 1L)
        // x(1−x)·y(1−y) with tensor operations only (no implicit Scalars: docs/torchsharp.md, Memory)
        let bubble = x.mul(x.neg().add(one)).mul(y.mul (y.neg().add(one))).unsqueeze(1L)
        let n = output.forward ((hidden2.forward ((hidden1.forward p).tanh())).tanh())
        bubble.mul n

let u = field "u"
let exact = sin (pi * x) * sin (pi * y)

let problem =
    Problem.create Domain.unitSquare [ u ]
    |> Problem.equation (-laplacian u - 2.0 * pi * pi * exact)
    |> Problem.dirichlet Boundary.all u (num 0.0)

let d =
    Discretize.run
        { PointSettings.defaults with
            Interior = 400
            Boundary = 100
        }
        problem

torch.set_num_threads 1
torch.manual_seed 1L |> ignore
let model = new Bubble()
let loss = new TorchPinnLoss<float>(d, model, 0.0)

// BBI with the core's options record; every bounce is drawn from the seed.
let options =
    BbiOptions(Lr = 2e-3, DeltaEn = 1.0, Threshold0 = 200, NFixedBounces = 5, Threshold = 2000)

let bbi = new Ecd.Core.TorchSharp.Bbi(loss.Parameters, options, 1UL)

let closure () =
    bbi.zero_grad ()
    let l = loss.Forward()
    l.backward ()
    l

let steps = 3000

for step in 0 .. steps - 1 do
    let r = bbi.Step(System.Func<torch.Tensor>(closure))

    if step % 500 = 0 || r.Status = StepStatus.Bounced then
        printfn "step %5d  loss %.3e  E %.6f  %O %O" step r.Loss r.Energy r.Status r.Events

// The relative L2 error on a grid, by the module itself.
let grid = Sampling.grid Domain.unitSquare 2000

let error =
    use scope = torch.NewDisposeScope()
    use noGrad = torch.no_grad ()
    let points = TensorValues.ofFloats (Array.concat grid) torch.ScalarType.Float64

    let values =
        TensorValues.toFloats (model.forward (points.reshape (int64 grid.Length, 2L)))

    let truth =
        grid
        |> Array.map (fun q -> sin (System.Math.PI * q[0]) * sin (System.Math.PI * q[1]))

    let diff = Array.map2 (fun a b -> (a - b) ** 2.0) values truth |> Array.sum
    sqrt (diff / (truth |> Array.sumBy (fun b -> b * b)))

printfn
    "BBI on a TorchSharp module, %d steps: loss %.3e, relative L2 error %.3e"
    steps
    bbi.LastReport.Loss
    error

if not (error < 5e-2) then
    eprintfn "the error did not fall below 5e-2"
    exit 1
