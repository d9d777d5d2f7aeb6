namespace Ecd.Core.Optimizers;

/// <summary>A hyperparameter value that the optimizer cannot run with. The message names the parameter and the value.</summary>
public sealed class HyperparameterException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="name"/> = <paramref name="value"/>.</summary>
    public HyperparameterException(string name, object? value, string requirement)
        : base($"hyperparameter {name} = {Format(value)} is invalid: {requirement}", name)
    {
        Name = name;
        Value = value;
    }

    /// <summary>The documented name of the parameter (as used by <c>--set</c>).</summary>
    public string Name { get; }

    /// <summary>The rejected value.</summary>
    public object? Value { get; }

    private static string Format(object? v) => v switch
    {
        null => "null",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}

/// <summary>Validation of hyperparameter values; each check returns the value or throws <see cref="HyperparameterException"/>.</summary>
public static class Guard
{
    /// <summary>Finite and strictly positive.</summary>
    public static double Positive(double v, string name) =>
        double.IsFinite(v) && v > 0 ? v : throw new HyperparameterException(name, v, "must be a finite number > 0");

    /// <summary>Finite and ≥ 0.</summary>
    public static double NonNegative(double v, string name) =>
        double.IsFinite(v) && v >= 0 ? v : throw new HyperparameterException(name, v, "must be a finite number ≥ 0");

    /// <summary>Finite (any sign).</summary>
    public static double Finite(double v, string name) =>
        double.IsFinite(v) ? v : throw new HyperparameterException(name, v, "must be a finite number");

    /// <summary>Finite and ≥ <paramref name="min"/>.</summary>
    public static double AtLeast(double v, double min, string name) =>
        double.IsFinite(v) && v >= min ? v : throw new HyperparameterException(name, v, $"must be a finite number ≥ {min}");

    /// <summary>In the half-open interval [0, 1).</summary>
    public static double UnitInterval(double v, string name) =>
        v >= 0 && v < 1 ? v : throw new HyperparameterException(name, v, "must lie in [0, 1)");

    /// <summary>A count ≥ <paramref name="min"/>.</summary>
    public static long Count(long v, long min, string name) =>
        v >= min ? v : throw new HyperparameterException(name, v, $"must be an integer ≥ {min}");

    /// <summary>A count ≥ <paramref name="min"/>.</summary>
    public static int Count(int v, int min, string name) =>
        v >= min ? v : throw new HyperparameterException(name, v, $"must be an integer ≥ {min}");
}
