using System.Runtime.Intrinsics;
using Ecd.Core.Engine;

namespace Ecd.Core.Tests.Engine;

public class FastExpTests
{
    private const double FloatRelativeTolerance = 4e-7;   // a few ulp of float
    private const double DoubleRelativeTolerance = 1e-15;

    [Fact]
    public void Float_exp_is_accurate_over_the_normal_range()
    {
        for (double x = -86.9; x < 87.9; x += 0.0137)
        {
            var v = FastExp.Exp(Vector512.Create((float)x)).GetElement(0);
            double exact = Math.Exp((float)x);
            Assert.True(Math.Abs(v - exact) <= FloatRelativeTolerance * exact, $"exp({x}) = {v}, expected {exact}");
            var w = FastExp.Exp(Vector256.Create((float)x)).GetElement(0);
            Assert.Equal(v, w);
        }
    }

    [Fact]
    public void Double_exp_is_accurate_over_the_normal_range()
    {
        for (double x = -707.9; x < 708.9; x += 0.0731)
        {
            double v = FastExp.Exp(Vector512.Create(x)).GetElement(0);
            double exact = Math.Exp(x);
            Assert.True(Math.Abs(v - exact) <= DoubleRelativeTolerance * exact, $"exp({x}) = {v}, expected {exact}");
            Assert.Equal(v, FastExp.Exp(Vector256.Create(x)).GetElement(0));
        }
    }

    [Fact]
    public void Special_values()
    {
        Assert.Equal(float.PositiveInfinity, FastExp.Exp(Vector512.Create(100f)).GetElement(0));
        Assert.Equal(0f, FastExp.Exp(Vector512.Create(-100f)).GetElement(0));
        Assert.True(float.IsNaN(FastExp.Exp(Vector512.Create(float.NaN)).GetElement(0)));
        Assert.Equal(double.PositiveInfinity, FastExp.Exp(Vector512.Create(800.0)).GetElement(0));
        Assert.Equal(0.0, FastExp.Exp(Vector512.Create(-800.0)).GetElement(0));
        Assert.True(double.IsNaN(FastExp.Exp(Vector512.Create(double.NaN)).GetElement(0)));
        Assert.Equal(1.0, FastExp.Exp(Vector512.Create(0.0)).GetElement(0));
        Assert.Equal(double.PositiveInfinity, FastExp.Exp(Vector512.Create(double.PositiveInfinity)).GetElement(0));
        Assert.Equal(0.0, FastExp.Exp(Vector512.Create(double.NegativeInfinity)).GetElement(0));
    }
}
