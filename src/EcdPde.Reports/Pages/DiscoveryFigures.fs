/// The charts of the discovery report, from its records (DiscoveryData): per solution the field, its PDE residual and
/// its surface; the collocation points; the loss and energy of every run.
module EcdPde.Reports.DiscoveryFigures

open EcdPde.Reports.DiscoveryData
open EcdPde.Reports.Images

/// Solution k's field as a heatmap with iso-lines.
let fieldFigure (grid: (float * float)[]) (k: int) (values: float[]) =
    {
        Figure.Name = sprintf "solution-%d" k
        Chart = Fields.ofLattice (sprintf "solution %d" k) "u" grid values |> Fields.heatmap 7
        Caption =
            sprintf
                "Solution %d on the evaluation grid (%d points; blank outside the domain), with 7 iso-lines evenly spaced in its range. Hover for values; drag to zoom, double-click to reset."
                k
                grid.Length
        ThreeD = false
    }

/// Solution k's PDE residual on the diverging scale with the robust colour range.
let residualFigure (grid: (float * float)[]) (k: int) (values: float[]) =
    {
        Name = sprintf "residual-%d" k
        Chart =
            Fields.ofLattice (sprintf "PDE residual, solution %d" k) "residual" grid values
            |> Fields.residualMap
        Caption =
            sprintf
                "The signed PDE residual of solution %d at the evaluation points (zero for an exact solution: white at zero, blue below, red above). The colour range is ± the larger of |1st| and |99th percentile|, so that a few extreme cells (often at the boundary) do not wash out the interior; values beyond it take the end colours, and hovering shows every value."
                k
        ThreeD = false
    }

/// Solution k as a rotatable 3-D surface.
let surfaceFigure (grid: (float * float)[]) (k: int) (values: float[]) =
    {
        Name = sprintf "surface-%d" k
        Chart =
            Fields.ofLattice (sprintf "solution %d (surface)" k) "u" grid values
            |> Fields.surface
        Caption =
            sprintf
                "Solution %d as a surface over the domain (height and colour: u). Drag to rotate, scroll to zoom."
                k
        ThreeD = true
    }

/// Solution k's network field minus its certified classical solution, on the diverging scale.
let differenceFigure (grid: (float * float)[]) (k: int) (network: float[]) (classical: float[]) =
    {
        Name = sprintf "difference-%d" k
        Chart =
            Fields.ofLattice
                (sprintf "network − classical, solution %d" k)
                "difference"
                grid
                (Array.map2 (-) network classical)
            |> Fields.residualMap
        Caption =
            sprintf
                "Solution %d: the network's field minus the classical solution Newton converged to from it (finite differences, interpolated to the evaluation grid); colour range as for the residual."
                k
        ThreeD = false
    }

/// Solution k along the grid row nearest the centre line y = (min y + max y)/2: the network's field and the
/// classical solution, over x.
let sliceFigure (grid: (float * float)[]) (k: int) (network: float[]) (classical: float[]) =
    let ys = grid |> Array.map snd
    let mid = (Array.min ys + Array.max ys) / 2.0
    let row = ys |> Array.minBy (fun y -> abs (y - mid))

    let along (values: float[]) =
        Array.zip grid values
        |> Array.filter (fun ((_, y), _) -> abs (y - row) < 1e-12)
        |> Array.map (fun ((x, _), v) -> x, v)
        |> Array.sortBy fst

    let curves =
        [
            Plot.curve "network" (Plot.color 0) (along network)
            { Plot.curve "classical (finite differences + Newton)" (Plot.color 1) (along classical) with
                Style = Plot.Dashed
            }
        ]

    {
        Name = sprintf "slice-%d" k
        Chart =
            Plot.chart (sprintf "solution %d at y = %.3g" k row) (Plot.linear "x") (Plot.linear "u") curves
            |> Plot.figure
        Caption =
            sprintf
                "Solution %d along the grid row y = %.3g nearest the domain's centre line: the network's field (solid) over the certified classical solution (dashed)."
                k
                row
        ThreeD = false
    }

