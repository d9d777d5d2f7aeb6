/// Culture-invariant number formatting for tables, CSV and reports.
module EcdPde.Runs.Number

open System.Globalization

let private inv = CultureInfo.InvariantCulture

/// Shortest round-trip text ("R"): for CSV and JSON-like output.
let exact (x: float) = x.ToString("R", inv)

/// Scientific notation with 3 decimals (1.234e-05); "NaN" for NaN.
let sci (x: float) =
    if System.Double.IsNaN x then
        "NaN"
    else
        x.ToString("0.000e+00", inv)

/// Fixed notation with `digits` decimals.
let decimals (digits: int) (x: float) =
    if System.Double.IsNaN x then
        "NaN"
    else
        x.ToString("F" + string digits, inv)

/// Compact general notation with up to 6 significant digits (0.0025, 1e-05).
let short (x: float) = x.ToString("G6", inv).Replace("E", "e")
