// Ecd.Core.TorchSharp.Bbi on an ordinary TorchSharp model: fits sin(x) on [-3, 3] with a 1 → 32 → 32 → 1 tanh
// network and exits with 1 if the loss did not drop 10-fold. The part between the snippet markers is the C# snippet
// of docs/torchsharp.md, line for line (a test in tests/Ecd.Core.TorchSharp.Tests checks it).
// <doc-snippet>
using Ecd.Core.Optimizers;
using Ecd.Core.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

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
for (int step = 0; step < 2000; step++)
{
    using var loss = optimizer.step(Closure);   // tensors made inside the closure are freed by the step
    var r = optimizer.LastReport;                // the core's StepReport: energy, momentum, bounces, …
    last = loss.item<float>();
    if (step == 0)
        first = last;
    if (step % 250 == 0 || r.Status == StepStatus.Bounced)
        Console.WriteLine($"step {step,5}  loss {last:E3}  E {r.Energy:F6}  |π| {r.MomentumNorm:E2}  {r.Status} {r.Events}");
}

// Checkpoint: the module's weights and the optimizer's state (resuming from both is bit-identical).
string dir = Directory.CreateTempSubdirectory("ecd-torchsharp-bbi").FullName;
model.save(Path.Combine(dir, "model.bin"));
optimizer.save_state_dict(Path.Combine(dir, "bbi.state"));
// </doc-snippet>

Console.WriteLine($"loss {first:E3} → {last:E3} after {optimizer.Steps} steps; checkpoint in {dir}");
Directory.Delete(dir, recursive: true);
return last < first / 10 ? 0 : 1;
