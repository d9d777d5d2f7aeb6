namespace EcdPde.Reports

open System

/// How values are mapped to colours in heatmaps and surfaces.
type ColorScale =
    /// Viridis: dark blue through green to yellow, perceptually uniform; for fields of one sign.
    | Viridis
    /// Blue through white to red (ColorBrewer RdBu, reversed), centred on zero by default: for signed fields such as
    /// PDE residuals or differences of two solutions.
    | Diverging

/// The colour scales as functions of t ∈ [0, 1] (clamped; NaN gives the low end), each piecewise-linear through
/// nine anchor colours, returned as #rrggbb.
[<RequireQualifiedAccess>]
module ColorScale =
    let private through (anchors: (int * int * int)[]) (t: float) =
        let t = if Double.IsNaN t then 0.0 else Math.Clamp(t, 0.0, 1.0)
        let x = t * float (anchors.Length - 1)
        let i = min (anchors.Length - 2) (int (floor x))
        let f = x - float i
        let r0, g0, b0 = anchors[i]
        let r1, g1, b1 = anchors[i + 1]

        let mix a b =
            int (Math.Round(float a + f * float (b - a)))

        sprintf "#%02x%02x%02x" (mix r0 r1) (mix g0 g1) (mix b0 b1)

    let private viridisAnchors =
        [|
            68, 1, 84
            71, 44, 122
            59, 81, 139
            44, 113, 142
            33, 144, 141
            39, 173, 129
            92, 200, 99
            170, 220, 50
            253, 231, 37
        |]

    // ColorBrewer RdBu (9 classes) reversed: blue at 0, near-white #f7f7f7 at ½, red at 1
    let private divergingAnchors =
        [|
            33, 102, 172
            67, 147, 195
            146, 197, 222
            209, 229, 240
            247, 247, 247
            253, 219, 199
            244, 165, 130
            214, 96, 77
            178, 24, 43
        |]

    /// Viridis at t: #440154 at 0, #21908d at ½, #fde725 at 1.
    let viridis (t: float) = through viridisAnchors t

    /// The diverging blue-white-red scale at t: #2166ac at 0, #f7f7f7 at ½, #b2182b at 1.
    let diverging (t: float) = through divergingAnchors t

    /// The colour of `scale` at t.
    let color (scale: ColorScale) (t: float) =
        match scale with
        | Viridis -> viridis t
        | Diverging -> diverging t

    /// The default value range of a scale for data spanning [lo, hi]: the data range for viridis; for the
    /// diverging scale the symmetric range ±max(|lo|, |hi|), so that white is zero.
    let defaultRange (scale: ColorScale) (lo: float, hi: float) =
        match scale with
        | Viridis -> lo, hi
        | Diverging ->
            let m = max (abs lo) (abs hi)
            if m > 0.0 then -m, m else -1.0, 1.0
