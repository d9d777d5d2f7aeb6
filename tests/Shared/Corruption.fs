/// Linked into the test projects that fuzz result-file readers (Corruption.fs): seeded random corruptions of a valid
/// file (truncated at a random byte, flipped bytes, an empty file, a node of the wrong JSON type, NaN/Infinity
/// literals, huge numbers, deep nesting, a missing property, garbage bytes; for CSV files garbage cells and lines),
/// and a driver that feeds them to a reader and collects every failure that is not an error naming the file. The
/// same seed gives the same cases.
module Corruption

open System
open System.IO
open System.Text
open System.Text.Json.Nodes

/// One corrupted file: how it was made and its bytes.
type Case =
    {
        Index: int
        Mutation: string
        Bytes: byte[]
    }

/// Every node of a JSON tree below the root, with a setter that replaces it in its parent.
let rec private nodes (node: JsonNode | null) : (JsonNode | null) list * ((JsonNode | null -> unit) list) =
    let children =
        match node with
        | :? JsonObject as o ->
            [
                for p in List.ofSeq o do
                    let key = p.Key
                    yield p.Value, (fun (v: JsonNode | null) -> o[key] <- v)
            ]
        | :? JsonArray as a ->
            [
                for i in 0 .. a.Count - 1 do
                    yield a[i], (fun (v: JsonNode | null) -> a[i] <- v)
            ]
        | _ -> []

    let below = children |> List.map (fun (c, _) -> nodes c)

    (children |> List.map fst) @ (below |> List.collect fst),
    (children |> List.map snd) @ (below |> List.collect snd)

let private placeholder = "@@PLACEHOLDER@@"

/// Replaces a random node (a number when `numbersOnly` and there is one) of `text` by raw JSON `raw`.
let private replaceNode (rng: Random) (text: string) (numbersOnly: bool) (raw: string) =
    let root = JsonNode.Parse text
    let all, setters = nodes root
    let indexed = List.zip all setters |> List.indexed

    let candidates =
        if numbersOnly then
            indexed
            |> List.filter (fun (_, (n, _)) ->
                match n with
                | :? JsonValue as v -> v.GetValueKind() = Text.Json.JsonValueKind.Number
                | _ -> false)
        else
            indexed

    match candidates with
    | [] -> raw
    | cs ->
        let _, (_, set) = cs[rng.Next cs.Length]
        set (JsonValue.Create placeholder)

        (nonNull root).ToJsonString().Replace("\"" + placeholder + "\"", raw)

/// Removes a random property of a random object.
let private removeProperty (rng: Random) (text: string) =
    let root = JsonNode.Parse text
    let all, _ = nodes root

    let objects =
        (root :: all)
        |> List.choose (fun n ->
            match n with
            | :? JsonObject as o when o.Count > 0 -> Some o
            | _ -> None)

    match objects with
    | [] -> "{}"
    | os ->
        let o = os[rng.Next os.Length]
        let keys = [ for p in o -> p.Key ]
        o.Remove keys[rng.Next keys.Length] |> ignore
        (nonNull root).ToJsonString()

let private isJson (text: string) =
    try
        JsonNode.Parse text |> ignore
        true
    with _ ->
        false

