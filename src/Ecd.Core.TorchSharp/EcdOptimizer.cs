using System.Text.Json;
using Ecd.Core.Optimizers;
using Ecd.Core.Randomness;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// Common machinery of the ECD optimizers in torch.optim form: parameter groups, <c>step(closure)</c>,
/// <c>zero_grad()</c>, <c>state_dict()</c> / <c>load_state_dict()</c>, per-step diagnostics.
/// <para>
/// The optimizer sees all its parameters as one flat vector θ (groups in order, parameters in order, elements in
/// row-major order), exactly as the flat-vector core (<see cref="Optimizers.IOptimizer{T}"/>) sees θ, and each step
/// performs the same floating-point operations in the same order as the core: with the same loss and gradients, the
/// trajectory (bounces included, drawn from the same seeded <see cref="Xoshiro256"/>) is the same on the CPU.
/// A parameter whose <c>grad</c> is null has a zero gradient (its momentum still moves it).
/// </para>
/// </summary>
public abstract class EcdOptimizer : torch.optim.Optimizer
{
    private protected EcdOptimizer(IEnumerable<EcdParamGroup> groups, double lr, double weightDecay)
        : base(IntPtr.Zero)
    {
        Set = new ParameterSet(groups, lr, weightDecay);
        _parameter_groups = Set.Groups.Cast<ParamGroup>().ToList();
    }

    private protected ParameterSet Set { get; }

    /// <summary>Short name: bbi, ecdsep, gdm (as in the core).</summary>
    public abstract string Name { get; }

    /// <summary>Number of completed steps (steps that found a non-finite value do not count).</summary>
    public long Steps { get; private protected set; }

    /// <summary>The loss at the first step.</summary>
    public double InitialLoss { get; private protected set; } = double.NaN;

    /// <summary>The diagnostics of the last <c>step</c> (default before the first).</summary>
    public StepReport LastReport { get; private set; }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<EcdParamGroup> param_groups => Set.Groups;

    /// <summary>All parameters, in the optimizer's flat order.</summary>
    public override IEnumerable<Parameter> parameters() => Set.Params;

    /// <summary>Not supported: the Hamiltonian is defined over all parameters from the first step on.</summary>
    public override void add_param_group(ParamGroup param_group) =>
        throw new NotSupportedException("ECD optimizers conserve one energy over all parameters: create the optimizer with all its parameter groups");

    /// <summary>Sets the gradients of all parameters to zero (as torch.optim with set_to_none=false).</summary>
    public override void zero_grad()
    {
        using var scope = NewDisposeScope();
        foreach (var p in Set.Params)
            p.grad?.zero_();
    }

