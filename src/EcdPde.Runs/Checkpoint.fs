/// Checkpoints of a run: the optimizer's full state (θ, momenta, counters, random generator) and the run's identity
/// (optimizer, precision, every option, seed, starting point, objective), written atomically so that a crash during
/// a save never destroys the previous checkpoint. A checkpoint is resumed only by a run with the same identity and
/// only when its θ is finite.
module EcdPde.Runs.Checkpoint

open System
open System.IO
open System.Security.Cryptography
open System.Text.Json
open System.Text.Json.Nodes
open Ecd.Core.Optimizers

/// What a checkpoint must match to be resumed, as (key, value) text pairs.
type Identity = (string * string) list

let private fail (path: string) (problem: string) =
    raise (JsonFile.ResultFileException(path, problem))

let private bytesOf (optimizer: IOptimizer<'T>) (state: OptimizerState<'T>) =
    use memory = new MemoryStream()
    optimizer.Save(state, memory)
    memory.ToArray()

let private objectOf (bytes: byte[]) =
    match JsonNode.Parse(ReadOnlySpan bytes) with
    | :? JsonObject as o -> o
    | _ -> raise (InvalidDataException "an optimizer state must be a JSON object")

/// A JSON value as identity text: strings as they are, anything else as JSON.
let private textOf (node: JsonNode | null) =
    match node with
    | null -> "null"
    | :? JsonValue as v when v.GetValueKind() = JsonValueKind.String -> v.GetValue<string>()
    | n -> n.ToJsonString()

