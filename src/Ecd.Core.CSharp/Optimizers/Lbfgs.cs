using System.Numerics;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Optimizers;

/// <summary>Why an L-BFGS run stopped.</summary>
public enum LbfgsExit
{
    /// <summary>Still running.</summary>
    Running,
    /// <summary>max |∇F| fell below <see cref="LbfgsOptions.ToleranceGrad"/>.</summary>
    GradientTolerance,
    /// <summary>The loss change, the step, or the directional derivative fell below <see cref="LbfgsOptions.ToleranceChange"/>.</summary>
    ChangeTolerance,
    /// <summary>Not even −∇F gave a descent direction (a non-finite or inconsistent gradient).</summary>
    NoDescentDirection,
    /// <summary>The line search found no point with sufficient decrease.</summary>
    LineSearchFailed,
}

/// <summary>State of an <see cref="Lbfgs{T}"/> run.</summary>
public sealed class LbfgsState<T> : OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Steps sₖ = θₖ₊₁ − θₖ, oldest first.</summary>
    public List<T[]> S { get; set; } = [];
    /// <summary>Gradient changes yₖ = ∇Fₖ₊₁ − ∇Fₖ, oldest first.</summary>
    public List<T[]> Y { get; set; } = [];
    /// <summary>Whether <see cref="CachedLoss"/> and <see cref="CachedGradient"/> hold F and ∇F at θ (from the last line search).</summary>
    public bool HasCache { get; set; }
    /// <summary>F at θ from the last line search.</summary>
    public double CachedLoss { get; set; }
    /// <summary>∇F at θ from the last line search.</summary>
    public T[] CachedGradient { get; set; } = [];
    /// <summary>Why the run stopped, or <see cref="LbfgsExit.Running"/>.</summary>
    public LbfgsExit Exit { get; set; }
    /// <summary>Total objective evaluations.</summary>
    public long Evaluations { get; set; }
}

