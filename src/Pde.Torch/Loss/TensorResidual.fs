namespace Pde.Torch.Loss

open System.Collections.Generic
open TorchSharp
open Pde.FSharp.Language
open Pde.FSharp.Symbolic
open Pde.Torch

/// The tensors a residual reads on one point set: coordinates, normals, observed values, the problem's trainable
/// parameters and the jet channels of the module's outputs.
type internal ResidualInputs =
    {
        /// N × d coordinates.
        X: torch.Tensor
        /// N × d outward normals (boundary sets) or None.
        Normals: torch.Tensor option
        /// N observed values (data sets) or None.
        Observed: torch.Tensor option
        /// The trainable parameters (k) or None when the problem has none.
        Parameters: torch.Tensor option
        /// The jet channels.
        Jets: Jets
        /// Number of points.
        Count: int64
        /// Element type.
        DType: torch.ScalarType
        /// 1 as a Scalar, for sums without implicit Scalars.
        One: Scalar
    }

/// <summary>
/// A lowered residual (<see cref="Node"/>, the same nodes the native tape compiles) evaluated on tensors, one entry
/// per point; shared subtrees are evaluated once. The arithmetic is the tape's: a² as a·a, other powers as pow,
/// the functions elementwise; autograd supplies every derivative the tape's reverse pass computes by hand.
/// </summary>
[<RequireQualifiedAccess>]
module internal TensorResidual =
    let private call (f: Function) (a: torch.Tensor) : torch.Tensor =
        match f with
        | Exp -> a.exp ()
        | Log -> a.log ()
        | Sin -> a.sin ()
        | Cos -> a.cos ()
        | Tanh -> a.tanh ()
        | Sqrt -> a.sqrt ()
        | Abs -> a.abs ()
        | Sign -> a.sign ()

    let private missing (what: string) =
        raise (ProblemError(sprintf "a residual reads %s, which its point set does not have" what))

    /// The residual values (N) of node `n`.
    let evaluate (inputs: ResidualInputs) (n: Node) : torch.Tensor =
        let memo = Dictionary<Node, torch.Tensor>(HashIdentity.Reference)

        let rec eval (n: Node) : torch.Tensor =
            match memo.TryGetValue n with
            | true, t -> t
            | _ ->
                let t =
                    match n with
                    | Node.Num v -> TensorValues.constant v inputs.DType
                    | Node.X j -> inputs.X.select (1L, int64 j)
                    | Node.P k ->
                        match inputs.Parameters with
                        | Some p -> p.select (0L, int64 k)
                        | None -> missing "a trainable parameter"
                    | Node.Jet(o, c) -> inputs.Jets.Channel(o, c)
                    | Node.Normal j ->
                        match inputs.Normals with
                        | Some m -> m.select (1L, int64 j)
                        | None -> missing "the normal"
                    | Node.Observed ->
                        match inputs.Observed with
                        | Some v -> v
                        | None -> missing "observed values"
                    | Node.Add(a, b) -> (eval a).add(eval b, inputs.One)
                    | Node.Sub(a, b) -> (eval a).add((eval b).neg(), inputs.One)
                    | Node.Mul(a, b) -> (eval a).mul(eval b)
                    | Node.Div(a, b) -> (eval a).div(eval b)
                    | Node.Neg a -> (eval a).neg()
                    | Node.Pow(a, Node.Num 2.0) ->
                        let a = eval a
                        a.mul a
                    | Node.Pow(a, b) -> (eval a).pow(eval b)
                    | Node.Fn(f, a) -> call f (eval a)

                memo[n] <- t
                t

        let r = eval n

        if r.dim () = 0L then r.expand (inputs.Count) else r
