/// Self-contained HTML pages: escaping, tables, sections and interactive Plotly figures. A page with figures
/// carries one inlined copy of plotly.js (from the Plotly.NET package) and loads nothing from the network.
module EcdPde.Reports.Html

open System
open System.IO
open System.Text
open Plotly.NET

/// Escapes text for HTML element content and attribute values (&, <, >, ", ').
let escape (s: string) =
    let b = StringBuilder(s.Length)

    for c in s do
        match c with
        | '&' -> b.Append "&amp;" |> ignore
        | '<' -> b.Append "&lt;" |> ignore
        | '>' -> b.Append "&gt;" |> ignore
        | '"' -> b.Append "&quot;" |> ignore
        | '\'' -> b.Append "&#39;" |> ignore
        | c -> b.Append c |> ignore

    b.ToString()

/// A table; every header and cell is escaped.
let table (headers: string list) (rows: string list list) =
    let b = StringBuilder("<table>\n<thead><tr>")

    for h in headers do
        b.Append("<th>").Append(escape h).Append("</th>") |> ignore

    b.Append("</tr></thead>\n<tbody>\n") |> ignore

    for row in rows do
        b.Append("<tr>") |> ignore

        for c in row do
            b.Append("<td>").Append(escape c).Append("</td>") |> ignore

        b.Append("</tr>\n") |> ignore

    b.Append("</tbody>\n</table>\n").ToString()

/// A heading (escaped).
let heading (level: int) (text: string) =
    sprintf "<h%d>%s</h%d>\n" level (escape text) level

/// A paragraph of text (escaped).
let paragraph (text: string) = sprintf "<p>%s</p>\n" (escape text)

/// A bulleted list of texts (escaped).
let bullets (items: string list) =
    if items.IsEmpty then
        ""
    else
        "<ul>\n"
        + String.Join("", items |> List.map (fun i -> sprintf "<li>%s</li>\n" (escape i)))
        + "</ul>\n"

/// A figure: a Plotly chart (drawn by plotly.js when the page loads) with an escaped caption.
let figure (chart: GenericChart) (caption: string) =
    sprintf
        "<figure>\n<div class=\"plot\"></div>\n<script>ecdpdePlot(%s);</script>\n<figcaption>%s</figcaption>\n</figure>\n"
        (Plot.json chart)
        (escape caption)

/// Figures side by side (wrapping to the next line when the page is narrow).
let row (figures: string list) =
    "<div class=\"row\">\n" + String.Join("", figures) + "</div>\n"

let private style =
    """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
figure{margin:1.5em 0}figcaption{font-size:0.85em;color:#555;max-width:760px}
.verdict{padding:0.6em 1em;border-left:4px solid #1f77b4;background:#f3f8fc}
.muted{color:#666;font-size:0.85em}
.row{display:flex;flex-wrap:wrap;gap:0 1.5em;align-items:flex-start}.row figure{margin:1em 0;flex:0 0 auto}
.row figcaption{max-width:420px}"""

/// The plotly.js that Plotly.NET embeds (its version: `plotlyVersion`), read once.
let plotlyJs =
    lazy
        (let assembly = typeof<GenericChart>.Assembly

         let name =
             assembly.GetManifestResourceNames()
             |> Array.find (fun n -> n.StartsWith "Plotly.NET.plotly-" && n.EndsWith ".min.js")

         use stream =
             assembly.GetManifestResourceStream name
             |> Option.ofObj
             |> Option.defaultWith (fun () -> failwithf "Plotly.NET has no resource %s" name)

         use reader = new StreamReader(stream)
         name.Substring("Plotly.NET.plotly-".Length).Replace(".min.js", ""), reader.ReadToEnd())

/// The version of plotly.js the pages inline.
let plotlyVersion () = fst plotlyJs.Value

/// Draws a figure into the element before the calling script (no ids: pages can be combined).
let private drawScript =
    "function ecdpdePlot(f){var d=document.currentScript.previousElementSibling;"
    + "Plotly.newPlot(d,f.data,f.layout,{displaylogo:false,"
    + "toImageButtonOptions:{format:'svg'}});}"

/// The head scripts of a page with figures: plotly.js (inlined) and the draw function.
let scripts () =
    sprintf "<script id=\"plotly-js\">\n%s\n</script>\n<script>%s</script>\n" (snd plotlyJs.Value) drawScript

/// A complete page; `body` is trusted markup built with the functions above.
let page (title: string) (body: string list) =
    let b = StringBuilder()

    b
        .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .Append(escape title)
        .Append("</title>\n<style>\n")
        .Append(style)
        .Append("\n</style>\n")
        .Append(
            if body |> List.exists (fun part -> part.Contains "ecdpdePlot(") then
                scripts ()
            else
                ""
        )
        .Append("</head>\n<body>\n")
        .Append(heading 1 title)
    |> ignore

    for part in body do
        b.Append part |> ignore

    b.Append("</body>\n</html>\n").ToString()
