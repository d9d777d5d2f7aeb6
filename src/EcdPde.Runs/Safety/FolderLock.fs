/// One writer per output folder: an operating-system lock on `<folder>/.lock` (released when the process exits,
/// also on a crash or a kill), holding the PID of its owner so that a second writer is refused with a message that
/// names it.
module EcdPde.Runs.FolderLock

open System
open System.IO
open System.Text

/// Another process holds the folder.
type FolderLockedException(folder: string, holder: string) =
    inherit
        IOException(
            sprintf
                "%s is being written by another ecdpde process (%s); wait for it to finish or use another output folder"
                folder
                holder
        )

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
                    use s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)
                    use r = new StreamReader(s)
                    r.ReadToEnd().Trim()
                with _ ->
                    ""

            raise (FolderLockedException(folder, (if holder = "" then "PID unknown" else holder)))

    stream.SetLength 0L
    let bytes = Encoding.UTF8.GetBytes(sprintf "PID %d" Environment.ProcessId)
    stream.Write(bytes, 0, bytes.Length)
    stream.Flush true

    { new IDisposable with
        member _.Dispose() = stream.Dispose()
    }
