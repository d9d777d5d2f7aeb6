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
    public void Float_exp_is_accurate_up_to_overflow()
    {
        // exp overflows float only above ln(float.MaxValue) ≈ 88.7228; below it the result must be the true value.
        for (float x = 87.0f; x <= 88.72283f; x = MathF.BitIncrement(x + 0.0009f))
        {
            double exact = Math.Exp(x);
            var v = FastExp.Exp(Vector512.Create(x)).GetElement(0);
            Assert.True(Math.Abs(v - exact) <= FloatRelativeTolerance * exact, $"exp({x}) = {v}, expected {exact}");
            Assert.Equal(v, FastExp.Exp(Vector256.Create(x)).GetElement(0));
        }
        var last = 88.72283f;
        Assert.True(float.IsFinite(FastExp.Exp(Vector512.Create(last)).GetElement(0)));
        var over = MathF.BitIncrement(last);
        Assert.Equal(float.PositiveInfinity, (float)Math.Exp(over));
        Assert.Equal(float.PositiveInfinity, FastExp.Exp(Vector512.Create(over)).GetElement(0));
        Assert.Equal(float.PositiveInfinity, FastExp.Exp(Vector256.Create(over)).GetElement(0));
    }

    [Fact]
    public void Float_exp_flushes_to_zero_only_below_its_documented_limit()
    {
        for (float x = -86.98f; x < -86.0f; x += 0.0031f)
        {
            double exact = Math.Exp(x);
            var v = FastExp.Exp(Vector512.Create(x)).GetElement(0);
            Assert.True(Math.Abs(v - exact) <= FloatRelativeTolerance * exact, $"exp({x}) = {v}, expected {exact}");
        }
        Assert.Equal(0f, FastExp.Exp(Vector512.Create(MathF.BitDecrement(-86.98f))).GetElement(0));
        Assert.Equal(0f, FastExp.Exp(Vector256.Create(MathF.BitDecrement(-86.98f))).GetElement(0));
    }

    [Fact]
    public void Double_exp_is_accurate_up_to_overflow()
    {
        for (double x = 708.9; x <= 709.782712893384; x += 0.00173)
        {
            double exact = Math.Exp(x);
            double v = FastExp.Exp(Vector512.Create(x)).GetElement(0);
            Assert.True(Math.Abs(v - exact) <= DoubleRelativeTolerance * exact, $"exp({x}) = {v}, expected {exact}");
            Assert.Equal(v, FastExp.Exp(Vector256.Create(x)).GetElement(0));
        }
        var last = 709.782712893384;
        Assert.True(double.IsFinite(Math.Exp(last)));
        double top = FastExp.Exp(Vector512.Create(last)).GetElement(0);
        Assert.True(Math.Abs(top - Math.Exp(last)) <= DoubleRelativeTolerance * Math.Exp(last), $"exp({last}) = {top}");
        var over = Math.BitIncrement(last);
        Assert.Equal(double.PositiveInfinity, Math.Exp(over));
        Assert.Equal(double.PositiveInfinity, FastExp.Exp(Vector512.Create(over)).GetElement(0));
        Assert.Equal(double.PositiveInfinity, FastExp.Exp(Vector256.Create(over)).GetElement(0));
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
