/// Files replaced atomically: written to a temporary file beside the target, flushed to disk, then renamed over
/// it, so that a crash or a signal during a write never leaves a half-written file (the old one survives).
module EcdPde.Runs.AtomicFile

open System.IO
open System.Text

/// Writes the file at `path` through `fill` (creating its folder); the old file is replaced only when `fill`
/// has finished.
let write (path: string) (fill: Stream -> unit) =
    let full = Path.GetFullPath path

    match Path.GetDirectoryName full with
    | null -> ()
    | dir -> Directory.CreateDirectory dir |> ignore

    let tmp = full + ".tmp"

    try
        do
            use stream = File.Create tmp
            fill stream
            stream.Flush(true)

        File.Move(tmp, full, true)
    with _ ->
        if File.Exists tmp then
            File.Delete tmp

        reraise ()

/// Writes `text` (UTF-8, no byte-order mark) to `path` atomically.
let writeText (path: string) (text: string) =
    write path (fun stream ->
        let bytes = UTF8Encoding(false).GetBytes text
        stream.Write(bytes, 0, bytes.Length))

/// Writes `lines` (each ending with a newline) to `path` atomically.
let writeLines (path: string) (lines: string seq) =
    write path (fun stream ->
        use writer = new StreamWriter(stream, UTF8Encoding(false), leaveOpen = true)

        for line in lines do
            writer.WriteLine line)
