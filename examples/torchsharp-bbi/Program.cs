// Ecd.Core.TorchSharp.Bbi on an ordinary TorchSharp model (the snippet of docs/torchsharp.md).
// Fits sin(x) on [-3, 3] with a 1 → 32 → 32 → 1 tanh network; exits with 1 if the loss did not drop 10-fold.
using Ecd.Core.Optimizers;
using Ecd.Core.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

int steps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
torch.manual_seed(0);
var model = nn.Sequential(
    ("hidden1", nn.Linear(1, 32)), ("act1", nn.Tanh()),
    ("hidden2", nn.Linear(32, 32)), ("act2", nn.Tanh()),
    ("out", nn.Linear(32, 1)));
var x = linspace(-3, 3, 256).unsqueeze(1);
var y = sin(x);

// BBI with the core's options record: one fixed bounce every 500 moves (2 of them), a progress bounce after
// 1000 moves without a new minimum; every bounce is drawn from the seed.
var options = new BbiOptions { Lr = 0.05, Threshold0 = 500, NFixedBounces = 2, Threshold = 1000 };
using var optimizer = new Ecd.Core.TorchSharp.Bbi(model.parameters(), options, seed: 1);

Tensor Closure()
{
    optimizer.zero_grad();
    var loss = nn.functional.mse_loss(model.forward(x), y);
    loss.backward();
    return loss;
}

double first = double.NaN, last = double.NaN;
for (int step = 0; step < steps; step++)
{
    using var loss = optimizer.step(Closure);   // tensors made inside the closure are freed by the step
    var r = optimizer.LastReport;                // the core's StepReport: energy, momentum, bounces, …
    last = loss.item<float>();
    if (step == 0)
        first = last;
    if (step % 250 == 0 || r.Status == StepStatus.Bounced)
        Console.WriteLine($"step {step,5}  loss {last:E3}  E {r.Energy:F6}  |π| {r.MomentumNorm:E2}  {r.Status} {r.Events}");
}

// Checkpoint: the module's weights and the optimizer's state (bit-identical resume).
string dir = Path.Combine(Path.GetTempPath(), "ecd-torchsharp-bbi");
Directory.CreateDirectory(dir);
model.save(Path.Combine(dir, "model.bin"));
optimizer.save_state_dict(Path.Combine(dir, "bbi.state"));

Console.WriteLine($"loss {first:E3} → {last:E3} after {steps} steps ({optimizer.Steps} counted)");
return last < first / 10 ? 0 : 1;
