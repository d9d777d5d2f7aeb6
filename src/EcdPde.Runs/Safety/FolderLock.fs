/// One writer per output folder: an operating-system lock on `<folder>/.lock` (released when the process exits,
/// also on a crash or a kill); the owner's PID is written beside it (`.lock.owner`), so that a second writer is
/// refused with a message that names it.
module EcdPde.Runs.FolderLock

open System
open System.IO

/// Another process holds the folder.
type FolderLockedException(folder: string, holder: string) =
    inherit
        IOException(
            sprintf
                "%s is being written by another ecdpde process (%s); wait for it to finish or use another output folder"
                folder
                holder
        )

/// Who holds the lock of `folder` now ("PID n", or "PID unknown"), or None when no process holds it — a read-only
/// probe (it never creates the lock file) for `ecdpde status`, which tells a command still writing a folder from a
/// stopped one.
let holder (folder: string) : string option =
    let path = Path.Combine(folder, ".lock")

    if not (File.Exists path) then
        None
    else
        try
            use _probe =
                new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)

            None
        with :? IOException ->
            let owner =
                try
                    File.ReadAllText(path + ".owner").Trim()
                with _ ->
                    ""

            Some(if owner = "" then "PID unknown" else owner)

/// Takes the lock of `folder` (creating the folder); dispose the result to release it.
let acquire (folder: string) : IDisposable =
    Directory.CreateDirectory folder |> ignore
    let path = Path.Combine(folder, ".lock")

    let stream =
        try
            new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
        with :? IOException ->
            let holder =
                try
                    File.ReadAllText(path + ".owner").Trim()
                with _ ->
                    ""

            raise (FolderLockedException(folder, (if holder = "" then "PID unknown" else holder)))

    File.WriteAllText(path + ".owner", sprintf "PID %d" Environment.ProcessId)

    { new IDisposable with
        member _.Dispose() = stream.Dispose()
    }
