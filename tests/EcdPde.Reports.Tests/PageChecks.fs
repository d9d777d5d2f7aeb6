/// Checks on report pages with Plotly figures: the figures' JSON, the scripts (only the inlined plotly.js, the draw
/// function and the figure calls), and the absence of anything external.
module EcdPde.Reports.Tests.PageChecks

open System.Text.Json.Nodes
open System.Text.RegularExpressions
open Xunit

/// Occurrences of `needle` in `text`.
let count (needle: string) (text: string) = text.Split(needle).Length - 1

/// The page without the inlined plotly.js (the library's text, not ours).
let withoutLibrary (page: string) =
    let a = page.IndexOf "<script id=\"plotly-js\">"

    if a < 0 then
        page
    else
        let b = page.IndexOf("</script>", a)
        page.Remove(a, b + "</script>".Length - a)

/// The JSON of every figure on a page, in order.
let figures (page: string) =
    Regex.Matches(page, "<script>ecdpdePlot\\((.*?)\\);</script>", RegexOptions.Singleline)
    |> Seq.map (fun m ->
        match JsonNode.Parse m.Groups[1].Value with
        | :? JsonObject as o -> o
        | _ -> failwith "a figure is a JSON object")
    |> List.ofSeq

/// The number of figures on a page.
let figureCount (page: string) = count "<script>ecdpdePlot(" page

/// The node at a path of keys in a figure's JSON (fails naming the key when absent).
let rec at (path: string list) (node: JsonNode) : JsonNode =
    match path with
    | [] -> node
    | key :: rest ->
        match node[key] with
        | null -> failwithf "no '%s' in %s" key (node.ToJsonString())
        | child -> at rest child

/// The traces of a figure.
let traces (figure: JsonNode) =
    [
        for t in (at [ "data" ] figure).AsArray() do
            match t with
            | :? JsonObject as o -> yield o :> JsonNode
            | _ -> ()
    ]

/// A string property of a JSON node ("" when absent).
let str (key: string) (node: JsonNode) =
    match node[key] with
    | null -> ""
    | v -> v.ToString()

/// The numbers of a JSON array (NaN for null: a gap).
let numbers (node: JsonNode) =
    [|
        for v in node.AsArray() ->
            match v with
            | null -> nan
            | v -> v.GetValue<float>()
    |]

/// True when the i-th element of a JSON array is null.
let isNullAt (i: int) (node: JsonNode) = isNull (node.AsArray()[i])

/// Every script element is one of ours (plotly.js once, the draw function, figure calls); nothing is loaded from
/// elsewhere (no src, href or link, no URL outside plotly.js).
let assertSelfContained (page: string) =
    Assert.StartsWith("<!DOCTYPE html>", page)
    let rest = withoutLibrary page

    for m in Regex.Matches(rest, "<script") do
        let tail = rest.Substring(m.Index, min 40 (rest.Length - m.Index))

        Assert.True(
            tail.StartsWith "<script>function ecdpdePlot"
            || tail.StartsWith "<script>ecdpdePlot(",
            sprintf "a script that is not ours: %s" tail
        )

    Assert.True(count "<script id=\"plotly-js\">" page <= 1)

    if figureCount page > 0 then
        Assert.Equal(1, count "<script id=\"plotly-js\">" page)

    for needle in [ "<link"; "http://"; "https://"; "<img"; "<iframe"; "<object"; "<embed" ] do
        Assert.DoesNotContain(needle, rest)

    // no element with a src attribute (escaped text such as "&lt;img src=x" is no element)
    Assert.False(Regex.IsMatch(rest, "<[A-Za-z][^<>]*\\ssrc="), "an element with a src attribute")
