/// Reading optimizer checkpoints (Ecd.Core's own format, which every optimizer writes itself) with System.Text.Json's
/// JsonDocument for the optimization report's table: optional properties and text for tables. EcdPde's own result
/// files are read by their typed readers (JsonFile).
module EcdPde.Runs.JsonRead

open System
open System.Text.Json

/// A value as text for a table: numbers compact (Number.short), strings as they are, anything else as JSON.
let text (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.Number -> Number.short (e.GetDouble())
    | JsonValueKind.String -> e.GetString() |> Option.ofObj |> Option.defaultValue ""
    | _ -> e.ToString()

/// The property `name` of an object (None when absent or when `e` is not an object).
let property (name: string) (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.Object ->
        match e.TryGetProperty name with
        | true, v -> Some v
        | _ -> None
    | _ -> None

/// A string property (None when absent or not a string).
let str (name: string) (e: JsonElement) =
    property name e
    |> Option.filter (fun v -> v.ValueKind = JsonValueKind.String)
    |> Option.bind (fun v -> v.GetString() |> Option.ofObj)

/// Parses a file as JSON; None when it is not JSON.
let tryParseFile (path: string) =
    try
        Some(JsonDocument.Parse(IO.File.ReadAllText path))
    with :? JsonException ->
        None
