using Ecd.Core.Engine;

namespace Ecd.Core.Tests.Engine;

/// <summary>
/// The test oracle: a plain scalar evaluation, point by point, carrying every unit's value, full gradient and full
/// Hessian with respect to the inputs (no blocking, no SIMD, no collapsed channels).
/// </summary>
public static class ReferenceNetwork
{
    public sealed record Jet(double[] Value, double[][] Gradient, double[][][] Hessian);

    public static Jet Evaluate(Network<double> net, double[] theta, double[] x)
    {
        int d = x.Length;
        // unit state: value, gradient[d], hessian[d][d]
        var v = (double[])x.Clone();
        var g = Enumerable.Range(0, d).Select(i => Enumerable.Range(0, d).Select(j => i == j ? 1.0 : 0.0).ToArray()).ToArray();
        var h = Enumerable.Range(0, d).Select(_ => new double[d][].Select(__ => new double[d]).ToArray()).ToArray();
        foreach (var L in net.Layers)
        {
            int zrows = L.Kind == LayerKind.Fourier ? L.Out / 2 : L.Out;
            var zv = new double[zrows];
            var zg = new double[zrows][];
            var zh = new double[zrows][][];
            for (int o = 0; o < zrows; o++)
            {
                zg[o] = new double[d];
                zh[o] = new double[d][].Select(_ => new double[d]).ToArray();
                double bias = L.Kind == LayerKind.Fourier ? 0 : theta[L.BiasOffset + o];
                zv[o] = bias;
                for (int i = 0; i < L.In; i++)
                {
                    double w = L.Kind == LayerKind.Fourier ? net.FourierMatrix[o * L.In + i] : theta[L.WeightOffset + o * L.In + i];
                    zv[o] += w * v[i];
                    for (int a = 0; a < d; a++)
                    {
                        zg[o][a] += w * g[i][a];
                        for (int b = 0; b < d; b++)
                            zh[o][a][b] += w * h[i][a][b];
                    }
                }
            }
            if (L.Kind == LayerKind.Output)
                return new Jet(zv, zg, zh);
            int outRows = L.Out;
            var nv = new double[outRows];
            var ng = new double[outRows][];
            var nh = new double[outRows][][];
            for (int o = 0; o < outRows; o++)
            {
                int src = L.Kind == LayerKind.Fourier ? o % zrows : o;
                var act = L.Kind == LayerKind.Fourier ? (o < zrows ? Activation.Sin : Activation.Cos) : L.Activation;
                var (s0, s1, s2, _) = Scalar(act, zv[src]);
                nv[o] = s0;
                ng[o] = zg[src].Select(t => s1 * t).ToArray();
                nh[o] = new double[d][];
                for (int a = 0; a < d; a++)
                {
                    nh[o][a] = new double[d];
                    for (int b = 0; b < d; b++)
                        nh[o][a][b] = s1 * zh[src][a][b] + s2 * zg[src][a] * zg[src][b];
                }
                if (L.Kind == LayerKind.Residual)
                {
                    nv[o] += v[o];
                    for (int a = 0; a < d; a++)
                    {
                        ng[o][a] += g[o][a];
                        for (int b = 0; b < d; b++)
                            nh[o][a][b] += h[o][a][b];
                    }
                }
            }
            v = nv;
            g = ng;
            h = nh;
        }
        throw new InvalidOperationException("no output layer");
    }

    public static (double, double, double, double) Scalar(Activation a, double z) => a switch
    {
        Activation.Tanh => (Math.Tanh(z), 1 - Math.Tanh(z) * Math.Tanh(z), -2 * Math.Tanh(z) * (1 - Math.Tanh(z) * Math.Tanh(z)), 0),
        Activation.Sigmoid => (S(z), S(z) * (1 - S(z)), S(z) * (1 - S(z)) * (1 - 2 * S(z)), 0),
        Activation.Sin => (Math.Sin(z), Math.Cos(z), -Math.Sin(z), 0),
        Activation.Cos => (Math.Cos(z), -Math.Sin(z), -Math.Cos(z), 0),
        Activation.Softplus => (Math.Log(1 + Math.Exp(z)), S(z), S(z) * (1 - S(z)), 0),
        _ => (z, 1, 0, 0),
    };

    private static double S(double z) => 1 / (1 + Math.Exp(-z));
}
