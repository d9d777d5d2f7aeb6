using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ecd.Core.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Optimizers;

/// <summary>
/// Shared machinery of every optimizer: state typing, evaluation with the non-finite guard, and the
/// one serialisation routine (JSON; doubles and floats round-trip exactly).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TState">The optimizer's state type.</typeparam>
/// <typeparam name="TOptions">The optimizer's hyperparameter record.</typeparam>
public abstract class Optimizer<T, TState, TOptions> : IOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TState : OptimizerState<T>, new()
    where TOptions : notnull
{
    private const string Format = "ecdpde-optimizer-state/1";

    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Creates the optimizer with validated hyperparameters.</summary>
    protected Optimizer(TOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The hyperparameters.</summary>
    public TOptions Options { get; }

    object IOptimizer<T>.Options => Options;

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public OptimizerState<T> Init(ReadOnlySpan<T> theta0, ulong seed)
    {
        if (theta0.Length == 0)
            throw new ArgumentException("the parameter vector θ₀ is empty", nameof(theta0));
        if (!Vec.AllFinite(theta0))
            throw new ArgumentException("the parameter vector θ₀ contains NaN or infinite entries", nameof(theta0));
        var s = new TState { Theta = theta0.ToArray() };
        InitState(s, seed);
        return s;
    }

    /// <inheritdoc />
    public StepReport Step(OptimizerState<T> state, IObjective<T> objective) => Step(Cast(state), objective);

    /// <inheritdoc />
    public StepReport Measure(OptimizerState<T> state, IObjective<T> objective)
    {
        var s = Cast(state);
        double loss = Evaluate(s, objective);
        if (!IsFinite(loss, s.Gradient))
            return StepReport.NonFiniteAt(s.Steps, loss);
        return Diagnose(s, loss);
    }

    /// <summary>Fills a new state's optimizer-specific fields.</summary>
    protected abstract void InitState(TState state, ulong seed);

    /// <summary>One step on a typed state.</summary>
    protected abstract StepReport Step(TState state, IObjective<T> objective);

    /// <summary>Diagnostics at the state's θ given the loss there and ∇F in <c>state.Gradient</c>; must not change the state.</summary>
    protected abstract StepReport Diagnose(TState state, double loss);

    /// <summary>Evaluates F and ∇F (into <c>state.Gradient</c>) at the state's θ.</summary>
    protected static double Evaluate(TState state, IObjective<T> objective)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (objective.Dimension != state.Theta.Length)
            throw new ArgumentException(
                $"the objective has dimension {objective.Dimension} but θ has length {state.Theta.Length}", nameof(objective));
        return objective.Evaluate(state.Theta, state.Gradient);
    }

    /// <summary>True when the loss and every gradient entry are finite.</summary>
    protected static bool IsFinite(double loss, ReadOnlySpan<T> gradient) => double.IsFinite(loss) && Vec.AllFinite(gradient);

    /// <summary>Records the first loss seen.</summary>
    protected static void NoteInitialLoss(TState state, double loss)
    {
        if (double.IsNaN(state.InitialLoss))
            state.InitialLoss = loss;
    }

    private TState Cast(OptimizerState<T> state) => state as TState
        ?? throw new ArgumentException(
            $"{Name} cannot step a state of type {state?.GetType().Name ?? "null"}; create it with {Name}.Init", nameof(state));

    /// <summary>"float32" or "float64".</summary>
    public static string Precision => typeof(T) == typeof(float) ? "float32" : typeof(T) == typeof(double) ? "float64" : typeof(T).Name;

    /// <inheritdoc />
    public void Save(OptimizerState<T> state, Stream stream)
    {
        var root = new JsonObject
        {
            ["format"] = Format,
            ["optimizer"] = Name,
            ["precision"] = Precision,
            ["options"] = JsonSerializer.SerializeToNode(Options, Json),
            ["state"] = JsonSerializer.SerializeToNode(Cast(state), Json),
        };
        using var w = new Utf8JsonWriter(stream);
        root.WriteTo(w, Json);
    }

    /// <inheritdoc />
    public OptimizerState<T> Load(Stream stream)
    {
        var root = JsonNode.Parse(stream) as JsonObject
            ?? throw new InvalidDataException("an optimizer state file must hold a JSON object");
        string? format = root["format"]?.GetValue<string>();
        if (format != Format)
            throw new InvalidDataException($"not an EcdPde optimizer state (format '{format}', expected '{Format}')");
        string? name = root["optimizer"]?.GetValue<string>();
        string? precision = root["precision"]?.GetValue<string>();
        if (name != Name || precision != Precision)
            throw new InvalidDataException(
                $"the file holds a {name} state in {precision}; this optimizer is {Name} in {Precision}");
        return root["state"].Deserialize<TState>(Json)
            ?? throw new InvalidDataException("the state object is missing");
    }

    /// <inheritdoc />
    public OptimizerState<T> Copy(OptimizerState<T> state)
    {
        using var ms = new MemoryStream();
        Save(state, ms);
        ms.Position = 0;
        return Load(ms);
    }
}
