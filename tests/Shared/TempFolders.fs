/// Linked first into every F# test project: the tests' temporary folders and files, under the system's temporary
/// folder, named by a prefix and a fresh GUID, and deleted with everything in them at the end of the project's run:
/// under `dotnet test` when xunit is done with ExpectoBridge's theory (its class fixture), under Expecto's own runner
/// (`dotnet run`) when the process exits; whether the tests passed or not. None is kept for debugging: the tests'
/// failure messages say what was checked, not where. At the end of the run rather than of each test, because lazy
/// fixtures (a run shared by several tests) live in such folders too.
module TempFolders

open System
open System.Collections.Concurrent
open System.IO

let private made = ConcurrentBag<string>()

let private deleteOne (path: string) =
    try
        if Directory.Exists path then
            Directory.Delete(path, true)
        elif File.Exists path then
            File.Delete path
    with _ ->
        () // still held by a process the test left running: nothing more to do at exit

/// Deletes every folder and file made through this module so far, and what the code under test put beside one under
/// its name (`--force` moves a folder aside to FOLDER.replaced-TIME; a test may name a second folder FOLDER-partial).
let deleteAll () =
    for path in made do
        deleteOne path

        for beside in
            Directory.EnumerateFileSystemEntries(Path.GetTempPath(), nonNull (Path.GetFileName path) + "?*") do
            deleteOne beside

let private atExit =
    lazy (AppDomain.CurrentDomain.ProcessExit.Add(fun _ -> deleteAll ()))

/// A fresh path `prefix` + GUID + `suffix` in the temporary folder, not created; deleted at the end of the run (if made).
let pathWith (prefix: string) (suffix: string) =
    atExit.Force()

    let path =
        Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString "N" + suffix)

    made.Add path
    path

/// A fresh path `prefix` + GUID in the temporary folder, not created (`pathWith`).
let path (prefix: string) = pathWith prefix ""

/// A fresh folder `prefix` + GUID in the temporary folder, created (`pathWith`).
let create (prefix: string) =
    let dir = path prefix
    Directory.CreateDirectory dir |> ignore
    dir
