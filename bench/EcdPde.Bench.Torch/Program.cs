// One PINN training step on TorchSharp / libtorch 2.10 — the TorchSharp engine of the side-by-side bench
// (bench/compare.py), the same step as ../shared/anchors/torch_pinn_bench.py and bench/EcdPde.Bench: forward pass,
// Laplacian by nested reverse-mode autograd (grad with create_graph and retain_graph), loss, backward, SGD with
// momentum 0.9 and lr 1e-6.
//   dotnet run -c Release --project bench/EcdPde.Bench.Torch -- step --config small|paper --threads T
//       --precision float32|float64 [--steps S] [--optimizer gdm|torch-sgd] [--scalars explicit|implicit]
// Prints one JSON line: median ms per step, resident memory (VmRSS) after the timed steps and its growth per step.
//
// --scalars implicit writes the loss as a TorchSharp user usually does (u * u - 1.0, a + b); every double operand
// and every tensor sum then makes a TorchSharp Scalar that no dispose scope frees (a + b passes alpha = 1 as one),
// and resident memory grows by megabytes per step until the finalizer runs. --scalars explicit (the default) makes
// those Scalars once. --optimizer torch-sgd uses torch.optim.SGD, whose step makes such Scalars too; gdm (the
// default) is Ecd.Core.TorchSharp.Gdm, the same update.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ecd.Core.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

if ((args.Length > 0 ? args[0] : "step") != "step")
{
    Console.Error.WriteLine("usage: step --config small|paper --threads T --precision float32|float64 [--steps S] [--optimizer gdm|torch-sgd] [--scalars explicit|implicit]");
    return 2;
}
string config = Arg("--config", "small");
int threads = int.Parse(Arg("--threads", "1"));
var dtype = Arg("--precision", "float32") switch
{
    "float32" => ScalarType.Float32,
    "float64" => ScalarType.Float64,
    var p => throw new ArgumentException($"--precision must be float32 or float64 (got {p})"),
};
int steps = int.Parse(Arg("--steps", config == "small" ? "40" : "10"));
string optimizer = Arg("--optimizer", "gdm");
bool implicitScalars = Arg("--scalars", "explicit") switch
{
    "explicit" => false,
    "implicit" => true,
    var s => throw new ArgumentException($"--scalars must be explicit or implicit (got {s})"),
};
var (width, depth, sigmoid, residual, nInt, nBc) = config switch
{
    "small" => (64, 2, false, false, 4096, 512),
    "paper" => (200, 3, true, true, 10_000, 1_000),
    _ => throw new ArgumentException($"unknown config '{config}' (small or paper)"),
};

torch.set_num_threads(threads);
torch.manual_seed(0);
using var one = 1.0.ToScalar();
using var minusOne = (-1.0).ToScalar();
using var half = 0.5.ToScalar();
using var hundred = 100.0.ToScalar();
using var two = 2.0.ToScalar();
var net = new Pinn(width, depth, sigmoid, residual, dtype, implicitScalars ? null : one);
var x = (rand(nInt, 2, dtype: dtype) * 2 - 1).requires_grad_(true);
var xb = rand(nBc, 2, dtype: dtype) * 2 - 1;
optim.Optimizer opt = optimizer switch
{
    "gdm" => new Ecd.Core.TorchSharp.Gdm(net.parameters(), new GdmOptions { Lr = 1e-6, Momentum = 0.9 }),
    "torch-sgd" => optim.SGD(net.parameters(), learningRate: 1e-6, momentum: 0.9),
    _ => throw new ArgumentException($"--optimizer must be gdm or torch-sgd (got {optimizer})"),
};

Tensor Loss()
{
    var u = net.forward(x)[.., 0];
    // Laplacian by nested reverse mode: ∇u with create_graph, then ∂(∂u/∂xᵢ)/∂xᵢ for each i.
    var g = autograd.grad([u.sum()], [x], retain_graph: true, create_graph: true)[0];
    var d0 = autograd.grad([g[.., 0].sum()], [x], retain_graph: true, create_graph: true)[0][.., 0];
    var d1 = autograd.grad([g[.., 1].sum()], [x], retain_graph: true, create_graph: true)[0][.., 1];
    var ub = net.forward(xb)[.., 0];
    if (implicitScalars)
    {
        var r = -(d0 + d1) + u * u - 1.0;
        return (r * r).mean() + 100.0 * (ub - 0.5).pow(2).mean();
    }
    var res = (d0.add(d1, one)).neg().add(u * u, one).add(minusOne, one);
    return (res * res).mean().add((ub - half).pow(two).mean(), hundred);
}

double Step()
{
    using var scope = NewDisposeScope();
    opt.zero_grad();
    var loss = Loss();
    loss.backward();
    opt.step();
    using var host = loss.detach().to(ScalarType.Float64).cpu();
    using var value = host.data<double>();
    return value[0];
}

static double RssMiB()
{
    var line = File.Exists("/proc/self/status")
        ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) : null;
    return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}

for (int i = 0; i < 3; i++)
    Step();
double rss0 = RssMiB();
var times = new double[steps];
for (int i = 0; i < steps; i++)
{
    long t0 = Stopwatch.GetTimestamp();
    Step();
    times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
}
double rss1 = RssMiB();
Array.Sort(times);
Console.WriteLine(JsonSerializer.Serialize(new
{
    config,
    precision = dtype == ScalarType.Float32 ? "float32" : "float64",
    threads,
    @params = net.parameters().Sum(p => p.numel()),
    n_int = nInt,
    n_bc = nBc,
    ms_per_step = Math.Round(times[steps / 2], 3),
    rss_mib = Math.Round(rss1, 1),
    rss_growth_kib_per_step = Math.Round((rss1 - rss0) * 1024 / steps, 1),
    optimizer,
    scalars = implicitScalars ? "implicit" : "explicit",
    engine = "TorchSharp 0.107.0 / libtorch 2.10.0",
}));
return 0;

/// <summary>The anchor's network: 2 → width, depth hidden layers (plain or residual h + σ(Wh + b)), width → 1.</summary>
internal sealed class Pinn : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear inp, outp;
    private readonly TorchSharp.Modules.ModuleList<TorchSharp.Modules.Linear> hid;
    private readonly bool _sigmoid, _residual;
    private readonly Scalar? _one;

    /// <param name="one">1 as a Scalar for the residual sums (null: write h + f(h), which makes a Scalar per sum).</param>
    public Pinn(int width, int depth, bool sigmoid, bool residual, ScalarType dtype, Scalar? one)
        : base("pinn")
    {
        inp = nn.Linear(2, width, dtype: dtype);
        hid = nn.ModuleList(Enumerable.Range(0, depth).Select(_ => nn.Linear(width, width, dtype: dtype)).ToArray());
        outp = nn.Linear(width, 1, dtype: dtype);
        _sigmoid = sigmoid;
        _residual = residual;
        _one = one;
        RegisterComponents();
    }

    private Tensor Act(Tensor t) => _sigmoid ? torch.sigmoid(t) : torch.tanh(t);

    public override Tensor forward(Tensor x)
    {
        var h = Act(inp.forward(x));
        foreach (var l in hid)
            h = !_residual ? Act(l.forward(h)) : _one is null ? h + Act(l.forward(h)) : h.add(Act(l.forward(h)), _one);
        return outp.forward(h);
    }
}
