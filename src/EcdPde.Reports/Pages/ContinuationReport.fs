/// `report.html` of a continuation folder (what `ecdpde continue` wrote): the bifurcation diagrams — u at the centre,
/// ‖u‖ in L² and max u of every branch against the parameter, one trace per branch, the certified points marked, the
/// classical solutions' values beside them, where each branch ended — and the table of every branch point.
module EcdPde.Reports.ContinuationReport

open System
open System.IO
open Pde.Discovery

/// Whether `dir` is a continuation folder (it has continuation.json).
let recognizes (dir: string) =
    File.Exists(Path.Combine(dir, ContinuationFile.name))

/// A functional of a branch point: its name on the axis and its value.
type private Functional =
    {
        Name: string
        Value: ContinuationFile.BranchPoint -> float
    }

/// The points of every branch, in parameter order: (branch, [(value, point)]).
let private branches (c: ContinuationFile.Continuation) =
    [
        for v in c.Values do
            for b in v.Branches -> b.Branch, (v.Value, b)
    ]
    |> List.groupBy fst
    |> List.sortBy fst
    |> List.map (fun (branch, points) -> branch, points |> List.map snd)

let private isCertified (b: ContinuationFile.BranchPoint) = b.Certification.Status = "certified"

/// The bifurcation diagram of one functional: per branch a line through its living points, markers on the certified
/// ones, a cross where it ended; the classical solutions' probe values (u at the centre only) as open circles.
let private diagram (c: ContinuationFile.Continuation) (f: Functional) =
    let curves =
        branches c
        |> List.indexed
        |> List.collect (fun (i, (branch, points)) ->
            let color = Plot.color i
            let name = sprintf "branch %d" branch
            let living = points |> List.filter (fun (_, b) -> b.Status <> "ended")

            let xy (ps: (float * ContinuationFile.BranchPoint) list) =
                ps |> List.map (fun (v, b) -> v, f.Value b) |> Array.ofList

            let certified = living |> List.filter (snd >> isCertified)
            let ended = points |> List.filter (fun (_, b) -> b.Status = "ended")
            let group = Some name

            [
                { Plot.curve name color (xy living) with
                    Group = group
                }
                { Plot.curve (name + " certified") color (xy certified) with
                    Style = Plot.Markers
                    Group = group
                }
                if not ended.IsEmpty then
                    { Plot.curve (name + " ended") color (xy ended) with
                        Style = Plot.Markers
                        Group = group
                        ShowLegend = false
                    }
            ])

    let title = sprintf "%s against %s" f.Name c.Parameter

    Plot.chart title (Plot.linear c.Parameter) (Plot.linear f.Name) curves
    |> Plot.figure

/// The functionals of a continuation.
let private functionals (c: ContinuationFile.Continuation) =
    [
        {
            Name = sprintf "u(%g, %g)" c.ProbeX c.ProbeY
            Value = _.Probe
        }
        {
            Name = "‖u‖ (L² on the grid)"
            Value = _.L2Norm
        }
        { Name = "max u"; Value = _.MaxU }
    ]

/// The bifurcation diagram (u at the centre against the parameter) of the continuation in `dir`, and the others.
let charts (dir: string) =
    let c = ContinuationFile.read (Path.Combine(dir, ContinuationFile.name))
    c, functionals c |> List.map (fun f -> f.Name, diagram c f)

/// The table of every branch point.
let private table (c: ContinuationFile.Continuation) =
    let n (v: float) =
        if Double.IsFinite v then sprintf "%.4g" v else "-"

    Html.table
        [
            c.Parameter
            "branch"
            "status"
            sprintf "u(%g, %g)" c.ProbeX c.ProbeY
            "classical u there"
            "‖u‖"
            "max u"
            "residual L2"
            "certification"
            "distance"
            "FD error"
            "how / why"
            "run"
        ]
        [
            for v in c.Values do
                for b in v.Branches ->
                    [
                        sprintf "%g" v.Value
                        string b.Branch
                        b.Status
                        n b.Probe
                        n b.Certification.ClassicalProbe
                        n b.L2Norm
                        n b.MaxU
                        n b.ResidualL2
                        b.Certification.Status
                        n b.Certification.Distance
                        n b.Certification.ErrorEstimate
                        b.Reason
                        b.RunFolder
                    ]
        ]

