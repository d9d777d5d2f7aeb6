/// The comparison pages of studies: the multi-solution study read back into its page, profiles, bands and charts.
module EcdPde.Reports.Tests.CompareReportTests

open System
open System.IO
open Xunit
open Expecto
open Pde.Discovery.Solutions
open EcdPde.Runs
open EcdPde.Reports
open EcdPde.Studies
open EcdPde.Studies.Study

let private temp () = TempFolders.path "ecdpde-pde-study-"

let private solver label optimizer settings =
    {
        Label = label
        Stages =
            [
                {
                    Optimizer = optimizer
                    Settings = settings
                    Share = 1.0
                }
            ]
    }

let ``the multi-solution study runs on a tiny setting, resumes, and its JSON reads back`` () =
    let settings =
        { MultiSolution.defaults with
            Problems =
                [
                    {
                        Function = "pde:paper-pde:k=2"
                        StepsPerRun = 20L
                    }
                ]
            Strategies =
                [
                    {
                        Label = "bounces"
                        Strategy = MultiSolution.Bounces
                    }
                    {
                        Label = "restarts-adam"
                        Strategy = MultiSolution.Restarts("adam", [ "lr", "0.003" ])
                    }
                    {
                        Label = "newton-sweep"
                        Strategy = MultiSolution.ClassicalNewton [ 0.0; -10.0 ]
                    }
                ]
            Budgets = [ 1; 2 ]
        }

    let dir = temp ()
    let o = MultiSolutionRun.run settings dir 2 ignore
    // 2 PINN strategies × 2 budgets + 1 classical row
    Assert.Equal(5, o.Rows.Length)
    let newton = o.Rows |> List.find (fun r -> r.Strategy = "newton-sweep")
    // from u ≡ 0 and u ≡ −10 deflated Newton finds both radial solutions, each matching a classical one
    Assert.Equal(2, newton.Matched.Length)
    Assert.Equal(2, (snd o.Classical.Head).Length)

    for r in o.Rows |> List.filter (fun r -> r.BudgetRuns.IsSome) do
        Assert.Equal(r.BudgetRuns.Value, r.RunsUsed)
        // 20 steps do not pass the gates
        Assert.Equal(0, r.Distinct)
        Assert.Equal(int64 r.RunsUsed * 21L, r.Evaluations)
        Assert.True(r.Seconds > 0.0)

    Assert.True(File.Exists(Path.Combine(dir, "paper-pde_k=2", "bounces", "seed-0", "run-costs.json")))
    let again = MultiSolutionRun.run settings dir 2 ignore

    let strip (rows: MultiSolution.Row list) =
        rows
        |> List.map (fun r ->
            { r with
                Seconds = 0.0
                CpuSeconds = 0.0
            })

    Assert.Equal<MultiSolution.Row list>(strip o.Rows, strip again.Rows)
    // the folder is claimed for these settings: other budgets are refused naming them, and a held folder too
    let other =
        Assert.Throws<FolderIdentity.IdentityMismatchException>(fun () ->
            MultiSolutionRun.run { settings with Budgets = [ 1 ] } dir 2 ignore |> ignore)

    Assert.Contains("settings.budgets_runs[1]: 2 there, absent now", other.Message)

    using (FolderLock.acquire dir) (fun _ ->
        let held =
            Assert.Throws<FolderLock.FolderLockedException>(fun () ->
                MultiSolutionRun.run settings dir 2 ignore |> ignore)

        Assert.Contains(sprintf "PID %d" Environment.ProcessId, held.Message))
    // PINN rows keep the seconds measured the first time
    Assert.Equal<float list>(
        o.Rows
        |> List.filter (fun r -> r.BudgetRuns.IsSome)
        |> List.map (fun r -> r.Seconds),
        again.Rows
        |> List.filter (fun r -> r.BudgetRuns.IsSome)
        |> List.map (fun r -> r.Seconds)
    )

    let path = CompareReport.multiSolutionFile dir
    MultiSolutionFile.write path o
    let classicalBack, rowsBack = MultiSolutionFile.read path
    Assert.Equal<(string * string list) list>(o.Classical, classicalBack)
    Assert.Equal<MultiSolution.Row list>(o.Rows, rowsBack)
    let html = File.ReadAllText(CompareReport.write dir)
    Assert.Contains("Distinct solutions found, paper-pde k=2", html)
    Assert.Contains("newton-sweep (classical): 2", html)

let synthetic =
    {
        Name = "plots"
        Problems =
            [
                {
                    Name = "quad"
                    Function = "quadratic"
                    Dim = 2
                    Starts = Uniform(-1.0, 1.0, 3)
                    Target = 1e-8
                }
            ]
        Solvers =
            [
                solver "gdm" "gdm" [ "lr", "0.05"; "momentum", "0.9" ]
                solver "bbi" "bbi" [ "lr", "0.01"; "v0", "0" ]
            ]
        Seeds = 2
        Steps = 400L
        WallSeconds = None
        Precision = "float64"
        Seed = 11UL
    }

