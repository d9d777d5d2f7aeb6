/// The path of a continuation: the values a problem parameter takes, from a start to a stop by a step (increasing
/// or decreasing), as written on the command line: `k=2:20:1`, `lambda=3:1:-0.5`.
module Pde.Discovery.ParameterPath

open System
open System.Globalization

/// From `Start` to `Stop` (inclusive when a whole number of steps away) by `Step`; the step's sign is the
/// direction.
type ParameterPath =
    {
        Start: float
        Stop: float
        Step: float
    }

/// The most values a path may have (a typo such as a step of 1e-9 is refused, not run for ever).
let maxValues = 100000

/// The path from `start` to `stop` by `step`; raises ArgumentException naming `parameter` for a non-finite number,
/// a zero step, an empty range (start = stop), a step whose sign points away from the stop, or more than
/// `maxValues` values.
let create (parameter: string) (start: float) (stop: float) (step: float) =
    let fail (why: string) =
        invalidArg "param" (sprintf "the range of '%s' (%g:%g:%g) %s" parameter start stop step why)

    if not (Double.IsFinite start && Double.IsFinite stop && Double.IsFinite step) then
        fail "has a number that is not finite"

    if start = stop then
        fail "is empty: start and stop are equal (give two different values)"

    if step = 0.0 then
        fail "has a step of 0"

    if sign step <> sign (stop - start) then
        fail (
            sprintf
                "has a step of the wrong sign: from %g to %g the step must be %s"
                start
                stop
                (if stop > start then "positive" else "negative")
        )

    if (stop - start) / step > float maxValues then
        fail (sprintf "has more than %d values" maxValues)

    {
        Start = start
        Stop = stop
        Step = step
    }

/// The values of a path: start + i·step for i = 0, 1, … while not beyond the stop (a value within 1e-9 steps of the
/// stop is the stop itself, so 0.1 steps land on it exactly); every value computed from the start, never summed.
let values (p: ParameterPath) =
    let span = (p.Stop - p.Start) / p.Step
    let whole = floor (span + 1e-9)

    [
        for i in 0 .. int whole do
            if abs (float i - span) < 1e-9 then
                p.Stop
            else
                p.Start + float i * p.Step
    ]

/// Reads `NAME=START:STOP:STEP` (numbers the invariant way: a decimal point); the error names the text and what is
/// wrong with it. Returns the name and the path.
let parse (text: string) =
    let form () =
        invalidArg
            "param"
            (sprintf "'%s' is not of the form NAME=START:STOP:STEP (e.g. k=2:20:1, or lambda=3:1:-0.5)" text)

    match text.Split('=', 2) with
    | [| name; range |] when name.Trim() <> "" ->
        let number (part: string) =
            match Double.TryParse(part.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture) with
            | true, v -> v
            | _ ->
                invalidArg
                    "param"
                    (sprintf "'%s': '%s' is not a number (write decimals with a point, e.g. 0.5)" text part)

        match range.Split(':') with
        | [| start; stop; step |] ->
            name.Trim(), create (name.Trim()) (number start) (number stop) (number step)
        | _ -> form ()
    | _ -> form ()

/// Whether `text` names a range (`NAME=START:STOP:STEP`) rather than one value (`NAME=VALUE`).
let isRange (text: string) =
    match text.Split('=', 2) with
    | [| _; range |] -> range.Contains ':'
    | _ -> false
