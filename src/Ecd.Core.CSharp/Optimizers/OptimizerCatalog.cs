using System.Numerics;

namespace Ecd.Core.Optimizers;

/// <summary>The optimizers addressable by name, built from <c>key=value</c> hyperparameter settings.</summary>
public static class OptimizerCatalog
{
    /// <summary>Known names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["bbi", "ecdsep", "gdm", "adam", "adamw", "lbfgs"];

    /// <summary>The documented hyperparameter keys of the named optimizer.</summary>
    public static IReadOnlyList<string> Keys(string name) => Normalise(name) switch
    {
        "bbi" => HyperparameterBinder.Keys<BbiOptions>(),
        "ecdsep" => HyperparameterBinder.Keys<EcdSepOptions>(),
        "gdm" => HyperparameterBinder.Keys<GdmOptions>(),
        "adam" or "adamw" => HyperparameterBinder.Keys<AdamOptions>(),
        _ => HyperparameterBinder.Keys<LbfgsOptions>(),
    };

    /// <summary>Creates the named optimizer with <paramref name="settings"/> over its defaults.</summary>
    /// <exception cref="ArgumentException">Unknown optimizer name.</exception>
    /// <exception cref="HyperparameterException">A bad or missing hyperparameter.</exception>
    public static IOptimizer<T> Create<T>(string name, IEnumerable<KeyValuePair<string, string>> settings)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var list = settings.ToList();
        return Normalise(name) switch
        {
            "bbi" => new Bbi<T>(HyperparameterBinder.Bind<BbiOptions>(list)),
            "ecdsep" => new EcdSep<T>(HyperparameterBinder.Bind<EcdSepOptions>(list)),
            "gdm" => new Gdm<T>(HyperparameterBinder.Bind<GdmOptions>(list)),
            "adam" => new Adam<T>(HyperparameterBinder.Bind<AdamOptions>(list)),
            "adamw" => new Adam<T>(HyperparameterBinder.Bind<AdamOptions>(
                new KeyValuePair<string, string>[] { new("decoupled", "true"), new("weightDecay", "0.01") }.Concat(list))),
            "lbfgs" => new Lbfgs<T>(HyperparameterBinder.Bind<LbfgsOptions>(list)),
            _ => throw new InvalidOperationException(),
        };
    }

    private static string Normalise(string name)
    {
        string n = name.Trim().ToLowerInvariant().Replace("-", "");
        return Names.Contains(n) ? n : throw new ArgumentException(
            $"Unknown optimizer '{name}'. Known optimizers: {string.Join(", ", Names)}.", nameof(name));
    }
}
