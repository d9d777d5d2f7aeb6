using Ecd.Core.Optimizers;
using Ecd.Core.TorchSharp.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp.Tests;

/// <summary>The TorchSharp optimizers reject exactly what the core rejects, with the same exception and message.</summary>
public class ValidationTests
{
    private static Parameter[] Params() => [new Parameter(tensor(new double[] { 1, 2, 3 }))];

    private static void SameError(Action core, Action torch, bool sameParameterName = true)
    {
        var expected = Assert.ThrowsAny<Exception>(core);
        var actual = Assert.ThrowsAny<Exception>(torch);
        Assert.Equal(expected.GetType(), actual.GetType());
        if (sameParameterName)
            Assert.Equal(expected.Message, actual.Message);
        else
        {
            // The core's Init names its argument theta0; the constructors name theirs parameters.
            Assert.Equal("theta0", ((ArgumentException)expected).ParamName);
            Assert.Equal("parameters", ((ArgumentException)actual).ParamName);
            Assert.Equal(expected.Message.Replace("'theta0'", "'parameters'"), actual.Message);
        }
    }

    [Fact]
    public void Constructor_rules_are_the_cores()
    {
        var ecd = new EcdSepOptions { Lr = 0.1, Eta = 1, S = 0, DeltaEn = 0 };
        SameError(() => _ = new EcdSep<double>(ecd), () => _ = new EcdSep(Params(), ecd));
        var gdm = new GdmOptions { Lr = 0.1, Momentum = 0, Nesterov = true };
        SameError(() => _ = new Gdm<double>(gdm), () => _ = new Gdm(Params(), gdm));
        var gdm2 = new GdmOptions { Lr = 0.1, Momentum = 0.5, Dampening = 0.1, Nesterov = true };
        SameError(() => _ = new Gdm<double>(gdm2), () => _ = new Gdm(Params(), gdm2));
        SameError(() => _ = new Bbi<double>(null!), () => _ = new Bbi(Params(), null!));
    }

    [Fact]
    public void Records_validate_as_in_the_core()
    {
        // The TorchSharp optimizers take the core's records: the same keys and messages by construction.
        var e = Assert.Throws<HyperparameterException>(() => new BbiOptions { Lr = -1 });
        Assert.Equal("lr", e.Name);
        Assert.Throws<HyperparameterException>(() => new EcdSepOptions { Lr = 1, Eta = 0.5 });
        var bound = HyperparameterBinder.Bind<BbiOptions>([new("lr", "0.1"), new("T0", "50")]);
        using var opt = new Bbi(Params(), bound);
        Assert.Equal(50, opt.Options.Threshold0);
    }

    [Fact]
    public void Group_hyperparameters_use_the_cores_names_and_messages()
    {
        var opts = new BbiOptions { Lr = 0.1 };
        SameError(() => _ = new BbiOptions { Lr = -2 }, () => _ = new Bbi([new EcdParamGroup(Params(), lr: -2)], opts));
        SameError(() => _ = new BbiOptions { Lr = 1, WeightDecay = double.NaN },
            () => _ = new Bbi([new EcdParamGroup(Params(), weightDecay: double.NaN)], opts));
    }

    [Fact]
    public void Parameter_vector_rules_are_the_cores()
    {
        var core = new Bbi<double>(new BbiOptions { Lr = 0.1 });
        SameError(() => core.Init([], 0), () => _ = new Bbi(Array.Empty<Parameter>(), core.Options), sameParameterName: false);
        SameError(() => core.Init([1, double.NaN], 0),
            () => _ = new Bbi([new Parameter(tensor(new double[] { 1, double.NaN }))], core.Options), sameParameterName: false);
    }

    [Fact]
    public void Energy_optimizers_need_a_closure_gdm_does_not()
    {
        using var bbi = new Bbi(Params(), new BbiOptions { Lr = 0.1 });
        var e = Assert.Throws<ArgumentNullException>(() => bbi.step());
        Assert.Contains("closure", e.Message);

        var p = Params();
        using var gdm = new Gdm(p, new GdmOptions { Lr = 0.1, Momentum = 0 });
        ((p[0] * p[0]).sum()).backward();
        gdm.step();
        Assert.Equal(new double[] { 0.8, 1.6, 2.4 }, p[0].data<double>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal(1, gdm.Steps);
    }

    [Fact]
    public void Non_finite_loss_leaves_the_state_untouched()
    {
        var p = Params();
        using var bbi = new Bbi(p, new BbiOptions { Lr = 0.1 });
        var report = bbi.Step(() => { bbi.zero_grad(); var l = (p[0] * p[0]).sum() * double.NaN; l.backward(); return l; });
        Assert.Equal(StepStatus.NonFinite, report.Status);
        Assert.Equal(0, bbi.Steps);
        Assert.Equal(new double[] { 1, 2, 3 }, p[0].data<double>().ToArray());
    }

    [Fact]
    public void Add_param_group_is_refused()
    {
        using var bbi = new Bbi(Params(), new BbiOptions { Lr = 0.1 });
        Assert.Throws<NotSupportedException>(() => bbi.add_param_group(new EcdParamGroup(Params())));
    }
}

/// <summary>Construction by name, as a command line does it.</summary>
public class ByNameTests
{
    [Fact]
    public void Create_by_name_with_bound_options()
    {
        var ps = new[] { new Parameter(tensor(new double[] { 1, 2 })) };
        var options = HyperparameterBinder.Bind<EcdSepOptions>([new("lr", "0.1"), new("eta", "2"), new("gamma", "0.5")]);
        using var opt = TorchOptimizers.Create("ECDSep", options, ps, 3);
        Assert.IsType<EcdSep>(opt);
        Assert.Equal("ecdsep", opt.Name);
        Assert.Equal(typeof(GdmOptions), TorchOptimizers.OptionsType("gdm"));
        var e = Assert.Throws<ArgumentException>(() => TorchOptimizers.Create("adam", options, ps));
        Assert.Contains("bbi, ecdsep, gdm", e.Message);
        e = Assert.Throws<ArgumentException>(() => TorchOptimizers.Create("bbi", options, ps));
        Assert.Contains("BbiOptions", e.Message);
    }

    [Fact]
    public void Core_objective_closure_checks_the_vector()
    {
        var f = new Ecd.Core.Objectives.Zakharov<double>(3);
        Assert.Throws<ArgumentException>(() => TorchOptimizers.Closure<double>(f, new Parameter(tensor(new double[] { 1, 2 }))));
        Assert.Throws<ArgumentException>(() => TorchOptimizers.Closure<float>(new Ecd.Core.Objectives.Zakharov<float>(2),
            new Parameter(tensor(new double[] { 1, 2 }))));
        var p = new Parameter(tensor(new double[] { 1, 2, 3 }));
        var closure = TorchOptimizers.Closure<double>(f, p);
        var g = new double[3];
        double expected = f.Evaluate(new double[] { 1, 2, 3 }, g);
        Assert.Equal(expected, closure().item<double>());
        Assert.Equal(g, p.grad!.data<double>().ToArray());
    }
}