/// <summary>L-BFGS with a strong-Wolfe line search (friction baseline, the usual PINN finisher). Reported energy: the loss.</summary>
public sealed class Lbfgs<T> : Optimizer<T, LbfgsState<T>, LbfgsOptions>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates L-BFGS; needs c₁ &lt; c₂ &lt; 1.</summary>
    public Lbfgs(LbfgsOptions options)
        : base(options)
    {
        if (!(options.C2 < 1) || !(options.C1 < options.C2))
            throw new HyperparameterException("c2", options.C2, $"must satisfy c1 = {options.C1} < c2 < 1");
    }

    /// <inheritdoc />
    public override string Name => "lbfgs";

    /// <inheritdoc />
    protected override void InitState(LbfgsState<T> state, ulong seed) { }

    /// <inheritdoc />
    protected override StepReport Diagnose(LbfgsState<T> s, double loss) => FrictionReport.Of(s, loss, s.Gradient);

    /// <inheritdoc />
    protected override StepReport Step(LbfgsState<T> s, IObjective<T> objective)
    {
        var o = Options;
        int evals = 0;
        double f;
        T[] g;
        if (s.HasCache)
        {
            f = s.CachedLoss;
            g = s.CachedGradient;
        }
        else
        {
            f = Evaluate(s, objective);
            evals++;
            if (!IsFinite(f, s.Gradient))
                return StepReport.NonFiniteAt(s.Steps, f);
            g = s.Gradient.ToArray();
        }
        NoteInitialLoss(s, f);
        var report = FrictionReport.Of(s, f, g, evals);
        if (s.Exit != LbfgsExit.Running)
            return Finish(s, report with { Status = StepStatus.Stopped }, evals, moved: false);
        if (Vec.MaxAbs<T>(g) <= o.ToleranceGrad)
            return Stop(s, report, LbfgsExit.GradientTolerance, evals, f, g);

        var d = Direction(s, g);
        double gtd = Vec.Dot<T>(g, d);
        if (!(gtd < 0))
        {
            // The curvature pairs no longer give a descent direction: forget them and use −∇F.
            s.S.Clear();
            s.Y.Clear();
            d = Direction(s, g);
            gtd = Vec.Dot<T>(g, d);
            if (!(gtd < 0))
                return Stop(s, report, LbfgsExit.NoDescentDirection, evals, f, g);
        }
        if (gtd > -o.ToleranceChange)
            return Stop(s, report, LbfgsExit.ChangeTolerance, evals, f, g);

        double t0 = s.S.Count == 0 && s.Steps == 0 ? Math.Min(1.0, 1.0 / L1(g)) * o.Lr : o.Lr;
        var search = new WolfeSearch(this, objective, s.Theta, d, f, gtd);
        var (t, fNew, gNew, ok, used) = search.Run(t0);
        evals += used;
        if (t == 0)
            return Stop(s, report with { Events = StepEvents.LineSearchFailed }, LbfgsExit.LineSearchFailed, evals, f, g);

        var step = new T[d.Length];
        Vec.Axpy<T>(t, d, step);
        var y = gNew.ToArray();
        Vec.Axpy<T>(-1.0, g, y);
        if (Vec.Dot<T>(y, step) > 1e-10)
        {
            if (s.S.Count == o.HistorySize)
            {
                s.S.RemoveAt(0);
                s.Y.RemoveAt(0);
            }
            s.S.Add(step);
            s.Y.Add(y);
        }
        Vec.Axpy<T>(1.0, step, s.Theta);
        s.HasCache = true;
        s.CachedLoss = fNew;
        s.CachedGradient = gNew;
        if (!ok)
            report = report with { Events = StepEvents.LineSearchFailed };
        if (Math.Abs(fNew - f) < o.ToleranceChange || Vec.MaxAbs<T>(step) <= o.ToleranceChange)
            s.Exit = LbfgsExit.ChangeTolerance;
        return Finish(s, report, evals, moved: true);
    }

    private static StepReport Stop(LbfgsState<T> s, StepReport report, LbfgsExit exit, int evals, double f, T[] g)
    {
        s.Exit = exit;
        s.HasCache = true;
        s.CachedLoss = f;
        s.CachedGradient = g;
        return Finish(s, report with { Status = StepStatus.Stopped }, evals, moved: false);
    }

    private static StepReport Finish(LbfgsState<T> s, StepReport report, int evals, bool moved)
    {
        s.Evaluations += evals;
        s.Steps++;
        return report with { Evaluations = evals, Status = moved ? report.Status : StepStatus.Stopped };
    }

    private static double L1(ReadOnlySpan<T> g)
    {
        double s = 0;
        foreach (var x in g)
            s += Math.Abs(double.CreateTruncating(x));
        return s;
    }

    /// <summary>d = −H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I from the newest pair.</summary>
    private static T[] Direction(LbfgsState<T> s, ReadOnlySpan<T> g)
    {
        var q = g.ToArray();
        int m = s.S.Count;
        var alpha = new double[m];
        var rho = new double[m];
        for (int i = m - 1; i >= 0; i--)
        {
            rho[i] = 1.0 / Vec.Dot<T>(s.Y[i], s.S[i]);
            alpha[i] = rho[i] * Vec.Dot<T>(s.S[i], q);
            Vec.Axpy<T>(-alpha[i], s.Y[i], q);
        }
        if (m > 0)
            Vec.Scale<T>(Vec.Dot<T>(s.S[m - 1], s.Y[m - 1]) / Vec.NormSquared<T>(s.Y[m - 1]), q);
        for (int i = 0; i < m; i++)
        {
            double beta = rho[i] * Vec.Dot<T>(s.Y[i], q);
            Vec.Axpy<T>(alpha[i] - beta, s.S[i], q);
        }
        Vec.Scale<T>(-1.0, q);
        return q;
    }

    /// <summary>Strong-Wolfe line search along d from θ (bracketing, then zoom with safeguarded cubic interpolation).</summary>
    private sealed class WolfeSearch(Lbfgs<T> owner, IObjective<T> objective, T[] theta, T[] d, double f0, double dphi0)
    {
        private readonly T[] _trial = new T[theta.Length];
        private readonly T[] _grad = new T[theta.Length];
        private readonly double _dmax = Vec.MaxAbs<T>(d);
        private int _evals;

        private (double F, double Dphi, T[] G) Eval(double t)
        {
            theta.CopyTo(_trial, 0);
            Vec.Axpy<T>(t, d, _trial);
            double f = objective.Evaluate(_trial, _grad);
            _evals++;
            if (!IsFinite(f, _grad))
                return (double.PositiveInfinity, double.NaN, _grad.ToArray());
            return (f, Vec.Dot<T>(_grad, d), _grad.ToArray());
        }

        private bool Armijo(double t, double f) => f <= f0 + owner.Options.C1 * t * dphi0;
        private bool Curvature(double dphi) => Math.Abs(dphi) <= -owner.Options.C2 * dphi0;

        public (double T, double F, T[] G, bool Ok, int Evals) Run(double t)
        {
            int max = owner.Options.MaxLineSearchEvaluations;
            double tPrev = 0, fPrev = f0, dPrev = dphi0;
            T[]? gPrev = null;
            for (int i = 0; _evals < max; i++)
            {
                var (f, dphi, g) = Eval(t);
                if (!Armijo(t, f) || (i > 0 && f >= fPrev))
                    return Zoom(tPrev, fPrev, dPrev, gPrev, t, f, dphi);
                if (Curvature(dphi))
                    return (t, f, g, true, _evals);
                if (dphi >= 0)
                    return Zoom(t, f, dphi, g, tPrev, fPrev, dPrev);
                double next = Cubic(tPrev, fPrev, dPrev, t, f, dphi, t + 0.01 * (t - tPrev), 10 * t);
                tPrev = t;
                fPrev = f;
                dPrev = dphi;
                gPrev = g;
                t = next;
            }
            return gPrev is null ? (0, f0, [], false, _evals) : (tPrev, fPrev, gPrev, false, _evals);
        }

        private (double, double, T[], bool, int) Zoom(double lo, double fLo, double dLo, T[]? gLo, double hi, double fHi, double dHi)
        {
            int max = owner.Options.MaxLineSearchEvaluations;
            while (_evals < max && Math.Abs(hi - lo) * _dmax >= owner.Options.ToleranceChange)
            {
                double a = Math.Min(lo, hi), b = Math.Max(lo, hi), w = b - a;
                double t = double.IsFinite(fHi) && double.IsFinite(dHi)
                    ? Cubic(lo, fLo, dLo, hi, fHi, dHi, a + 0.1 * w, b - 0.1 * w)
                    : 0.5 * (lo + hi);
                var (f, dphi, g) = Eval(t);
                if (!Armijo(t, f) || f >= fLo)
                {
                    hi = t;
                    fHi = f;
                    dHi = dphi;
                }
                else
                {
                    if (Curvature(dphi))
                        return (t, f, g, true, _evals);
                    if (dphi * (hi - lo) >= 0)
                    {
                        hi = lo;
                        fHi = fLo;
                        dHi = dLo;
                    }
                    lo = t;
                    fLo = f;
                    dLo = dphi;
                    gLo = g;
                }
            }
            return gLo is null || lo == 0 ? (0, f0, [], false, _evals) : (lo, fLo, gLo, false, _evals);
        }

        /// <summary>Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to [lo, hi]; bisection if it has none.</summary>
        private static double Cubic(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi)
        {
            if (lo > hi)
                (lo, hi) = (hi, lo);
            double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
            double disc = d1 * d1 - g1 * g2;
            if (disc >= 0 && double.IsFinite(disc))
            {
                double d2 = Math.Sign(x2 - x1) * Math.Sqrt(disc);
                double t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2));
                if (double.IsFinite(t))
                    return Math.Clamp(t, lo, hi);
            }
            return 0.5 * (lo + hi);
        }
    }
}
