/// A problem written as an F# script: `ecdpde discover my-problem.fsx` evaluates the script in-process (F# Interactive
/// from FSharp.Compiler.Service, with the toolkit referenced) and takes its bindings: `problem` (a Problem, required),
/// and optionally `settings` (DiscoverySettings), `parameters` ((string * float) list, recorded with the results) and
/// `classical` (float[][] -> (string * float[]) list: the user's own classical solutions on the evaluation grid).
module EcdPde.Cli.ScriptProblem

open System
open System.IO
open FSharp.Compiler.Interactive.Shell
open Pde.Discovery

/// The innermost exception that says what went wrong (a script's `failwith` arrives wrapped in reflection's)
let rec private innermost (e: exn) =
    match e with
    | :? Reflection.TargetInvocationException
    | :? TypeInitializationException ->
        match e.InnerException with
        | null -> e
        | inner -> innermost inner
    | :? AggregateException as a when a.InnerExceptions.Count = 1 -> innermost a.InnerExceptions[0]
    | e -> e


/// Raises the error of a script that failed: its compiler errors, else the exception it threw, else what it printed.
let private fail
    (full: string)
    (errors: StringWriter)
    (what: string)
    (diagnostics: FSharp.Compiler.Diagnostics.FSharpDiagnostic[])
    (error: exn option)
    =
    let messages =
        diagnostics
        |> Array.filter (fun d -> d.Severity = FSharp.Compiler.Diagnostics.FSharpDiagnosticSeverity.Error)
        |> Array.map (fun d ->
            sprintf "  %s(%d,%d): %s" (Path.GetFileName d.FileName) d.StartLine d.StartColumn d.Message)
        |> List.ofArray

    let thrown =
        match error with
        | Some e when messages.IsEmpty ->
            let e = innermost e
            [ sprintf "  %s: %s" (e.GetType().Name) e.Message ]
        | _ -> []

    let printed =
        match errors.ToString().Trim() with
        | "" -> []
        | text when messages.IsEmpty && thrown.IsEmpty -> [ "  " + text ]
        | _ -> []

    raise (
        ArgumentException(
            sprintf "the script %s %s:\n%s" full what (String.Join("\n", messages @ thrown @ printed))
        )
    )

/// The script's binding `name` (in the module named after the file, first letter upper case), if it has one.
let private binding (session: FsiEvaluationSession) (full: string) (name: string) =
    let fileName =
        Path.GetFileNameWithoutExtension full
        |> Option.ofObj
        |> Option.defaultValue "Script"

    let moduleName = string (Char.ToUpperInvariant fileName[0]) + fileName.Substring 1

    [ sprintf "``%s``.%s" moduleName name; name ]
    |> List.tryPick (fun expression ->
        match session.EvalExpressionNonThrowing expression with
        | Choice1Of2(Some v), _ ->
            match v.ReflectionValue with
            | null -> None
            | value -> Some(value: obj)
        | _ -> None)

/// The binding `name` as a 'T, or an error naming the script, the binding and the type it must have.
let private typed<'T> (full: string) (name: string) (typeName: string) (value: obj) : 'T =
    match value with
    | :? 'T as v -> v
    | other ->
        invalidArg
            "script"
            (sprintf
                "the script %s binds `%s` to a %s; it must be a %s"
                full
                name
                (other.GetType().Name)
                typeName)

/// What a script defines.
[<NoEquality; NoComparison>]
type ScriptProblem =
    {
        Problem: Pde.FSharp.Problems.Problem
        /// The script's settings, or the defaults named after the script; its parameters and classical check in them.
        Settings: DiscoverySettings
    }

let private problemOf (session: FsiEvaluationSession) (full: string) : ScriptProblem =
    let get name = binding session full name

    let problem =
        match get "problem" with
        | Some v -> typed<Pde.FSharp.Problems.Problem> full "problem" "Pde.FSharp.Problems.Problem" v
        | None ->
            invalidArg
                "script"
                (sprintf
                    "the script %s must define `let problem = ...` (a Problem: Problem.create domain [ u ] |> Problem.equation ...)"
                    full)

    let settings =
        match get "settings" with
        | Some v -> typed<DiscoverySettings> full "settings" "Pde.Discovery.DiscoverySettings" v
        | None ->
            { DiscoverySettings.defaults with
                Name =
                    Path.GetFileNameWithoutExtension full
                    |> Option.ofObj
                    |> Option.defaultValue "script"
            }

    let settings =
        match get "parameters" with
        | Some v ->
            { settings with
                Parameters = typed<(string * float) list> full "parameters" "(string * float) list" v
            }
        | None -> settings

    let settings =
        match get "classical" with
        | Some v ->
            { settings with
                Classical =
                    Some(
                        typed<float[][] -> (string * float[]) list>
                            full
                            "classical"
                            "float[][] -> (string * float[]) list"
                            v
                    )
            }
        | None -> settings

    {
        Problem = problem
        Settings = settings
    }

/// Evaluates the script at `path` and returns its problem and settings; errors name the script and what is wrong.
let load (path: string) : ScriptProblem =
    let full = Path.GetFullPath path

    if not (File.Exists full) then
        invalidArg "script" (sprintf "the script %s does not exist" full)

    let output = new StringWriter()
    let errors = new StringWriter()
    let config = FsiEvaluationSession.GetDefaultConfiguration()

    use session =
        FsiEvaluationSession.Create(
            config,
            [| "fsi"; "--noninteractive"; "--nologo"; "--quiet" |],
            new StringReader(""),
            output,
            errors,
            collectible = false
        )

    // the script sees the same Ecd.Core and Pde.FSharp assemblies as this process
    for assembly in
        [
            typeof<Ecd.Core.Engine.Activation>.Assembly
            typeof<Pde.FSharp.Problems.Problem>.Assembly
            typeof<EcdPde.Runs.Trace.TraceWriter>.Assembly
            typeof<DiscoverySettings>.Assembly
        ] do
        let result, diagnostics =
            session.EvalInteractionNonThrowing(sprintf "#r @\"%s\"" assembly.Location)

        match result with
        | Choice2Of2 e -> fail full errors "could not reference the toolkit" diagnostics (Some e)
        | Choice1Of2 _ -> ()

    let result, diagnostics = session.EvalScriptNonThrowing full

    match result with
    | Choice2Of2 e -> fail full errors "does not compile or run" diagnostics (Some e)
    | Choice1Of2 _ -> ()

    problemOf session full
