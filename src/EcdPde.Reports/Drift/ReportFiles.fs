/// Shared pieces of the drift reports: the recorded settings, the settings table, the noise description, file writing.
module EcdPde.Reports.Drift.ReportFiles

open System.IO
open Ecd.Core.Drift
open EcdPde.Runs
open EcdPde.Reports

/// A setting of a drift run as its result files record it (the rows of the settings table).
type Setting = { Name: string; Value: string }

/// The settings (name, value) as recorded.
let settingsOf (context: (string * string) list) =
    context |> List.map (fun (k, v) -> { Name = k; Value = v })

/// The recorded settings as (name, value).
let contextOf (settings: Setting list) =
    settings |> List.map (fun s -> s.Name, s.Value)

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
