/// Studies shipped with EcdPde, reproducing the authors' synthetic comparisons (hyperparameters from gbdl/BBI),
/// and the reader of study files.
module EcdPde.Studies.BuiltInStudies

open System
open System.IO
open System.Text.Json
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
                    Stages = [ stage "bbi" (snd (Pde.Discovery.Examples.bbi 0.002)) ]
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

/// Reads a study file (JSON; see docs/studies.md for the format). Errors name the missing or bad field.
let read (path: string) =
    if not (File.Exists path) then
        invalidArg
            "study"
            (sprintf
                "no built-in study and no file named '%s' (built-in: %s)"
                path
                (String.Join(", ", (all |> List.map (fun s -> s.Name)) @ [ "multi-solution" ])))

    use doc = JsonDocument.Parse(File.ReadAllText path)
    let root = doc.RootElement

    let req (e: JsonElement) (name: string) =
        match e.TryGetProperty name with
        | true, v -> v
        | _ -> invalidArg "study" (sprintf "%s: field '%s' is missing" path name)

    let str (e: JsonElement) name =
        (req e name).GetString() |> Option.ofObj |> Option.defaultValue ""

    let settings (e: JsonElement) =
        match e.TryGetProperty "settings" with
        | true, s -> [ for p in s.EnumerateObject() -> p.Name, p.Value.ToString() ]
        | _ -> []

    {
        Name = str root "name"
        Problems =
            [
                for p in (req root "problems").EnumerateArray() ->
                    let starts = req p "starts"

                    let func = str p "function"

                    {
                        Name = str p "name"
                        Function = func
                        Dim =
                            match p.TryGetProperty "dim" with
                            | true, v -> v.GetInt32()
                            | _ when PdeProblem.isPde func -> 0
                            | _ -> (req p "dim").GetInt32()
                        Starts =
                            match starts.TryGetProperty "fixed", starts.TryGetProperty "uniform" with
                            | _ when fst (starts.TryGetProperty "initializations") ->
                                Initializations((starts.GetProperty "initializations").GetInt32())
                            | (true, f), _ -> Fixed [ for v in f.EnumerateArray() -> v.GetDouble() ]
                            | _, (true, u) ->
                                let a = [ for v in u.EnumerateArray() -> v.GetDouble() ]

                                if a.Length <> 3 then
                                    invalidArg "study" (sprintf "%s: 'uniform' needs [lo, hi, count]" path)

                                Uniform(a[0], a[1], int a[2])
                            | _ ->
                                invalidArg
                                    "study"
                                    (sprintf "%s: 'starts' needs 'fixed', 'uniform' or 'initializations'" path)
                        Target = (req p "target").GetDouble()
                    }
            ]
        Solvers =
            [
                for s in (req root "solvers").EnumerateArray() ->
                    {
                        Label = str s "label"
                        Stages =
                            [
                                for st in (req s "stages").EnumerateArray() ->
                                    {
                                        Optimizer = str st "optimizer"
                                        Settings = settings st
                                        Share =
                                            match st.TryGetProperty "share" with
                                            | true, v -> v.GetDouble()
                                            | _ -> 1.0
                                    }
                            ]
                    }
            ]
        Seeds = (req root "seeds").GetInt32()
        Steps = (req root "steps").GetInt64()
        WallSeconds =
            match root.TryGetProperty "wallSeconds" with
            | true, v -> Some(v.GetDouble())
            | _ -> None
        Precision =
            match root.TryGetProperty "precision" with
            | true, v -> v.GetString() |> Option.ofObj |> Option.defaultValue "float64"
            | _ -> "float64"
        Seed =
            match root.TryGetProperty "seed" with
            | true, v -> v.GetUInt64()
            | _ -> 0UL
    }

/// Writes a study as a study file (the format `read` reads back).
let write (study: Study) (path: string) =
    let options = JsonWriterOptions(Indented = true)
    use stream = File.Create path
    use w = new Utf8JsonWriter(stream, options)
    w.WriteStartObject()
    w.WriteString("name", study.Name)
    w.WriteNumber("seeds", study.Seeds)
    w.WriteNumber("steps", study.Steps)
    w.WriteString("precision", study.Precision)
    w.WriteNumber("seed", study.Seed)

    match study.WallSeconds with
    | Some s -> w.WriteNumber("wallSeconds", s)
    | None -> ()

    w.WriteStartArray("problems")

    for p in study.Problems do
        w.WriteStartObject()
        w.WriteString("name", p.Name)
        w.WriteString("function", p.Function)
        w.WriteNumber("dim", p.Dim)
        w.WriteStartObject("starts")

        match p.Starts with
        | Fixed xs ->
            w.WriteStartArray("fixed")

            for x in xs do
                w.WriteNumberValue x

            w.WriteEndArray()
        | Uniform(lo, hi, count) ->
            w.WriteStartArray("uniform")
            w.WriteNumberValue lo
            w.WriteNumberValue hi
            w.WriteNumberValue count
            w.WriteEndArray()
        | Initializations n -> w.WriteNumber("initializations", n)

        w.WriteEndObject()
        w.WriteNumber("target", p.Target)
        w.WriteEndObject()

    w.WriteEndArray()
    w.WriteStartArray("solvers")

    for s in study.Solvers do
        w.WriteStartObject()
        w.WriteString("label", s.Label)
        w.WriteStartArray("stages")

        for st in s.Stages do
            w.WriteStartObject()
            w.WriteString("optimizer", st.Optimizer)
            w.WriteStartObject("settings")

            for k, v in st.Settings do
                w.WriteString(k, v)

            w.WriteEndObject()
            w.WriteNumber("share", st.Share)
            w.WriteEndObject()

        w.WriteEndArray()
        w.WriteEndObject()

    w.WriteEndArray()
    w.WriteEndObject()

/// A built-in study by name, or a study file.
let resolve (nameOrPath: string) =
    match all |> List.tryFind (fun s -> s.Name = nameOrPath.ToLowerInvariant()) with
    | Some s -> s
    | None -> read nameOrPath
