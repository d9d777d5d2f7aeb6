namespace Pde.Torch.Networks

open System
open TorchSharp
open TorchSharp.Modules
open Ecd.Core.Engine
open Ecd.Core.TorchSharp
open Pde.Torch

/// <summary>
/// A network of the native engine (<see cref="Network{T}"/>: dense tanh/sigmoid/… layers, residual blocks
/// h + σ(Wh + b), fixed Fourier features [sin, cos](2π·B·x), a linear output layer) as a TorchSharp module with the
/// same parameter layout: its parameters, in order, are each trainable layer's W (Out × In, row-major) then b, so
/// the engine's flat θ loads into the module and reads back unchanged (<c>Load</c>, <c>Weights</c>). The Fourier
/// matrix is a buffer copied from the engine's network (the same seeded draw), not a parameter. Maps N × d
/// coordinates to N × m outputs in the precision 'T (float: float64, float32: float32).
/// </summary>
type NetworkModule<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>(network: Network<'T>) as this =
    inherit torch.nn.Module<torch.Tensor, torch.Tensor>("ecdpde-network")

    let dtype = TensorValues.scalarType<'T>()
    // 1 as a Scalar made once: h.add(f, one) instead of h + f, which makes an undisposed Scalar per sum.
    let one = (1.0).ToScalar()

    let fourier =
        network.Layers
        |> Seq.tryFind (fun l -> l.Kind = LayerKind.Fourier)
        |> Option.map (fun l ->
            let values =
                network.FourierMatrix.ToArray()
                |> Array.map (fun v -> Double.CreateTruncating v)

            use flat = TensorValues.ofFloats values dtype
            flat.reshape (int64 (l.Out / 2), int64 l.In))

    let trainable =
        network.Layers
        |> Seq.filter (fun l -> l.Kind <> LayerKind.Fourier)
        |> Seq.map (fun l ->
            let w =
                new Parameter(torch.zeros ([| int64 l.Out; int64 l.In |], dtype = dtype), true)

            let b = new Parameter(torch.zeros ([| int64 l.Out |], dtype = dtype), true)
            l, w, b)
        |> Array.ofSeq

    let names =
        trainable
        |> Array.mapi (fun i _ -> sprintf "layer%d_weight" i, sprintf "layer%d_bias" i)

    do
        fourier |> Option.iter (fun f -> this.register_buffer ("fourier", f, true))

        Array.iter2
            (fun (_, w: Parameter, b: Parameter) (wn: string, bn: string) ->
                this.register_parameter (wn, w)
                this.register_parameter (bn, b))
            trainable
            names

    // Looked up by name on every use: moving the module to a device replaces its tensors.
    let parameter (name: string) : Parameter =
        match this.get_parameter name with
        | null -> invalidOp (sprintf "the module lost its parameter %s" name)
        | p -> p

    let features (x: torch.Tensor) =
        match fourier with
        | None -> x
        | Some _ ->
            let b =
                match this.get_buffer "fourier" with
                | null -> invalidOp "the module lost its Fourier matrix"
                | b -> b

            let z = torch.nn.functional.linear (x, b)
            torch.cat ([| z.sin (); z.cos () |], 1L)

    let activate (a: Activation) (z: torch.Tensor) : torch.Tensor =
        match a with
        | Activation.Tanh -> z.tanh ()
        | Activation.Sigmoid -> z.sigmoid ()
        | Activation.Sin -> z.sin ()
        | Activation.Cos -> z.cos ()
        | Activation.Softplus ->
            // max(z, 0) + log(1 + e^−|z|), as the engine computes it (no threshold).
            z.relu().add(z.abs().neg().exp().log1p(), one)
        | _ -> z

    let checkInput (x: torch.Tensor) =
        if x.dim () <> 2L || x.shape[1] <> int64 network.InputDimension then
            invalidArg
                "x"
                (sprintf
                    "the network maps N × %d coordinates; got a tensor of shape [%s]"
                    network.InputDimension
                    (String.Join(", ", x.shape)))

        if x.dtype <> dtype then
            invalidArg "x" (sprintf "the network computes in %A; got a %A tensor" dtype x.dtype)

    /// The engine's network.
    member _.Network = network

    /// The parameters in the order of θ.
    member _.Parameters: Parameter[] =
        names |> Array.collect (fun (w, b) -> [| parameter w; parameter b |])

    /// Length of θ (the engine's ParameterCount).
    member _.ParameterCount = network.ParameterCount

    /// Writes the engine's flat θ (network weights) into the parameters.
    member this.Load(theta: 'T[]) =
        if theta.Length <> network.ParameterCount then
            invalidArg
                "theta"
                (sprintf "θ has length %d; this network has %d parameters" theta.Length network.ParameterCount)

        Weights.write this.Parameters theta

    /// The parameters as the engine's flat θ.
    member this.Weights() : 'T[] = Weights.read<'T> this.Parameters

    /// The outputs (N × m) at the coordinates x (N × d).
    override _.forward(x: torch.Tensor) : torch.Tensor =
        checkInput x
        let mutable h = features x

        for ((l, _, _), (wn, bn)) in Array.zip trainable names do
            let w, b = parameter wn, parameter bn

            match l.Kind with
            | LayerKind.Output -> h <- torch.nn.functional.linear (h, w, b)
            | LayerKind.Residual ->
                h <- h.add (activate l.Activation (torch.nn.functional.linear (h, w, b)), one)
            | _ -> h <- activate l.Activation (torch.nn.functional.linear (h, w, b))

        h

    /// Releases the Scalar kept for sums with the module.
    override _.Dispose(disposing: bool) =
        if disposing then
            one.Dispose()

        base.Dispose disposing
