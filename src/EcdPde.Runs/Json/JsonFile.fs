/// The one JSON approach of EcdPde's result files: an F# record per file kind, serialized by System.Text.Json with
/// snake_case names and a format tag (`"format": "ecdpde-solutions/2"`) that the reader checks before anything else.
/// Every number written is finite or null: a number that is not finite (NaN, ±infinity) is written as `null` and
/// read back as NaN; the field's documentation, or a field beside it, says why it has no value (solutions.json's
/// classical check: `"nearest": "no classical solution"` beside `"relative_l2_distance": null`). Files written
/// before this rule (with "NaN", "Infinity", "-Infinity" strings) are still read. Every failure to read is a
/// ResultFileException naming the file and the problem.
module EcdPde.Runs.JsonFile

open System
open System.IO
open System.Text.Json
open System.Text.Json.Serialization

/// A result file that cannot be read: missing, not JSON, another format, or not the shape its format promises.
type ResultFileException(path: string, problem: string) =
    inherit Exception(sprintf "%s: %s" path problem)

    /// The file.
    member _.Path = path

    /// What is wrong with it.
    member _.Problem = problem

/// Floating-point numbers: finite ones as JSON numbers, the others as null (read back as NaN); the strings "NaN",
/// "Infinity", "-Infinity" of older files are read as those values.
type FiniteOrNullConverter() =
    inherit JsonConverter<float>()

    override _.HandleNull = true

    override _.Read(reader, _, _) =
        match reader.TokenType with
        | JsonTokenType.Null -> nan
        | JsonTokenType.Number ->
            match reader.TryGetDouble() with
            | true, v when Double.IsFinite v -> v
            | _ -> raise (JsonException "a number out of the range of a 64-bit float")
        | JsonTokenType.String ->
            match reader.GetString() with
            | "NaN" -> nan
            | "Infinity" -> infinity
            | "-Infinity" -> -infinity
            | s -> raise (JsonException(sprintf "\"%s\" is not a number" s))
        | t -> raise (JsonException(sprintf "a %O where a number belongs" t))

    override _.Write(writer, value, _) =
        if Double.IsFinite value then
            writer.WriteNumberValue value
        else
            writer.WriteNullValue()

/// The serializer options of every result file.
let options =
    let o =
        JsonSerializerOptions(
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
            MaxDepth = 64
        )

    o.Converters.Add(FiniteOrNullConverter())
    o.MakeReadOnly(true)
    o

