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

/// The terms evaluated on one point set: one engine pass (forward jets, one reverse sweep) for all of them.
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

            for k in 0 .. keys.Length - 1 do
                let (o, c) = channelOf[k]
                let source = j.Channel(o, c)
                let target = jetValues[k]

                for p in 0 .. n - 1 do
                    target[p] <- Numeric.toFloat source[p]
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
        for i in 0 .. terms.Length - 1 do
            let r = tape.Value i
            let s = seeds[i]
            let c = 2.0 * terms[i].Condition.Weight / float n

            for p in 0 .. n - 1 do
                s[p] <- c * r[p]

        for a in jetAdjoints do
            Array.Clear a

        tape.Reverse(seeds, jetAdjoints, parameterGradient)

        match engine, sensitivities with
        | Some e, Some sens ->
            sens.Clear()

            for k in 0 .. keys.Length - 1 do
                let (o, c) = channelOf[k]
                let target = sens.Channel(o, c)
                let source = jetAdjoints[k]

                for p in 0 .. n - 1 do
                    target[p] <- Numeric.ofFloat source[p]

            e.Backward(sens, gradient)
        | _ -> ()

    interface IDisposable with
        member _.Dispose() =
            engine |> Option.iter (fun e -> e.Dispose())

/// <summary>
/// The physics-informed loss of a discretized problem as an objective of the optimizer core:
/// F(θ) = Σ_terms w·mean(r²) + λ·Σ θ_net², where θ holds the network weights followed by the trainable
/// parameters of the problem. Each evaluation runs, per point set, one forward pass of the engine for exactly the
/// jet channels its terms read, the compiled tape forward and backward (exact sensitivities of the loss to every
/// channel), and one reverse sweep of the engine; the parameters' gradient comes from the tape.
/// </summary>
type PinnLoss<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> IFloatingPointIeee754<'T>>
    (discretization: Discretization, network: Network<'T>, weightDecay: float, pool: WorkerPool option) =
    do
        if not (Double.IsFinite weightDecay) || weightDecay < 0.0 then
            raise (
                Pde.FSharp.Language.ProblemError(
                    sprintf "the L2 weight λ must be finite and ≥ 0 (got %g)" weightDecay
                )
            )

        if network.InputDimension <> discretization.Problem.Scope.Coordinates.Length then
            raise (
                Pde.FSharp.Language.ProblemError(
                    sprintf
                        "dimension mismatch: the network has %d inputs but the domain has %d coordinates"
                        network.InputDimension
                        discretization.Problem.Scope.Coordinates.Length
                )
            )

        if network.Outputs <> discretization.Problem.Fields.Length then
            raise (
                Pde.FSharp.Language.ProblemError(
                    sprintf
                        "dimension mismatch: the network has %d outputs but the problem has %d fields"
                        network.Outputs
                        discretization.Problem.Fields.Length
                )
            )

    let ownPool = pool.IsNone
    let workers = defaultArg pool (new WorkerPool(0))
    let options = EngineOptions(Threads = workers.Threads)
    let networkSize = network.ParameterCount
    let parameterCount = discretization.Problem.Parameters.Length
    let mutable current = discretization

    let evaluators =
        discretization.Sets
        |> Array.mapi (fun s _ ->
            let terms = discretization.Terms |> Array.filter (fun t -> t.Set = s)
            new SetEvaluator<'T>(network, terms, options, workers))

    // Position of each evaluator's terms in the problem's order.
    let termIndex =
        evaluators
        |> Array.map (fun e ->
            e.Terms
            |> Array.map (fun t -> discretization.Terms |> Array.findIndex (fun u -> u.Name = t.Name)))

    do
        for s in 0 .. evaluators.Length - 1 do
            evaluators[s].Bind discretization.Sets[s]

    let parameterValues = Array.zeroCreate<float> parameterCount
    let parameterGradient = Array.zeroCreate<float> parameterCount
    let lastTerms = Array.zeroCreate<TermLoss>(discretization.Terms.Length + 1)

    let readParameters (theta: ReadOnlySpan<'T>) =
        for k in 0 .. parameterCount - 1 do
            parameterValues[k] <- Numeric.toFloat theta[networkSize + k]

    let checkLength (theta: ReadOnlySpan<'T>) =
        if theta.Length <> networkSize + parameterCount then
            invalidArg
                "theta"
                (sprintf
                    "θ has length %d; the loss needs %d network weights + %d parameters"
                    theta.Length
                    networkSize
                    parameterCount)

    /// Forward passes of every set; fills the breakdown and returns the total loss.
    let forward (theta: ReadOnlySpan<'T>) =
        checkLength theta
        readParameters theta
        let net = theta.Slice(0, networkSize)
        let mutable total = 0.0

        for s in 0 .. evaluators.Length - 1 do
            let e = evaluators[s]
            e.Forward(net, parameterValues)

            for i in 0 .. e.Terms.Length - 1 do
                let t = e.Terms[i]
                let ms = e.TermLoss i
                let w = t.Condition.Weight
                total <- total + w * ms

                lastTerms[termIndex[s][i]] <-
                    {
                        Name = t.Name
                        Weight = w
                        MeanSquare = ms
                        Weighted = w * ms
                    }

        let mutable squares = 0.0

        if weightDecay > 0.0 then
            for i in 0 .. networkSize - 1 do
                let v = Numeric.toFloat theta[i]
                squares <- squares + v * v

        lastTerms[lastTerms.Length - 1] <-
            {
                Name = "L2(weights)"
                Weight = weightDecay
                MeanSquare = squares
                Weighted = weightDecay * squares
            }

        total + weightDecay * squares

    /// The discretization currently bound.
    member _.Discretization = current

    /// The network.
    member _.Network = network

    /// Number of network weights (the first entries of θ).
    member _.NetworkSize = networkSize

    /// Length of θ: network weights, then the trainable parameters.
    member _.Dimension = networkSize + parameterCount

    /// The breakdown of the most recent evaluation: one entry per term, then the L2 penalty.
    member _.LastTerms = Array.copy lastTerms

    /// Binds a new draw of the points (same problem and terms; from Discretize.resample).
    member _.Rebind(d: Discretization) =
        if d.Terms.Length <> current.Terms.Length || d.Sets.Length <> current.Sets.Length then
            invalidArg "d" "Rebind needs a redraw of the same discretization"

        current <- d

        for s in 0 .. evaluators.Length - 1 do
            evaluators[s].Bind d.Sets[s]

    /// The loss and its breakdown at θ, without the gradient.
    member _.Losses(theta: ReadOnlySpan<'T>) : float * TermLoss[] =
        let total = forward theta
        total, Array.copy lastTerms

    /// The residual values of every term at its points at θ: (term, point set, residuals).
    member _.Residuals(theta: ReadOnlySpan<'T>) : (Term * PointSet * float[])[] =
        forward theta |> ignore

        [|
            for s in 0 .. evaluators.Length - 1 do
                let e = evaluators[s]

                for i in 0 .. e.Terms.Length - 1 do
                    yield e.Terms[i], current.Sets[s], Array.copy (e.Tape.Value i)
        |]

    /// A diagnostic of a non-finite loss or gradient at θ: non-finite weights or parameters, or the first term and
    /// point where the residual turns non-finite and the operation that made it so.
    member this.Diagnose(theta: ReadOnlySpan<'T>) : string =
        checkLength theta
        let mutable bad = -1

        for i in 0 .. theta.Length - 1 do
            if bad < 0 && not (Double.IsFinite(Numeric.toFloat theta[i])) then
                bad <- i

        if bad >= 0 then
            if bad < networkSize then
                sprintf "network weight %d of θ is %g" bad (Numeric.toFloat theta[bad])
            else
                sprintf
                    "parameter '%s' is %g"
                    (fst current.Problem.Parameters[bad - networkSize])
                    (Numeric.toFloat theta[bad])
        else
            let total = forward theta

            let residualProblem =
                evaluators
                |> Array.indexed
                |> Array.tryPick (fun (s, e) ->
                    e.Terms
                    |> Array.indexed
                    |> Array.tryPick (fun (i, t) ->
                        let r = e.Tape.Value i

                        r
                        |> Array.tryFindIndex (Double.IsFinite >> not)
                        |> Option.map (fun p ->
                            let point = current.Sets[s].Samples.Point p
                            let where = String.Join(", ", point |> Array.map (sprintf "%.6g"))
                            let why = e.Tape.Explain p |> Option.defaultValue "an operation overflowed"
                            sprintf "term '%s' is %g at point (%s): %s" t.Name r[p] where why)))

            match residualProblem with
            | Some text -> text
            | None when not (Double.IsFinite total) -> sprintf "the loss is %g (a term overflowed)" total
            | None ->
                let g = Array.zeroCreate<'T> this.Dimension
                (this :> IObjective<'T>).Evaluate(theta, Span g) |> ignore

                match g |> Array.tryFindIndex (fun v -> not (Double.IsFinite(Numeric.toFloat v))) with
                | Some i -> sprintf "the loss is finite (%g) but its gradient is not (entry %d of θ)" total i
                | None -> sprintf "loss %g and gradient are finite at this θ" total

    interface IObjective<'T> with
        member this.Dimension = this.Dimension

        member _.Evaluate(theta, gradient) =
            let total = forward theta
            gradient.Clear()
            Array.Clear parameterGradient
            let net = gradient.Slice(0, networkSize)

            for e in evaluators do
                e.Backward(net, parameterGradient)

            if weightDecay > 0.0 then
                let two = 2.0 * weightDecay

                for i in 0 .. networkSize - 1 do
                    gradient[i] <- gradient[i] + Numeric.ofFloat (two * Numeric.toFloat theta[i])

            for k in 0 .. parameterCount - 1 do
                gradient[networkSize + k] <- Numeric.ofFloat parameterGradient[k]

            total

    interface IPinnLoss<'T> with
        member _.NetworkSize = networkSize
        member _.InitialWeights seed = network.NewParameters seed
        member this.LastTerms = this.LastTerms
        member this.Discretization = this.Discretization
        member this.Rebind d = this.Rebind d
        member this.Losses theta = this.Losses theta
        member this.Residuals theta = this.Residuals theta
        member this.Diagnose theta = this.Diagnose theta

    interface IDisposable with
        member _.Dispose() =
            for e in evaluators do
                (e :> IDisposable).Dispose()

            if ownPool then
                workers.Dispose()
