using TorchSharp;

namespace Ecd.Core.TorchSharp.Tests;

public class SmokeTests
{
    [Fact]
    public void Autograd_runs()
    {
        var x = torch.tensor(new double[] { 1, 2, 3 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new double[] { 2, 4, 6 }, x.grad!.data<double>().ToArray());
    }
}