/// SHA-256 of a vector's bytes (hex), to recognise a starting point.
let hashOf (values: 'T[]) =
    let bytes = Runtime.InteropServices.MemoryMarshal.AsBytes(ReadOnlySpan values)
    Convert.ToHexString(SHA256.HashData bytes).ToLowerInvariant()

/// The identity of a run started in `fresh`: the optimizer's name, precision and every option as the optimizer writes
/// them, then `extra` (seed, starting point, objective, …).
let identityOf (optimizer: IOptimizer<'T>) (fresh: OptimizerState<'T>) (extra: Identity) : Identity =
    let root = objectOf (bytesOf optimizer fresh)

    // options by their --set names (lr, momentum, weightDecay)
    let setName (key: string) =
        if key = "" then
            key
        else
            string (Char.ToLowerInvariant key[0]) + key.Substring 1

    let options =
        match root["options"] with
        | :? JsonObject as o -> [ for p in o -> "option " + setName p.Key, textOf p.Value ]
        | _ -> []

    [ "optimizer", textOf root["optimizer"]; "precision", textOf root["precision"] ]
    @ options
    @ extra

/// Saves `state` with the run's `identity` and the run loop's own parts `extras` (key, JSON: e.g. the stall rule's
/// state) to `path` (written beside it, then renamed over the old one).
let saveWith
    (optimizer: IOptimizer<'T>)
    (state: OptimizerState<'T>)
    (identity: Identity)
    (extras: (string * JsonNode) list)
    (path: string)
    =
    let root = objectOf (bytesOf optimizer state)
    let id = JsonObject()

    for key, value in identity do
        id[key] <- JsonValue.Create value

    root["identity"] <- id

    for key, value in extras do
        root[key] <- value

    AtomicFile.writeText path (root.ToJsonString())

/// Saves `state` with the run's `identity` to `path` (written beside it, then renamed over the old one).
let save (optimizer: IOptimizer<'T>) (state: OptimizerState<'T>) (identity: Identity) (path: string) =
    saveWith optimizer state identity [] path

/// The run loop's part `key` of the checkpoint at `path` (None when it has none; ResultFileException naming the
/// file when it cannot be read).
let extra (path: string) (key: string) : JsonNode option =
    let root =
        try
            objectOf (File.ReadAllBytes path)
        with
        | :? IOException
        | :? UnauthorizedAccessException
        | :? JsonException
        | :? InvalidDataException
        | :? InvalidOperationException as e -> fail path (sprintf "cannot be read (%s)" e.Message)

    match root[key] with
    | null -> None
    | node -> Some(node.DeepClone())

/// How the identity stored in a checkpoint differs from `expected` (empty when it matches or stores none).
let differences (expected: Identity) (stored: JsonObject) =
    let found = [ for p in stored -> p.Key, textOf p.Value ] |> Map.ofList

    FolderIdentity.compare
        "in the checkpoint"
        "not in the checkpoint"
        "not set now"
        found
        (Map.ofList expected)

/// Loads a checkpoint for a run of identity `expected`: refused (ResultFileException naming the file) when it is
/// not a checkpoint, was written by a run with another identity, or holds a non-finite θ. `check` sees the state
/// first (the caller's own checks, e.g. the number of parameters, come before the identity's).
let loadChecked
    (optimizer: IOptimizer<'T>)
    (expected: Identity)
    (check: OptimizerState<'T> -> unit)
    (path: string)
    : OptimizerState<'T> =
    let bytes =
        try
            File.ReadAllBytes path
        with
        | :? IOException
        | :? UnauthorizedAccessException as e -> fail path (sprintf "cannot be read (%s)" e.Message)

    let root =
        try
            objectOf bytes
        with
        | :? JsonException
        | :? InvalidDataException
        | :? InvalidOperationException ->
            fail path "is not a checkpoint (not a JSON object: empty or cut short by a crash?)"

    let state =
        try
            use stream = new MemoryStream(bytes)
            optimizer.Load stream
        with e when not (e :? OutOfMemoryException) ->
            fail path (sprintf "is not a readable %s checkpoint (%s)" optimizer.Name e.Message)

    if isNull (box state) || isNull (box state.Theta) then
        fail path "holds no parameters"

    check state

    let stored =
        try
            match root["identity"] with
            | :? JsonObject as stored -> Some(differences expected stored)
            | _ -> None
        with
        | :? InvalidOperationException
        | :? ArgumentException as e -> fail path (sprintf "has an unreadable identity (%s)" e.Message)

    match stored with
    | Some diffs ->
        match diffs with
        | [] -> ()
        | diffs ->
            fail
                path
                (sprintf
                    "was written by a run with other settings (%s); resume it with the settings it was written with, or start again in another folder or without --resume"
                    (String.Join("; ", diffs)))
    | None -> ()

    if state.Theta |> Array.exists (fun v -> not ('T.IsFinite v)) then
        fail path "holds non-finite parameters (NaN or infinity) and cannot be resumed"

    state

/// Refuses (ResultFileException naming the file) a loaded state whose shape differs from a fresh state of the same
/// run: a vector of another length (θ, momenta, moments), a part missing, a negative step count.
let checkShape (path: string) (fresh: OptimizerState<'T>) (loaded: OptimizerState<'T>) =
    if loaded.Steps < 0L then
        fail path (sprintf "holds a negative step count (%d)" loaded.Steps)

    if loaded.GetType() <> fresh.GetType() then
        fail path (sprintf "holds a %s, not a %s" (loaded.GetType().Name) (fresh.GetType().Name))

    for p in fresh.GetType().GetProperties() do
        // the saved parts only (scratch buffers are sized when first used)
        if
            p.CanRead
            && p.CanWrite
            && p.GetIndexParameters().Length = 0
            && isNull (
                p.GetCustomAttributes(typeof<Serialization.JsonIgnoreAttribute>, true)
                |> Array.tryHead
                |> Option.toObj
            )
        then
            match p.GetValue fresh, p.GetValue loaded with
            | null, _ -> ()
            | _, null -> fail path (sprintf "has no %s" p.Name)
            // a vector empty in a fresh state is sized like θ on first use
            | (:? Array as a), (:? Array as b) when
                a.Length <> b.Length && not (a.Length = 0 && b.Length = fresh.Theta.Length)
                ->
                fail path (sprintf "holds %s of length %d; this run needs %d" p.Name b.Length a.Length)
            | _ -> ()

/// Loads a checkpoint for the same optimizer and precision, without the identity and finiteness checks (for tools
/// that inspect checkpoints).
let load (optimizer: IOptimizer<'T>) (path: string) : OptimizerState<'T> =
    use stream = File.OpenRead path
    optimizer.Load stream
