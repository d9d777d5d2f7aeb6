using System.Numerics;
using Ecd.Core.Objectives;

namespace Ecd.Core.Tests.Support;

/// <summary>Wraps an objective; returns NaN (loss or one gradient entry) on a chosen evaluation.</summary>
public sealed class FaultyObjective<T>(IObjective<T> inner, int failOnCall, bool nanGradientOnly = false) : IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public int Calls { get; private set; }
    public int Dimension => inner.Dimension;

    public double Evaluate(ReadOnlySpan<T> theta, Span<T> gradient)
    {
        double f = inner.Evaluate(theta, gradient);
        if (Calls++ != failOnCall)
            return f;
        if (nanGradientOnly)
        {
            gradient[0] = T.NaN;
            return f;
        }
        return double.NaN;
    }
}

/// <summary>An objective given by delegates, for hand-built cases.</summary>
public sealed class LambdaObjective(int dimension, Func<double[], double> f, Func<double[], double[]> grad) : IObjective<double>
{
    public int Dimension => dimension;

    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        var x = theta.ToArray();
        grad(x).CopyTo(gradient);
        return f(x);
    }
}

public static class Catalogue
{
    /// <summary>Every optimizer with settings that make it move on a 2-D Rosenbrock/quadratic, and exercise its randomness.</summary>
    public static IEnumerable<object[]> Optimizers() =>
    [
        ["bbi", new[] { "lr=0.01", "threshold0=7", "nFixedBounces=3", "threshold=11", "deltaEn=0.5" }],
        ["ecdsep", new[] { "lr=0.05", "eta=1.5", "nu=0.1", "deltaEn=1", "gamma=0.5" }],
        ["gdm", new[] { "lr=0.001", "momentum=0.9", "nesterov=true", "weightDecay=0.01" }],
        ["adam", new[] { "lr=0.01", "weightDecay=0.001" }],
        ["adamw", new[] { "lr=0.01" }],
        ["lbfgs", new[] { "historySize=5" }],
    ];

    public static IEnumerable<KeyValuePair<string, string>> Pairs(string[] settings) =>
        settings.Select(Ecd.Core.Optimizers.HyperparameterBinder.ParsePair);
}
