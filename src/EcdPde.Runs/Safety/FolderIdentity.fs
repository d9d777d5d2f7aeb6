/// What a result folder was made with: the first run writes its identity (problem, parameters, settings, seed,
/// threads, …) into the folder; a later run in the same folder resumes only with the same identity and is otherwise
/// refused with the differences named, so that results of other settings are never mixed or mislabelled.
module EcdPde.Runs.FolderIdentity

open System
open System.IO
open System.Text.Json.Nodes

/// The folder holds results of other settings.
type IdentityMismatchException(folder: string, fileName: string, differences: string list) =
    inherit
        ArgumentException(
            sprintf
                "%s holds results made with other settings (%s, as its %s records them); use another output folder, or --force to move this one aside and start over"
                folder
                (String.Join("; ", differences))
                fileName
        )

    /// What differs.
    member _.Differences = differences

/// Every leaf of a JSON document as (path, value text), e.g. ("settings.seed", "0").
let rec private leaves (prefix: string) (node: JsonNode | null) : (string * string) list =
    let join (key: string) =
        if prefix = "" then key else prefix + "." + key

    match node with
    | :? JsonObject as o ->
        [
            for p in o do
                yield! leaves (join p.Key) p.Value
        ]
    | :? JsonArray as a ->
        [
            for i in 0 .. a.Count - 1 do
                yield! leaves (sprintf "%s[%d]" prefix i) a[i]
        ]
    | null -> [ prefix, "null" ]
    | v -> [ prefix, v.ToJsonString() ]

/// How a stored set of (key, value) texts differs from the current one, key by key, in the words of the caller:
/// `stored` says where the stored values are ("there", "in the checkpoint"), `missingStored` and `missingNow` what
/// a side without the key says.
let compare
    (stored: string)
    (missingStored: string)
    (missingNow: string)
    (a: Map<string, string>)
    (b: Map<string, string>)
    =
    [
        for key in Set.union (Set.ofSeq a.Keys) (Set.ofSeq b.Keys) do
            match a.TryFind key, b.TryFind key with
            | Some x, Some y when x = y -> ()
            | Some x, Some y -> yield sprintf "%s: %s %s, %s now" key x stored y
            | Some x, None -> yield sprintf "%s: %s %s, %s" key x stored missingNow
            | None, Some y -> yield sprintf "%s: %s, %s now" key missingStored y
            | None, None -> ()
    ]

/// The differences between two JSON documents, leaf by leaf ("path: a there, b now").
let differences (stored: string) (current: string) =
    let a = leaves "" (JsonNode.Parse stored) |> Map.ofList
    let b = leaves "" (JsonNode.Parse current) |> Map.ofList
    compare "there" "absent there" "absent now" a b

/// Claims `folder` for a run of `identity` (a record with a Format field, written as `folder/fileName`): writes it
/// when the folder has none; refuses (IdentityMismatchException) when the stored one differs; a stored file that
/// cannot be read is a ResultFileException naming it.
let claim (format: string) (folder: string) (fileName: string) (identity: 'T) =
    let path = Path.Combine(folder, fileName)
    let current = JsonFile.serialize identity

    if File.Exists path then
        let stored: 'T = JsonFile.read format path

        match differences (JsonFile.serialize stored) current with
        | [] -> ()
        | diffs -> raise (IdentityMismatchException(folder, fileName, diffs))
    else
        AtomicFile.writeText path current

/// Moves `folder` aside to `<folder>.replaced-<UTC time>` (never deletes) and returns the new name; None when there
/// is no such folder.
let moveAside (folder: string) =
    let full = Path.GetFullPath(Path.TrimEndingDirectorySeparator folder)

    if Directory.Exists full then
        let target =
            sprintf "%s.replaced-%s" full (DateTime.UtcNow.ToString("yyyyMMdd-HHmmss"))

        Directory.Move(full, target)
        Some target
    else
        None
