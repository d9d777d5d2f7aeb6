namespace Pde.FSharp.Training

open System.Globalization

/// One stage of training: an optimizer of the core (by name), its hyperparameters (the documented keys of
/// `ecdpde list`) and a number of steps. Stages run in sequence, each from where the previous one ended.
type Stage =
    {
        /// bbi, ecdsep, gdm, adam, adamw, lbfgs.
        Optimizer: string
        /// Hyperparameters as (key, value).
        Settings: (string * string) list
        /// Steps (L-BFGS: iterations).
        Steps: int64
    }

/// Stage constructors.
[<RequireQualifiedAccess>]
module Stage =
    let private text (v: float) =
        v.ToString("R", CultureInfo.InvariantCulture)

    /// A stage of the named optimizer with settings.
    let create (optimizer: string) (settings: (string * string) list) (steps: int64) =
        {
            Optimizer = optimizer
            Settings = settings
            Steps = steps
        }

    /// Adam with learning rate lr (other settings at PyTorch's defaults).
    let adam (lr: float) (steps: int64) = create "adam" [ "lr", text lr ] steps

    /// L-BFGS (strong-Wolfe line search, history 100) that uses its whole step budget: toleranceChange = 0 and
    /// toleranceGrad = 0 (as DeepXDE runs it for PINNs; the core's PyTorch defaults 1e-9 and 1e-7 stop a PINN
    /// run early). It still stops when the line search fails. Restore them with Stage.set.
    let lbfgs (steps: int64) =
        create "lbfgs" [ "toleranceChange", "0"; "toleranceGrad", "0" ] steps

    /// BBI with the given settings (lr, v0, deltaEn, threshold0, threshold, nFixedBounces, …).
    let bbi (settings: (string * string) list) (steps: int64) = create "bbi" settings steps

    /// ECDSep with the given settings (lr, eta, F0, deltaEn, nu, gamma, s, …).
    let ecdsep (settings: (string * string) list) (steps: int64) = create "ecdsep" settings steps

    /// Gradient descent with momentum.
    let gdm (lr: float) (momentum: float) (steps: int64) =
        create "gdm" [ "lr", text lr; "momentum", text momentum ] steps

    /// Adds or replaces one hyperparameter.
    let set (key: string) (value: string) (s: Stage) =
        { s with
            Settings = (s.Settings |> List.filter (fst >> (<>) key)) @ [ key, value ]
        }
