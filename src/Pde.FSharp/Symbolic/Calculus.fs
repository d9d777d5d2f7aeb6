namespace Pde.FSharp.Symbolic

open System
open System.Collections.Generic
open Pde.FSharp.Language

/// A derivative the lowered form cannot express: an order above two on a network output (the engine's limit),
/// or a derivative of the boundary normal or of observed data.
type DerivativeError(message: string, output: int option, order: int) =
    inherit Exception(message)

    /// The network output whose derivative was asked for, if that was the problem.
    member _.Output = output

    /// The derivative order that was asked for.
    member _.Order = order

/// <summary>
/// The symbolic derivative pass over lowered nodes: ∂/∂x_j by the sum, product, quotient and chain rules, and the
/// spatial Laplacian by Δ(ab) = Δa·b + 2∇a·∇b + a·Δb, Δ(a/b) = (Δa − 2∇q·∇b − qΔb)/b with q = a/b, and
/// Δg(a) = g′(a)Δa + Σ_j ∂_j(g′(a))·∂_j a. A network output's derivatives become its jet channels; when every
/// input is spatial, Δ of an output is the engine's collapsed Laplacian channel, otherwise the sum of its
/// individual ∂²/∂x_j² channels. Shared subtrees are differentiated once (memoised by reference).
/// </summary>
/// <param name="spatial">Indices of the spatial inputs (all but t).</param>
/// <param name="inputs">Number of network inputs.</param>
type Calculus(spatial: int list, inputs: int) =
    let collapsed = spatial.Length = inputs

    let partialMemo =
        Array.init inputs (fun _ -> Dictionary<Node, Node>(HashIdentity.Reference))

    let laplacianMemo = Dictionary<Node, Node>(HashIdentity.Reference)

    let tooHigh output order =
        raise (
            DerivativeError(
                sprintf "derivative of order %d of network output %d" order output,
                Some output,
                order
            )
        )

    /// g′(a) for the function node n = f(a).
    let derivativeOf (f: Function) (a: Node) (n: Node) =
        match f with
        | Function.Exp -> n
        | Function.Log -> Node.div Node.one a
        | Function.Sin -> Node.fn Function.Cos a
        | Function.Cos -> Node.neg (Node.fn Function.Sin a)
        | Function.Tanh -> Node.sub Node.one (Node.mul n n)
        | Function.Sqrt -> Node.div (Node.num 0.5) n
        | Function.Abs -> Node.fn Function.Sign a
        | Function.Sign -> Node.zero

    /// The spatial input indices.
    member _.Spatial = spatial

    /// ∂n/∂x_j.
    member c.Partial(j: int, n: Node) : Node =
        if j < 0 || j >= inputs then
            invalidArg "j" (sprintf "coordinate index %d out of range (%d inputs)" j inputs)

        let memo = partialMemo[j]

        match memo.TryGetValue n with
        | true, r -> r
        | _ ->
            let p e = c.Partial(j, e)

            let r =
                match n with
                | Node.Num _
                | Node.P _ -> Node.zero
                | Node.X i -> if i = j then Node.one else Node.zero
                | Node.Jet(o, Value) -> Node.Jet(o, First j)
                | Node.Jet(o, First i) -> Node.Jet(o, Second(min i j, max i j))
                | Node.Jet(o, ch) -> tooHigh o (ch.Order + 1)
                | Node.Normal _ ->
                    raise (DerivativeError("the boundary normal cannot be differentiated", None, 1))
                | Node.Observed -> raise (DerivativeError("observed data cannot be differentiated", None, 1))
                | Node.Add(a, b) -> Node.add (p a) (p b)
                | Node.Sub(a, b) -> Node.sub (p a) (p b)
                | Node.Neg a -> Node.neg (p a)
                | Node.Mul(a, b) -> Node.add (Node.mul (p a) b) (Node.mul a (p b))
                | Node.Div(a, b) ->
                    // (a/b)′ = (a′ − q·b′)/b with q = a/b itself.
                    let db = p b
                    Node.div (Node.sub (p a) (Node.mul n db)) b
                | Node.Pow(a, Node.Num e) ->
                    Node.mul (Node.mul (Node.num e) (Node.pow a (Node.num (e - 1.0)))) (p a)
                | Node.Pow(a, b) ->
                    // (a^b)′ = a^b·(b′·log a + b·a′/a).
                    Node.mul
                        n
                        (Node.add (Node.mul (p b) (Node.fn Function.Log a)) (Node.div (Node.mul b (p a)) a))
                | Node.Fn(Function.Sign, _) -> Node.zero
                | Node.Fn(f, a) -> Node.mul (derivativeOf f a n) (p a)

            memo[n] <- r
            r

    /// Σ_j ∂a/∂x_j·∂b/∂x_j over the spatial inputs.
    member c.GradientDot(a: Node, b: Node) =
        spatial
        |> List.map (fun j -> Node.mul (c.Partial(j, a)) (c.Partial(j, b)))
        |> Node.sum

    /// Δn over the spatial inputs.
    member c.Laplacian(n: Node) : Node =
        match laplacianMemo.TryGetValue n with
        | true, r -> r
        | _ ->
            let lap e = c.Laplacian e

            let chain (g': Node) (a: Node) =
                Node.add (Node.mul g' (lap a)) (c.GradientDot(g', a))

            let r =
                match n with
                | Node.Num _
                | Node.P _
                | Node.X _ -> Node.zero
                | Node.Jet(o, Value) ->
                    if collapsed then
                        Node.Jet(o, CollapsedLaplacian)
                    else
                        spatial |> List.map (fun j -> Node.Jet(o, Second(j, j))) |> Node.sum
                | Node.Jet(o, ch) -> tooHigh o (ch.Order + 2)
                | Node.Normal _ ->
                    raise (DerivativeError("the boundary normal cannot be differentiated", None, 2))
                | Node.Observed -> raise (DerivativeError("observed data cannot be differentiated", None, 2))
                | Node.Add(a, b) -> Node.add (lap a) (lap b)
                | Node.Sub(a, b) -> Node.sub (lap a) (lap b)
                | Node.Neg a -> Node.neg (lap a)
                | Node.Mul(a, b) ->
                    Node.add
                        (Node.add (Node.mul (lap a) b) (Node.mul (Node.num 2.0) (c.GradientDot(a, b))))
                        (Node.mul a (lap b))
                | Node.Div(a, b) ->
                    Node.div
                        (Node.sub
                            (Node.sub (lap a) (Node.mul (Node.num 2.0) (c.GradientDot(n, b))))
                            (Node.mul n (lap b)))
                        b
                | Node.Pow(a, Node.Num e) -> chain (Node.mul (Node.num e) (Node.pow a (Node.num (e - 1.0)))) a
                | Node.Pow(a, b) -> lap (Node.fn Function.Exp (Node.mul b (Node.fn Function.Log a)))
                | Node.Fn(Function.Sign, _) -> Node.zero
                | Node.Fn(f, a) -> chain (derivativeOf f a n) a

            laplacianMemo[n] <- r
            r