let private pick (rng: Random) (xs: 'a list) = xs[rng.Next xs.Length]

let private wrongValues =
    [
        "\"x\""
        "12345"
        "-7.5"
        "true"
        "null"
        "{}"
        "[]"
        "[1,2]"
        "{\"a\":1}"
        "\"NaN\""
        "\"\""
    ]

let private nonFinite =
    [
        "NaN"
        "Infinity"
        "-Infinity"
        "\"NaN\""
        "\"Infinity\""
        "\"-Infinity\""
        "nan"
        "1e"
        "--1"
    ]

let private huge =
    [
        "1e400"
        "-1e400"
        "1.7976931348623157e308"
        "123456789012345678901234567890"
        "-1"
        "2147483648"
        "9223372036854775808"
        "0.5"
        "-0"
        "1e-400"
    ]

let private nested (depth: int) = String('[', depth) + String(']', depth)

/// The `index`-th corruption of `valid` for a generator `rng`.
let private corrupt (rng: Random) (index: int) (valid: string) =
    let bytes = Encoding.UTF8.GetBytes valid
    let json = isJson valid
    let kinds = if json then 12 else 9

    match rng.Next kinds with
    | 0 ->
        let at = rng.Next(max 1 bytes.Length)
        sprintf "truncated at byte %d" at, bytes[.. at - 1]
    | 1 ->
        let b = Array.copy bytes
        let n = 1 + rng.Next 4

        for _ in 1..n do
            if b.Length > 0 then
                b[rng.Next b.Length] <- byte (rng.Next 256)

        sprintf "%d bytes flipped" n, b
    | 2 -> "empty", [||]
    | 3 ->
        let garbage = Array.init (1 + rng.Next 64) (fun _ -> byte (rng.Next 256))
        let at = rng.Next(bytes.Length + 1)

        sprintf "%d garbage bytes at %d" garbage.Length at,
        Array.concat [ bytes[.. at - 1]; garbage; bytes[at..] ]
    | 4 ->
        let b = Array.copy bytes
        let at = rng.Next(max 1 bytes.Length)

        if b.Length > 0 then
            b[at] <- 0uy

        sprintf "NUL at %d" at, b
    | k when json ->
        match k with
        | 5 ->
            let v = pick rng wrongValues
            sprintf "a node replaced by %s" v, Encoding.UTF8.GetBytes(replaceNode rng valid false v)
        | 6 ->
            let v = pick rng nonFinite
            sprintf "a number replaced by %s" v, Encoding.UTF8.GetBytes(replaceNode rng valid true v)
        | 7 ->
            let v = pick rng huge
            sprintf "a number replaced by %s" v, Encoding.UTF8.GetBytes(replaceNode rng valid true v)
        | 8 ->
            let depth = pick rng [ 3; 40; 63; 65; 200; 5000 ]

            sprintf "a node replaced by nesting %d deep" depth,
            Encoding.UTF8.GetBytes(replaceNode rng valid false (nested depth))
        | 9 -> "a property removed", Encoding.UTF8.GetBytes(removeProperty rng valid)
        | 10 ->
            let v = pick rng (wrongValues @ [ nested 100000 ])
            sprintf "the root replaced by %s" (v.Substring(0, min 20 v.Length)), Encoding.UTF8.GetBytes v
        | _ ->
            let v = pick rng (wrongValues @ nonFinite @ huge)

            sprintf "every node of one kind replaced by %s" v,
            Encoding.UTF8.GetBytes(replaceNode rng valid true v)
    | k ->
        // a CSV (or other line-based) file: garbage cells and lines
        let lines = valid.Split('\n') |> List.ofArray
        let line = rng.Next lines.Length

        let edit (f: string -> string) =
            lines
            |> List.mapi (fun i l -> if i = line then f l else l)
            |> String.concat "\n"

        let text, what =
            match k with
            | 5 ->
                let v = pick rng (nonFinite @ huge @ [ ""; "x"; "1,2"; "\"q\"" ])

                edit (fun l ->
                    let cells = l.Split(',')

                    if cells.Length > 0 then
                        cells[rng.Next cells.Length] <- v

                    String.Join(",", cells)),
                sprintf "a cell of line %d replaced by %s" (line + 1) v
            | 6 ->
                let v = pick rng [ "garbage"; ",,,,"; "1,2,3"; String(',', 30); "\u00ff\u00fe" ]

                (lines[.. line - 1] @ [ v ] @ lines[line..] |> String.concat "\n"),
                sprintf "line %d inserted: %s" (line + 1) v
            | 7 -> edit (fun l -> l + ",extra"), sprintf "a cell appended to line %d" (line + 1)
            | _ -> edit (fun _ -> ""), sprintf "line %d emptied" (line + 1)

        what, Encoding.UTF8.GetBytes text
    |> fun (what, b) ->
        {
            Index = index
            Mutation = what
            Bytes = b
        }

/// `count` corruptions of `valid`, the same for the same seed.
let cases (seed: int) (count: int) (valid: string) =
    let rng = Random seed
    [ for i in 0 .. count - 1 -> corrupt rng i valid ]

/// Errors a reader may raise for a corrupt file: a ResultFileException or an ArgumentException (or a subclass) whose
/// message names the file.
let namesFile (fileName: string) (e: exn) =
    match e with
    | :? EcdPde.Runs.JsonFile.ResultFileException
    | :? ArgumentException -> e.Message.Contains fileName
    | _ -> false

/// Feeds each of `count` corruptions of `valid` (seeded) to `read` as the file `dir/fileName`: the failures, each
/// naming the case, the corruption and the exception (empty when every case was read or refused by an error naming
/// the file).
let run (seed: int) (count: int) (valid: string) (dir: string) (fileName: string) (read: string -> unit) =
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, fileName)

    [
        for c in cases seed count valid do
            File.WriteAllBytes(path, c.Bytes)

            let outcome =
                try
                    read path
                    None
                with e ->
                    if namesFile fileName e then None else Some e

            match outcome with
            | None -> ()
            | Some e ->
                yield
                    sprintf "%s case %d (%s): %s: %s" fileName c.Index c.Mutation (e.GetType().Name) e.Message
    ]

/// Fails with every failure of a fuzz run (at most 20 shown).
let expectNone (failures: string list) =
    if not failures.IsEmpty then
        failwithf
            "%d unhandled corruptions:\n%s"
            failures.Length
            (failures |> List.truncate 20 |> String.concat "\n")
