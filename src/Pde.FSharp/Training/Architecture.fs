namespace Pde.FSharp.Training

open Ecd.Core.Engine

/// <summary>
/// The hidden layers of the network; the input width (the domain's coordinates) and the output width (the
/// problem's fields) come from the problem. Build it with the <c>Architecture</c> module.
/// </summary>
type Architecture =
    {
        /// Hidden layers in order (Fourier features first, if any).
        Layers: LayerSpec list
        /// Weight initialization (default Xavier normal).
        Initialization: Initialization
    }

/// Network architectures.
[<RequireQualifiedAccess>]
module Architecture =
    /// An MLP with the given hidden widths and one activation.
    let mlp (widths: int list) (activation: Activation) =
        {
            Layers = widths |> List.map (fun w -> Dense(w, activation) :> LayerSpec)
            Initialization = Initialization.XavierNormal
        }

    /// The BBI paper's residual network: a dense layer of `width`, then `blocks` residual blocks h + σ(Wh + b).
    let residual (width: int) (blocks: int) (activation: Activation) =
        {
            Layers =
                (Dense(width, activation) :> LayerSpec)
                :: List.replicate blocks (Residual activation :> LayerSpec)
            Initialization = Initialization.XavierNormal
        }

    /// Puts random Fourier features (count frequencies, scale σ; fixed, seeded) in front of the layers.
    let withFourierFeatures (count: int) (scale: float) (a: Architecture) =
        { a with
            Layers = (FourierFeatures(count, scale) :> LayerSpec) :: a.Layers
        }

    /// Uses Xavier-uniform instead of Xavier-normal initialization.
    let xavierUniform (a: Architecture) =
        { a with
            Initialization = Initialization.XavierUniform
        }

    /// The engine's network specification for `inputs` coordinates and `outputs` fields.
    let spec (inputs: int) (outputs: int) (a: Architecture) =
        NetworkSpec(inputs, Array.ofList a.Layers, outputs, a.Initialization)
