namespace Pde.FSharp.Discretization

open Ecd.Core.Randomness
open Pde.FSharp.Language
open Pde.FSharp.Geometry
open Pde.FSharp.Symbolic
open Pde.FSharp.Problems

/// The points of one or several terms: coordinates, normals on the boundary, observed values for data.
[<NoEquality; NoComparison>]
type PointSet =
    {
        /// "interior", or the name of the term that owns the set.
        Name: string
        /// Coordinates and (boundary) normals.
        Samples: Samples
        /// Observed values, one per point (data terms), or empty.
        Observed: float[]
    }

/// One term of the loss after lowering: weight · mean over its point set of residual².
[<NoEquality; NoComparison>]
type Term =
    {
        /// The condition's name.
        Name: string
        /// The condition as written.
        Condition: Condition
        /// The residual lowered to jet channels.
        Residual: Node
        /// Index of its point set.
        Set: int
    }

/// A discretized problem: lowered terms and the point sets they are evaluated on (one draw of them: `Epoch`).
[<NoEquality; NoComparison>]
type Discretization =
    {
        /// The problem.
        Problem: Problem
        /// The point settings.
        Settings: PointSettings
        /// Point sets (interior first, then one per boundary or data term, or per term with its own count).
        Sets: PointSet[]
        /// Terms in the problem's order.
        Terms: Term[]
        /// Which draw of the points: 0 for the first; resampling draws others from (seed, epoch).
        Epoch: uint64
    }

/// Discretizing a problem: validation, lowering, point sampling.
[<RequireQualifiedAccess>]
module Discretize =
    // Where a term's points come from: the shared interior set, or its own.
    type private Source =
        | SharedInterior
        | OwnInterior of int
        | OwnBoundary of Boundary * int
        | Given of float[][] * float[]

        member s.IsShared =
            match s with
            | SharedInterior -> true
            | _ -> false

    let private source (settings: PointSettings) (c: Condition) =
        match c.Placement, c.Points with
        | Interior, None -> SharedInterior
        | Interior, Some n -> OwnInterior n
        | OnBoundary b, n -> OwnBoundary(b, defaultArg n settings.Boundary)
        | Observations(ps, vs), _ -> Given(ps, vs)

    let private sample
        (problem: Problem)
        (settings: PointSettings)
        (epoch: uint64)
        (index: int)
        (name: string)
        source
        =
        let seed =
            Xoshiro256.DeriveSeed(Xoshiro256.DeriveSeed(settings.Seed, epoch), uint64 index)

        let domain = problem.Domain

        match source with
        | SharedInterior -> Sampling.interior domain settings.Sampler settings.Interior seed name, [||]
        | OwnInterior n -> Sampling.interior domain settings.Sampler n seed name, [||]
        | OwnBoundary(b, n) -> Sampling.boundary domain b settings.Sampler n seed name, [||]
        | Given(ps, vs) ->
            {
                Dimension = Domain.dimension domain
                Points = Array.concat ps
                Normals = [||]
            },
            Array.copy vs

    let private sets (problem: Problem) (settings: PointSettings) (epoch: uint64) =
        let conditions = problem.Conditions
        let hasShared = conditions |> List.exists (fun c -> (source settings c).IsShared)

        let own =
            conditions
            |> List.filter (fun c -> not (source settings c).IsShared)
            |> List.map (fun c -> c.Name, source settings c)

        let all = (if hasShared then [ "interior", SharedInterior ] else []) @ own

        let sets =
            all
            |> List.mapi (fun i (name, src) ->
                let samples, observed = sample problem settings epoch i name src

                {
                    Name = name
                    Samples = samples
                    Observed = observed
                })
            |> Array.ofList

        let setOf (c: Condition) =
            if (source settings c).IsShared then
                0
            else
                (if hasShared then 1 else 0)
                + (own |> List.findIndex (fun (n, _) -> n = c.Name))

        sets, setOf

    let private checkSettings (s: PointSettings) =
        [
            if s.Interior < 1 then
                yield sprintf "zero points: Interior = %d (need at least 1)" s.Interior
            if s.Boundary < 1 then
                yield sprintf "zero points: Boundary = %d (need at least 1)" s.Boundary
            match s.ResampleEvery with
            | Some k when k < 1 -> yield sprintf "ResampleEvery = %d must be ≥ 1 step" k
            | _ -> ()
        ]

    /// Checks `problem` (raising ProblemError with every problem found), lowers its terms and samples the points.
    let run (settings: PointSettings) (problem: Problem) : Discretization =
        match checkSettings settings @ Validate.problems problem with
        | [] -> ()
        | ps -> raise (ProblemError ps)

        let lowering = Lowering(problem.Scope, problem.Transforms)
        let sets, setOf = sets problem settings 0UL

        let terms =
            problem.Conditions
            |> List.map (fun c ->
                let onBoundary =
                    match c.Placement with
                    | OnBoundary _ -> true
                    | _ -> false

                let lowered = lowering.Lower(c.Name, c.Residual, onBoundary)

                {
                    Name = c.Name
                    Condition = c
                    Residual =
                        match c.Placement with
                        | Observations _ -> Node.sub lowered Node.Observed
                        | _ -> lowered
                    Set = setOf c
                })
            |> Array.ofList

        {
            Problem = problem
            Settings = settings
            Sets = sets
            Terms = terms
            Epoch = 0UL
        }

    /// The same terms on a fresh draw of the points (data points stay); epoch 0 is the first draw.
    let resample (epoch: uint64) (d: Discretization) : Discretization =
        if epoch = d.Epoch then
            d
        else
            let sets, _ = sets d.Problem d.Settings epoch
            { d with Sets = sets; Epoch = epoch }
