using Ecd.Core.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ecd.Core.TorchSharp;

/// <summary>
/// The parameters of an optimizer in the flat order of the core's θ: groups in order, parameters in order within a
/// group, each parameter's elements in row-major order. Reductions are exact replicas of the core's
/// <see cref="Numerics.Vec"/> reductions: products in float64, summed one element after the other in that order.
/// </summary>
internal sealed class ParameterSet
{
    public ParameterSet(IEnumerable<EcdParamGroup> groups, double defaultLr, double defaultWeightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Groups = groups.ToArray();
        var parameters = new List<Parameter>();
        var groupOf = new List<int>();
        for (int gi = 0; gi < Groups.Length; gi++)
        {
            var g = Groups[gi] ?? throw new ArgumentException("a parameter group is null", nameof(groups));
            g.Options ??= new EcdGroupOptions();
            g.Options.LearningRate = Guard.Positive(g.Options.LearningRate ?? defaultLr, "lr");
            g.Options.InitialLearningRate = g.Options.LearningRate.Value;
            g.Options.WeightDecay = Guard.NonNegative(g.Options.WeightDecay ?? defaultWeightDecay, "weightDecay");
            // Materialise once: module.parameters() may be a lazy sequence that makes new wrappers on every pass.
            var ps = (g.Parameters ?? throw new ArgumentException("a parameter group has no parameters", nameof(groups))).ToArray();
            g.Parameters = ps;
            foreach (var p in ps)
            {
                if (p is null)
                    throw new ArgumentException("a parameter is null", nameof(groups));
                if (p.dtype != ScalarType.Float64 && p.dtype != ScalarType.Float32)
                    throw new ArgumentException($"parameters must be float32 or float64; found {p.dtype}", nameof(groups));
                if (parameters.Any(q => q.Handle == p.Handle))
                    throw new ArgumentException("a parameter appears more than once", nameof(groups));
                parameters.Add(p);
                groupOf.Add(gi);
            }
        }
        Params = parameters.ToArray();
        GroupOf = groupOf.ToArray();
        Count = Params.Sum(p => p.numel());
        if (Count == 0)
            throw new ArgumentException("the parameter vector θ₀ is empty", "parameters");
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            if (!AllFinite(Params))
                throw new ArgumentException("the parameter vector θ₀ contains NaN or infinite entries", "parameters");
        }
    }

    public EcdParamGroup[] Groups { get; }
    public Parameter[] Params { get; }
    public int[] GroupOf { get; }
    public long Count { get; }

    /// <summary>The step size of each parameter's group (validated: schedulers may have changed it).</summary>
    public double LearningRate(int param) => Guard.Positive(Groups[GroupOf[param]].LearningRate, "lr");

    /// <summary>The weight decay of each parameter's group.</summary>
    public double WeightDecay(int param) => Groups[GroupOf[param]].Options.WeightDecay ?? 0.0;

    /// <summary>True when every group has the same step size (the core's case).</summary>
    public bool UniformLearningRate => Groups.All(g => g.LearningRate == Groups[0].LearningRate);

    /// <summary>Σ aᵢ·bᵢ over the selected parameters, as <see cref="Numerics.Vec.Dot{T}"/> computes it.</summary>
    public static double Dot(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b, Func<int, bool>? select = null)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        Device? device = null;
        for (int i = 0; i < a.Count; i++)
        {
            if (select is not null && !select(i))
                continue;
            var x = a[i].flatten().to(ScalarType.Float64);
            var y = ReferenceEquals(a[i], b[i]) ? x : b[i].flatten().to(ScalarType.Float64);
            var prod = x.mul(y);
            parts.Add(device is null ? prod : prod.to(device));
            device ??= prod.device;
        }
        if (parts.Count == 0)
            return 0.0;
        var all = parts.Count == 1 ? parts[0] : cat(parts, 0);
        // cumsum adds one element after the other in float64 (on the CPU): the core's loop, bit for bit.
        return Item<double>(all.cumsum(0).select(0, all.shape[0] - 1));
    }

    /// <summary>
    /// The value of a one-element tensor. Unlike <c>item&lt;T&gt;()</c>, this disposes the accessor it reads through
    /// (an undisposed accessor kept native memory until the finalizer ran; see docs/torchsharp.md, Memory).
    /// </summary>
    public static T Item<T>(Tensor t)
        where T : unmanaged
    {
        using var host = t.cpu();
        using var accessor = host.data<T>();
        return accessor[0];
    }

    /// <summary>|a|² over the selected parameters.</summary>
    public static double NormSquared(IReadOnlyList<Tensor> a, Func<int, bool>? select = null) => Dot(a, a, select);

    /// <summary>True when every element of every tensor is finite.</summary>
    public static bool AllFinite(IReadOnlyList<Tensor> tensors)
    {
        using var scope = NewDisposeScope();
        Tensor? ok = null;
        foreach (var t in tensors)
        {
            var f = isfinite(t).all();
            ok = ok is null ? f : ok.logical_and(f.to(ok.device));
        }
        return ok is null || Item<bool>(ok);
    }

    /// <summary>
    /// Splits host values (in flat order) into one tensor per parameter, with the parameter's shape, dtype and
    /// device (float64 → float32 rounds to nearest, as the core's <c>T.CreateTruncating</c>), or with
    /// <paramref name="dtype"/> when given.
    /// </summary>
    public Tensor[] FromHost(double[] values, ScalarType? dtype = null)
    {
        var result = new Tensor[Params.Length];
        using var scope = NewDisposeScope();
        var all = tensor(values, ScalarType.Float64);
        long offset = 0;
        for (int i = 0; i < Params.Length; i++)
        {
            var p = Params[i];
            long n = p.numel();
            result[i] = all.narrow(0, offset, n).view(p.shape).to(dtype ?? p.dtype, p.device, copy: true).MoveToOuterDisposeScope();
            offset += n;
        }
        return result;
    }
}
