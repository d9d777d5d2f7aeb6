using System.Numerics;
using System.Text.Json.Serialization;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;
using Ecd.Core.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// The state of a <see cref="TorchOptim{T}"/> run: θ on the host (what the run loop traces and checks), where the run
/// started, and torch's Adam state (base64 of its binary state_dict). torch's L-BFGS keeps its history inside
/// libtorch, which TorchSharp 0.107 cannot save (its <c>state_dict()</c> throws): a loaded L-BFGS state is replayed
/// from <see cref="Start"/> on its first step, which reproduces the saved θ bit for bit (and is checked).
/// </summary>
public sealed class TorchOptimState<T> : OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>torch.optim.Adam's state_dict as its binary writer writes it, base64 ("" before the first step).</summary>
    public string TorchState { get; set; } = "";

    /// <summary>θ where the run started (torch-lbfgs replays from it).</summary>
    public T[] Start { get; set; } = [];

    /// <summary>The live torch optimizer, once bound to a loss.</summary>
    [JsonIgnore]
    internal torch.optim.Optimizer? Optimizer { get; set; }

    /// <summary>The loss whose tensors <see cref="Optimizer"/> steps.</summary>
    [JsonIgnore]
    internal ITorchLoss<T>? BoundTo { get; set; }
}

/// <summary>
/// torch's own optimizers — <c>torch.optim.Adam</c> (<c>AdamW</c> with decoupled decay) and <c>torch.optim.LBFGS</c>
/// — as a core <see cref="IOptimizer{T}"/> over a TorchSharp loss (<see cref="ITorchLoss{T}"/>): they step the loss's
/// own tensors (the module's parameters), so the core's run loop (traces, checkpoints, resume) trains with them. Names
/// <c>torch-adam</c> (<c>torch-adamw</c>) and <c>torch-lbfgs</c>; hyperparameters are the core's records
/// (<see cref="AdamOptions"/>, <see cref="LbfgsOptions"/>) with the same keys, defaults and errors. One step of
/// torch-lbfgs is one L-BFGS iteration (<c>max_iter</c> = 1) with the fixed step <c>lr</c>: TorchSharp 0.107's
/// L-BFGS has no line search, so the line-search keys of <see cref="LbfgsOptions"/> are refused. A step whose loss or
/// gradient is not finite leaves θ and the optimizer's state untouched (reported NonFinite), as the core's optimizers
/// do; an L-BFGS step that does not move θ (gradient or change tolerance, no descent direction) is reported Stopped.
/// </summary>
public sealed class TorchOptim<T> : IOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string Format = "ecdpde-torch-optim-state/1";

    /// <summary>The names: torch-adam and torch-lbfgs (torch-adamw is torch-adam with <c>decoupled=true</c>).</summary>
    public static IReadOnlyList<string> Names { get; } = ["torch-adam", "torch-lbfgs"];

    /// <summary>torch.optim.Adam (or AdamW) with the core's Adam options.</summary>
    public TorchOptim(AdamOptions options)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Name = options.Decoupled ? "torch-adamw" : "torch-adam";
    }

    /// <summary>torch.optim.LBFGS with the core's L-BFGS options (no line search: its keys must keep their defaults).</summary>
    public TorchOptim(LbfgsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var d = new LbfgsOptions();
        const string noSearch = "the default: torch-lbfgs takes one fixed step of length lr per iteration (TorchSharp 0.107's L-BFGS has no line search)";
        if (options.MaxLineSearchEvaluations != d.MaxLineSearchEvaluations)
            throw new HyperparameterException("maxLineSearchEvaluations", options.MaxLineSearchEvaluations, noSearch);
        if (options.C1 != d.C1)
            throw new HyperparameterException("c1", options.C1, noSearch);
        if (options.C2 != d.C2)
            throw new HyperparameterException("c2", options.C2, noSearch);
        Options = options;
        Name = "torch-lbfgs";
    }

    /// <summary><paramref name="name"/> (torch-adam, torch-adamw, torch-lbfgs) with hyperparameters by their keys.</summary>
    public static TorchOptim<T> Create(string name, IEnumerable<KeyValuePair<string, string>> settings) =>
        (name ?? "").Trim().ToLowerInvariant() switch
        {
            "torch-adam" => new TorchOptim<T>(HyperparameterBinder.Bind<AdamOptions>(settings)),
            "torch-adamw" => new TorchOptim<T>(HyperparameterBinder.Bind<AdamOptions>(settings) with { Decoupled = true }),
            "torch-lbfgs" => new TorchOptim<T>(HyperparameterBinder.Bind<LbfgsOptions>(settings)),
            _ => throw new ArgumentException(
                $"no torch.optim optimizer '{name}'; available: {string.Join(", ", Names)}, torch-adamw", nameof(name)),
        };

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public object Options { get; }

    private bool IsLbfgs => Options is LbfgsOptions;

    /// <inheritdoc />
    public OptimizerState<T> Init(ReadOnlySpan<T> theta0, ulong seed)
    {
        if (theta0.Length == 0)
            throw new ArgumentException("the parameter vector θ₀ is empty", nameof(theta0));
        if (!Vec.AllFinite(theta0))
            throw new ArgumentException("the parameter vector θ₀ contains NaN or infinite entries", nameof(theta0));
        return new TorchOptimState<T> { Theta = theta0.ToArray(), Start = theta0.ToArray() };
    }

    private TorchOptimState<T> Cast(OptimizerState<T> state) =>
        state as TorchOptimState<T>
        ?? throw new ArgumentException($"{Name} steps only states made by its Init or Load", nameof(state));

    private ITorchLoss<T> LossOf(IObjective<T> objective)
    {
        var loss = objective as ITorchLoss<T>
            ?? throw new ArgumentException(
                $"{Name} steps the tensors of a TorchSharp loss (the PDE language on the torch backend, --backend torch); this objective is a {objective?.GetType().Name ?? "null"}",
                nameof(objective));
        if (objective.Dimension != loss.Parameters.Sum(p => (int)p.numel()))
            throw new ArgumentException("the objective's dimension differs from its tensors' size", nameof(objective));
        return loss;
    }

    private torch.optim.Optimizer Create(ITorchLoss<T> loss)
    {
        var ps = loss.Parameters;
        return Options switch
        {
            AdamOptions { Decoupled: true } o => torch.optim.AdamW(ps, lr: o.Lr, beta1: o.Beta1, beta2: o.Beta2, eps: o.Eps,
                weight_decay: o.WeightDecay, amsgrad: false, maximize: false),
            AdamOptions o => torch.optim.Adam(ps, lr: o.Lr, beta1: o.Beta1, beta2: o.Beta2, eps: o.Eps,
                weight_decay: o.WeightDecay, amsgrad: false, maximize: false),
            LbfgsOptions o => torch.optim.LBFGS(ps, lr: o.Lr, max_iter: 1, max_eval: 1, tolerange_grad: o.ToleranceGrad,
                tolerance_change: o.ToleranceChange, history_size: o.HistorySize),
            _ => throw new InvalidOperationException($"{Name}: unexpected options {Options.GetType().Name}"),
        };
    }

    /// <summary>
    /// Makes the state's torch optimizer over <paramref name="loss"/>'s tensors: Adam from its saved state_dict,
    /// L-BFGS by replaying its steps from the start (and checking that they end at the saved θ).
    /// </summary>
    private void Bind(TorchOptimState<T> s, ITorchLoss<T> loss)
    {
        if (s.Optimizer is not null && ReferenceEquals(s.BoundTo, loss))
            return;
        s.Optimizer?.Dispose();
        s.BoundTo = loss;
        if (!IsLbfgs)
        {
            s.Optimizer = Create(loss);
            if (s.TorchState != "")
            {
                using var bytes = new MemoryStream(Convert.FromBase64String(s.TorchState));
                using var reader = new BinaryReader(bytes);
                ((OptimizerHelper)s.Optimizer).load_state_dict(reader);
            }
            return;
        }
        var target = s.Theta;
        long steps = s.Steps;
        s.Theta = s.Start.ToArray();
        s.Steps = 0;
        loss.Write(s.Theta);
        s.Optimizer = Create(loss);
        while (s.Steps < steps)
        {
            var r = StepBound(s, loss);
            if (r.Status == StepStatus.NonFinite)
                break;
        }
        if (s.Steps != steps || !s.Theta.AsSpan().SequenceEqual(target))
            throw new InvalidDataException(
                $"{Name}: replaying {steps} steps from the saved start did not reproduce the saved θ (a different loss or points than when it was saved?)");
    }

    /// <inheritdoc />
    public StepReport Step(OptimizerState<T> state, IObjective<T> objective)
    {
        var s = Cast(state);
        var loss = LossOf(objective);
        Bind(s, loss);
        return StepBound(s, loss);
    }

    /// <summary>One step of the bound optimizer from the state's θ (the loss may have been evaluated elsewhere since).</summary>
    private StepReport StepBound(TorchOptimState<T> s, ITorchLoss<T> loss)
    {
        loss.Write(s.Theta);
        var optimizer = s.Optimizer!;
        double value = double.NaN, gradNormSquared = double.NaN;
        using (var scope = NewDisposeScope())
        using (enable_grad())
        {
            Tensor Closure()
            {
                optimizer.zero_grad();
                var l = loss.Forward();
                l.backward();
                value = ParameterSet.Item<double>(l.detach().to(ScalarType.Float64));
                gradNormSquared = GradientNormSquared(loss.Parameters);
                if (!double.IsFinite(value) || !double.IsFinite(gradNormSquared))
                    ClearGradients(loss.Parameters); // L-BFGS then returns before moving (max |g| = 0 ≤ its tolerance)
                return l;
            }

            if (IsLbfgs)
                optimizer.step(Closure);
            else
            {
                Closure();
                if (double.IsFinite(value) && double.IsFinite(gradNormSquared))
                    optimizer.step();
            }
        }
        if (!double.IsFinite(value) || !double.IsFinite(gradNormSquared))
            return StepReport.NonFiniteAt(s.Steps, value);
        if (double.IsNaN(s.InitialLoss))
            s.InitialLoss = value;
        var before = s.Theta;
        s.Theta = loss.Read();
        var status = IsLbfgs && before.AsSpan().SequenceEqual(s.Theta) ? StepStatus.Stopped : StepStatus.Moved;
        var report = new StepReport(s.Steps, value, value, 0, value, value - s.InitialLoss, 0, Math.Sqrt(gradNormSquared),
            status, StepEvents.None, 1);
        s.Steps++;
        return report;
    }

    /// <summary>|∇F|² over the tensors' gradients in float64, with Adam's L2 term (wd·θ) as the core's Adam reports it.</summary>
    private double GradientNormSquared(IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        double wd = Options is AdamOptions { Decoupled: false } a ? a.WeightDecay : 0.0;
        using var alpha = wd.ToScalar();
        double sum = 0;
        foreach (var p in parameters)
        {
            var g = p.grad;
            if (g is null)
                continue;
            var full = wd == 0 ? g.detach() : g.detach().add(p.detach(), alpha);
            var d = full.to(ScalarType.Float64);
            sum += ParameterSet.Item<double>(d.mul(d).sum());
        }
        return sum;
    }

    private static void ClearGradients(IReadOnlyList<Parameter> parameters)
    {
        using var noGrad = no_grad();
        foreach (var p in parameters)
            p.grad?.zero_();
    }

    /// <inheritdoc />
    public StepReport Measure(OptimizerState<T> state, IObjective<T> objective)
    {
        var s = Cast(state);
        var gradient = new T[s.Theta.Length];
        double loss = objective.Evaluate(s.Theta, gradient);
        if (!double.IsFinite(loss) || !Vec.AllFinite<T>(gradient))
            return StepReport.NonFiniteAt(s.Steps, loss);
        if (Options is AdamOptions { Decoupled: false, WeightDecay: > 0 } a)
            Vec.Axpy<T>(a.WeightDecay, s.Theta, gradient);
        double e0 = double.IsNaN(s.InitialLoss) ? loss : s.InitialLoss;
        return new StepReport(s.Steps, loss, loss, 0, loss, loss - e0, 0, Math.Sqrt(Vec.NormSquared<T>(gradient)),
            StepStatus.Moved, StepEvents.None, 1);
    }

    /// <inheritdoc />
    public void Save(OptimizerState<T> state, Stream stream)
    {
        var s = Cast(state);
        if (s.Optimizer is OptimizerHelper adam)
        {
            using var bytes = new MemoryStream();
            using (var writer = new BinaryWriter(bytes, System.Text.Encoding.UTF8, leaveOpen: true))
                adam.save_state_dict(writer);
            s.TorchState = Convert.ToBase64String(bytes.ToArray());
        }
        OptimizerStateFile.Write(stream, Format, Name, Options, s);
    }

    /// <inheritdoc />
    public OptimizerState<T> Load(Stream stream)
    {
        var s = OptimizerStateFile.Read<T, TorchOptimState<T>>(stream, Format, "torch.optim run state", Name);
        if (s.Start.Length != s.Theta.Length)
            throw new InvalidDataException($"the state's start has {s.Start.Length} entries and its θ {s.Theta.Length}");
        return s;
    }

    /// <inheritdoc />
    public OptimizerState<T> Copy(OptimizerState<T> state) => OptimizerStateFile.Copy(this, state);
}