/// The discovery folders of a parameter value's folder: the value's own and its grown attempts (`capacity-1`, …,
/// where the first ensemble plateaued and the network grew), in order.
let private attempts (valueDir: string) =
    valueDir
    :: (if Directory.Exists valueDir then
            Directory.GetDirectories(valueDir, "capacity-*")
            |> Array.sortBy (fun d -> d.Length, d)
            |> List.ofArray
        else
            [])

/// Every run of every finished value — its ensembles and those of its grown attempts (capacity-j) — with its steps
/// (the polish included), final loss and whether it finished (result.json).
let private runsTable (dir: string) (c: ContinuationFile.Continuation) =
    let last (xs: float[]) =
        if xs.Length = 0 then nan else xs[xs.Length - 1]

    let n (v: float) =
        if Double.IsFinite v then sprintf "%.4g" v else "-"

    let rows =
        [
            for v in c.Values do
                for folder in attempts (Path.Combine(dir, v.Folder)) do
                    for t in DiscoveryData.traces folder do
                        let runDir =
                            RunFolders.runFolder
                                (Path.Combine(folder, RunFolders.roundFolder t.Id.Round))
                                t.Id.Index

                        let polishSteps = t.Polish |> Option.map (_.Step >> last) |> Option.defaultValue 0.0

                        let loss =
                            t.Polish |> Option.map (_.Loss >> last) |> Option.defaultValue (last t.Run.Loss)

                        [
                            sprintf "%g" v.Value
                            Path.GetRelativePath(dir, runDir).Replace('\\', '/')
                            n (last t.Run.Step + (if Double.IsFinite polishSteps then polishSteps else 0.0))
                            n loss
                            (if File.Exists(Path.Combine(runDir, "result.json")) then
                                 "finished"
                             else
                                 "unfinished")
                        ]
        ]

    rows.Length, Html.table [ c.Parameter; "run"; "steps"; "final loss"; "result" ] rows

/// Builds the report of the continuation folder `dir` and writes `dir/report.html`; returns its path.
let write (dir: string) =
    let c, figures = charts dir

    let body =
        [
            Html.paragraph (
                sprintf
                    "%s along %s from %g to %g by %g: %d of the path's values finished%s. Tool %s."
                    c.Problem.Name
                    c.Parameter
                    c.Start
                    c.Stop
                    c.Step
                    c.Values.Length
                    (if c.Complete then
                         " (complete)"
                     else
                         " (not complete: rerun the same command to continue)")
                    c.Tool.Version
            )
            Html.heading 2 "Bifurcation diagrams"
            yield!
                figures
                |> List.map (fun (name, chart) ->
                    Html.figure chart (sprintf "%s of every branch; markers: certified points" name))
            Html.heading 2 "Branch points"
            table c
            let runs, runsHtml = runsTable dir c
            Html.heading 2 "Runs"

            Html.paragraph (
                sprintf
                    "%d runs of the finished values: each value's ensembles and, where its first ensemble plateaued, those of the grown networks (capacity-j); steps include the polish."
                    runs
            )

            runsHtml
            Html.heading 2 "The problem at the start"
            sprintf "<pre>%s</pre>\n" (Html.escape c.Problem.Definition)
        ]

    let path = Path.Combine(dir, "report.html")
    File.WriteAllText(path, Html.page (sprintf "Continuation: %s" c.Problem.Name) body)
    path

/// Writes the bifurcation diagram (u at the centre) as `dir/figures/bifurcation.png` and `.svg` with Chromium;
/// returns the paths.
let writeImages (dir: string) =
    let _, figures = charts dir
    let _, chart = figures.Head

    Images.write
        (Path.Combine(dir, "figures"))
        [
            {
                Name = "bifurcation"
                Chart = chart
                Caption = "bifurcation diagram"
                ThreeD = false
            }
        ]
