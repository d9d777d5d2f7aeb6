/// Plain-text tables for the terminal, and the same rows as Markdown.
module EcdPde.Reports.TextTable

open System

/// Columns padded to their widest cell; the first column left-aligned, the others right-aligned.
let render (headers: string list) (rows: string list list) =
    let all = headers :: rows
    let n = headers.Length

    let widths =
        Array.init n (fun j -> all |> List.map (fun r -> if j < r.Length then r[j].Length else 0) |> List.max)

    let line (r: string list) =
        r
        |> List.mapi (fun j c -> if j = 0 then c.PadRight widths[j] else c.PadLeft widths[j])
        |> String.concat "  "
        |> fun s -> s.TrimEnd()

    let rule = widths |> Array.map (fun w -> String('-', w)) |> String.concat "  "
    String.Join("\n", [ line headers; rule ] @ (rows |> List.map line))

/// A Markdown table (pipes in cells are escaped).
let markdown (headers: string list) (rows: string list list) =
    let cell (s: string) = s.Replace("|", "\\|")

    let line (r: string list) =
        "| " + String.Join(" | ", r |> List.map cell) + " |"

    String.Join(
        "\n",
        [
            line headers
            "|" + String.Join("|", headers |> List.map (fun _ -> "---")) + "|"
        ]
        @ (rows |> List.map line)
    )