let ``the study report draws profiles, convergence bands and the success table`` () =
    let dir = temp ()
    Directory.CreateDirectory dir |> ignore
    BuiltInStudies.write synthetic (CompareReport.studyFile dir)
    StudyRunner.run synthetic dir 2 (fun _ _ -> ()) |> ignore
    let html = File.ReadAllText(CompareReport.write dir)
    Assert.Contains("Performance profile, study plots", html)
    Assert.Contains("Data profile, study plots", html)
    Assert.Contains("Convergence on quad", html)
    Assert.Contains("95% Wilson interval", html)
    Assert.Contains("Deterministic solvers (gdm) ran once per start", html)
    PageChecks.assertSelfContained html
    let figures = PageChecks.figures html
    Assert.Equal(3, figures.Length)
    // two solvers: a median line and an interquartile band each in the convergence chart
    let convergence = PageChecks.traces figures[2]

    Assert.Equal(
        2,
        convergence
        |> List.filter (fun t -> PageChecks.str "fill" t = "toself")
        |> List.length
    )

    Assert.Equal(
        2,
        convergence
        |> List.filter (fun t -> PageChecks.str "fill" t = "")
        |> List.length
    )

    Assert.Equal("log", PageChecks.str "type" ((PageChecks.at [ "layout"; "xaxis" ] (figures[0]))))

    let empty = temp ()
    Directory.CreateDirectory empty |> ignore

    Assert.Throws<InvalidDataException>(fun () -> CompareReport.write empty |> ignore)
    |> ignore

let ``a band is a closed shaded trace along the upper curve and back along the lower one`` () =
    let t =
        Plot.bandTrace "IQR <q>" "#1f77b4" [| 1.0; 2.0; 3.0 |] [| 0.0; 0.5; 1.0 |] [| 1.0; 2.0; 3.0 |]
        |> List.singleton
        |> Plotly.NET.GenericChart.ofTraceObjects false
        |> Plot.data
        |> PageChecks.traces
        |> List.head

    Assert.Equal("toself", PageChecks.str "fill" t)
    Assert.Equal("IQR &lt;q&gt;", PageChecks.str "legendgroup" t)

    let values (key: string) =
        PageChecks.numbers (PageChecks.at [ key ] t)

    Assert.Equal<float[]>([| 1.0; 2.0; 3.0; 3.0; 2.0; 1.0 |], values "x")
    Assert.Equal<float[]>([| 1.0; 2.0; 3.0; 1.0; 0.5; 0.0 |], values "y")

let ``the multi-solution chart has a line per PINN strategy and a rule per classical one`` () =
    let row strategy budget matched : MultiSolution.Row =
        {
            Problem = "p"
            Strategy = strategy
            Seed = 0
            BudgetRuns = budget
            BudgetSteps = budget |> Option.map (fun b -> int64 b * 100L)
            RunsUsed = 1
            Converged = 1
            Distinct = List.length matched
            Matched = matched
            Nearest = []
            Seconds = 1.0
            Evaluations = 100L
            Certified = List.length matched
            CpuSeconds = 1.0
        }

    let rows =
        [
            row "bounces" (Some 1) [ "A" ]
            row "bounces" (Some 2) [ "A" ]
            row "deflation" (Some 1) [ "A" ]
            row "deflation" (Some 2) [ "A"; "B" ]
            row "newton" None [ "A" ]
        ]

    let fig = Plot.data (CompareReport.multiSolutionChart "p" 2 rows)

    let lines =
        PageChecks.traces fig
        |> List.filter (fun t -> PageChecks.str "mode" t = "lines+markers")

    Assert.Equal<string list>([ "bounces"; "deflation" ], lines |> List.map (PageChecks.str "name"))
    Assert.Equal("log", PageChecks.str "type" ((PageChecks.at [ "layout"; "xaxis" ] (fig))))
    let shapes = ((PageChecks.at [ "layout"; "shapes" ] (fig))).ToJsonString()
    Assert.Contains("newton (classical): 1", shapes)
    Assert.Contains("known: 2", shapes)

    let headers, table =
        CompareReport.multiSolutionTable
            [ "p", [ "B-solution"; "A-solution" ] ]
            (rows
             |> List.map (fun r ->
                 { r with
                     Matched = r.Matched |> List.map (fun m -> m + "-solution")
                 }))

    Assert.Equal(5, table.Length)
    // named by their letters in the classical list
    Assert.Equal("B, A", table[3][headers |> List.findIndex ((=) "which")])

[<Tests>]
let tests =
    testList
        "CompareReportTests"
        [
            testCase
                "the multi-solution study runs on a tiny setting, resumes, and its JSON reads back"
                ``the multi-solution study runs on a tiny setting, resumes, and its JSON reads back``
            testCase
                "the study report draws profiles, convergence bands and the success table"
                ``the study report draws profiles, convergence bands and the success table``
            testCase
                "a band is a closed shaded trace along the upper curve and back along the lower one"
                ``a band is a closed shaded trace along the upper curve and back along the lower one``
            testCase
                "the multi-solution chart has a line per PINN strategy and a rule per classical one"
                ``the multi-solution chart has a line per PINN strategy and a rule per classical one``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.CompareReportTests"
