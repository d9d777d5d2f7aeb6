/// Static images of Plotly figures for documents (README, docs), rendered offline by headless Chromium from the same
/// charts the HTML reports show: PNG for every figure, SVG for the 2-D ones (3-D surfaces are WebGL: PNG only), and
/// overview pictures (several figures laid out in rows, one screenshot).
module EcdPde.Reports.Images

open System
open System.IO
open System.Text
open System.Text.Json
open System.Text.RegularExpressions
open Plotly.NET

/// A figure with the file name (without extension) it is written under and its caption.
type Figure =
    {
        Name: string
        Chart: GenericChart
        Caption: string
        /// WebGL (3-D): written as PNG only.
        ThreeD: bool
    }

/// The width and height a chart's layout sets (700 × 450 when it sets none).
let size (chart: GenericChart) =
    let layout = (Plot.data chart)["layout"]

    let get (key: string) (fallback: int) =
        match layout with
        | null -> fallback
        | l ->
            match l[key] with
            | null -> fallback
            | v -> v.GetValue<int>()

    get "width" 700, get "height" 450

let private exportScript =
    """var pending=[];
function ecdpdeExport(d,f,name,svg){var w=f.layout.width||700,h=f.layout.height||450;
pending.push(Plotly.newPlot(d,f.data,f.layout,{staticPlot:true}).then(function(gd){
var jobs=[Plotly.toImage(gd,{format:'png',width:w,height:h,scale:2})];
if(svg){jobs.push(Plotly.toImage(gd,{format:'svg',width:w,height:h}));}
return Promise.all(jobs);}).then(function(urls){var o=document.createElement('textarea');
o.id='out-'+name;o.textContent=JSON.stringify(urls);document.body.appendChild(o);}));}
window.addEventListener('load',function(){Promise.all(pending).then(function(){document.body.setAttribute('data-done','1');},
function(e){document.body.setAttribute('data-error',String(e));});});"""

let private checkName (name: string) =
    if not (Regex.IsMatch(name, "^[A-Za-z0-9._-]+$")) then
        invalidArg
            "name"
            (sprintf "a figure file name needs letters, digits, '.', '_' or '-' only (got '%s')" name)

/// The export page: plotly.js, then every figure drawn and turned into data URLs.
let private exportPage (figures: Figure list) =
    let b = StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n")

    b.Append(Html.scripts ()).Append("<script>").Append(exportScript).Append("</script></head><body>\n")
    |> ignore

    for f in figures do
        checkName f.Name

        b
            .Append("<div></div><script>ecdpdeExport(document.currentScript.previousElementSibling,")
            .Append(Plot.json f.Chart)
            .Append(",'")
            .Append(f.Name)
            .Append("',")
            .Append(if f.ThreeD then "false" else "true")
            .Append(");</script>\n")
        |> ignore

    b.Append("</body></html>\n").ToString()

let private decode (url: string) =
    match url.IndexOf ',' with
    | -1 -> failwithf "not a data URL: %s" (url.Substring(0, min 40 url.Length))
    | comma ->
        let header, payload = url.Substring(0, comma), url.Substring(comma + 1)

        if header.EndsWith ";base64" then
            Convert.FromBase64String payload
        else
            Encoding.UTF8.GetBytes(Uri.UnescapeDataString payload)

/// Writes every figure as NAME.png (and NAME.svg when 2-D) into `dir` (created) with one offline Chromium run;
/// returns the paths written, in the figures' order.
let write (dir: string) (figures: Figure list) =
    Directory.CreateDirectory dir |> ignore
    let page = Path.Combine(dir, ".export.html")
    File.WriteAllText(page, exportPage figures)

    let dom =
        try
            Chromium.dumpDom (20000 + 5000 * figures.Length) page
        finally
            File.Delete page

    if not (dom.Contains "data-done=\"1\"") then
        let error = Regex.Match(dom, "data-error=\"([^\"]*)\"")

        failwithf
            "Chromium did not finish the figures%s"
            (if error.Success then
                 ": "
                 + (Net.WebUtility.HtmlDecode error.Groups[1].Value
                    |> Option.ofObj
                    |> Option.defaultValue "")
             else
                 "")

    [
        for f in figures do
            let m =
                Regex.Match(dom, sprintf "<textarea id=\"out-%s\">([^<]*)</textarea>" (Regex.Escape f.Name))

            if not m.Success then
                failwithf "Chromium rendered no image of figure %s" f.Name

            let urls =
                match Net.WebUtility.HtmlDecode m.Groups[1].Value with
                | null -> [||]
                | text ->
                    JsonSerializer.Deserialize<string[]> text
                    |> Option.ofObj
                    |> Option.defaultValue [||]

            for url, ext in Seq.zip urls [ "png"; "svg" ] do
                let path = Path.Combine(dir, f.Name + "." + ext)
                File.WriteAllBytes(path, decode url)
                yield path
    ]

/// An overview picture: a title, then the figures in rows (each row side by side), as one PNG screenshot at
/// `png`. Returns the path.
let overview (title: string) (rows: Figure list list) (png: string) =
    let sizes = rows |> List.map (List.map (fun f -> size f.Chart))
    let width = 24 + (sizes |> List.map (List.sumBy fst) |> List.fold max 0)

    let height =
        56 + (sizes |> List.sumBy (fun r -> r |> List.map snd |> List.fold max 0))

    let body =
        [
            for row in rows ->
                "<div style=\"display:flex\">"
                + String.Join(
                    "",
                    row
                    |> List.map (fun f ->
                        sprintf "<div><div></div><script>ecdpdePlot(%s);</script></div>" (Plot.json f.Chart))
                )
                + "</div>\n"
        ]

    let html =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
        + Html.scripts ()
        + "<style>body{margin:8px 12px;font-family:Arial,sans-serif}h1{font-size:20px;margin:6px 0 12px}</style>"
        + "</head><body>\n"
        + Html.heading 1 title
        + String.Join("", body)
        + "</body></html>\n"

    let page = png + ".overview.html"
    File.WriteAllText(page, html)

    try
        Chromium.screenshot width height png page |> ignore
    finally
        File.Delete page

    png

/// A screenshot of the top `width` × `height` pixels of an HTML page (a report) as PNG at `png`; returns the path.
let screenshot (width: int) (height: int) (page: string) (png: string) =
    Chromium.screenshot width height png page |> ignore
    png
