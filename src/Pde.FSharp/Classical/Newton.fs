/// Newton's method with deflation (Farrell, Birkisson & Funke 2015, "Deflation techniques for finding distinct
/// solutions of nonlinear partial differential equations", SIAM J. Sci. Comput. 37(4)): once solutions u₁…u_m are
/// known, Newton runs on G(u) = M(u)·F(u) with M(u) = Π (‖u − uᵢ‖^−p + σ), which has no root at the uᵢ, so it
/// converges to a different solution. Defaults as in the defcon package: power p = 2, shift σ = 1.
module Pde.FSharp.Classical.Newton

open System

/// A discretised nonlinear problem F(u) = 0.
type NonlinearSystem =
    {
        /// Number of unknowns.
        Size: int
        /// F(u).
        Residual: float[] -> float[]
        /// The Jacobian J(u), factorised: a function solving J(u) x = b.
        Jacobian: float[] -> (float[] -> float[])
        /// Quadrature weights of the discrete L² inner product ⟨a, b⟩ = Σ wᵢ aᵢ bᵢ.
        Weights: float[]
    }

/// Newton settings.
type NewtonOptions =
    {
        /// Stop when the weighted L² norm of F is below this.
        Tolerance: float
        /// Or when the Newton step is below this relative to 1 + ‖u‖ (round-off stagnation on fine grids).
        StepTolerance: float
        MaxIterations: int
        /// Deflation power p (defcon: 2).
        Power: float
        /// Deflation shift σ (defcon: 1).
        Shift: float
    }

    /// Tolerance 1e-10 on ‖F‖ or 1e-11 on the relative step, 100 iterations, p = 2, σ = 1.
    static member Default =
        {
            Tolerance = 1e-10
            StepTolerance = 1e-11
            MaxIterations = 100
            Power = 2.0
            Shift = 1.0
        }

/// Outcome of one Newton solve.
type NewtonResult =
    {
        Solution: float[]
        Converged: bool
        Iterations: int
        ResidualNorm: float
        /// Residual evaluations (the cost measure).
        Evaluations: int
    }

/// Weighted L² norm.
let norm (w: float[]) (v: float[]) =
    let mutable s = 0.0

    for i in 0 .. v.Length - 1 do
        s <- s + w[i] * v[i] * v[i]

    sqrt s

/// M(v) and ∇log M(v) of the deflation of the solutions in `known` (∇log M as a vector in the weighted inner
/// product: ⟨∇log M, d⟩ = Σ gᵢ dᵢ).
let private deflation (options: NewtonOptions) (known: float[] list) (w: float[]) (v: float[]) =
    let g = Array.zeroCreate v.Length
    let mutable m = 1.0

    for k in known do
        let diff = Array.map2 (-) v k
        let dn = norm w diff
        let term = dn ** (-options.Power) + options.Shift
        m <- m * term
        let c = -options.Power * dn ** (-options.Power - 2.0) / term

        for i in 0 .. v.Length - 1 do
            g[i] <- g[i] + c * w[i] * diff[i]

    m, g

/// The scale τ = 1 / (1 − ⟨∇log M(u), d⟩) of the deflated Newton step d (1 without deflation, or when the
/// denominator vanishes).
let private stepScale (options: NewtonOptions) (known: float[] list) (w: float[]) (u: float[]) (d: float[]) =
    if known.IsEmpty then
        1.0
    else
        let _, g = deflation options known w u
        let gd = Array.fold2 (fun s a b -> s + a * b) 0.0 g d
        let denom = 1.0 - gd
        if abs denom < 1e-14 then 1.0 else 1.0 / denom

/// The merit of v: ‖F(v)‖, multiplied by the deflation factor when deflating.
let private merit (options: NewtonOptions) (known: float[] list) (w: float[]) (v: float[]) (fv: float[]) =
    if known.IsEmpty then
        norm w fv
    else
        fst (deflation options known w v) * norm w fv

/// Backtracking from u along τ·d: halves α from 1 until the merit decreases enough. The accepted point and its
/// residual (None when α fell below 1e-6), and the residual evaluations spent.
let private backtrack (system: NonlinearSystem) merit (u: float[]) (f: float[]) (d: float[]) (tau: float) =
    let current = merit u f
    let mutable alpha = 1.0
    let mutable accepted = None
    let mutable evals = 0

    while accepted.IsNone && alpha > 1e-6 do
        let trial = Array.init u.Length (fun i -> u[i] + alpha * tau * d[i])
        let ft = system.Residual trial
        evals <- evals + 1

        if
            Array.forall Double.IsFinite ft
            && merit trial ft < (1.0 - 1e-4 * alpha) * current
        then
            accepted <- Some(trial, ft)
        else
            alpha <- alpha / 2.0

    accepted, evals

/// Newton from `guess`, deflating the solutions in `known`. Backtracking halves the step until ‖F‖ (multiplied by
/// the deflation factor when deflating) decreases.
let solve (options: NewtonOptions) (known: float[] list) (system: NonlinearSystem) (guess: float[]) =
    if guess.Length <> system.Size then
        invalidArg
            "guess"
            (sprintf "the initial guess has %d values, the problem %d unknowns" guess.Length system.Size)

    let w = system.Weights
    let mutable u = Array.copy guess
    let mutable f = system.Residual u
    let mutable evals = 1
    let mutable iter = 0
    let mutable fnorm = norm w f
    let mutable failed = false
    let mutable stalled = false

    while not failed
          && not stalled
          && fnorm > options.Tolerance
          && iter < options.MaxIterations do
        iter <- iter + 1
        let solveJ = system.Jacobian u
        let d = solveJ (Array.map (fun x -> -x) f)
        let small = norm w d <= options.StepTolerance * (1.0 + norm w u)
        let tau = stepScale options known w u d
        let accepted, spent = backtrack system (merit options known w) u f d tau
        evals <- evals + spent

        match accepted with
        | Some(trial, ft) ->
            u <- trial
            f <- ft

            if small then
                stalled <- true
        | None -> if small then stalled <- true else failed <- true

        fnorm <- norm w f

    {
        Solution = u
        Converged = fnorm <= options.Tolerance || stalled
        Iterations = iter
        ResidualNorm = fnorm
        Evaluations = evals
    }

/// Deflated continuation from each guess in turn: solve, deflate what was found, solve again from the same guess,
/// until a solve fails (or ends on a known solution, as from a guess that is one) or `maxSolutions` are found. Returns the distinct solutions in the order found and the total cost.
let deflate (options: NewtonOptions) (maxSolutions: int) (system: NonlinearSystem) (guesses: float[] list) =
    let mutable found: float[] list = []
    let mutable evals = 0

    for guess in guesses do
        let mutable go = true

        while go && found.Length < maxSolutions do
            let r = solve options found system guess
            evals <- evals + r.Evaluations

            let seen =
                found
                |> List.exists (fun k ->
                    norm system.Weights (Array.map2 (-) r.Solution k)
                    <= 1e-8 * (1.0 + norm system.Weights k))

            // a guess that is itself a known solution does not move (F = 0 there): not a new solution
            if r.Converged && not seen then
                found <- found @ [ r.Solution ]
            else
                go <- false

    found, evals