    /// <summary>
    /// One step: calls <paramref name="closure"/> (which must clear the gradients, compute the loss and call
    /// backward), then updates the parameters in place. Returns the closure's loss; the diagnostics are in
    /// <see cref="LastReport"/>. The closure runs inside a dispose scope: every tensor it creates (activations,
    /// intermediate results) is disposed when the step ends, except the returned loss, which moves to the caller's
    /// scope. Keep nothing else the closure creates.
    /// </summary>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        var (report, loss) = Advance(closure, keepLoss: true);
        LastReport = report;
        return loss!;
    }

    /// <summary>Like <c>step</c>, returning the step's diagnostics; the loss is disposed with the closure's other tensors.</summary>
    public StepReport Step(Func<Tensor>? closure)
    {
        var (report, _) = Advance(closure, keepLoss: false);
        LastReport = report;
        return report;
    }

    /// <summary>Evaluates the closure at the current parameters and reports the diagnostics, without changing the state.</summary>
    public StepReport Measure(Func<Tensor> closure)
    {
        var (value, _) = Evaluate(closure, keepLoss: false);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = Gradients(out bool finite);
        if (!double.IsFinite(value) || !finite)
            return StepReport.NonFiniteAt(Steps, value);
        return Diagnose(value, g);
    }

    /// <summary>Whether a step needs the loss value (and so a closure).</summary>
    private protected virtual bool NeedsLoss => true;

    private (StepReport, Tensor?) Advance(Func<Tensor>? closure, bool keepLoss)
    {
        bool withoutLoss = closure is null && !NeedsLoss;
        var (value, loss) = withoutLoss ? (double.NaN, null) : Evaluate(closure, keepLoss);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = Gradients(out bool finite);
        if (!(double.IsFinite(value) || withoutLoss) || !finite)
            return (StepReport.NonFiniteAt(Steps, value), loss);
        if (double.IsNaN(InitialLoss))
            InitialLoss = value;
        return (Update(value, g), loss);
    }

    private (double, Tensor?) Evaluate(Func<Tensor>? closure, bool keepLoss)
    {
        if (closure is null)
            throw new ArgumentNullException(nameof(closure),
                $"{Name} needs the loss value: call step(closure) with a closure that clears the gradients, computes the loss and calls backward()");
        using var scope = NewDisposeScope();
        Tensor loss;
        using (enable_grad())
            loss = closure() ?? throw new InvalidOperationException("the closure returned null instead of the loss");
        if (loss.numel() != 1)
            throw new InvalidOperationException($"the closure must return a scalar loss; it returned shape [{string.Join(", ", loss.shape)}]");
        double value = ParameterSet.Item<double>(loss.detach().to(ScalarType.Float64));
        if (keepLoss)
            loss.MoveToOuterDisposeScope();
        return (value, keepLoss ? loss : null);
    }

    /// <summary>∇F per parameter (a copy, so weight decay does not change <c>p.grad</c>); null grads are zeros.</summary>
    private Tensor[] Gradients(out bool finite)
    {
        var g = new Tensor[Set.Params.Length];
        for (int i = 0; i < g.Length; i++)
        {
            var p = Set.Params[i];
            var grad = p.grad;
            if (grad is null)
                g[i] = zeros_like(p);
            else if (!grad.shape.SequenceEqual(p.shape))
                throw new InvalidOperationException($"parameter {i}: gradient shape [{string.Join(", ", grad.shape)}] differs from the parameter's [{string.Join(", ", p.shape)}]");
            else
                g[i] = grad.detach().clone();
        }
        finite = ParameterSet.AllFinite(g);
        return g;
    }

    /// <summary>One step with the finite loss and gradients (inside a dispose scope and no_grad).</summary>
    private protected abstract StepReport Update(double loss, Tensor[] gradient);

    /// <summary>Diagnostics without changing the state.</summary>
    private protected abstract StepReport Diagnose(double loss, Tensor[] gradient);

    /// <summary>Adds wd·θ to each gradient (per group) and returns Σ ½·wd·|θ|² added to the loss, in the core's order.</summary>
    private protected double AddWeightDecay(Tensor[] g, double loss)
    {
        for (int gi = 0; gi < Set.Groups.Length; gi++)
        {
            double wd = Set.Groups[gi].Options.WeightDecay ?? 0.0;
            if (wd == 0)
                continue;
            int group = gi;
            loss += 0.5 * wd * ParameterSet.NormSquared(Set.Params, i => Set.GroupOf[i] == group);
            for (int i = 0; i < g.Length; i++)
                if (Set.GroupOf[i] == group)
                    AddInPlace(g[i], Times(Set.Params[i].detach(), wd));
        }
        return loss;
    }

    /// <summary>Does any group have weight decay?</summary>
    private protected bool HasWeightDecay => Set.Groups.Any(g => (g.Options.WeightDecay ?? 0.0) != 0);

    // Every scalar operand goes through an explicitly disposed Scalar. TorchSharp's implicit double → Scalar
    // conversion makes a native object that no dispose scope frees; left to the finalizer, such small objects sit
    // between the large activation buffers in the native heap and resident memory grew by megabytes per step
    // (see docs/torchsharp.md, Memory).

    /// <summary>α·x as a new tensor (α rounded to x's dtype).</summary>
    private protected static Tensor Times(Tensor x, double alpha)
    {
        using var a = alpha.ToScalar();
        return x.mul(a);
    }

    /// <summary>x ← α·x in place.</summary>
    private protected static void Scale(Tensor x, double alpha)
    {
        using var a = alpha.ToScalar();
        x.mul_(a);
    }

    /// <summary>
    /// y ← y + x. TorchSharp's <c>add_(Tensor)</c> passes alpha = 1 through an implicit, never disposed Scalar; this
    /// passes a disposed one (alpha = 1 makes the sum exactly y + x, as in the core).
    /// </summary>
    private protected static Tensor AddInPlace(Tensor y, Tensor x)
    {
        using var one = 1.0.ToScalar();
        return y.add_(x, one);
    }

    /// <summary>y + x as a new tensor (see <see cref="AddInPlace"/>).</summary>
    private protected static Tensor Plus(Tensor y, Tensor x)
    {
        using var one = 1.0.ToScalar();
        return y.add(x, one);
    }

    /// <summary>y ← y + α·x as the core's <c>Vec.Axpy</c> (α rounded to the tensor's dtype, product then sum).</summary>
    private protected static void Axpy(double alpha, Tensor x, Tensor y) => AddInPlace(y, Times(x, alpha));

    /// <summary>y ← β·y + α·x as the core's <c>Vec.Axpby</c>.</summary>
    private protected static void Axpby(double alpha, Tensor x, double beta, Tensor y)
    {
        if (beta != 1.0)
            Scale(y, beta);
        AddInPlace(y, Times(x, alpha));
    }

    /// <summary>A persistent copy of <paramref name="t"/> that survives the step's dispose scope.</summary>
    private protected static Tensor Keep(Tensor t) => t.DetachFromDisposeScope();

    /// <summary>Draws a bounce direction like the core's <c>Bbi.Bounce</c>: uniform in [−½, ½] per element, rescaled to |π|² = p2.</summary>
    private protected void Bounce(Tensor[] pi, double p2, Xoshiro256 rng)
    {
        var draws = new double[Set.Count];
        for (long i = 0; i < draws.LongLength; i++)
            draws[i] = rng.NextDouble() - 0.5;
        var fresh = Set.FromHost(draws);
        for (int i = 0; i < pi.Length; i++)
            pi[i].copy_(fresh[i]);
        double n2 = ParameterSet.NormSquared(pi);
        double scale = n2 > 0 ? Math.Sqrt(p2 / n2) : 0.0;
        foreach (var t in pi)
            Scale(t, scale);
    }

    // ----- state dict -----

    /// <summary>A deep copy of the optimizer's state (see <see cref="EcdStateDict"/>).</summary>
    public EcdStateDict state_dict()
    {
        var sd = new EcdStateDict(Name) { Options = JsonSerializer.Serialize(OptionsObject, OptionsObject.GetType()) };
        sd.Integers["steps"] = Steps;
        sd.Scalars["initialLoss"] = InitialLoss;
        foreach (var g in Set.Groups)
            sd.Groups.Add(new EcdGroupState(g.LearningRate, g.InitialLearningRate, g.Options.WeightDecay ?? 0.0));
        var tensors = StateTensors();
        for (int i = 0; i < Set.Params.Length; i++)
            sd.Tensors.Add(tensors is null ? null : tensors[i].detach().clone().DetachFromDisposeScope());
        WriteState(sd);
        return sd;
    }

    /// <summary>Restores a state from <see cref="state_dict"/> (of an optimizer of the same kind over parameters of the same shapes).</summary>
    public void load_state_dict(EcdStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.Optimizer != Name)
            throw new InvalidDataException($"the state belongs to a {stateDict.Optimizer} optimizer; this one is {Name}");
        if (stateDict.Groups.Count != Set.Groups.Length)
            throw new InvalidDataException($"the state has {stateDict.Groups.Count} parameter groups; this optimizer has {Set.Groups.Length}");
        if (stateDict.Tensors.Count != Set.Params.Length)
            throw new InvalidDataException($"the state has {stateDict.Tensors.Count} parameters; this optimizer has {Set.Params.Length}");
        bool any = stateDict.Tensors.Any(t => t is not null);
        if (any && stateDict.Tensors.Any(t => t is null))
            throw new InvalidDataException("the state has momenta for some parameters only");
        for (int i = 0; i < Set.Params.Length; i++)
        {
            var t = stateDict.Tensors[i];
            var p = Set.Params[i];
            if (t is not null && (!t.shape.SequenceEqual(p.shape) || t.dtype != p.dtype))
                throw new InvalidDataException(
                    $"parameter {i}: the state holds {t.dtype} [{string.Join(", ", t.shape)}], the parameter is {p.dtype} [{string.Join(", ", p.shape)}]");
        }
        Steps = Get(stateDict.Integers, "steps");
        InitialLoss = Get(stateDict.Scalars, "initialLoss");
        for (int gi = 0; gi < Set.Groups.Length; gi++)
        {
            var g = Set.Groups[gi];
            var s = stateDict.Groups[gi];
            g.Options.LearningRate = Guard.Positive(s.LearningRate, "lr");
            g.Options.InitialLearningRate = s.InitialLearningRate;
            g.Options.WeightDecay = Guard.NonNegative(s.WeightDecay, "weightDecay");
        }
        Tensor[]? tensors = null;
        if (any)
        {
            tensors = new Tensor[Set.Params.Length];
            for (int i = 0; i < tensors.Length; i++)
                tensors[i] = stateDict.Tensors[i]!.to(Set.Params[i].device, copy: true).DetachFromDisposeScope();
        }
        SetStateTensors(tensors);
        ReadState(stateDict);
    }

    /// <summary>Writes <see cref="state_dict"/> to a stream.</summary>
    public void save_state_dict(Stream stream)
    {
        using var sd = state_dict();
        sd.Save(stream);
    }

    /// <summary>Writes <see cref="state_dict"/> to a file (written to a temporary file, then moved).</summary>
    public void save_state_dict(string path)
    {
        string tmp = path + ".tmp";
        using (var f = File.Create(tmp))
            save_state_dict(f);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads a state written by <see cref="save_state_dict(Stream)"/>.</summary>
    public void load_state_dict(Stream stream)
    {
        using var sd = EcdStateDict.Load(stream);
        load_state_dict(sd);
    }

    /// <summary>Reads a state written by <see cref="save_state_dict(string)"/>.</summary>
    public void load_state_dict(string path)
    {
        using var f = File.OpenRead(path);
        load_state_dict(f);
    }

    /// <summary>Moves the optimizer's state tensors to <paramref name="device"/> (after moving the module there).</summary>
    public void to(Device device)
    {
        var t = StateTensors();
        if (t is null)
            return;
        var moved = t.Select(x => x.to(device, copy: true).DetachFromDisposeScope()).ToArray();
        SetStateTensors(moved);
    }

    /// <summary>The options record.</summary>
    private protected abstract object OptionsObject { get; }

    /// <summary>The per-parameter state tensors (null before the first step).</summary>
    private protected abstract Tensor[]? StateTensors();

    /// <summary>Replaces the per-parameter state tensors (disposing the old ones).</summary>
    private protected abstract void SetStateTensors(Tensor[]? tensors);

    private protected abstract void WriteState(EcdStateDict sd);

    private protected abstract void ReadState(EcdStateDict sd);

    private protected static void WriteRng(EcdStateDict sd, Xoshiro256 rng)
    {
        sd.Integers["rng.s0"] = unchecked((long)rng.S0);
        sd.Integers["rng.s1"] = unchecked((long)rng.S1);
        sd.Integers["rng.s2"] = unchecked((long)rng.S2);
        sd.Integers["rng.s3"] = unchecked((long)rng.S3);
        sd.Integers["rng.hasSpare"] = rng.HasSpare ? 1 : 0;
        sd.Scalars["rng.spare"] = rng.Spare;
    }

    private protected static Xoshiro256 ReadRng(EcdStateDict sd) => new()
    {
        S0 = unchecked((ulong)Get(sd.Integers, "rng.s0")),
        S1 = unchecked((ulong)Get(sd.Integers, "rng.s1")),
        S2 = unchecked((ulong)Get(sd.Integers, "rng.s2")),
        S3 = unchecked((ulong)Get(sd.Integers, "rng.s3")),
        HasSpare = Get(sd.Integers, "rng.hasSpare") != 0,
        Spare = Get(sd.Scalars, "rng.spare"),
    };

    private protected static TValue Get<TValue>(SortedDictionary<string, TValue> d, string key) =>
        d.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"the optimizer state lacks '{key}'");

    /// <summary>Disposes the state tensors.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            SetStateTensors(null);
        base.Dispose(disposing);
    }
}
