/// What JsonFile writes and refuses: every number finite or null (read back as NaN), the strings of older files still
/// read, a null where the format requires a value refused naming the field, a half trace row never a row.
module EcdPde.Runs.Tests.JsonFileTests

open System
open System.IO
open Xunit
open Expecto
open EcdPde.Runs

type Sample =
    {
        Format: string
        Distance: float
        Values: float[]
        Note: string option
    }

let private temp (name: string) =
    let d = TempFolders.path "ecdpde-json-"

    Directory.CreateDirectory d |> ignore
    Path.Combine(d, name)

let ``non-finite numbers are written as null and read back as NaN`` () =
    let text =
        JsonFile.serialize
            {
                Format = "s/1"
                Distance = nan
                Values = [| 1.0; infinity; -infinity |]
                Note = None
            }

    Assert.DoesNotContain("NaN", text)
    Assert.DoesNotContain("Infinity", text)
    Assert.Contains("\"distance\": null", text)
    let back: Sample = JsonFile.parse "s/1" "f.json" text
    Assert.True(Double.IsNaN back.Distance)
    Assert.True(back.Values |> Array.skip 1 |> Array.forall Double.IsNaN)
    // older files wrote the strings
    let old: Sample =
        JsonFile.parse
            "s/1"
            "f.json"
            "{\"format\":\"s/1\",\"distance\":\"NaN\",\"values\":[\"Infinity\"],\"note\":null}"

    Assert.True(Double.IsNaN old.Distance)
    Assert.Equal(infinity, old.Values[0])

let ``a null where the format requires a value is refused naming the field`` () =
    let e =
        Assert.Throws<JsonFile.ResultFileException>(fun () ->
            JsonFile.parse<Sample>
                "s/1"
                "f.json"
                "{\"format\":\"s/1\",\"distance\":1,\"values\":null,\"note\":null}"
            |> ignore)

    Assert.Contains("f.json", e.Message)
    Assert.Contains("values", e.Message)

let ``a half last row of a trace is a problem, never the final row`` () =
    let path = temp "t.csv"
    let header = String.Join(",", Trace.columns)

    File.WriteAllLines(
        path,
        [|
            header
            "0,5,5,0,5,0,0,1,Running,,1"
            "1,4,4,0,4,0,0,1,Running,,2"
            "2,0.0"
        |]
    )

    let t = Trace.read path
    Assert.Equal(1L, (Array.last t.Rows).Step)
    Assert.Equal(4.0, (Array.last t.Rows).Loss)
    Assert.Contains("line 4 is an incomplete last row", String.concat "; " t.Problems)

let ``a last row cut in its last column is torn although it parses: never a row, never resumed over`` () =
    let path = temp "cut.csv"
    let header = String.Join(",", Trace.columns)
    // the writer ends every row with a line break; a kill while writing "…,Running,,12\n" leaves "…,Running,,1"
    File.WriteAllText(path, header + "\n0,5,5,0,5,0,0,1,Running,,1\n1,4,4,0,4,0,0,1,Running,,1")
    Assert.True((Trace.parseRow "1,4,4,0,4,0,0,1,Running,,1").IsSome) // what is left parses
    let t = Trace.read path
    Assert.Equal(1, t.Rows.Length)
    Assert.Equal(5.0, (Array.last t.Rows).Loss)
    Assert.Contains("line 3 is an incomplete last row", String.concat "; " t.Problems)
    // a resume from step 5 drops it too
    Trace.truncateFrom path 5L
    Assert.Equal<string[]>([| header; "0,5,5,0,5,0,0,1,Running,,1" |], File.ReadAllLines path)
    // whole rows end with a line break and are all read
    File.AppendAllText(path, "1,4,4,0,4,0,0,1,Running,,12\n")
    Assert.Equal(2, (Trace.read path).Rows.Length)
    Assert.Empty((Trace.read path).Problems)

[<Tests>]
let tests =
    testList
        "JsonFileTests"
        [
            testCase
                "non-finite numbers are written as null and read back as NaN"
                ``non-finite numbers are written as null and read back as NaN``
            testCase
                "a null where the format requires a value is refused naming the field"
                ``a null where the format requires a value is refused naming the field``
            testCase
                "a half last row of a trace is a problem, never the final row"
                ``a half last row of a trace is a problem, never the final row``
            testCase
                "a last row cut in its last column is torn although it parses: never a row, never resumed over"
                ``a last row cut in its last column is torn although it parses: never a row, never resumed over``
        ]
    |> testSequencedGroup "EcdPde.Runs.Tests.JsonFileTests"
