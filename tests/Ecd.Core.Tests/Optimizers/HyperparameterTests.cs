using Ecd.Core.Optimizers;
using Ecd.Core.Tests.Support;

namespace Ecd.Core.Tests.Optimizers;

public class HyperparameterTests
{
    [Theory]
    [InlineData("bbi", "lr", "0")]
    [InlineData("bbi", "lr", "-1e-3")]
    [InlineData("bbi", "lr", "NaN")]
    [InlineData("bbi", "lr", "Infinity")]
    [InlineData("bbi", "deltaEn", "-1")]
    [InlineData("bbi", "v0", "NaN")]
    [InlineData("bbi", "threshold0", "0")]
    [InlineData("bbi", "threshold", "-5")]
    [InlineData("bbi", "nFixedBounces", "-1")]
    [InlineData("bbi", "nFixedBounces", "2.5")]
    [InlineData("bbi", "eps1", "-1e-10")]
    [InlineData("bbi", "eps2", "-1")]
    [InlineData("bbi", "weightDecay", "-0.1")]
    [InlineData("bbi", "consEn", "maybe")]
    [InlineData("ecdsep", "eta", "0.99")]
    [InlineData("ecdsep", "eta", "NaN")]
    [InlineData("ecdsep", "lr", "0")]
    [InlineData("ecdsep", "nu", "-0.1")]
    [InlineData("ecdsep", "gamma", "-1")]
    [InlineData("ecdsep", "s", "-1")]
    [InlineData("ecdsep", "F0", "NaN")]
    [InlineData("ecdsep", "deltaEn", "-2")]
    [InlineData("gdm", "momentum", "1")]
    [InlineData("gdm", "momentum", "-0.1")]
    [InlineData("gdm", "lr", "abc")]
    [InlineData("adam", "beta1", "1")]
    [InlineData("adam", "beta2", "1.5")]
    [InlineData("adam", "eps", "0")]
    [InlineData("lbfgs", "historySize", "0")]
    [InlineData("lbfgs", "maxLineSearchEvaluations", "0")]
    public void Invalid_values_are_rejected_naming_parameter_and_value(string optimizer, string key, string value)
    {
        var required = optimizer switch
        {
            "ecdsep" => new[] { "lr=0.1", "eta=1" },
            "gdm" or "bbi" => new[] { "lr=0.1" },
            _ => Array.Empty<string>(),
        };
        var settings = Catalogue.Pairs(required).Append(new(key, value));
        var e = Assert.Throws<HyperparameterException>(() => OptimizerCatalog.Create<double>(optimizer, settings));
        Assert.Equal(key, e.Name, ignoreCase: true);
        Assert.Contains(key, e.Message, StringComparison.OrdinalIgnoreCase);
        string shown = double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : value;
        Assert.Contains(shown, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("bbi", "lr")]
    [InlineData("ecdsep", "eta")]
    [InlineData("gdm", "lr")]
    public void Missing_required_values_are_named(string optimizer, string key)
    {
        var settings = optimizer == "ecdsep" ? Catalogue.Pairs(["lr=0.1"]) : [];
        var e = Assert.Throws<HyperparameterException>(() => OptimizerCatalog.Create<double>(optimizer, settings));
        Assert.Equal(key, e.Name);
        Assert.Contains("required", e.Message);
    }

    [Fact]
    public void Unknown_keys_and_optimizers_are_rejected_with_the_known_ones_listed()
    {
        var e = Assert.Throws<HyperparameterException>(() =>
            OptimizerCatalog.Create<double>("bbi", Catalogue.Pairs(["lr=0.1", "momentum=0.9"])));
        Assert.Contains("momentum", e.Message);
        Assert.Contains("threshold0", e.Message);
        var u = Assert.Throws<ArgumentException>(() => OptimizerCatalog.Create<double>("sgd", []));
        Assert.Contains("sgd", u.Message);
        Assert.Contains("ecdsep", u.Message);
    }

    [Fact]
    public void Cross_parameter_rules_are_checked()
    {
        Assert.Equal("deltaEn", Assert.Throws<HyperparameterException>(() =>
            OptimizerCatalog.Create<double>("ecdsep", Catalogue.Pairs(["lr=0.1", "eta=1", "s=0"]))).Name);
        Assert.Equal("nesterov", Assert.Throws<HyperparameterException>(() =>
            OptimizerCatalog.Create<double>("gdm", Catalogue.Pairs(["lr=0.1", "momentum=0", "nesterov=true"]))).Name);
        Assert.Equal("c2", Assert.Throws<HyperparameterException>(() =>
            OptimizerCatalog.Create<double>("lbfgs", Catalogue.Pairs(["c1=0.5", "c2=0.4"]))).Name);
    }

    [Fact]
    public void Records_validate_when_built_in_code_too()
    {
        Assert.Throws<HyperparameterException>(() => new BbiOptions { Lr = -1 });
        Assert.Throws<HyperparameterException>(() => new EcdSepOptions { Lr = 1, Eta = 0.5 });
        var ok = new BbiOptions { Lr = 0.1 };
        Assert.Throws<HyperparameterException>(() => ok with { Threshold0 = 0 });
    }

    [Fact]
    public void Documented_names_bind_case_insensitively_with_defaults_kept()
    {
        var o = HyperparameterBinder.Bind<BbiOptions>(Catalogue.Pairs(["LR=0.5", "T0=20", "nb=4", "threshold=1e25"]));
        Assert.Equal(0.5, o.Lr);
        Assert.Equal(20, o.Threshold0);
        Assert.Equal(4, o.NFixedBounces);
        Assert.Equal(long.MaxValue, o.Threshold); // beyond the range of a count means "never"
        Assert.True(o.ConsEn);
        Assert.Equal(1e-10, o.Eps1);
        Assert.Contains("deltaEn", HyperparameterBinder.Keys<BbiOptions>());
        Assert.Contains("F0", HyperparameterBinder.Keys<EcdSepOptions>());
        var w = (AdamOptions)OptimizerCatalog.Create<double>("adamw", []).Options;
        Assert.True(w.Decoupled);
        Assert.Equal(0.01, w.WeightDecay);
    }
}
