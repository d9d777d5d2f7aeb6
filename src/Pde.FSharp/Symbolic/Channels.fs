/// The channel pass: which jet channels the engine must compute on a point set, read off the lowered terms that
/// are evaluated there. First derivatives are asked for only when some term reads one (the engine adds them
/// itself when a second-order channel is present); the collapsed Laplacian only when some term reads it.
module Pde.FSharp.Symbolic.Channels

open Ecd.Core.Engine

/// Every (output, channel) that the nodes read.
let used (nodes: Node seq) : Set<int * Channel> =
    nodes |> Seq.map Node.jets |> Set.unionMany

/// The engine request computing every channel of `channels` (for all outputs alike).
let request (channels: Set<int * Channel>) : JetRequest =
    let kinds = channels |> Set.map snd

    let seconds =
        kinds
        |> Seq.choose (fun c ->
            match c with
            | Second(i, j) -> Some(struct (i, j))
            | _ -> None)
        |> Seq.distinct
        |> Seq.sort
        |> Seq.map (fun struct (i, j) -> System.ValueTuple<int, int>(i, j))
        |> Array.ofSeq

    JetRequest(
        Gradient = (kinds |> Set.exists (fun c -> c.Order >= 1)),
        Laplacian = kinds.Contains CollapsedLaplacian,
        SecondDerivatives = seconds
    )

/// The engine's channel index of `channel` in `layout`.
let index (layout: ChannelLayout) (channel: Channel) =
    match channel with
    | Value -> 0
    | First j -> layout.Derivative j
    | Second(i, j) -> layout.SecondDerivative(i, j)
    | CollapsedLaplacian -> layout.Laplacian
