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

    /// Problems of `e` in `scope`. `onBoundary`: whether the term is evaluated on boundary points (where the normal
    /// exists). `transformOf`: Some field when `e` is that field's hard-constraint transform (where raw(field) is
    /// allowed and fields are not).
    let expression (scope: Scope) (onBoundary: bool) (transformOf: string option) (e: Expr) : string list =
        let problems = Collections.Generic.List<string>()

        let add (p: string) =
            if not (problems.Contains p) then
                problems.Add p

        let coordinate (c: string) =
            if not (List.contains c scope.Coordinates) then
                add (
                    sprintf
                        "dimension mismatch: '%s' is not a coordinate of the domain (its coordinates are %s)"
                        c
                        (known scope.Coordinates)
                )

        let rec scalar (e: Expr) =
            match e with
            | Number v ->
                if not (Double.IsFinite v) then
                    add (sprintf "the number %g in the expression is not finite" v)
            | Constant c ->
                match scope.Constants.TryFind c with
                | None ->
                    add (
                        sprintf
                            "unknown constant '%s' (declared constants: %s)"
                            c
                            (known scope.Constants.Keys)
                    )
                | Some v when not (Double.IsFinite v) -> add (sprintf "constant '%s' is %g (not finite)" c v)
                | Some _ -> ()
            | Parameter p ->
                if not (List.contains p scope.Parameters) then
                    add (
                        sprintf "unknown parameter '%s' (declared parameters: %s)" p (known scope.Parameters)
                    )
            | Coordinate c -> coordinate c
            | Field f ->
                if not (List.contains f scope.Fields) then
                    add (sprintf "unknown field '%s' (declared fields: %s)" f (known scope.Fields))
                elif transformOf.IsSome then
                    add (
                        sprintf
                            "the transform of field '%s' uses field '%s'; write it with raw(%s)"
                            transformOf.Value
                            f
                            transformOf.Value
                    )
            | Raw f ->
                match transformOf with
                | Some g when g = f -> ()
                | Some g ->
                    add (sprintf "the transform of field '%s' uses raw(%s); only raw(%s) is allowed" g f g)
                | None ->
                    add (
                        sprintf
                            "raw(%s) (a raw network output) is only allowed inside a hard-constraint transform"
                            f
                    )
            | Derivative(c, a) ->
                coordinate c
                scalar a
            | Laplacian a
            | Negate a
            | Apply(_, a) -> scalar a
            | Add(a, b)
            | Subtract(a, b)
            | Multiply(a, b)
            | Divide(a, b)
            | Power(a, b) ->
                scalar a
                scalar b
            | Divergence v -> vector v |> ignore
            | Dot(v, w) ->
                let n = vector v
                let m = vector w

                match n, m with
                | Some n, Some m when n <> m ->
                    add (sprintf "dot(%O, %O): vectors of lengths %d and %d" v w n m)
                | _ -> ()
            | Component(v, i) ->
                match vector v with
                | Some n when i < 0 || i >= n ->
                    add (sprintf "component %d of %O does not exist (length %d)" i v n)
                | _ -> ()

        // The length of a vector, when known; the spatial dimension for gradients and normals.
        and vector (v: Vector) : int option =
            let spatial = scope.Spatial.Length

            match v with
            | Gradient e ->
                scalar e
                Some spatial
            | Normal ->
                if not onBoundary then
                    add "the normal n (and dn) is only defined on boundary conditions, not in the interior"

                Some spatial
            | Components es ->
                es |> List.iter scalar

                if es.Length <> spatial then
                    add (
                        sprintf
                            "dimension mismatch: the vector %O has %d components but the domain has %d spatial coordinates"
                            v
                            es.Length
                            spatial
                    )

                Some es.Length
            | Scale(s, w) ->
                scalar s
                vector w
            | VectorNegate w -> vector w
            | VectorAdd(a, b)
            | VectorSubtract(a, b) ->
                let n = vector a
                let m = vector b

                match n, m with
                | Some n, Some m when n <> m -> add (sprintf "%O: vectors of lengths %d and %d" v n m)
                | _ -> ()

                n

        scalar e
        List.ofSeq problems
