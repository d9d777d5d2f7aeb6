using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ecd.Core.Optimizers;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// The checkpoint file of a TorchSharp-backed core optimizer (<see cref="TorchOptimizerRun{T}"/>,
/// <see cref="TorchOptim{T}"/>): one JSON object with its format tag, the optimizer's name, the precision, the options
/// record and the state, each checked on reading.
/// </summary>
internal static class OptimizerStateFile
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>float32 or float64, the precision of θ.</summary>
    internal static string Precision<T>()
        where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float) ? "float32" : "float64";

    /// <summary>Writes the state of optimizer <paramref name="name"/> with its options.</summary>
    internal static void Write<T>(Stream stream, string format, string name, object options, OptimizerState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var root = new JsonObject
        {
            ["format"] = format,
            ["optimizer"] = name,
            ["precision"] = Precision<T>(),
            ["options"] = JsonSerializer.SerializeToNode(options, options.GetType(), Json),
            ["state"] = JsonSerializer.SerializeToNode(state, state.GetType(), Json),
        };
        using var w = new Utf8JsonWriter(stream);
        root.WriteTo(w, Json);
    }

    /// <summary>Reads a state written by <see cref="Write{T}"/> for optimizer <paramref name="name"/>; <paramref name="what"/>
    /// names the kind of file in the error when the format differs.</summary>
    internal static TState Read<T, TState>(Stream stream, string format, string what, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TState : OptimizerState<T>
    {
        var root = JsonNode.Parse(stream) as JsonObject
            ?? throw new InvalidDataException("an optimizer state file must hold a JSON object");
        string? found = root["format"]?.GetValue<string>();
        if (found != format)
            throw new InvalidDataException($"not a {what} (format '{found}', expected '{format}')");
        string? optimizer = root["optimizer"]?.GetValue<string>();
        string? precision = root["precision"]?.GetValue<string>();
        if (optimizer != name || precision != Precision<T>())
            throw new InvalidDataException(
                $"the file holds a {optimizer} state in {precision}; this optimizer is {name} in {Precision<T>()}");
        return root["state"].Deserialize<TState>(Json) ?? throw new InvalidDataException("the state object is missing");
    }

    /// <summary>A deep copy of a state through its file.</summary>
    internal static OptimizerState<T> Copy<T>(IOptimizer<T> optimizer, OptimizerState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var ms = new MemoryStream();
        optimizer.Save(state, ms);
        ms.Position = 0;
        return optimizer.Load(ms);
    }
}
