using System.Numerics;

namespace Ecd.Core.Objectives;

/// <summary>The synthetic functions addressable by name (command line, studies).</summary>
public static class SyntheticFunctions
{
    /// <summary>Names accepted by <see cref="Create{T}"/>, with a one-line description each.</summary>
    public static IReadOnlyList<(string Name, string Description)> Catalogue { get; } =
    [
        ("ackley", "Ackley, a = 20, b = 0.2, c = 2π (standard)"),
        ("ackley002", "Ackley with b = 0.02 (the BBI paper's variant)"),
        ("zakharov", "Zakharov"),
        ("two-basin", "the BBI paper's two-basin function (dimension 2)"),
        ("rosenbrock", "Rosenbrock (dimension ≥ 2)"),
        ("rastrigin", "Rastrigin"),
        ("quadratic", "½|x|²"),
    ];

    /// <summary>Creates the named function in dimension <paramref name="dimension"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static SyntheticFunction<T> Create<T>(string name, int dimension)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        name.ToLowerInvariant() switch
        {
            "ackley" => new Ackley<T>(dimension),
            "ackley002" or "ackley-b0.02" => new Ackley<T>(dimension, b: 0.02),
            "zakharov" => new Zakharov<T>(dimension),
            "two-basin" or "twobasin" => new TwoBasin<T>(dimension),
            "rosenbrock" => new Rosenbrock<T>(dimension),
            "rastrigin" => new Rastrigin<T>(dimension),
            "quadratic" => new Quadratic<T>(dimension),
            _ => throw new ArgumentException(
                $"Unknown function '{name}'. Known functions: {string.Join(", ", Catalogue.Select(c => c.Name))}."),
        };
}