/// The figures of solution k (number k = index + 1) that its stored values allow.
let solutionFigures (grid: (float * float)[]) (k: int) (s: Solution) =
    [
        match s.Field with
        | Some v -> fieldFigure grid k v
        | None -> ()
        match s.Residual with
        | Some v -> residualFigure grid k v
        | None -> ()
        match s.Field with
        | Some v -> surfaceFigure grid k v
        | None -> ()
        match s.Field, s.Certification |> Option.bind _.Classical with
        | Some network, Some classical ->
            differenceFigure grid k network classical
            sliceFigure grid k network classical
        | _ -> ()
    ]

/// The collocation points.
let collocationFigure (interior: (float * float)[]) (boundary: (float * float)[]) =
    {
        Name = "collocation"
        Chart = Fields.collocation "Collocation points" interior boundary
        Caption =
            sprintf
                "The %d interior and %d boundary points where the loss evaluates the equation and the boundary condition (the same for every run)."
                interior.Length
                boundary.Length
        ThreeD = false
    }

/// The solution (1, 2, …) each run reached, by run id.
let owners (solutions: Solution list) =
    solutions
    |> List.mapi (fun i s -> s.RunIds |> List.map (fun r -> r, i + 1))
    |> List.concat
    |> Map.ofList

/// Per run: its curve (colour of its own; grouped in the legend by the solution it reached; solid for round 0's plain
/// loss, dashed for the deflated runs of later rounds) and, dotted, the polish on the plain loss after it.
let runCurves (solutions: Solution list) (traces: RunTrace list) (pick: Trace -> float[]) =
    let owner = owners solutions

    traces
    |> List.mapi (fun i t ->
        let id = t.Id

        let group =
            match owner.TryFind id with
            | Some k -> sprintf "solution %d" k
            | None -> "not a solution"

        let phase = if id.Round = 0 then "" else " (deflated)"

        let run =
            { Plot.curve (sprintf "%O%s" id phase) (Plot.color i) (Array.zip t.Run.Step (pick t.Run)) with
                Style = (if id.Round = 0 then Plot.Solid else Plot.Dashed)
                Group = Some group
            }

        let last = Array.tryLast t.Run.Step |> Option.defaultValue 0.0

        run
        :: (match t.Polish with
            | Some p when p.Step.Length > 0 ->
                [
                    { Plot.curve
                          (sprintf "%O, polish" id)
                          (Plot.color i)
                          (Array.zip (p.Step |> Array.map ((+) last)) (pick p)) with
                        Style = Plot.Dotted
                        Group = Some group
                        ShowLegend = false
                    }
                ]
            | _ -> []))
    |> List.concat
    |> List.sortBy (fun c -> c.Group)

/// The loss or energy chart of every run (a log axis when the values span decades).
let trainingFigure
    (solutions: Solution list)
    (traces: RunTrace list)
    (name: string)
    (pick: Trace -> float[])
    =
    let curves = runCurves solutions traces pick
    let y = Plot.autoAxis name (curves |> Seq.collect _.Y)

    let title =
        sprintf
            "%s of every run%s"
            (if name = "loss" then "Loss" else "Energy")
            (if y.Log then " (log scale)" else "")

    {
        Name = name
        Chart = Plot.chart title (Plot.linear "step") y curves |> Plot.figure
        Caption =
            (if name = "loss" then
                 "Loss per step of every run, one colour per run, grouped in the legend by the solution it reached (click a group title to hide it). Solid: round 0 (bounces, the plain loss); dashed: deflated runs of later rounds, whose loss is the deflated loss (the plain loss times the deflation factor, so not comparable with the solid curves); dotted: the L-BFGS polish on the plain loss that follows a deflated run."
             else
                 "Energy E per step (BBI/ECDSep: the conserved quantity; Adam, L-BFGS: the loss); colours, groups and line styles as in the loss chart.")
            + (if y.Log then
                   " Log scale: the values span decades."
               else
                   " Linear scale.")
        ThreeD = false
    }
