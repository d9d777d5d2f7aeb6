namespace Pde.FSharp.Loss

open System
open System.Numerics
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Pde.FSharp.Symbolic
open Pde.FSharp.Discretization

/// Conversions between the engine's precision and the tape's float64.
module internal Numeric =
    let inline toFloat<'T when 'T :> INumberBase<'T>> (v: 'T) : float = Double.CreateTruncating<'T> v
    let inline ofFloat<'T when 'T :> INumberBase<'T>> (v: float) : 'T = 'T.CreateTruncating<float> v

/// The engine's callback of the fused path (the engine asks for a struct): a block's sensitivities from an evaluator.
[<Struct>]
type internal TapeBlocks<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType> =
    val Inner: IBlockSensitivity<'T>
    new(inner) = { Inner = inner }

    interface IBlockSensitivity<'T> with
        member this.Sensitivities(worker, first, count, jets, sensitivities) =
            this.Inner.Sensitivities(worker, first, count, jets, sensitivities)

/// The terms evaluated on one point set: one engine pass (forward jets, one reverse sweep) for all of them, or the
/// engine's fused pass (ForwardBackward: per block of points, forward, the tape at the block's points, reverse).
type internal SetEvaluator<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> IFloatingPointIeee754<'T>>
    (network: Network<'T>, terms: Term[], options: EngineOptions, pool: WorkerPool) =
    let tape = Tape(terms |> Array.map (fun t -> t.Residual))
    let keys = tape.JetKeys

    let engine =
        if keys.Length = 0 then
            None
        else
            Some(new JetEngine<'T>(network, Channels.request (Set.ofArray keys), options, pool))

    let channelOf =
        match engine with
        | Some e -> keys |> Array.map (fun (o, c) -> o, Channels.index e.Channels c)
        | None -> [||]

    let mutable n = 0
    let mutable points: 'T[] = [||]
    let mutable jets: Jets<'T> option = None
    let mutable sensitivities: Jets<'T> option = None
    let mutable jetValues: float[][] = [||]
    let mutable jetAdjoints: float[][] = [||]
    let mutable seeds: float[][] = [||]
    // The fused path: the parameter values of the pass, and an empty gradient (the tape then leaves the parameters'
    // adjoints per point, summed once every block is done).
    let mutable blockParameters: float[] = [||]
    let noParameterGradient: float[] = Array.zeroCreate 0

    /// The tape's jet inputs at points [first, first + count) from the engine's jets `j` (at points 0…count − 1: a
    /// block's, or all of them with first = 0).
    let readJets (j: Jets<'T>) (first: int) (count: int) =
        for k in 0 .. keys.Length - 1 do
            let (o, c) = channelOf[k]
            let source = j.Channel(o, c)
            let target = jetValues[k]

            for p in 0 .. count - 1 do
                target[first + p] <- Numeric.toFloat source[p]

    /// Seeds ∂/∂r = 2·w·r/N of every term, the tape's reverse pass and the engine's sensitivities `s` (at points
    /// 0…count − 1) from the jet adjoints, at points [first, first + count); `parameterGradient` as for Tape.Reverse.
    let reverse (s: Jets<'T> option) (first: int) (count: int) (parameterGradient: float[]) =
        for i in 0 .. terms.Length - 1 do
            let r = tape.Value i
            let seed = seeds[i]
            let c = 2.0 * terms[i].Condition.Weight / float n

            for p in first .. first + count - 1 do
                seed[p] <- c * r[p]

        for a in jetAdjoints do
            a.AsSpan(first, count).Clear()

        tape.Reverse(seeds, jetAdjoints, parameterGradient, first, count)

        match s with
        | Some sens ->
            for k in 0 .. keys.Length - 1 do
                let (o, c) = channelOf[k]
                let target = sens.Channel(o, c)
                let source = jetAdjoints[k]

                for p in 0 .. count - 1 do
                    target[p] <- Numeric.ofFloat source[first + p]
        | None -> ()

    /// The tape.
    member _.Tape = tape

    /// The terms.
    member _.Terms = terms

    /// Binds the points of a set (a redraw of as many points reuses the buffers: nothing is allocated per draw).
    member _.Bind(set: PointSet) =
        tape.Bind(set.Samples, set.Observed)

        if set.Samples.Count = n && points.Length = set.Samples.Points.Length then
            for i in 0 .. points.Length - 1 do
                points[i] <- Numeric.ofFloat<'T> set.Samples.Points[i]
        else
            n <- set.Samples.Count
            points <- set.Samples.Points |> Array.map Numeric.ofFloat<'T>
            jets <- engine |> Option.map (fun e -> e.NewJets n)
            sensitivities <- engine |> Option.map (fun e -> e.NewJets n)
            jetValues <- keys |> Array.map (fun _ -> Array.zeroCreate n)
            jetAdjoints <- keys |> Array.map (fun _ -> Array.zeroCreate n)
            seeds <- terms |> Array.map (fun _ -> Array.zeroCreate n)

    /// Forward: engine jets at θ (network part), then the tape with the parameter values.
    member _.Forward(theta: ReadOnlySpan<'T>, parameters: float[]) =
        match engine, jets with
        | Some e, Some j ->
            e.Forward(theta, ReadOnlySpan points, j)
            readJets j 0 n
        | _ -> ()

        tape.Forward(jetValues, parameters)

    /// Weight·mean(r²) of term i (after Forward).
    member _.TermLoss(i: int) =
        let r = tape.Value i
        let mutable s = 0.0

        for p in 0 .. n - 1 do
            s <- s + r[p] * r[p]

        s / float n

    /// Reverse: seeds ∂/∂r = 2·w·r/N for every term, through the tape and the engine into the gradient.
    member _.Backward(gradient: Span<'T>, parameterGradient: float[]) =
        sensitivities |> Option.iter (fun s -> s.Clear())
        reverse sensitivities 0 n parameterGradient

        match engine, sensitivities with
        | Some e, Some sens -> e.Backward(sens, gradient)
        | _ -> ()

    /// One block of the fused path, called by an engine worker for points [first, first + count): the block's jets
    /// into the tape's arrays, the tape forward, the seeds ∂/∂r = 2·w·r/N, the tape reverse, and the jet adjoints
    /// back as the block's sensitivities. Workers' blocks touch disjoint points of the same arrays.
    member _.Block(first: int, count: int, blockJets: Jets<'T>, blockSensitivities: Jets<'T>) =
        readJets blockJets first count
        tape.Forward(jetValues, blockParameters, first, count)
        reverse (Some blockSensitivities) first count noParameterGradient

    /// Forward and Backward in one: the engine's fused pass with the tape per block (every term is a weighted mean
    /// over points of a function of that point's jets, coordinates, data and the parameters: pointwise-local). The
    /// same values, sensitivities and sums in the same order as Forward then Backward: bit-identical results.
    member this.ForwardBackward
        (theta: ReadOnlySpan<'T>, parameters: float[], gradient: Span<'T>, parameterGradient: float[])
        =
        match engine with
        | Some e ->
            blockParameters <- parameters
            let mutable callback = TapeBlocks<'T>(this :> IBlockSensitivity<'T>)
            e.ForwardBackward(theta, ReadOnlySpan points, &callback, gradient)
            tape.AddParameterGradient parameterGradient
        | None ->
            this.Forward(theta, parameters)
            this.Backward(gradient, parameterGradient)

    interface IBlockSensitivity<'T> with
        member this.Sensitivities(_worker, first, count, jets, sensitivities) =
            this.Block(first, count, jets, sensitivities)

    interface IDisposable with
        member _.Dispose() =
            engine |> Option.iter (fun e -> e.Dispose())
