/// The solution's shape as tests: src project references point one way, and each F# test project mirrors the
/// folders of the src project it tests.
module EcdPde.Cli.Tests.ArchitectureTests

open System
open System.IO
open System.Xml.Linq
open Xunit
open Expecto

/// The layers, lowest first: a project may reference only projects before it.
let layers =
    [
        "Ecd.Core.CSharp"
        "EcdPde.Runs"
        "Pde.FSharp"
        "Pde.Discovery"
        "EcdPde.Studies"
        "EcdPde.Reports"
        "EcdPde.Cli"
    ]

/// Projects beside the layers (backends), each with the only projects it may reference. A layer may reference
/// such a project when it sits above everything the project may reference.
let sideProjects =
    Map
        [
            "Ecd.Core.TorchSharp", [ "Ecd.Core.CSharp" ]
            "Pde.Torch", [ "Pde.FSharp"; "Ecd.Core.TorchSharp" ]
        ]

/// The repository root: the first folder above the test binaries that holds EcdPde.sln.
let repoRoot () =
    let rec up (dir: DirectoryInfo | null) =
        match dir with
        | null -> failwith "EcdPde.sln not found above the test binaries"
        | d when File.Exists(Path.Combine(d.FullName, "EcdPde.sln")) -> d.FullName
        | d -> up d.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

/// The ProjectReferences of a project file, as project names (file names without extension).
let projectReferences (projectFile: string) =
    XDocument.Load(projectFile).Descendants(XName.Get "ProjectReference")
    |> Seq.map (fun e ->
        match e.Attribute(XName.Get "Include") with
        | null -> failwithf "%s: a ProjectReference without Include" projectFile
        | a -> Path.GetFileNameWithoutExtension(a.Value.Replace('\\', '/')) |> nonNull)
    |> List.ofSeq

/// Every src project with its references: src/<name>/<name>.{fsproj,csproj}.
let srcProjects root =
    Directory.GetDirectories(Path.Combine(root, "src"))
    |> Array.collect (fun d ->
        Array.append (Directory.GetFiles(d, "*.fsproj")) (Directory.GetFiles(d, "*.csproj")))
    |> Array.map (fun p -> nonNull (Path.GetFileNameWithoutExtension p), projectReferences p)
    |> List.ofArray

/// The rank of a project: its index among the layers, or for a side project half a step above the highest
/// project it may reference.
let rec rank (name: string) : float option =
    match List.tryFindIndex ((=) name) layers with
    | Some i -> Some(float i)
    | None ->
        match Map.tryFind name sideProjects with
        | Some allowed ->
            allowed
            |> List.map rank
            |> List.fold (fun acc r -> Option.map2 max acc r) (Some -1.0)
            |> Option.map (fun r -> r + 0.5)
        | None -> None

/// Every violation of the layering in a list of projects with their references, as a sentence.
let violations (projects: (string * string list) list) =
    [
        for name, references in projects do
            match rank name, Map.tryFind name sideProjects with
            | None, _ ->
                yield
                    sprintf
                        "%s is neither a layer nor a declared side project: add it to ArchitectureTests.layers or sideProjects with the references it may have"
                        name
            | Some _, Some allowed ->
                for r in references do
                    if not (List.contains r allowed) then
                        yield
                            sprintf
                                "%s references %s; it may reference only %s"
                                name
                                r
                                (String.concat ", " allowed)
            | Some own, None ->
                for r in references do
                    match rank r with
                    | None ->
                        yield
                            sprintf
                                "%s references %s, which is neither a layer nor a declared side project"
                                name
                                r
                    | Some other when other >= own ->
                        yield sprintf "%s references %s, which is not below it" name r
                    | Some _ -> ()
    ]

let ``src project references point one way: down the layers`` () =
    let projects = srcProjects (repoRoot ())
    Assert.True(projects.Length >= layers.Length, sprintf "only %d src projects found" projects.Length)

    for layer in layers do
        Assert.True(List.exists (fst >> (=) layer) projects, sprintf "src/%s is missing" layer)

    let found = violations projects
    Assert.True(List.isEmpty found, String.concat "\n" found)

/// The only src project that may reference the TorchSharp packages (≈ 500 MB with libtorch): everything else gets
/// them through it, so the core, the native engine and the PDE language build without them.
let torchSharpOwner = "Ecd.Core.TorchSharp"

/// src projects with a PackageReference to TorchSharp or libtorch.
let torchSharpPackageUsers root =
    Directory.GetDirectories(Path.Combine(root, "src"))
    |> Array.collect (fun d ->
        Array.append (Directory.GetFiles(d, "*.fsproj")) (Directory.GetFiles(d, "*.csproj")))
    |> Array.filter (fun p ->
        XDocument.Load(p).Descendants(XName.Get "PackageReference")
        |> Seq.exists (fun e ->
            match e.Attribute(XName.Get "Include") with
            | null -> false
            | a ->
                a.Value.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)
                || a.Value.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)))
    |> Array.map (fun p -> nonNull (Path.GetFileNameWithoutExtension p))
    |> List.ofArray

let ``only Ecd.Core.TorchSharp references the TorchSharp packages; Pde.Torch sits beside Pde.Discovery`` () =
    let root = repoRoot ()
    Assert.Equal<string list>([ torchSharpOwner ], torchSharpPackageUsers root)
    // Pde.Torch ranks above the PDE language and below Pde.Discovery: the native path never references it.
    Assert.True(rank "Pde.Torch" > rank "Pde.FSharp" && rank "Pde.Torch" < rank "Pde.Discovery")

    for native in [ "Ecd.Core.CSharp"; "EcdPde.Runs"; "Pde.FSharp" ] do
        Assert.NotEmpty(violations [ native, [ "Pde.Torch" ] ])

