namespace Pde.Torch.Loss

open System
open TorchSharp
open TorchSharp.Modules
open Ecd.Core.Objectives
open Ecd.Core.TorchSharp
open Pde.FSharp.Language
open Pde.FSharp.Discretization
open Pde.FSharp.Loss
open Pde.Torch
open Pde.Torch.Networks

/// <summary>
/// The physics-informed loss of a discretized problem over a TorchSharp module that maps N × d coordinates to
/// N × m fields: F(θ) = Σ_terms w·mean(r²) + λ·Σ θ_net², the definition of the native <see cref="PinnLoss{T}"/>,
/// with θ = the module's parameters in order (each row-major), then the problem's trainable parameters. The
/// residuals are the discretization's lowered terms evaluated on tensors, the jet channels of the outputs come
/// from autograd (<c>grad</c> with create_graph and retain_graph), the gradient from one reverse pass. The module
/// must treat the points independently (row p of the output depends on row p of the input only). Each evaluation
/// runs in a dispose scope: every tensor it makes is freed when it ends, and no implicit Scalar is made.
/// </summary>
type TorchPinnLoss<'T
    when 'T: unmanaged
    and 'T: struct
    and 'T: (new: unit -> 'T)
    and 'T :> ValueType
    and 'T :> Numerics.IFloatingPointIeee754<'T>>
    internal
    (
        discretization: Discretization,
        model: torch.nn.Module<torch.Tensor, torch.Tensor>,
        weightDecay: float,
        initialWeights: (uint64 -> 'T[]) option,
        threads: int,
        owned: IDisposable option
    ) =
    let problem = discretization.Problem
    let dtype = TensorValues.scalarType<'T>()

    let fail (text: string) =
        raise (ProblemError(sprintf "TorchSharp backend: %s" text))

    do
        if not (Double.IsFinite weightDecay) || weightDecay < 0.0 then
            fail (sprintf "the L2 weight λ must be finite and ≥ 0 (got %g)" weightDecay)

    let moduleParameters = model.parameters () |> Array.ofSeq

    do
        if moduleParameters.Length = 0 then
            fail "the module has no parameters"

        for p in moduleParameters do
            if p.dtype <> dtype then
                fail (
                    sprintf
                        "the module's parameters must be %A for %s θ (found %A)"
                        dtype
                        typeof<'T>.Name
                        p.dtype
                )

    let parameterCount = problem.Parameters.Length

    let problemParameters =
        if parameterCount = 0 then
            None
        else
            let p = new Parameter(torch.zeros ([| int64 parameterCount |], dtype = dtype), true)
            p.DetachFromDisposeScope() |> ignore
            Some p

    let networkSize = moduleParameters |> Array.sumBy (fun p -> int (p.numel ()))
    let fields = int64 problem.Fields.Length
    let one = (1.0).ToScalar()
    let mutable current = discretization

    let mutable points =
        discretization.Sets |> Array.map (fun s -> new PointTensors(s, dtype))

    let lastTerms = Array.zeroCreate<TermLoss>(discretization.Terms.Length + 1)

    let output (x: torch.Tensor) =
        let u = model.forward x

        if
            u.dim () <> 2L
            || u.shape[0] <> x.shape[0]
            || u.shape[1] <> fields
            || u.dtype <> dtype
        then
            fail (
                sprintf
                    "the module maps %d × %d coordinates to a %A tensor of shape [%s]; the problem needs %d × %d (%A)"
                    x.shape[0]
                    x.shape[1]
                    u.dtype
                    (String.Join(", ", u.shape))
                    x.shape[0]
                    fields
                    dtype
            )

        u

    /// The residual tensors of every term on its set (in the caller's dispose scope).
    let residuals () : torch.Tensor[] =
        let values = Array.zeroCreate current.Terms.Length

        for s in 0 .. points.Length - 1 do
            let set = points[s]
            let x = set.Leaf()
            let u = output x

            let inputs =
                {
                    X = x
                    Normals = set.Normals
                    Observed = set.Observed
                    Parameters = problemParameters |> Option.map (fun p -> p :> torch.Tensor)
                    Jets = Jets(x, u, one)
                    Count = set.Count
                    DType = dtype
                    One = one
                }

            for i in 0 .. current.Terms.Length - 1 do
                if current.Terms[i].Set = s then
                    values[i] <- TensorResidual.evaluate inputs current.Terms[i].Residual

        values

    /// The loss tensor at the parameters' current values; fills the breakdown.
    let forward () : torch.Tensor =
        let r = residuals ()
        let mutable total = torch.zeros (Array.empty<int64>, dtype = dtype)

        for i in 0 .. r.Length - 1 do
            let term = current.Terms[i]
            let w = term.Condition.Weight
            let meanSquare = r[i].mul(r[i]).mean()
            total <- total.add (meanSquare.mul (TensorValues.constant w dtype), one)
            let ms = TensorValues.toFloat meanSquare

            lastTerms[i] <-
                {
                    Name = term.Name
                    Weight = w
                    MeanSquare = ms
                    Weighted = w * ms
                }

        let mutable squares = 0.0

        if weightDecay > 0.0 then
            let sum =
                moduleParameters
                |> Array.map (fun p -> p.mul(p).sum())
                |> Array.reduce (fun a b -> a.add (b, one))

            squares <- TensorValues.toFloat sum
            total <- total.add (sum.mul (TensorValues.constant weightDecay dtype), one)

        lastTerms[lastTerms.Length - 1] <-
            {
                Name = "L2(weights)"
                Weight = weightDecay
                MeanSquare = squares
                Weighted = weightDecay * squares
            }

        total

    let allParameters =
        Array.append moduleParameters (problemParameters |> Option.toArray)

    let objective = TorchObjective<'T>(allParameters, Func<torch.Tensor>(forward))

    let useThreads () =
        if threads > 0 && torch.get_num_threads () <> threads then
            torch.set_num_threads threads

    /// Writes θ and runs `f` in a dispose scope with gradients enabled (autograd makes the jets).
    let at (theta: ReadOnlySpan<'T>) (f: unit -> 'R) : 'R =
        useThreads ()
        objective.Write theta
        use scope = torch.NewDisposeScope()
        use grad = torch.enable_grad ()
        f ()

    /// The loss over a module the caller owns; θ₀'s network part is the module's current weights.
    new(discretization, model, weightDecay) =
        new TorchPinnLoss<'T>(discretization, model, weightDecay, None, 0, None)

    /// The module.
    member _.Module = model

    /// Number of network weights (the module's parameters, the first entries of θ).
    member _.NetworkSize = networkSize

    /// Length of θ.
    member _.Dimension = objective.Dimension

    /// The discretization currently bound.
    member _.Discretization = current

    /// The breakdown of the most recent evaluation: one entry per term, then the L2 penalty.
    member _.LastTerms = Array.copy lastTerms

    /// The trainable tensors in the order of θ: the module's parameters, then (if the problem has any) one
    /// parameter holding the problem's trainable scalars. Hand them to a torch.optim-style optimizer together with
    /// <c>Forward</c>.
    member _.Parameters: Parameter[] = allParameters

    /// The loss tensor at the tensors' current values, built in the caller's dispose scope (for a closure of a
    /// torch.optim-style optimizer: clear the gradients, <c>Forward()</c>, <c>backward()</c>); fills LastTerms.
    member _.Forward() : torch.Tensor =
        useThreads ()
        forward ()

    /// θ as the module's weights and the problem's parameters hold it now.
    member _.Read() : 'T[] = objective.Read()

    /// Writes θ into the module's weights and the problem's parameters.
    member _.Write(theta: ReadOnlySpan<'T>) = objective.Write theta

    /// Binds a new draw of the points (same problem and terms; from Discretize.resample).
    member _.Rebind(d: Discretization) =
        if d.Terms.Length <> current.Terms.Length || d.Sets.Length <> current.Sets.Length then
            invalidArg "d" "Rebind needs a redraw of the same discretization"

        let fresh = d.Sets |> Array.map (fun s -> new PointTensors(s, dtype))

        for p in points do
            (p :> IDisposable).Dispose()

        points <- fresh
        current <- d

    /// The loss and its breakdown at θ, without the gradient.
    member _.Losses(theta: ReadOnlySpan<'T>) : float * TermLoss[] =
        let total = at theta (fun () -> TensorValues.toFloat (forward ()))
        total, Array.copy lastTerms

    /// The residual values of every term at its points at θ: (term, point set, residuals).
    member _.Residuals(theta: ReadOnlySpan<'T>) : (Term * PointSet * float[])[] =
        at theta (fun () ->
            residuals ()
            |> Array.mapi (fun i r ->
                let t = current.Terms[i]
                t, current.Sets[t.Set], TensorValues.toFloats r))

    /// Why the loss or its gradient is not finite at θ: a weight or parameter, the first term and point, or none.
    member this.Diagnose(theta: ReadOnlySpan<'T>) : string =
        let values = theta.ToArray() |> Array.map (fun v -> Double.CreateTruncating v)

        match values |> Array.tryFindIndex (Double.IsFinite >> not) with
        | Some i when i < networkSize -> sprintf "network weight %d of θ is %g" i values[i]
        | Some i -> sprintf "parameter '%s' is %g" (fst problem.Parameters[i - networkSize]) values[i]
        | None ->
            let bad =
                this.Residuals theta
                |> Array.tryPick (fun (t, set, r) ->
                    r
                    |> Array.tryFindIndex (Double.IsFinite >> not)
                    |> Option.map (fun p ->
                        let where = String.Join(", ", set.Samples.Point p |> Array.map (sprintf "%.6g"))
                        sprintf "term '%s' is %g at point (%s)" t.Name r[p] where))

            match bad with
            | Some text -> text
            | None ->
                let g = Array.zeroCreate<'T> objective.Dimension
                let total = (this :> IObjective<'T>).Evaluate(theta, Span g)

                if not (Double.IsFinite total) then
                    sprintf "the loss is %g (a term overflowed)" total
                else
                    match
                        g
                        |> Array.tryFindIndex (fun v -> not (Double.IsFinite(Double.CreateTruncating v)))
                    with
                    | Some i ->
                        sprintf "the loss is finite (%g) but its gradient is not (entry %d of θ)" total i
                    | None -> sprintf "loss %g and gradient are finite at this θ" total

    interface IPinnLoss<'T> with
        member _.Dimension = objective.Dimension

        member _.Evaluate(theta, gradient) =
            useThreads ()
            objective.Evaluate(theta, gradient)

        member _.NetworkSize = networkSize

        member _.InitialWeights seed =
            match initialWeights with
            | Some f -> f seed
            | None -> Weights.read<'T> moduleParameters

        member this.LastTerms = this.LastTerms
        member this.Discretization = this.Discretization
        member this.Rebind d = this.Rebind d
        member this.Losses theta = this.Losses theta
        member this.Residuals theta = this.Residuals theta
        member this.Diagnose theta = this.Diagnose theta

    interface ITorchLoss<'T> with
        member _.Parameters = allParameters :> Collections.Generic.IReadOnlyList<Parameter>
        member this.Forward() = this.Forward()
        member this.Read() = this.Read()
        member this.Write theta = this.Write theta

    interface IDisposable with
        member _.Dispose() =
            for p in points do
                (p :> IDisposable).Dispose()

            problemParameters |> Option.iter (fun p -> p.Dispose())
            one.Dispose()
            owned |> Option.iter (fun o -> o.Dispose())
