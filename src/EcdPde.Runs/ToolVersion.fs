/// The version of the tool that wrote a result: EcdPde's informational version (the package version and, when built
/// from a git checkout, the commit) and the .NET runtime it ran on. Written into result files and shown in reports.
module EcdPde.Runs.ToolVersion

open System.Reflection
open System.Runtime.InteropServices

type private Marker = class end

/// EcdPde's informational version (e.g. "1.0.0+3f2a…"), or the assembly version when there is none.
let informational =
    let assembly = typeof<Marker>.Assembly

    match
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
        |> Option.ofObj
    with
    | Some a -> a.InformationalVersion
    | None ->
        assembly.GetName().Version
        |> Option.ofObj
        |> Option.map string
        |> Option.defaultValue "unknown"

/// The .NET runtime, e.g. ".NET 10.0.0".
let runtime = RuntimeInformation.FrameworkDescription
