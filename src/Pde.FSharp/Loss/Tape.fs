namespace Pde.FSharp.Loss

open System
open System.Collections.Generic
open Pde.FSharp.Language
open Pde.FSharp.Symbolic
open Pde.FSharp.Geometry

/// One instruction of a tape; operands are indices of earlier instructions.
type Op =
    /// A number.
    | Const of float
    /// Coordinate j of the point.
    | Coord of int
    /// Trainable parameter k.
    | Param of int
    /// Jet input k of the tape (see Tape.JetKeys).
    | JetInput of int
    /// Component j of the outward normal.
    | NormalComponent of int
    /// The observed value at the point.
    | ObservedValue
    /// a + b.
    | Plus of int * int
    /// a − b.
    | Minus of int * int
    /// a·b.
    | Times of int * int
    /// a / b.
    | Over of int * int
    /// −a.
    | Negative of int
    /// a^p for a number p.
    | PowerConst of int * float
    /// a^b.
    | PowerOf of int * int
    /// f(a).
    | Call of Function * int

/// <summary>
/// Lowered residuals compiled into one straight-line program over arrays of points: common subexpressions are
/// shared (hash-consing), instructions that depend only on the points (coordinates, normals, known functions,
/// observed data) are evaluated once per binding of a point set, the others on every forward pass. The reverse
/// pass runs the instructions backwards and accumulates the adjoints of the jet inputs (the sensitivities the
/// engine's reverse sweep needs) and of the trainable parameters.
/// </summary>
type Tape(roots: Node[]) =
    let ops = List<Op>()
    let opIndex = Dictionary<Op, int>()
    let nodeIndex = Dictionary<Node, int>(HashIdentity.Reference)
    let jetKeys = List<int * Channel>()
    let jetIndex = Dictionary<int * Channel, int>()

    let emit (op: Op) =
        match opIndex.TryGetValue op with
        | true, i -> i
        | _ ->
            ops.Add op
            opIndex[op] <- ops.Count - 1
            ops.Count - 1

    let rec compile (n: Node) : int =
        match nodeIndex.TryGetValue n with
        | true, i -> i
        | _ ->
            let i =
                match n with
                | Node.Num v -> emit (Const v)
                | Node.X j -> emit (Coord j)
                | Node.P k -> emit (Param k)
                | Node.Jet(o, c) ->
                    let key = (o, c)

                    let k =
                        match jetIndex.TryGetValue key with
                        | true, k -> k
                        | _ ->
                            jetKeys.Add key
                            jetIndex[key] <- jetKeys.Count - 1
                            jetKeys.Count - 1

                    emit (JetInput k)
                | Node.Normal j -> emit (NormalComponent j)
                | Node.Observed -> emit ObservedValue
                | Node.Add(a, b) -> emit (Plus(compile a, compile b))
                | Node.Sub(a, b) -> emit (Minus(compile a, compile b))
                | Node.Mul(a, b) -> emit (Times(compile a, compile b))
                | Node.Div(a, b) -> emit (Over(compile a, compile b))
                | Node.Neg a -> emit (Negative(compile a))
                | Node.Pow(a, Node.Num p) -> emit (PowerConst(compile a, p))
                | Node.Pow(a, b) -> emit (PowerOf(compile a, compile b))
                | Node.Fn(f, a) -> emit (Call(f, compile a))

            nodeIndex[n] <- i
            i

    let rootIndex = roots |> Array.map compile
    let program = ops.ToArray()

    let operands (op: Op) =
        match op with
        | Plus(a, b)
        | Minus(a, b)
        | Times(a, b)
        | Over(a, b)
        | PowerOf(a, b) -> [ a; b ]
        | Negative a
        | PowerConst(a, _)
        | Call(_, a) -> [ a ]
        | _ -> []

    // Dynamic: depends on the network or a parameter (recomputed on every pass, differentiated).
    let dynamic =
        let d = Array.zeroCreate program.Length

        for i in 0 .. program.Length - 1 do
            d[i] <-
                match program[i] with
                | Param _
                | JetInput _ -> true
                | op -> operands op |> List.exists (fun a -> d[a])

        d

    let mutable n = 0
    let mutable values: float[][] = [||]
    let mutable adjoints: float[][] = [||]

    /// Instruction i at points [lo, hi).
    let run (i: int) (jets: float[][]) (parameters: float[]) (lo: int) (hi: int) =
        let v = values[i]

        match program[i] with
        | Const c -> v.AsSpan(lo, hi - lo).Fill c
        | Param k -> v.AsSpan(lo, hi - lo).Fill parameters[k]
        | JetInput k -> Array.Copy(jets[k], lo, v, lo, hi - lo)
        | Coord _
        | NormalComponent _
        | ObservedValue -> () // filled by Bind
        | Plus(a, b) ->
            let a, b = values[a], values[b]

            for p in lo .. hi - 1 do
                v[p] <- a[p] + b[p]
        | Minus(a, b) ->
            let a, b = values[a], values[b]

            for p in lo .. hi - 1 do
                v[p] <- a[p] - b[p]
        | Times(a, b) ->
            let a, b = values[a], values[b]

            for p in lo .. hi - 1 do
                v[p] <- a[p] * b[p]
        | Over(a, b) ->
            let a, b = values[a], values[b]

            for p in lo .. hi - 1 do
                v[p] <- a[p] / b[p]
        | Negative a ->
            let a = values[a]

            for p in lo .. hi - 1 do
                v[p] <- -a[p]
        | PowerConst(a, e) ->
            let a = values[a]

            if e = 2.0 then
                for p in lo .. hi - 1 do
                    v[p] <- a[p] * a[p]
            else
                for p in lo .. hi - 1 do
                    v[p] <- Math.Pow(a[p], e)
        | PowerOf(a, b) ->
            let a, b = values[a], values[b]

            for p in lo .. hi - 1 do
                v[p] <- Math.Pow(a[p], b[p])
        | Call(f, a) ->
            let a = values[a]

            let g: float -> float =
                match f with
                | Exp -> Math.Exp
                | Log -> Math.Log
                | Sin -> Math.Sin
                | Cos -> Math.Cos
                | Tanh -> Math.Tanh
                | Sqrt -> Math.Sqrt
                | Abs -> Math.Abs
                | Sign -> fun q -> float (Math.Sign q)

            for p in lo .. hi - 1 do
                v[p] <- g a[p]

    /// Σ g[p] over points [lo, hi), in point order (a parameter's adjoint summed into its gradient).
    let sumOver (g: float[]) (lo: int) (hi: int) =
        let mutable s = 0.0

        for p in lo .. hi - 1 do
            s <- s + g[p]

        s

    /// Adds instruction i's adjoint at points [lo, hi) into its operands' adjoints (and into the jet adjoints or the
    /// parameter gradient for an input; an empty parameterGradient leaves a parameter's adjoint per point, for
    /// AddParameterGradient).
    let backward (i: int) (jetAdjoints: float[][]) (parameterGradient: float[]) (lo: int) (hi: int) =
        let g = adjoints[i]
        let v = values[i]

        // ā += g·f(p) for each dynamic operand a.
        let inline into (a: int) (f: int -> float) =
            if dynamic[a] then
                let ga = adjoints[a]

                for p in lo .. hi - 1 do
                    ga[p] <- ga[p] + g[p] * f p

        match program[i] with
        | JetInput k ->
            let ja = jetAdjoints[k]

            for p in lo .. hi - 1 do
                ja[p] <- ja[p] + g[p]
        | Param k when parameterGradient.Length > 0 ->
            parameterGradient[k] <- parameterGradient[k] + sumOver g lo hi
        | Param _ -> ()
        | Plus(a, b) ->
            into a (fun _ -> 1.0)
            into b (fun _ -> 1.0)
        | Minus(a, b) ->
            into a (fun _ -> 1.0)
            into b (fun _ -> -1.0)
        | Times(a, b) ->
            let va, vb = values[a], values[b]
            into a (fun p -> vb[p])
            into b (fun p -> va[p])
        | Over(a, b) ->
            let vb = values[b]
            into a (fun p -> 1.0 / vb[p])
            into b (fun p -> -v[p] / vb[p])
        | Negative a -> into a (fun _ -> -1.0)
        | PowerConst(a, e) ->
            let va = values[a]

            if e = 2.0 then
                into a (fun p -> 2.0 * va[p])
            else
                into a (fun p -> e * Math.Pow(va[p], e - 1.0))
        | PowerOf(a, b) ->
            let va, vb = values[a], values[b]
            into a (fun p -> vb[p] * Math.Pow(va[p], vb[p] - 1.0))
            into b (fun p -> v[p] * Math.Log va[p])
        | Call(f, a) ->
            let va = values[a]

            match f with
            | Exp -> into a (fun p -> v[p])
            | Log -> into a (fun p -> 1.0 / va[p])
            | Sin -> into a (fun p -> Math.Cos va[p])
            | Cos -> into a (fun p -> -(Math.Sin va[p]))
            | Tanh -> into a (fun p -> 1.0 - v[p] * v[p])
            | Sqrt -> into a (fun p -> 0.5 / v[p])
            | Abs -> into a (fun p -> float (Math.Sign va[p]))
            | Sign -> ()
        | Const _
        | Coord _
        | NormalComponent _
        | ObservedValue -> ()

    /// The distinct (output, channel) pairs the tape reads, in jet-input order.
    member _.JetKeys = jetKeys.ToArray()

    /// The instructions.
    member _.Program = program

    /// Number of roots (residuals).
    member _.Roots = rootIndex.Length

    /// Number of points bound.
    member _.Points = n

    /// Binds a point set: allocates the arrays (or reuses them for a redraw of as many points: a run that resamples
    /// allocates nothing per draw) and evaluates the instructions that depend only on the points.
    member _.Bind(samples: Samples, observed: float[]) =
        let d = samples.Dimension

        if samples.Count <> n || values.Length <> program.Length then
            n <- samples.Count
            values <- Array.init program.Length (fun _ -> Array.zeroCreate n)
            adjoints <- Array.init program.Length (fun i -> if dynamic[i] then Array.zeroCreate n else [||])
        else
            for a in adjoints do
                Array.Clear a

        for i in 0 .. program.Length - 1 do
            match program[i] with
            | Coord j ->
                for p in 0 .. n - 1 do
                    values[i][p] <- samples.Points[p * d + j]
            | NormalComponent j ->
                if samples.Normals.Length = 0 then
                    invalidOp "the tape reads normals but the point set has none"

                for p in 0 .. n - 1 do
                    values[i][p] <- samples.Normals[p * d + j]
            | ObservedValue ->
                if observed.Length <> n then
                    invalidOp "the tape reads observed values but the point set has none"

                Array.Copy(observed, values[i], n)
            | _ when not dynamic[i] -> run i [||] [||] 0 n
            | _ -> ()

    /// Evaluates the dynamic instructions given the jet inputs (one array of the bound length per JetKeys entry)
    /// and the parameter values.
    member this.Forward(jets: float[][], parameters: float[]) = this.Forward(jets, parameters, 0, n)

    /// Forward at points [first, first + count) only (the fused path: one block of points, from one engine worker;
    /// blocks of different workers touch disjoint points of the same arrays).
    member _.Forward(jets: float[][], parameters: float[], first: int, count: int) =
        for i in 0 .. program.Length - 1 do
            if dynamic[i] then
                run i jets parameters first (first + count)

    /// Values of root r at every point (after Forward).
    member _.Value(r: int) = values[rootIndex[r]]

    /// Reverse pass: given ∂L/∂(root r at point p) in seeds[r], adds ∂L/∂(jet input k at p) into jetAdjoints[k]
    /// and ∂L/∂(parameter k) into parameterGradient[k].
    member this.Reverse(seeds: float[][], jetAdjoints: float[][], parameterGradient: float[]) =
        this.Reverse(seeds, jetAdjoints, parameterGradient, 0, n)

    /// Reverse at points [first, first + count) only. An empty parameterGradient leaves the parameters' adjoints per
    /// point (no sum shared between engine workers); AddParameterGradient sums them once every block is done.
    member _.Reverse
        (seeds: float[][], jetAdjoints: float[][], parameterGradient: float[], first: int, count: int)
        =
        let lo, hi = first, first + count

        for i in 0 .. program.Length - 1 do
            if dynamic[i] then
                adjoints[i].AsSpan(lo, count).Clear()

        for r in 0 .. rootIndex.Length - 1 do
            let i = rootIndex[r]

            if dynamic[i] then
                let g, s = adjoints[i], seeds[r]

                for p in lo .. hi - 1 do
                    g[p] <- g[p] + s[p]

        for i in program.Length - 1 .. -1 .. 0 do
            if dynamic[i] then
                backward i jetAdjoints parameterGradient lo hi

    /// Adds ∂L/∂(parameter k), the sum over every point of its adjoint left by Reverse with an empty parameter
    /// gradient, into parameterGradient[k] (the same sum in the same order as Reverse over all points).
    member _.AddParameterGradient(parameterGradient: float[]) =
        for i in 0 .. program.Length - 1 do
            match program[i] with
            | Param k when dynamic[i] ->
                parameterGradient[k] <- parameterGradient[k] + sumOver adjoints[i] 0 n
            | _ -> ()

    /// Where point p first turns non-finite: the first instruction whose value is NaN or infinite although its
    /// operands are finite, described with its operand values (after Forward).
    member _.Explain(p: int) : string option =
        let at i = values[i].[p]
        let finite i = Double.IsFinite(at i)

        program
        |> Array.indexed
        |> Array.tryFind (fun (i, op) -> not (finite i) && operands op |> List.forall finite)
        |> Option.map (fun (i, op) ->
            let value a = at a

            match op with
            | JetInput k ->
                let (o, c) = jetKeys[k]
                sprintf "network output %d, channel %A, is %g" o c (at i)
            | Param k -> sprintf "trainable parameter %d is %g" k (at i)
            | Over(a, b) -> sprintf "division %g / %g" (value a) (value b)
            | PowerConst(a, e) -> sprintf "power %g ^ %g" (value a) e
            | PowerOf(a, b) -> sprintf "power %g ^ %g" (value a) (value b)
            | Call(f, a) -> sprintf "%s(%g)" f.Name (value a)
            | Times(a, b)
            | Plus(a, b)
            | Minus(a, b) -> sprintf "overflow combining %g and %g" (value a) (value b)
            | other -> sprintf "%A is %g" other (at i))
