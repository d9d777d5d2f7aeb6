/// Studies shipped with EcdPde, reproducing the authors' synthetic comparisons (hyperparameters from gbdl/BBI),
/// and the study of a name or a study file.
module EcdPde.Studies.BuiltInStudies

open System
open System.IO
open EcdPde.Studies.Study

let private stage optimizer settings =
    {
        Optimizer = optimizer
        Settings = settings
        Share = 1.0
    }

/// Ackley b = 0.02, n = 2: BBI vs GDM from 100 uniform starts in [−4, 4]², 30 000 steps, success below 5e-4;
/// five bounce seeds per start for BBI (the authors' "up to five tries"), float32 as in their runs.
let ackley =
    {
        Name = "ackley"
        Problems =
            [
                {
                    Name = "ackley-b0.02"
                    Function = "ackley002"
                    Dim = 2
                    Starts = Uniform(-4.0, 4.0, 100)
                    Target = 5e-4
                }
            ]
        Solvers =
            [
                {
                    Label = "bbi"
                    Stages = [ stage "bbi" Published.ackleyBbi ]
                }
                {
                    Label = "gdm"
                    Stages = [ stage "gdm" Published.ackleyGdm ]
                }
            ]
        Seeds = 5
        Steps = 30_000L
        WallSeconds = None
        Precision = "float32"
        Seed = 2022UL
    }

/// Zakharov n = 10 from all ones: how low each solver gets in 10 000 steps (target 1e-30, which nobody reaches:
/// the table's best-loss column is the figure of merit), BBI, ECDSep, GDM with the authors' settings, Adam and
/// Adam → L-BFGS with common defaults.
let zakharov =
    {
        Name = "zakharov"
        Problems =
            [
                {
                    Name = "zakharov-10"
                    Function = "zakharov"
                    Dim = 10
                    Starts = Fixed [ 1.0 ]
                    Target = 1e-30
                }
            ]
        Solvers =
            [
                {
                    Label = "bbi"
                    Stages = [ stage "bbi" Published.zakharovBbi ]
                }
                {
                    Label = "ecdsep"
                    Stages = [ stage "ecdsep" Published.zakharovEcdSep ]
                }
                {
                    Label = "gdm"
                    Stages = [ stage "gdm" Published.zakharovGdm ]
                }
                {
                    Label = "adam"
                    Stages = [ stage "adam" [ "lr", "0.01" ] ]
                }
                {
                    Label = "adam-lbfgs"
                    Stages =
                        [
                            {
                                Optimizer = "adam"
                                Settings = [ "lr", "0.01" ]
                                Share = 0.5
                            }
                            {
                                Optimizer = "lbfgs"
                                Settings = [ "toleranceGrad", "0"; "toleranceChange", "0" ]
                                Share = 0.5
                            }
                        ]
                }
            ]
        Seeds = 1
        Steps = 10_000L
        WallSeconds = None
        Precision = "float64"
        Seed = 2022UL
    }

/// PINN training on the discovery examples as study problems: the paper's PDE (k = 2) and Bratu (λ = 6), two network
/// initializations each, 6000 steps; success = a classical solution reached (relative L² distance ≤ 0.1, gates
/// passing). Solvers: BBI with `ecdpde discover`'s settings (two bounce seeds), Adam (lr 0.003), Adam → L-BFGS.
let pinn =
    {
        Name = "pinn"
        Problems =
            [
                pdeProblem "paper-pde-k2" "pde:paper-pde:k=2" 2 0.1
                pdeProblem "bratu-6" "pde:bratu:lambda=6" 2 0.1
            ]
        Solvers =
            [
                {
                    Label = "bbi"
                    Stages = [ stage "bbi" (snd (Pde.Discovery.DiscoverySettings.bbi 0.002)) ]
                }
                {
                    Label = "adam"
                    Stages = [ stage "adam" [ "lr", "0.003" ] ]
                }
                {
                    Label = "adam-lbfgs"
                    Stages =
                        [
                            {
                                Optimizer = "adam"
                                Settings = [ "lr", "0.003" ]
                                Share = 0.5
                            }
                            {
                                Optimizer = "lbfgs"
                                Settings = [ "toleranceGrad", "0"; "toleranceChange", "0" ]
                                Share = 0.5
                            }
                        ]
                }
            ]
        Seeds = 2
        Steps = 6000L
        WallSeconds = None
        Precision = "float64"
        Seed = 2022UL
    }

/// Built-in studies by name (the multi-solution study, which is not a grid of cells, is `MultiSolution`).
let all = [ ackley; zakharov; pinn ]

/// Reads a study file (see StudyFile; docs/studies.md for the format). A missing file is named with the built-in
/// studies.
let read (path: string) =
    if not (File.Exists path) then
        invalidArg
            "study"
            (sprintf
                "no built-in study and no file named '%s' (built-in: %s)"
                path
                (String.Join(", ", (all |> List.map (fun s -> s.Name)) @ [ "multi-solution"; "bounce-only" ])))

    StudyFile.read path

/// Writes a study as a study file (StudyFile.write: the format `read` reads back).
let write (study: Study) (path: string) = StudyFile.write study path

/// A built-in study by name, or a study file.
let resolve (nameOrPath: string) =
    match all |> List.tryFind (fun s -> s.Name = nameOrPath.ToLowerInvariant()) with
    | Some s -> s
    | None -> read nameOrPath
