/// A problem as discovery sees it: the `Problem` (any domain, fields and conditions of the PDE language) with the
/// settings' network, points and boundary weights, an evaluation grid with quadrature weights, probes, and what the
/// gates measure of a trained network — the equations' residuals against the sizes of their own terms, the boundary
/// conditions' errors against the field's size (the rule of `QualityGates`).
module Pde.Discovery.Subject

open System
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Problems
open Pde.FSharp.Discretization
open Pde.FSharp.Training
open Pde.Discovery.Solutions
open Pde.Discovery.Terms

/// The discovery subject.
[<NoEquality; NoComparison>]
type Subject =
    {
        Name: string
        Parameters: (string * float) list
        /// The problem with the settings' boundary weights applied.
        Problem: Problem
        /// The residuals of the equations (interior conditions).
        Equations: Expr list
        /// The fields, in network output order.
        Fields: Expr list
        Architecture: Architecture
        Points: PointSettings
        WeightDecay: float
        /// Evaluation grid (points in the domain) and its quadrature weights (area / points).
        Grid: float[][]
        GridWeights: float[]
        /// The quadrature weights of the fields' values on the grid (every field in turn, like a candidate's values).
        Weights: float[]
        Probes: (float * float) list
        Gates: QualityGates
        Threshold: float
        /// The L² size of every equation's terms at the zero field (the source's size).
        ZeroScales: float list
        Classical: (float[][] -> (string * float[]) list) option
    }

/// The area of a 2-D domain: exact for rectangles, disks and annuli, else counted on a 400 × 400 grid of its box.
let area (domain: Domain) =
    let rec exact d =
        match d with
        | Rectangle(x0, x1, y0, y1) -> Some((x1 - x0) * (y1 - y0))
        | Disk(_, _, r) -> Some(Math.PI * r * r)
        | Annulus(_, _, a, b) -> Some(Math.PI * (b * b - a * a))
        | Tagged(_, d) -> exact d
        | _ -> None

    match exact domain with
    | Some a -> a
    | None ->
        let lo, hi = Domain.bounds domain
        let n = 400

        let inside =
            Seq.sum (
                seq {
                    for i in 0 .. n - 1 do
                        for j in 0 .. n - 1 do
                            let p =
                                [|
                                    lo[0] + (float i + 0.5) / float n * (hi[0] - lo[0])
                                    lo[1] + (float j + 0.5) / float n * (hi[1] - lo[1])
                                |]

                            if Domain.contains domain p then 1 else 0
                }
            )

        float inside / float (n * n) * (hi[0] - lo[0]) * (hi[1] - lo[1])

/// The domain's centre: the centroid of the grid, or the grid point nearest to it when it is outside (an annulus).
let centre (domain: Domain) (grid: float[][]) =
    let cx = grid |> Array.averageBy (fun p -> p[0])
    let cy = grid |> Array.averageBy (fun p -> p[1])

    if Domain.contains domain [| cx; cy |] then
        cx, cy
    else
        let p = grid |> Array.minBy (fun p -> (p[0] - cx) ** 2.0 + (p[1] - cy) ** 2.0)

        p[0], p[1]

/// The problem with every boundary condition's weight w replaced by `reweight w`.
let reweightBoundary (reweight: float -> float) (problem: Problem) =
    { problem with
        Conditions =
            problem.Conditions
            |> List.map (fun c ->
                match c.Placement with
                | OnBoundary _ -> { c with Weight = reweight c.Weight }
                | _ -> c)
    }

/// The problem with every boundary condition left at weight 1 weighted by `weight`.
let private weighted (weight: float) (problem: Problem) =
    reweightBoundary (fun w -> if w = 1.0 then weight else w) problem

/// The model of weights θ (network weights, then the problem's trainable parameters).
let model (s: Subject) (spec: Ecd.Core.Engine.NetworkSpec) (networkSeed: uint64) (theta: float[]) =
    let p = s.Problem.Parameters.Length
    let n = theta.Length - p

    {
        Problem = s.Problem
        Network = spec
        NetworkSeed = networkSeed
        Weights = theta[.. n - 1]
        Parameters = s.Problem.Parameters |> List.mapi (fun i (name, _) -> name, theta[n + i])
    }

/// Sum of the L² norms of the terms of `e` under `eval`.
let private termScale (weights: float[]) (eval: Expr -> float[]) (e: Expr) =
    additiveTerms e |> List.sumBy (fun t -> normL2 weights (eval t))