/// The JSON text of a value.
let serialize (value: 'T) =
    JsonSerializer.Serialize(value, options)

/// Writes `value` to `path` atomically.
let write (path: string) (value: 'T) =
    AtomicFile.writeText path (serialize value)

/// The format tag of a JSON text (None when it has none or is not a JSON object); raises JsonException when the
/// text is not JSON.
let private formatOf (text: string) =
    use doc = JsonDocument.Parse(text, JsonDocumentOptions(MaxDepth = options.MaxDepth))

    let root = doc.RootElement

    if root.ValueKind <> JsonValueKind.Object then
        None
    else
        match root.TryGetProperty "format" with
        | true, f when f.ValueKind = JsonValueKind.String -> f.GetString() |> Option.ofObj
        | _ -> None

/// The format tag of the JSON file at `path` (None when it cannot be read, is not JSON, or has no tag): to recognize
/// a result file before reading it.
let formatTag (path: string) =
    try
        formatOf (File.ReadAllText path)
    with
    | :? JsonException
    | :? IOException
    | :? UnauthorizedAccessException -> None

/// The first field of `value` (of declared type `t`) that holds null although its type has no null (anything but an
/// option): its path, e.g. "solutions[0].field". F# records read by System.Text.Json take `null` for a string, an
/// array, a list or a record; a reader refuses them here so that no caller meets a null.
let rec private nullField (at: string) (t: Type) (value: obj | null) : string option =
    let generic = t.IsGenericType

    let definition = if generic then Some(t.GetGenericTypeDefinition()) else None

    let items (elementType: Type) (xs: Collections.IEnumerable) =
        xs
        |> Seq.cast<obj | null>
        |> Seq.indexed
        |> Seq.tryPick (fun (i, x) -> nullField (sprintf "%s[%d]" at i) elementType x)

    match value with
    | null when definition = Some typedefof<option<_>> -> None
    | null when t.IsValueType -> None
    | null -> Some at
    | v when definition = Some typedefof<option<_>> ->
        let inner = t.GetGenericArguments()[0]
        nullField at inner (t.GetProperty("Value") |> nonNull |> fun p -> p.GetValue v)
    | :? string -> None
    | :? Array as a -> items (t.GetElementType() |> nonNull) a
    | v when definition = Some typedefof<list<_>> ->
        items (t.GetGenericArguments()[0]) (v :?> Collections.IEnumerable)
    | v when
        definition = Some typedefof<Map<_, _>>
        || definition = Some typedefof<Collections.Generic.Dictionary<_, _>>
        ->
        let valueType = t.GetGenericArguments()[1]

        (v :?> Collections.IEnumerable)
        |> Seq.cast<obj>
        |> Seq.tryPick (fun kv ->
            let key = kv.GetType().GetProperty("Key") |> nonNull |> fun p -> p.GetValue kv
            let value = kv.GetType().GetProperty("Value") |> nonNull |> fun p -> p.GetValue kv
            nullField (sprintf "%s[%O]" at key) valueType value)
    | v when Microsoft.FSharp.Reflection.FSharpType.IsRecord t ->
        Microsoft.FSharp.Reflection.FSharpType.GetRecordFields t
        |> Seq.tryPick (fun f ->
            let name = options.PropertyNamingPolicy |> nonNull |> fun p -> p.ConvertName f.Name
            nullField (if at = "" then name else at + "." + name) f.PropertyType (f.GetValue v))
    | _ -> None

/// Parses `text` (from `path`, for messages) as the record type of `format`.
let parse<'T> (format: string) (path: string) (text: string) : 'T =
    let fail problem =
        raise (ResultFileException(path, problem))

    let tag =
        try
            formatOf text
        with :? JsonException as e ->
            fail (sprintf "not valid JSON (%s)" e.Message)

    match tag with
    | None -> fail (sprintf "has no \"format\" tag; expected a %s file" format)
    | Some t when t <> format -> fail (sprintf "has format %s; this version of EcdPde reads %s" t format)
    | Some _ -> ()

    let value =
        try
            JsonSerializer.Deserialize(text, typeof<'T>, options)
        with
        | :? JsonException as e -> fail (sprintf "does not match the %s format (%s)" format e.Message)
        | :? NotSupportedException as e -> fail (sprintf "does not match the %s format (%s)" format e.Message)
        | :? InvalidOperationException as e ->
            fail (sprintf "does not match the %s format (%s)" format e.Message)
        | :? ArgumentException as e -> fail (sprintf "does not match the %s format (%s)" format e.Message)

    match value with
    | null -> fail (sprintf "holds null, not a %s document" format)
    | v ->
        match nullField "" typeof<'T> v with
        | Some field -> fail (sprintf "has null for %s, which the %s format requires" field format)
        | None -> unbox<'T> v

/// The text of the result file at `path`; a missing or unreadable file is a ResultFileException naming it.
let readText (path: string) =
    try
        File.ReadAllText path
    with
    | :? FileNotFoundException
    | :? DirectoryNotFoundException -> raise (ResultFileException(path, "does not exist"))
    | :? IOException as e -> raise (ResultFileException(path, sprintf "cannot be read (%s)" e.Message))
    | :? UnauthorizedAccessException as e ->
        raise (ResultFileException(path, sprintf "cannot be read (%s)" e.Message))

/// Reads the file at `path` as the record type of `format`.
let read<'T> (format: string) (path: string) : 'T = parse<'T> format path (readText path)
