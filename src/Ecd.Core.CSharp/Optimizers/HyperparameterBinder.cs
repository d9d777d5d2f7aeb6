using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Ecd.Core.Optimizers;

/// <summary>
/// Builds a hyperparameter record from <c>key=value</c> settings (the command line's <c>--set</c>, study files).
/// Keys are the record's property names, case-insensitive (lr, v0, deltaEn, threshold0, …); numbers are parsed
/// in the invariant culture; every value passes the record's own validation.
/// </summary>
public static class HyperparameterBinder
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["T0"] = "Threshold0",
        ["T1"] = "Threshold",
        ["Nb"] = "NFixedBounces",
        ["wd"] = "WeightDecay",
    };

    /// <summary>The documented keys of <typeparamref name="TOptions"/> (camelCase, or as given by <see cref="HyperparameterKeyAttribute"/>).</summary>
    public static IReadOnlyList<string> Keys<TOptions>() =>
        Settable(typeof(TOptions)).Select(Key).ToList();

    /// <summary>Binds <paramref name="settings"/> onto a fresh <typeparamref name="TOptions"/> with its defaults.</summary>
    /// <exception cref="HyperparameterException">Unknown key, unparsable or invalid value, or a required key missing.</exception>
    public static TOptions Bind<TOptions>(IEnumerable<KeyValuePair<string, string>> settings)
        where TOptions : class
    {
        var type = typeof(TOptions);
        var options = (TOptions)Activator.CreateInstance(type)!;
        var props = Settable(type).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (rawKey, raw) in settings)
        {
            string key = Aliases.TryGetValue(rawKey.Trim(), out var alias) ? alias : rawKey.Trim();
            if (!props.TryGetValue(key, out var prop))
                throw new HyperparameterException(rawKey, raw,
                    $"is not a hyperparameter of this optimizer; known: {string.Join(", ", Keys<TOptions>())}");
            object value = Parse(prop.PropertyType, Key(prop), raw);
            try
            {
                prop.SetValue(options, value);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
            seen.Add(prop.Name);
        }
        foreach (var p in props.Values)
            if (p.GetCustomAttribute<RequiredMemberAttribute>() is not null && !seen.Contains(p.Name))
                throw new HyperparameterException(Key(p), null, "is required (set it with --set " + Key(p) + "=VALUE)");
        return options;
    }

    /// <summary>Parses "key=value" into a pair.</summary>
    public static KeyValuePair<string, string> ParsePair(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
            throw new ArgumentException($"'{text}' is not of the form key=value");
        return new(text[..eq].Trim(), text[(eq + 1)..].Trim());
    }

    private static IEnumerable<PropertyInfo> Settable(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract");

    private static string Key(PropertyInfo p) =>
        p.GetCustomAttribute<HyperparameterKeyAttribute>()?.Key
        ?? (p.Name.Length > 1 && char.IsUpper(p.Name[1]) ? p.Name : char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);

    private static object Parse(Type type, string name, string raw)
    {
        var inv = CultureInfo.InvariantCulture;
        if (type == typeof(double))
            return double.TryParse(raw, NumberStyles.Float, inv, out var d)
                ? d : throw new HyperparameterException(name, raw, "is not a number");
        if (type == typeof(bool))
            return raw.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "on" => true,
                "false" or "0" or "no" or "off" => false,
                _ => throw new HyperparameterException(name, raw, "is not a boolean (true/false)"),
            };
        if (type == typeof(long) || type == typeof(int))
        {
            if (!double.TryParse(raw, NumberStyles.Float, inv, out var d) || double.IsNaN(d) || d != Math.Floor(d))
                throw new HyperparameterException(name, raw, "is not an integer");
            double max = type == typeof(long) ? long.MaxValue : int.MaxValue;
            // Counts beyond the type's range mean "never" (the authors disable bounces with 1e20, 1e25).
            double clamped = Math.Min(d, max);
            return type == typeof(long) ? (object)(d >= max ? long.MaxValue : (long)clamped) : (d >= max ? int.MaxValue : (int)clamped);
        }
        throw new InvalidOperationException($"hyperparameter {name} has unsupported type {type.Name}");
    }
}

/// <summary>The documented key of a hyperparameter whose name is not the camelCase of its property (e.g. F0).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HyperparameterKeyAttribute(string key) : Attribute
{
    /// <summary>The key.</summary>
    public string Key { get; } = key;
}
