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
/// The state of a <see cref="TorchOptimizerRun{T}"/>: θ on the host (what the run loop traces and checks), and the
/// TorchSharp optimizer with its one parameter tensor. Saved as θ, the counters and the optimizer's binary
/// state_dict (<c>ecdpde-torch-optimizer-state/1</c>, base64), so a resumed run continues bit-identically.
/// </summary>
public sealed class TorchOptimizerState<T> : OptimizerState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The optimizer's state_dict as written by <see cref="EcdOptimizer.save_state_dict(Stream)"/>, base64.</summary>
    public string TorchState { get; set; } = "";

    /// <summary>θ as a parameter tensor (1-d).</summary>
    [JsonIgnore]
    public Parameter? Parameter { get; internal set; }

    /// <summary>The TorchSharp optimizer over <see cref="Parameter"/>.</summary>
    [JsonIgnore]
    public EcdOptimizer? Optimizer { get; internal set; }
}

/// <summary>
/// A TorchSharp optimizer (<see cref="Bbi"/>, <see cref="EcdSep"/>, <see cref="Gdm"/>) as a core
/// <see cref="IOptimizer{T}"/> over a flat objective: each step runs the TorchSharp optimizer on one parameter
/// tensor θ with the closure of <see cref="TorchOptimizers.Closure{T}"/> (the objective evaluated on the host, ∇F
/// written into θ.grad). With it the core's run loop — traces, checkpoints, resume — drives the TorchSharp
/// optimizers (<c>ecdpde optimize --backend torch</c>); the reports are the TorchSharp optimizer's, which equal the
/// core's step for step.
/// </summary>
public sealed class TorchOptimizerRun<T> : IOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string Format = "ecdpde-torch-optimizer-run/1";

    /// <summary>The TorchSharp optimizer <paramref name="name"/> (bbi, ecdsep, gdm) with the core's options record.</summary>
    public TorchOptimizerRun(string name, object options)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name.ToLowerInvariant();
        var type = TorchOptimizers.OptionsType(Name);
        Options = options ?? throw new ArgumentNullException(nameof(options));
        if (!type.IsInstanceOfType(options))
            throw new ArgumentException($"{Name} takes {type.Name}, not {options.GetType().Name}", nameof(options));
    }

    /// <summary>The optimizer <paramref name="name"/> with hyperparameters by their documented keys (the core's binder).</summary>
    public static TorchOptimizerRun<T> Create(string name, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var options = (name ?? "").ToLowerInvariant() switch
        {
            "bbi" => (object)HyperparameterBinder.Bind<BbiOptions>(settings),
            "ecdsep" => HyperparameterBinder.Bind<EcdSepOptions>(settings),
            "gdm" => HyperparameterBinder.Bind<GdmOptions>(settings),
            _ => throw new ArgumentException(
                $"no TorchSharp optimizer '{name}'; available: {string.Join(", ", TorchOptimizers.Names)}", nameof(name)),
        };
        return new TorchOptimizerRun<T>(name!, options);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public object Options { get; }

    private static ScalarType DType => typeof(T) == typeof(double) ? ScalarType.Float64
        : typeof(T) == typeof(float) ? ScalarType.Float32
        : throw new NotSupportedException($"the TorchSharp optimizers run on float and double, not {typeof(T).Name}");

    private static Parameter ParameterOf(T[] theta)
    {
        using var scope = NewDisposeScope();
        var host = theta is double[] d ? tensor(d) : tensor((float[])(object)theta);
        var p = new Parameter(host.to_type(DType), requires_grad: true);
        return (Parameter)p.DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public OptimizerState<T> Init(ReadOnlySpan<T> theta0, ulong seed)
    {
        if (theta0.Length == 0)
            throw new ArgumentException("the parameter vector θ₀ is empty", nameof(theta0));
        if (!Vec.AllFinite(theta0))
            throw new ArgumentException("the parameter vector θ₀ contains NaN or infinite entries", nameof(theta0));
        var state = new TorchOptimizerState<T> { Theta = theta0.ToArray() };
        state.Parameter = ParameterOf(state.Theta);
        state.Optimizer = TorchOptimizers.Create(Name, Options, [state.Parameter], seed);
        return state;
    }

    private TorchOptimizerState<T> Cast(OptimizerState<T> state) =>
        state is TorchOptimizerState<T> { Parameter: not null, Optimizer: not null } s ? s
        : throw new ArgumentException($"the TorchSharp {Name} steps only states made by its Init or Load", nameof(state));

    /// <inheritdoc />
    public StepReport Step(OptimizerState<T> state, IObjective<T> objective)
    {
        var s = Cast(state);
        var report = s.Optimizer!.Step(TorchOptimizers.Closure(objective, s.Parameter!));
        if (report.Status != StepStatus.NonFinite)
        {
            using var scope = NewDisposeScope();
            s.Theta = s.Parameter!.detach().cpu().data<T>().ToArray();
        }
        s.Steps = s.Optimizer.Steps;
        s.InitialLoss = s.Optimizer.InitialLoss;
        return report;
    }

    /// <inheritdoc />
    public StepReport Measure(OptimizerState<T> state, IObjective<T> objective)
    {
        var s = Cast(state);
        return s.Optimizer!.Measure(TorchOptimizers.Closure(objective, s.Parameter!));
    }

    /// <inheritdoc />
    public void Save(OptimizerState<T> state, Stream stream)
    {
        var s = Cast(state);
        using (var bytes = new MemoryStream())
        {
            s.Optimizer!.save_state_dict(bytes);
            s.TorchState = Convert.ToBase64String(bytes.ToArray());
        }
        OptimizerStateFile.Write(stream, Format, Name, Options, s);
    }

    /// <inheritdoc />
    public OptimizerState<T> Load(Stream stream)
    {
        var s = OptimizerStateFile.Read<T, TorchOptimizerState<T>>(stream, Format, "TorchSharp optimizer run state", Name);
        s.Parameter = ParameterOf(s.Theta);
        s.Optimizer = TorchOptimizers.Create(Name, Options, [s.Parameter]);
        using var bytes = new MemoryStream(Convert.FromBase64String(s.TorchState));
        s.Optimizer.load_state_dict(bytes);
        return s;
    }

    /// <inheritdoc />
    public OptimizerState<T> Copy(OptimizerState<T> state) => OptimizerStateFile.Copy(this, state);
}