/// Compiles a problem and the settings into a subject; raises ProblemError for a problem discovery cannot take
/// (not 2-D, no equation, time-dependent).
let compile (problem: Problem) (s: DiscoverySettings) : Subject =
    DiscoverySettings.validate s
    let scope = problem.Scope

    if scope.Coordinates <> [ "x"; "y" ] then
        raise (
            ProblemError(
                sprintf
                    "discovery needs a 2-D problem in x and y (its coordinates: %s)"
                    (String.Join(", ", scope.Coordinates))
            )
        )

    let equations =
        problem.Conditions
        |> List.filter (fun c ->
            match c.Placement with
            | Interior -> true
            | _ -> false)
        |> List.map (fun c -> c.Residual)

    if equations.IsEmpty then
        raise (ProblemError "discovery needs at least one equation (Problem.equation)")

    let grid = Sampling.grid problem.Domain s.GridPoints
    let weights = Array.create grid.Length (area problem.Domain / float grid.Length)

    let zeroModel =
        {
            Problem = problem
            Network = Objective.spec problem (Architecture.mlp [ 1 ] Ecd.Core.Engine.Activation.Tanh)
            NetworkSeed = 0UL
            Weights = [||]
            Parameters = problem.Parameters
        }

    let zeroEval e =
        Model.evaluate zeroModel (zeroFields e) grid

    {
        Name = s.Name
        Parameters = s.Parameters
        Problem = weighted s.BoundaryWeight problem
        Equations = equations
        Fields = problem.Fields |> List.map Field
        Architecture = s.Network
        // fixed points unless the network could interpolate them (Resampling's rule)
        Points =
            Resampling.apply
                s.Network
                { PointSettings.defaults with
                    Interior = s.InteriorPoints
                    Boundary = s.BoundaryPoints
                    Seed = s.Seed
                }
        WeightDecay = s.WeightDecay
        Grid = grid
        GridWeights = weights
        Weights = Array.replicate problem.Fields.Length weights |> Array.concat
        Probes =
            if s.Probes.IsEmpty then
                [ centre problem.Domain grid ]
            else
                s.Probes
        Gates = s.Gates
        Threshold = s.Threshold
        ZeroScales = equations |> List.map (termScale weights zeroEval)
        Classical = s.Classical
    }

/// The points where the boundary gate is measured: a draw of the collocation points independent of the training one.
let boundaryCheck (s: Subject) =
    Discretize.run
        { s.Points with
            Seed = Ecd.Core.Randomness.Xoshiro256.DeriveSeed(s.Points.Seed, 0xB0UL)
        }
        s.Problem

/// The boundary terms' largest error, and the size it is judged against: the fields' root mean square over the
/// domain, or the boundary data (the terms without fields) on the boundary, whichever is larger.
let private boundaryOf (s: Subject) (m: Model) (check: Discretization) (fieldRms: float) =
    let stats = Model.residuals m check

    let onBoundary =
        check.Terms
        |> Array.mapi (fun i t -> i, t)
        |> Array.filter (fun (_, t) ->
            match t.Condition.Placement with
            | OnBoundary _ -> true
            | _ -> false)

    let largest =
        onBoundary |> Array.fold (fun a (i, _) -> max a (List.item i stats).MaxAbs) 0.0

    let data =
        onBoundary
        |> Array.map (fun (_, t) ->
            let set = check.Sets[t.Set].Samples
            let points = Array.init set.Count set.Point

            additiveTerms t.Condition.Residual
            |> List.filter (fun e -> not (hasField e || hasNormal e))
            |> List.sumBy (fun e ->
                let v = Model.evaluate m e points
                sqrt ((v |> Array.sumBy (fun a -> a * a)) / float v.Length)))
        |> Array.fold max 0.0

    largest, max fieldRms data

/// The floors of the gates' scales, from the problem and the network: per equation, the size of its terms at the zero
/// field (the source), or the distinctness threshold times their size at the network's initial field scaled to a
/// root mean square of 1 (the scale at which the network's outputs live), whichever is larger; for the boundary, the
/// threshold (times that unit root mean square). They keep a field near the zero solution of a homogeneous problem
/// (where every term vanishes) judged on the unit scale instead of relative to its own vanishing terms.
type Reference =
    {
        ResidualFloors: float list
        BoundaryFloor: float
        /// The threshold times the unit field's L² norm: the least distance floor (two fields nearer than the
        /// threshold times this are one solution, however small both are).
        FieldFloor: float
    }

/// The fields' root mean square on the grid.
let private rms (s: Subject) (values: float[]) =
    normL2 s.Weights values / sqrt (Array.sum s.GridWeights * float s.Fields.Length)

/// The fields' root mean square on the grid for weights θ (the size of a network's output).
let sizeOf (s: Subject) (spec: Ecd.Core.Engine.NetworkSpec) (networkSeed: uint64) (theta: float[]) =
    let m = model s spec networkSeed theta
    rms s (s.Fields |> List.map (fun f -> Model.evaluate m f s.Grid) |> Array.concat)

