namespace Pde.FSharp.Loss

open System
open System.Numerics
open Ecd.Core.Engine
open Ecd.Core.Objectives
open Pde.FSharp.Symbolic
open Pde.FSharp.Discretization

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

    let checkLength (theta: ReadOnlySpan<'T>) =
        if theta.Length <> networkSize + parameterCount then
            invalidArg
                "theta"
                (sprintf
                    "θ has length %d; the loss needs %d network weights + %d parameters"
                    theta.Length
                    networkSize
                    parameterCount)

    /// θ's length checked and its trainable parameters read (the start of every evaluation).
    let readParameters (theta: ReadOnlySpan<'T>) =
        checkLength theta

        for k in 0 .. parameterCount - 1 do
            parameterValues[k] <- Numeric.toFloat theta[networkSize + k]

    /// The breakdown and the total loss from the tapes' residuals (after the forward passes).
    let collect (theta: ReadOnlySpan<'T>) =
        let mutable total = 0.0

        for s in 0 .. evaluators.Length - 1 do
            let e = evaluators[s]

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

    /// Forward passes of every set; fills the breakdown and returns the total loss.
    let forward (theta: ReadOnlySpan<'T>) =
        readParameters theta
        let net = theta.Slice(0, networkSize)

        for e in evaluators do
            e.Forward(net, parameterValues)

        collect theta

    /// The discretization currently bound.
    member _.Discretization = current

    /// Evaluate by forward passes of every set, then reverse sweeps (else, the default, each set's fused pass: every
    /// term here is pointwise-local; the results are bit-identical, the fused pass keeps one block's jets per worker).
    member val TwoPass = false with get, set

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

        member this.Evaluate(theta, gradient) =
            gradient.Clear()
            Array.Clear parameterGradient
            let net = gradient.Slice(0, networkSize)

            let total =
                if this.TwoPass then
                    let total = forward theta

                    for e in evaluators do
                        e.Backward(net, parameterGradient)

                    total
                else
                    readParameters theta

                    for e in evaluators do
                        e.ForwardBackward(
                            theta.Slice(0, networkSize),
                            parameterValues,
                            net,
                            parameterGradient
                        )

                    collect theta

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
