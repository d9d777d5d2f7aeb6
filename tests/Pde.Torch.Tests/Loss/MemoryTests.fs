/// Evaluations of the TorchSharp loss leave no tensor behind (dispose scopes) and make no implicit Scalars, so
/// resident memory stays flat over many steps.
module Pde.Torch.Tests.MemoryTests

open System
open System.IO
open Expecto
open TorchSharp
open Ecd.Core.Engine
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Torch
open Pde.Torch.Tests.Support

/// Resident-memory growth allowed over the last three fifths of the measured evaluations (the first two fifths are
/// allocator warm-up, which varies from 3 to 19 MiB with what ran before; measured after it: 0.3–3.4 MiB over 600
/// evaluations, 1 MiB over 6000). A leak of one N × width activation per evaluation would be ≈ 600 × 640 × 16 × 8 B
/// ≈ 47 MiB.
let GrowthBound = 8.0 * 1048576.0

let private rss () =
    let status = "/proc/self/status"

    if File.Exists status then
        File.ReadLines status
        |> Seq.tryFind (fun l -> l.StartsWith("VmRSS:", StringComparison.Ordinal))
        |> Option.map (fun l -> float (l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024.0)
        |> Option.defaultValue 0.0
    else
        0.0

[<Tests>]
let tests =
    // Sequenced: resident memory is the process's, so no other test may run meanwhile.
    testSequenced
    <| testList
        "memory"
        [
            testCase
                "1000 evaluations (loss and gradient) keep the live tensors and resident memory flat"
                (fun () ->
                    oneThread ()

                    let steps =
                        match Environment.GetEnvironmentVariable "ECD_TORCH_MEMORY_STEPS" with
                        | null -> 1000
                        | s -> int s

                    let points =
                        { fewPoints with
                            Interior = 512
                            Boundary = 128
                        }

                    let d = Discretize.run points paperPde

                    let network =
                        Objective.network<float>
                            (Objective.spec paperPde (Architecture.mlp [ 16; 16 ] Activation.Tanh))
                            7UL

                    let theta = thetaOf network paperPde 11UL
                    use loss = Objective.lossOn (TorchBackend.create ()) d network 2e-4 None
                    let stats = DisposeScopeManager.Statistics

                    for _ in 1..100 do
                        evaluate loss theta |> ignore

                    GC.Collect()
                    GC.WaitForPendingFinalizers()
                    let live0, rss0 = stats.ThreadTotalLiveCount, rss ()
                    let samples = Collections.Generic.List<string>()
                    let mutable warm = rss0

                    for i in 1..steps do
                        theta[0] <- theta[0] + 1e-6
                        evaluate loss theta |> ignore

                        if i % (steps / 5) = 0 then
                            let now = rss ()

                            if i = 2 * (steps / 5) then
                                // garbage the managed heap has not collected yet is not a leak: measure after a collection
                                GC.Collect()
                                GC.WaitForPendingFinalizers()
                                warm <- rss ()

                            samples.Add(sprintf "%d: %+.1f MiB" i ((now - rss0) / 1048576.0))

                    let live1 = stats.ThreadTotalLiveCount
                    GC.Collect()
                    GC.WaitForPendingFinalizers()
                    let rss1 = rss ()

                    printfn
                        "TorchSharp loss, %d evaluations after 100 warm-up: resident %.1f → %.1f MiB (%.0f bytes/evaluation), live tensors %d → %d; %s"
                        steps
                        (rss0 / 1048576.0)
                        (rss1 / 1048576.0)
                        ((rss1 - rss0) / float steps)
                        live0
                        live1
                        (String.Join("; ", samples))

                    Expect.equal live1 live0 "no tensor outlives its evaluation"

                    Expect.isLessThan (rss1 - warm) GrowthBound "resident memory stays flat after warm-up")
        ]
