/// The drift result files (trace.json, find.json, scaling.json) and the reproduction's results.json through their
/// typed readers: each round-trips (writing what was read gives the same text), and seeded random corruptions
/// (tests/Shared/Corruption.fs) are each read or refused by an error naming the file, never an unhandled exception;
/// `ecdpde report`'s reading of a corrupt drift folder is the same reader.
module EcdPde.Reports.Tests.DriftFileFuzzTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Studies
open EcdPde.Reports
open EcdPde.Reports.Drift
open EcdPde.Reports.Tests.ReportFolders

let private seed = 20240615
let private context = [ "command", "ecdpde drift"; "note", "a <b> & \"c\"" ]

/// (file name, valid text, read, write of what was read) of each drift format.
let private formats () =
    let m = driftMeasurement ()
    let finder = finderOutcome ()
    let scaling = scalingOutcome ()

    [
        "trace.json",
        TraceReport.json context "toy" m,
        (fun path -> TraceReport.read path |> fun (c, d, m) -> TraceReport.json c d m)
        "find.json",
        FinderReport.json context "toy" finder,
        (fun path -> FinderReport.read path |> fun (c, d, o) -> FinderReport.json c d o)
        "scaling.json",
        ScalingReport.json context scaling,
        (fun path -> ScalingReport.read path |> fun (c, o) -> ScalingReport.json c o)
    ]

let ``every drift file round-trips through its reader`` () =
    for file, valid, reread in formats () do
        let path = Path.Combine(fresh None, file)
        File.WriteAllText(path, valid)
        Assert.Equal(valid, reread path)
        // the format is tagged; a file without its tag (written before) is refused naming the file
        Assert.Contains("\"format\": \"ecdpde-drift-", valid)
        File.WriteAllText(path, valid.Replace("\"format\"", "\"formerly\""))
        let e = Assert.ThrowsAny<Exception>(fun () -> reread path |> ignore)
        Assert.True(Corruption.namesFile file e, e.Message)

let ``corrupt drift files are read or refused naming the file, by the reader and by ecdpde report's page``
    ()
    =
    for file, valid, reread in formats () do
        Corruption.run seed 250 valid (fresh None) file (reread >> ignore)
        |> Corruption.expectNone

        // the report page of a drift folder reads through the same reader (fewer cases: each writes a page)
        let dir = fresh None

        Corruption.run (seed + 1) 40 valid dir file (fun _ ->
            if DriftFolderReport.recognizes dir then
                DriftFolderReport.write dir |> ignore)
        |> Corruption.expectNone

let ``corrupt reproduction results are read or refused naming the file`` () =
    let r = ReproduceReportTests.sample "bbi"
    let valid = EcdPde.Runs.JsonFile.serialize r

    Corruption.run seed 250 valid (fresh None) ReproductionFile.name (fun path ->
        ReproductionFile.read path |> ignore)
    |> Corruption.expectNone

[<Tests>]
let tests =
    testList
        "DriftFileFuzzTests"
        [
            testCase
                "every drift file round-trips through its reader"
                ``every drift file round-trips through its reader``
            testCase
                "corrupt drift files are read or refused naming the file, by the reader and by ecdpde report's page"
                ``corrupt drift files are read or refused naming the file, by the reader and by ecdpde report's page``
            testCase
                "corrupt reproduction results are read or refused naming the file"
                ``corrupt reproduction results are read or refused naming the file``
        ]
    |> testSequencedGroup "EcdPde.Reports.Tests.DriftFileFuzzTests"
