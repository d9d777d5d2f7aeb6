/// A discovery example written as an F# script: `ecdpde discover my-problem.fsx` evaluates the script in-process
/// (F# Interactive from FSharp.Compiler.Service, with Ecd.Core and Pde.FSharp referenced) and takes its binding
/// `example` (an `Examples.Example`, e.g. built with `Examples.dirichlet`).
module EcdPde.Cli.ScriptExample

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

/// The script's binding `example` (in the module named after the file, first letter upper case).
let private exampleOf (session: FsiEvaluationSession) (full: string) : Examples.Example =
    // a script's bindings live in a module named after the file (first letter upper case)
    let fileName =
        Path.GetFileNameWithoutExtension full
        |> Option.ofObj
        |> Option.defaultValue "Script"

    let moduleName = string (Char.ToUpperInvariant fileName[0]) + fileName.Substring 1

    let value =
        [ sprintf "``%s``.example" moduleName; "example" ]
        |> List.tryPick (fun expression ->
            match session.EvalExpressionNonThrowing expression with
            | Choice1Of2(Some v), _ -> Some v
            | _ -> None)

    match value with
    | Some value ->
        match value.ReflectionValue with
        | :? Examples.Example as e -> e
        | other ->
            invalidArg
                "example"
                (sprintf
                    "the script %s binds `example` to a %s; it must be a Pde.Discovery.Examples.Example"
                    full
                    (match other with
                     | null -> "null"
                     | o -> o.GetType().Name))
    | None ->
        invalidArg
            "example"
            (sprintf "the script %s must define `let example = ...` (a Pde.Discovery.Examples.Example)" full)

/// Evaluates the script at `path` and returns its `example`; errors name the script and what is wrong.
let load (path: string) : Examples.Example =
    let full = Path.GetFullPath path

    if not (File.Exists full) then
        invalidArg "example" (sprintf "the script %s does not exist" full)

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
            typeof<Examples.Example>.Assembly
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

    exampleOf session full
