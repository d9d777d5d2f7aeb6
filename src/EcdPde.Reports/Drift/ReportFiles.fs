/// Shared pieces of the drift reports: JSON options, the settings table, the noise description, file writing.
module EcdPde.Reports.Drift.ReportFiles

open System.IO
open System.Text.Json
open System.Text.Json.Serialization
open Ecd.Core.Drift
open EcdPde.Runs
open EcdPde.Reports

/// Indented JSON; NaN and infinities are written as the strings "NaN", "Infinity".
let jsonOptions =
    JsonSerializerOptions(
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals
    )

/// Serialises a value (anonymous records, arrays, lists of plain values) with jsonOptions.
let json (value: obj) =
    JsonSerializer.Serialize(value, jsonOptions)

/// "none", or "gradient, σ = 0.2" / "momentum, σ = 0.2" (√Δt·σ·ξ per component).
let describeNoise (n: NoiseOptions) =
    if not n.IsActive then
        "none"
    else
        sprintf
            "%s channel, σ = %s (√Δt·σ·ξ per component)"
            (string n.Channel |> fun s -> s.ToLowerInvariant())
            (Number.short n.Sigma)

/// The settings of a run (parameter, value) as an HTML table.
let contextTable (context: (string * string) list) =
    Html.table [ "parameter"; "value" ] (context |> List.map (fun (k, v) -> [ k; v ]))

/// Writes `text` to `dir/name` (creating the folder) and returns the full path.
let write (dir: string) (name: string) (text: string) =
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, name)
    File.WriteAllText(path, text)
    Path.GetFullPath path
