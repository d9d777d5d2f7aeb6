/// Self-contained HTML pages: escaping, tables, sections. No scripts, no external resources.
module EcdPde.Reports.Html

open System
open System.Text

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

/// A figure: already-rendered SVG markup with an escaped caption.
let figure (svg: string) (caption: string) =
    sprintf "<figure>\n%s\n<figcaption>%s</figcaption>\n</figure>\n" svg (escape caption)

/// Figures side by side (wrapping to the next line when the page is narrow).
let row (figures: string list) =
    "<div class=\"row\">\n" + String.Join("", figures) + "</div>\n"

let private style =
    """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
figure{margin:1.5em 0}figcaption{font-size:0.85em;color:#555;max-width:760px}
.verdict{padding:0.6em 1em;border-left:4px solid #1f77b4;background:#f3f8fc}
.muted{color:#666;font-size:0.85em}
.row{display:flex;flex-wrap:wrap;gap:0 1.5em;align-items:flex-start}.row figure{margin:1em 0;width:min-content}"""

/// A complete page; `body` is trusted markup built with the functions above.
let page (title: string) (body: string list) =
    let b = StringBuilder()

    b
        .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .Append(escape title)
        .Append("</title>\n<style>\n")
        .Append(style)
        .Append("\n</style>\n</head>\n<body>\n")
        .Append(heading 1 title)
    |> ignore

    for part in body do
        b.Append part |> ignore

    b.Append("</body>\n</html>\n").ToString()
