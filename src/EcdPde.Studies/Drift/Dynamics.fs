/// What the drift analyzer integrates: the toy Hamiltonian under leapfrog or explicit Euler, or an
/// energy-conserving optimizer (BBI, ECDSep) on an objective. Builds the C# kernels from a validated spec.
module EcdPde.Studies.Drift.Dynamics

open System
open System.Globalization
open Ecd.Core.Drift
open Ecd.Core.Objectives
open Ecd.Core.Optimizers

/// The scheme whose energy is watched.
type Method =
    /// Leapfrog (kick–drift–kick) on H = |p|²/(2m) + U(x): symplectic, second order.
    | Leapfrog
    /// Explicit Euler on the same H: the first-order, non-symplectic comparison.
    | Euler
    /// BBI on the objective (energy rescaling off by default).
    | Bbi
    /// ECDSep on the objective (energy rescaling and rotations off by default): a leapfrog.
    | EcdSep

    /// leapfrog, euler, bbi, ecdsep.
    override m.ToString() =
        match m with
        | Leapfrog -> "leapfrog"
        | Euler -> "euler"
        | Bbi -> "bbi"
        | EcdSep -> "ecdsep"

/// Every method name, in the order reports list them.
let methods = [ Leapfrog; Euler; Bbi; EcdSep ]

/// Parses a method name; the error lists the known ones.
let parseMethod (name: string) =
    match name.Trim().ToLowerInvariant() with
    | "leapfrog"
    | "verlet" -> Leapfrog
    | "euler"
    | "explicit-euler" -> Euler
    | "bbi" -> Bbi
    | "ecdsep" -> EcdSep
    | other ->
        invalidArg
            "method"
            (sprintf
                "method '%s' is not known; use leapfrog, euler, bbi or ecdsep (energy drift needs a conserved energy, so friction optimizers such as gdm or adam do not apply)"
                other)

/// What is integrated, from where.
type Spec =
    {
        Method: Method
        /// A synthetic function (SyntheticFunctions.Catalogue): the potential U for leapfrog/euler, the objective F for the optimizers.
        Function: string
        /// Number of coordinates.
        Dim: int
        /// Start x₀ (θ₀ for the optimizers): one value for every coordinate or one per coordinate. Empty = the toy default e₁.
        X0: float list
        /// Start p₀ (leapfrog and euler only): as X0. Empty = the toy default e₂ (e₁ in one dimension).
        P0: float list
        /// The mass m (leapfrog and euler only). Default 0.35.
        Mass: float
        /// Optimizer hyperparameters by their documented names, over the drift defaults (bbi and ecdsep only).
        Settings: (string * string) list
    }

/// The toy system: leapfrog on H = |p|²/(2·0.35) + |x|²/2 in 2D from x = (1, 0), p = (0, 1).
let toy =
    {
        Method = Leapfrog
        Function = "quadratic"
        Dim = 2
        X0 = []
        P0 = []
        Mass = SeparableHamiltonian.DefaultMass
        Settings = []
    }

/// The drift analyzer's defaults for the optimizers (under the user's settings): no energy rescaling (consEn
/// off: rescaling would hide the drift), no bounces or rotations, a shift one unit below the synthetic functions'
/// minimum 0, and one unit of extra energy. lr is always Δt.
let optimizerDefaults =
    function
    | Bbi ->
        [
            "consEn", "false"
            "v0", "-1"
            "deltaEn", "1"
            "nFixedBounces", "0"
            "threshold", "1e25"
        ]
    | EcdSep -> [ "consEn", "false"; "eta", "1"; "F0", "-1"; "deltaEn", "1"; "nu", "0" ]
    | Leapfrog
    | Euler -> []

let private expand (what: string) (dim: int) (fallback: int -> float[]) (values: float list) =
    match values with
    | [] -> fallback dim
    | [ v ] -> Array.create dim v
    | vs when List.length vs = dim -> Array.ofList vs
    | vs ->
        invalidArg
            what
            (sprintf
                "%s has %d values but the dimension is %d: give one value or %d"
                what
                (List.length vs)
                dim
                dim)

let private unit (i: int) (dim: int) =
    Array.init dim (fun j -> if j = i then 1.0 else 0.0)

/// Checks a spec; errors name the parameter and the value.
let validate (spec: Spec) =
    if spec.Dim < 1 then
        invalidArg "dim" (sprintf "dim = %d must be at least 1" spec.Dim)

    if not (Double.IsFinite spec.Mass && spec.Mass > 0.0) then
        invalidArg
            "mass"
            (sprintf
                "mass = %s must be a finite number > 0"
                (spec.Mass.ToString("R", CultureInfo.InvariantCulture)))

    match spec.Method with
    | Leapfrog
    | Euler when not spec.Settings.IsEmpty ->
        invalidArg
            "set"
            (sprintf
                "--set %s=%s: hyperparameters apply to bbi and ecdsep only, not to %O"
                (fst spec.Settings.Head)
                (snd spec.Settings.Head)
                spec.Method)
    | Bbi
    | EcdSep when not spec.P0.IsEmpty ->
        invalidArg "p0" "p0 applies to leapfrog and euler only (the optimizers set their own momentum)"
    | _ -> ()

    match
        spec.Settings
        |> List.tryFind (fun (k, _) -> k.Trim().Equals("lr", StringComparison.OrdinalIgnoreCase))
    with
    | Some(_, v) ->
        invalidArg "set" (sprintf "--set lr=%s: the step size is Δt, given by --dt / --dt-lo / --dts" v)
    | None -> ()

/// An optimizer with lr = Δt and the drift defaults under `settings`.
let optimizerFor (m: Method) (settings: (string * string) list) (dt: float) : IOptimizer<float> =
    let all =
        optimizerDefaults m
        @ settings
        @ [ "lr", dt.ToString("R", CultureInfo.InvariantCulture) ]
        |> List.map Collections.Generic.KeyValuePair

    OptimizerCatalog.Create<float>(string m, all)

/// The dynamics of an optimizer on any objective — the way a PINN loss (or any IObjective) plugs in.
let ofObjective
    (m: Method)
    (settings: (string * string) list)
    (objective: IObjective<float>)
    (theta0: float[])
    =
    match m with
    | Bbi
    | EcdSep ->
        OptimizerDynamics(Func<float, IOptimizer<float>>(optimizerFor m settings), objective, theta0)
        :> IEnergyDynamics
    | _ -> invalidArg "method" (sprintf "%O is an integrator of the toy Hamiltonian, not an optimizer" m)

/// Builds the dynamics a spec describes (validated first).
let build (spec: Spec) : IEnergyDynamics =
    validate spec
    let f = SyntheticFunctions.Create<float>(spec.Function, spec.Dim)
    let x0 = expand "x0" spec.Dim (unit 0) spec.X0

    match spec.Method with
    | Leapfrog
    | Euler ->
        let p0 = expand "p0" spec.Dim (fun d -> unit (if d > 1 then 1 else 0) d) spec.P0

        let integrator: IIntegrator =
            if spec.Method = Leapfrog then
                Ecd.Core.Drift.Leapfrog.Instance
            else
                ExplicitEuler.Instance

        HamiltonianDynamics(SeparableHamiltonian(f, spec.Mass), integrator, x0, p0)
    | Bbi
    | EcdSep ->
        // OptimizerDynamics builds the optimizer once at construction, so a bad --set fails before any run.
        ofObjective spec.Method spec.Settings f x0