let ``the layering check finds references that point the wrong way or leave the declared ones`` () =
    Assert.Empty(
        violations
            [
                "Pde.FSharp", [ "EcdPde.Runs"; "Ecd.Core.CSharp" ]
                "EcdPde.Cli", [ "Pde.Torch" ]
            ]
    )

    Assert.Equal<string list>(
        [ "EcdPde.Runs references Pde.FSharp, which is not below it" ],
        violations [ "EcdPde.Runs", [ "Pde.FSharp" ] ]
    )

    Assert.Equal<string list>(
        [ "Pde.FSharp references Pde.FSharp, which is not below it" ],
        violations [ "Pde.FSharp", [ "Pde.FSharp" ] ]
    )

    Assert.Equal<string list>(
        [
            "Ecd.Core.TorchSharp references EcdPde.Runs; it may reference only Ecd.Core.CSharp"
        ],
        violations [ "Ecd.Core.TorchSharp", [ "EcdPde.Runs" ] ]
    )

    Assert.Equal<string list>(
        [ "EcdPde.Runs references Pde.Torch, which is not below it" ],
        violations [ "EcdPde.Runs", [ "Pde.Torch" ] ]
    )

    let unknown = violations [ "Pde.Gpu", [] ]
    Assert.Single unknown |> ignore
    Assert.StartsWith("Pde.Gpu is neither a layer nor a declared side project", unknown.Head)

/// The F# test projects: tests/<src project>.Tests/<src project>.Tests.fsproj.
let fsharpTestProjects root =
    Directory.GetDirectories(Path.Combine(root, "tests"))
    |> Array.collect (fun d -> Directory.GetFiles(d, "*.Tests.fsproj"))
    |> Array.map (fun p ->
        (nonNull (Path.GetFileNameWithoutExtension p)).Replace(".Tests", ""),
        nonNull (Path.GetDirectoryName p))
    |> List.ofArray

/// Folders of a test project's own source files that have no counterpart in its src project.
let unmirroredFolders (srcDir: string) (testDir: string) =
    Directory.GetFiles(testDir, "*.fs", SearchOption.AllDirectories)
    |> Array.map (fun f -> Path.GetRelativePath(testDir, f).Replace('\\', '/'))
    |> Array.filter (fun f -> not (f.StartsWith "bin/" || f.StartsWith "obj/"))
    |> Array.choose (fun f ->
        match Path.GetDirectoryName f |> Option.ofObj |> Option.defaultValue "" with
        | "" -> None
        | folder when Directory.Exists(Path.Combine(srcDir, folder)) -> None
        | _ -> Some f)
    |> List.ofArray

let ``every F# src project has a test project whose folders mirror the src folders`` () =
    let root = repoRoot ()
    let tests = fsharpTestProjects root

    for name, _ in srcProjects root do
        if File.Exists(Path.Combine(root, "src", name, name + ".fsproj")) then
            Assert.True(List.exists (fst >> (=) name) tests, sprintf "tests/%s.Tests is missing" name)

    for name, dir in tests do
        let src = Path.Combine(root, "src", name)

        Assert.True(
            Directory.Exists src,
            sprintf "tests/%s.Tests tests src/%s, which does not exist" name name
        )

        let stray = unmirroredFolders src dir

        Assert.True(
            List.isEmpty stray,
            sprintf
                "tests/%s.Tests has files in folders src/%s lacks: %s"
                name
                name
                (String.concat ", " stray)
        )

let ``the mirror check names test files in folders the src project lacks`` () =
    let root = TempFolders.path "ecdpde-mirror-"

    let src = Path.Combine(root, "src")
    let test = Path.Combine(root, "test")

    for d in
        [
            Path.Combine(src, "Statistics")
            Path.Combine(test, "Statistics")
            Path.Combine(test, "Stats")
        ] do
        Directory.CreateDirectory d |> ignore

    for f in [ "Top.fs"; "Statistics/A.fs"; "Stats/B.fs" ] do
        File.WriteAllText(Path.Combine(test, f), "")

    try
        Assert.Equal<string list>([ "Stats/B.fs" ], unmirroredFolders src test)
    finally
        Directory.Delete(root, true)

[<Tests>]
let tests =
    testList
        "ArchitectureTests"
        [
            testCase
                "src project references point one way: down the layers"
                ``src project references point one way: down the layers``
            testCase
                "the layering check finds references that point the wrong way or leave the declared ones"
                ``the layering check finds references that point the wrong way or leave the declared ones``
            testCase
                "only Ecd.Core.TorchSharp references the TorchSharp packages; Pde.Torch sits beside Pde.Discovery"
                ``only Ecd.Core.TorchSharp references the TorchSharp packages; Pde.Torch sits beside Pde.Discovery``
            testCase
                "every F# src project has a test project whose folders mirror the src folders"
                ``every F# src project has a test project whose folders mirror the src folders``
            testCase
                "the mirror check names test files in folders the src project lacks"
                ``the mirror check names test files in folders the src project lacks``
        ]
    |> testSequencedGroup "EcdPde.Cli.Tests.ArchitectureTests"