/// The reference of a subject for the network `spec` and its initial weights θ₀.
let reference (s: Subject) (spec: Ecd.Core.Engine.NetworkSpec) (networkSeed: uint64) (theta0: float[]) =
    let fieldsAt theta =
        let m = model s spec networkSeed theta
        m, s.Fields |> List.map (fun f -> Model.evaluate m f s.Grid) |> Array.concat

    let _, initial = fieldsAt theta0
    let size = rms s initial
    let network = Objective.network<float> spec networkSeed
    let p = s.Problem.Parameters.Length

    let unit =
        if size > 0.0 && Double.IsFinite size then
            Array.append
                (Deflation.scaleOutput network (1.0 / size) theta0[.. theta0.Length - p - 1])
                theta0[theta0.Length - p ..]
        else
            theta0

    let m, unitField = fieldsAt unit
    let eval e = Model.evaluate m e s.Grid

    {
        ResidualFloors =
            List.map2
                (fun e zero -> max zero (s.Threshold * termScale s.GridWeights eval e))
                s.Equations
                s.ZeroScales
        BoundaryFloor = s.Threshold * rms s unitField
        FieldFloor = s.Threshold * normL2 s.Weights unitField
    }

/// What the gates and the deduplication look at, for weights θ: the fields on the evaluation grid (concatenated),
/// the equations' residual L² norm and maximum there with their scale, the largest boundary error (on `check`) with
/// its scale, and the probes (the first field).
let measure
    (s: Subject)
    (spec: Ecd.Core.Engine.NetworkSpec)
    (networkSeed: uint64)
    (check: Discretization)
    (reference: Reference)
    (theta: float[])
    : Ensemble.FieldMeasurement =
    let m = model s spec networkSeed theta
    let eval e = Model.evaluate m e s.Grid
    let values = s.Fields |> List.map eval |> Array.concat
    let residuals = s.Equations |> List.map eval

    let scales =
        List.map2
            (fun e floor -> max (termScale s.GridWeights eval e) floor)
            s.Equations
            reference.ResidualFloors

    let boundaryMax, boundaryScale =
        boundaryOf s m check (max (rms s values) reference.BoundaryFloor)

    let probes =
        Model.evaluate m s.Fields.Head (s.Probes |> List.map (fun (px, py) -> [| px; py |]) |> Array.ofList)

    {
        Theta = theta
        Values = values
        ResidualL2 = sqrt (residuals |> List.sumBy (fun r -> normL2 s.GridWeights r ** 2.0))
        ResidualMax =
            residuals
            |> List.fold (fun a r -> r |> Array.fold (fun a v -> max a (abs v)) a) 0.0
        ResidualScale = sqrt (scales |> List.sumBy (fun v -> v * v))
        BoundaryMax = boundaryMax
        BoundaryScale = boundaryScale
        Probes = List.mapi (fun i (px, py) -> px, py, probes[i]) s.Probes
    }

/// Whether a measured field passes the gates at least the distinctness threshold away from every `known` field (values
/// on the grid): Some reason when it does — a training run there has converged to a solution not known yet.
let gatesMet (s: Subject) (reference: Reference) (known: float[] list) (m: Ensemble.FieldMeasurement) =
    let residual = s.Gates.ResidualBoundAt m.ResidualScale
    let boundary = s.Gates.BoundaryBoundAt m.BoundaryScale

    let floor = floorOf s.Weights reference.FieldFloor (m.Values :: known)

    if
        m.ResidualL2 <= residual
        && m.BoundaryMax <= boundary
        && known
           |> List.forall (fun k -> not (sameSolution s.Weights floor s.Threshold m.Values k))
    then
        Some(
            sprintf
                "the gates are met (residual %.3g ≤ %.3g, boundary error %.3g ≤ %.3g)"
                m.ResidualL2
                residual
                m.BoundaryMax
                boundary
        )
    else
        None

/// The PDE residual of every equation, summed in squares, on the grid: √(Σ_k r_k²) at each point (for the map).
let residualMap (s: Subject) (spec: Ecd.Core.Engine.NetworkSpec) (networkSeed: uint64) (theta: float[]) =
    let m = model s spec networkSeed theta
    let rs = s.Equations |> List.map (fun e -> Model.evaluate m e s.Grid)

    match rs with
    | [ r ] -> r
    | rs -> Array.init s.Grid.Length (fun i -> sqrt (rs |> List.sumBy (fun r -> r[i] * r[i])))

/// The points of the boundary sets of a discretization.
let boundaryPoints (discretization: Discretization) =
    discretization.Sets
    |> Array.filter (fun set -> set.Samples.Normals.Length > 0)
    |> Array.collect (fun set -> Array.init set.Samples.Count set.Samples.Point)

/// The interior collocation points of a discretization (the sets with neither normals nor observed values).
let interiorPoints (discretization: Discretization) =
    discretization.Sets
    |> Array.filter (fun set -> set.Samples.Normals.Length = 0 && set.Observed.Length = 0)
    |> Array.collect (fun set -> Array.init set.Samples.Count set.Samples.Point)
