/// Linked last into every F# test project (ExpectoBridge.fs): the bridge from `dotnet test` (xunit) to the
/// assembly's Expecto tests, and the entry point that runs Expecto's own runner (`dotnet run --project …`).
module ExpectoBridge

open System
open System.Reflection
open System.Runtime.ExceptionServices
open System.Threading
open Expecto
open Expecto.Impl
open Xunit

let private config = ExpectoConfig.defaultConfig

/// Every Expecto test of this assembly ([<Tests>] values), flattened and keyed by its full name.
let private flatTests =
    lazy
        (let tests =
            match testFromAssembly (Assembly.GetExecutingAssembly()) with
            | Some t -> Test.toTestCodeList t
            | None -> []

         let byName = Collections.Generic.Dictionary<string, FlatTest>()

         for t in tests do
             let name = config.joinWith.format t.name

             if not (byName.TryAdd(name, t)) then
                 failwithf "two Expecto tests are named %s" name

         byName)

/// An Expecto test's full name as an xunit theory argument: xunit shows it whole (a plain string would be cut at
/// 50 characters) and serializes it, so each row is its own test case in discovery.
type ExpectoTest(name: string) =
    let mutable name = name
    new() = ExpectoTest ""
    member _.Name = name
    override _.ToString() = name

    interface Abstractions.IXunitSerializable with
        member _.Serialize info = info.AddValue("name", name)
        member _.Deserialize info = name <- info.GetValue<string> "name"

/// The xunit theory's data: one row per Expecto test, so `dotnet test` lists, counts and reports each one.
let expectoTests () : TheoryData<ExpectoTest> =
    let data = TheoryData<ExpectoTest>()

    for name in Seq.sort flatTests.Value.Keys do
        data.Add(ExpectoTest name)

    data

/// Runs one Expecto test by its full name; Expecto's failure message becomes the xunit failure.
let private run (test: ExpectoTest) =
    let flat = flatTests.Value[test.Name]

    let summary =
        execTestAsync CancellationToken.None config flat |> Async.RunSynchronously

    match summary.result with
    | Passed -> ()
    | Ignored reason ->
        raise (Sdk.XunitException(sprintf "%s is marked pending or skipped: %s" test.Name reason))
    | Failed message -> raise (Sdk.XunitException message)
    | Error e -> ExceptionDispatchInfo.Capture(e).Throw()

/// Deletes the tests' temporary folders (TempFolders) when xunit is done with the theory: the test host may end
/// without the process exit that deletes them under Expecto's own runner.
type TempFolderCleanup() =
    interface IDisposable with
        member _.Dispose() = TempFolders.deleteAll ()

/// The xunit theory: one row per Expecto test. All rows belong to one theory of one class, so xunit runs them one
/// after another.
type Bridge() =
    interface IClassFixture<TempFolderCleanup>

    static member Tests() = expectoTests ()

    [<Theory>]
    [<MemberData(nameof Bridge.Tests)>]
    member _.expecto(test: ExpectoTest) = run test

/// `dotnet run --project tests/<project> -- [Expecto options]` runs the same tests under Expecto's runner.
[<EntryPoint>]
let main argv = runTestsInAssemblyWithCLIArgs [] argv
