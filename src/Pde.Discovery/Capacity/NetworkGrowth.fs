/// A network grown once, and a network in words: the architecture rule of the capacity growth (`Capacity`) — every
/// hidden width doubled, and random Fourier features at the data's wavenumber in front when the data oscillate.
module Pde.Discovery.NetworkGrowth

open System
open Pde.FSharp.Training

/// The architecture in words ("tanh 32-32-32", "Fourier features 32 (σ 3.9), tanh 64-64-64").
let describe (a: Architecture) =
    let parts =
        a.Layers
        |> List.map (fun l ->
            match l with
            | :? Ecd.Core.Engine.FourierFeatures as f ->
                sprintf "Fourier features %d (σ %.3g)" f.Count f.Scale
            | :? Ecd.Core.Engine.Dense as d ->
                sprintf "%s %d" (string d.Activation |> fun s -> s.ToLowerInvariant()) d.Width
            | :? Ecd.Core.Engine.Residual as r ->
                sprintf "residual %s" (string r.Activation |> fun s -> s.ToLowerInvariant())
            | l -> l.GetType().Name)

    String.Join(", ", parts)

/// The architecture grown once (see the module): every Dense width doubled; Fourier features of scale ω/(2π√d) in
/// front when the data have more than one wavelength 2π/ω across the domain's `diameter` and there are none yet.
let grow (omega: float) (diameter: float) (dimensions: int) (a: Architecture) =
    let layers =
        a.Layers
        |> List.map (fun l ->
            match l with
            | :? Ecd.Core.Engine.Dense as d ->
                Ecd.Core.Engine.Dense(2 * d.Width, d.Activation) :> Ecd.Core.Engine.LayerSpec
            | l -> l)

    let hasFeatures =
        layers |> List.exists (fun l -> l :? Ecd.Core.Engine.FourierFeatures)

    let firstWidth =
        layers
        |> List.tryPick (fun l ->
            match l with
            | :? Ecd.Core.Engine.Dense as d -> Some d.Width
            | _ -> None)

    let grown = { a with Layers = layers }

    match firstWidth with
    | Some w when not hasFeatures && omega * diameter > 2.0 * Math.PI ->
        Architecture.withFourierFeatures
            (max 1 (w / 2))
            (omega / (2.0 * Math.PI * sqrt (float dimensions)))
            grown
    | _ -> grown
