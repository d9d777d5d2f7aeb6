namespace Pde.FSharp.Language

open System

/// The symbols a problem declares, against which its expressions are checked.
type Scope =
    {
        /// Coordinates of the domain, in network input order (x, y, then t on a space-time domain).
        Coordinates: string list
        /// Spatial coordinates (all but t).
        Spatial: string list
        /// Declared fields, in network output order.
        Fields: string list
        /// Named constants and their values.
        Constants: Map<string, float>
        /// Trainable parameters, in the order they follow the network weights in θ.
        Parameters: string list
    }

/// The checking pass: every problem of an expression that can be found before any number is computed
/// (unknown symbols, coordinates the domain does not have, non-finite numbers, a normal outside a boundary term,
/// vectors of the wrong length). Each problem is one sentence naming the offending symbol.
module Check =
    let private known (names: string seq) =
        match List.ofSeq names with
        | [] -> "none"
        | l -> String.Join(", ", l)

    /// What a check needs: the scope, where the term is evaluated, and where its problems go.
    type private Context =
        {
            Scope: Scope
            OnBoundary: bool
            TransformOf: string option
            Add: string -> unit
        }

    let private coordinate (ctx: Context) (c: string) =
        if not (List.contains c ctx.Scope.Coordinates) then
            ctx.Add(
                sprintf
                    "dimension mismatch: '%s' is not a coordinate of the domain (its coordinates are %s)"
                    c
                    (known ctx.Scope.Coordinates)
            )

    let private constant (ctx: Context) (c: string) =
        match ctx.Scope.Constants.TryFind c with
        | None ->
            ctx.Add(
                sprintf "unknown constant '%s' (declared constants: %s)" c (known ctx.Scope.Constants.Keys)
            )
        | Some v when not (Double.IsFinite v) -> ctx.Add(sprintf "constant '%s' is %g (not finite)" c v)
        | Some _ -> ()

    let private field (ctx: Context) (f: string) =
        if not (List.contains f ctx.Scope.Fields) then
            ctx.Add(sprintf "unknown field '%s' (declared fields: %s)" f (known ctx.Scope.Fields))
        elif ctx.TransformOf.IsSome then
            ctx.Add(
                sprintf
                    "the transform of field '%s' uses field '%s'; write it with raw(%s)"
                    ctx.TransformOf.Value
                    f
                    ctx.TransformOf.Value
            )

    let private raw (ctx: Context) (f: string) =
        match ctx.TransformOf with
        | Some g when g = f -> ()
        | Some g -> ctx.Add(sprintf "the transform of field '%s' uses raw(%s); only raw(%s) is allowed" g f g)
        | None ->
            ctx.Add(
                sprintf "raw(%s) (a raw network output) is only allowed inside a hard-constraint transform" f
            )

    /// The problems of a symbol (a leaf of an expression).
    let private symbol (ctx: Context) (e: Expr) =
        match e with
        | Number v ->
            if not (Double.IsFinite v) then
                ctx.Add(sprintf "the number %g in the expression is not finite" v)
        | Constant c -> constant ctx c
        | Parameter p ->
            if not (List.contains p ctx.Scope.Parameters) then
                ctx.Add(
                    sprintf "unknown parameter '%s' (declared parameters: %s)" p (known ctx.Scope.Parameters)
                )
        | Coordinate c -> coordinate ctx c
        | Field f -> field ctx f
        | Raw f -> raw ctx f
        | _ -> ()

    let rec private scalar (ctx: Context) (e: Expr) =
        match e with
        | Number _
        | Constant _
        | Parameter _
        | Coordinate _
        | Field _
        | Raw _ -> symbol ctx e
        | Derivative(c, a) ->
            coordinate ctx c
            scalar ctx a
        | Laplacian a
        | Negate a
        | Apply(_, a) -> scalar ctx a
        | Add(a, b)
        | Subtract(a, b)
        | Multiply(a, b)
        | Divide(a, b)
        | Power(a, b) ->
            scalar ctx a
            scalar ctx b
        | Divergence v -> vector ctx v |> ignore
        | Dot(v, w) ->
            let n = vector ctx v
            let m = vector ctx w

            match n, m with
            | Some n, Some m when n <> m ->
                ctx.Add(sprintf "dot(%O, %O): vectors of lengths %d and %d" v w n m)
            | _ -> ()
        | Component(v, i) ->
            match vector ctx v with
            | Some n when i < 0 || i >= n ->
                ctx.Add(sprintf "component %d of %O does not exist (length %d)" i v n)
            | _ -> ()

    // The length of a vector, when known; the spatial dimension for gradients and normals.
    and private vector (ctx: Context) (v: Vector) : int option =
        let spatial = ctx.Scope.Spatial.Length

        match v with
        | Gradient e ->
            scalar ctx e
            Some spatial
        | Normal ->
            if not ctx.OnBoundary then
                ctx.Add "the normal n (and dn) is only defined on boundary conditions, not in the interior"

            Some spatial
        | Components es ->
            es |> List.iter (scalar ctx)

            if es.Length <> spatial then
                ctx.Add(
                    sprintf
                        "dimension mismatch: the vector %O has %d components but the domain has %d spatial coordinates"
                        v
                        es.Length
                        spatial
                )

            Some es.Length
        | Scale(s, w) ->
            scalar ctx s
            vector ctx w
        | VectorNegate w -> vector ctx w
        | VectorAdd(a, b)
        | VectorSubtract(a, b) ->
            let n = vector ctx a
            let m = vector ctx b

            match n, m with
            | Some n, Some m when n <> m -> ctx.Add(sprintf "%O: vectors of lengths %d and %d" v n m)
            | _ -> ()

            n

    /// Problems of `e` in `scope`. `onBoundary`: whether the term is evaluated on boundary points (where the normal
    /// exists). `transformOf`: Some field when `e` is that field's hard-constraint transform (where raw(field) is
    /// allowed and fields are not).
    let expression (scope: Scope) (onBoundary: bool) (transformOf: string option) (e: Expr) : string list =
        let problems = Collections.Generic.List<string>()

        let add (p: string) =
            if not (problems.Contains p) then
                problems.Add p

        scalar
            {
                Scope = scope
                OnBoundary = onBoundary
                TransformOf = transformOf
                Add = add
            }
            e

        List.ofSeq problems
