/// Reading result files back (solutions.json, drift JSON, checkpoints) with System.Text.Json's JsonDocument:
/// numbers that may be written as strings ("NaN", "Infinity"), optional properties, text for tables.
module EcdPde.Runs.JsonRead

open System
open System.Globalization
open System.Text.Json

/// A JSON number, or a number written as a string ("NaN", "Infinity", "1e-3"); NaN for anything else.
let number (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.Number -> e.GetDouble()
    | JsonValueKind.String ->
        match
            Double.TryParse(
                e.GetString() |> Option.ofObj |> Option.defaultValue "",
                NumberStyles.Float,
                CultureInfo.InvariantCulture
            )
        with
        | true, v -> v
        | _ -> nan
    | _ -> nan

/// Every element of a JSON array as a number.
let numbers (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.Array -> [| for v in e.EnumerateArray() -> number v |]
    | _ -> [||]

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

/// A number property (NaN when absent).
let num (name: string) (e: JsonElement) =
    property name e |> Option.map number |> Option.defaultValue nan

/// Parses a file as JSON; None when it is not JSON.
let tryParseFile (path: string) =
    try
        Some(JsonDocument.Parse(IO.File.ReadAllText path))
    with :? JsonException ->
        None
