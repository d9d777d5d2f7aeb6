using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ecd.Core.Engine;

/// <summary>
/// Taylor-mode evaluation of a network on a batch of points: one forward pass propagates, for every unit, the
/// value and the requested derivative channels (∂_j, the collapsed Laplacian, individual ∂_i∂_j); one reverse
/// sweep turns the loss's sensitivities to those output channels into the exact gradient with respect to θ.
/// <para>
/// Points are processed in blocks; a block's activations are stored as rows [unit][channel·B + point] so that
/// every layer is one matrix product W·H over all channels at once. Blocks are shared statically among the
/// workers; each worker accumulates its own gradient and the partial gradients are added in worker order, so
/// results are bit-identical for a fixed thread count. After the first call with a given number of points,
/// passes allocate nothing.
/// </para>
/// </summary>
public sealed class JetEngine<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> _net;
    private readonly WorkerPool _pool;
    private readonly bool _ownsPool;
    private readonly SimdWidth _width;
    private readonly int _d, _b, _c, _cb, _firstTrainable;
    private readonly int[] _zRows;
    private readonly T[] _theta;
    private readonly T[] _wT;
    private readonly int[] _wTOffset;
    private readonly T[][] _grad;
    // Weight gradients of the layers done as outer products on Hᵀ, per worker, rows padded to _gwStride[l].
    private readonly T[][] _gradW;
    private readonly int[] _gwOffset, _gwStride;
    private readonly T[][] _zBar, _aBar, _hBar, _hT;
    // Layers whose activation jets are kept for the reverse sweep; the others (dense tanh/sigmoid layers) are
    // recomputed there from the stored jet of z, whose value row holds σ: half the memory traffic between the passes.
    private readonly bool[] _keepA;
    // Per worker: the activation jets of a block's layers that are not kept (two rows of buffers, alternating by layer).
    private readonly T[][][] _scratchA;
    private readonly Action<int> _forwardJob, _backwardJob;
    private T[] _points = [];
    private T[][] _z = [], _a = [];
    private T[] _h0 = [];
    private int _n, _blocks, _capacityBlocks;
    private Jets<T>? _out, _sens;
    private bool _forwardDone;

    /// <summary>An engine for <paramref name="network"/> computing the channels of <paramref name="request"/>.</summary>
    public JetEngine(Network<T> network, JetRequest request, EngineOptions? options = null, WorkerPool? pool = null)
    {
        _net = network ?? throw new ArgumentNullException(nameof(network));
        options ??= new EngineOptions();
        if (options.BlockSize < 32 || options.BlockSize % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.BlockSize, "block size must be a positive multiple of 32");
        Channels = new ChannelLayout(network.InputDimension, request);
        _width = SimdSelect.Resolve(options.Width);
        _pool = pool ?? new WorkerPool(options.Threads);
        _ownsPool = pool is null;
        _d = network.InputDimension;
        _b = options.BlockSize;
        _c = Channels.Count;
        _cb = _c * _b;
        var layers = network.Layers;
        _firstTrainable = layers[0].Kind == LayerKind.Fourier ? 1 : 0;
        _zRows = layers.Select(l => l.Kind == LayerKind.Fourier ? l.Out / 2 : l.Out).ToArray();
        _theta = new T[network.ParameterCount];
        _wTOffset = new int[layers.Count];
        int wt = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            _wTOffset[l] = wt;
            if (l > _firstTrainable)
                wt += layers[l].In * layers[l].Out;
        }
        _wT = new T[wt];
        _grad = new T[_pool.Threads][];
        for (int w = 0; w < _pool.Threads; w++)
            _grad[w] = new T[network.ParameterCount];
        // Layers with at least OuterMinInputs inputs get their weight gradient as Z̄·(Hᵀ) with H transposed per block;
        // narrow ones (a 2-D input layer) as dot products.
        _gwOffset = new int[layers.Count];
        _gwStride = new int[layers.Count];
        int gw = 0;
        for (int l = _firstTrainable; l < layers.Count; l++)
        {
            _gwOffset[l] = gw;
            _gwStride[l] = layers[l].In >= OuterMinInputs ? PadWidth(layers[l].In) : 0;
            gw += layers[l].Out * _gwStride[l];
        }
        int rows = network.MaxWidth;
        _gradW = new T[_pool.Threads][];
        _zBar = new T[_pool.Threads][];
        _aBar = new T[_pool.Threads][];
        _hBar = new T[_pool.Threads][];
        _hT = new T[_pool.Threads][];
        for (int w = 0; w < _pool.Threads; w++)
        {
            _gradW[w] = new T[gw];
            _zBar[w] = new T[rows * _cb];
            _aBar[w] = new T[rows * _cb];
            _hBar[w] = new T[rows * _cb];
            _hT[w] = new T[_cb * PadWidth(rows)];
        }
        _keepA = layers.Select(l => l.Kind is LayerKind.Fourier or LayerKind.Residual
            || (l.Kind == LayerKind.Dense && !ActivationRules.DerivativesFromValue(l.Activation))).ToArray();
        _scratchA = new T[_pool.Threads][][];
        for (int w = 0; w < _pool.Threads; w++)
            _scratchA[w] = [new T[rows * _cb], new T[rows * _cb]];
        _forwardJob = ForwardJob;
        _backwardJob = BackwardJob;
    }

    private const int OuterMinInputs = 16;

    /// <summary>A row length rounded up to whole 512-bit registers of float (16), so that Hᵀ rows fill SIMD registers.</summary>
    private static int PadWidth(int n) => (n + 15) / 16 * 16;

    /// <summary>The output channels this engine computes.</summary>
    public ChannelLayout Channels { get; }

    /// <summary>Number of worker threads.</summary>
    public int Threads => _pool.Threads;

    /// <summary>Storage for this engine's output jets (or sensitivities) at <paramref name="points"/> points.</summary>
    public Jets<T> NewJets(int points) => new(Channels, _net.Outputs, points);

    /// <summary>
    /// Evaluates the network and its requested derivatives at <paramref name="points"/> (N × d, row-major) into
    /// <paramref name="jets"/>, and keeps what <see cref="Backward"/> needs.
    /// </summary>
    public void Forward(ReadOnlySpan<T> theta, ReadOnlySpan<T> points, Jets<T> jets)
    {
        if (theta.Length != _net.ParameterCount)
            throw new ArgumentException($"θ has length {theta.Length}; the network has {_net.ParameterCount} parameters", nameof(theta));
        if (points.Length == 0 || points.Length % _d != 0)
            throw new ArgumentException($"points must hold N × {_d} coordinates (got {points.Length} values)", nameof(points));
        int n = points.Length / _d;
        CheckJets(jets, n, nameof(jets));
        theta.CopyTo(_theta);
        EnsureCapacity(n);
        points.CopyTo(_points);
        _out = jets;
        _pool.Run(_forwardJob);
        _out = null;
        _forwardDone = true;
    }

    /// <summary>
    /// Adds to <paramref name="gradient"/> the gradient of L with respect to θ, given ∂L/∂(every output channel at every
    /// point) in <paramref name="sensitivities"/>, at the θ and points of the last <see cref="Forward"/>.
    /// </summary>
    public void Backward(Jets<T> sensitivities, Span<T> gradient)
    {
        if (!_forwardDone)
            throw new InvalidOperationException("Backward needs a Forward pass first");
        if (gradient.Length != _net.ParameterCount)
            throw new ArgumentException($"the gradient has length {gradient.Length}; the network has {_net.ParameterCount} parameters", nameof(gradient));
        CheckJets(sensitivities, _n, nameof(sensitivities));
        PackTransposes();
        foreach (var g in _grad)
            Array.Clear(g);
        foreach (var g in _gradW)
            Array.Clear(g);
        _sens = sensitivities;
        _pool.Run(_backwardJob);
        _sens = null;
        var layers = _net.Layers;
        for (int w = 0; w < _grad.Length; w++)
        {
            var g = _grad[w];
            for (int i = 0; i < gradient.Length; i++)
                gradient[i] += g[i];
            var gw = _gradW[w];
            for (int l = _firstTrainable; l < layers.Count; l++)
            {
                int stride = _gwStride[l], n = layers[l].In;
                if (stride == 0)
                    continue;
                for (int o = 0; o < layers[l].Out; o++)
                {
                    var src = gw.AsSpan(_gwOffset[l] + o * stride, n);
                    var dst = gradient.Slice(layers[l].WeightOffset + o * n, n);
                    for (int i = 0; i < n; i++)
                        dst[i] += src[i];
                }
            }
        }
    }

    private void CheckJets(Jets<T> jets, int n, string name)
    {
        ArgumentNullException.ThrowIfNull(jets, name);
        if (jets.Points != n || jets.Outputs != _net.Outputs || jets.Channels.Count != _c)
            throw new ArgumentException(
                $"{name} holds {jets.Outputs} outputs × {jets.Channels.Count} channels × {jets.Points} points; expected {_net.Outputs} × {_c} × {n}", name);
    }

    private void EnsureCapacity(int n)
    {
        _n = n;
        _blocks = (n + _b - 1) / _b;
        if (_points.Length != n * _d)
            _points = new T[n * _d];
        if (_blocks <= _capacityBlocks)
            return;
        var layers = _net.Layers;
        _z = new T[layers.Count][];
        _a = new T[layers.Count][];
        for (int l = 0; l < layers.Count; l++)
        {
            _z[l] = new T[_blocks * _zRows[l] * _cb];
            _a[l] = _keepA[l] ? new T[_blocks * layers[l].Out * _cb] : [];
        }
        _h0 = new T[_blocks * _d * _cb];
        _capacityBlocks = _blocks;
    }

    private void PackTransposes()
    {
        var layers = _net.Layers;
        for (int l = _firstTrainable + 1; l < layers.Count; l++)
        {
            var L = layers[l];
            var w = _theta.AsSpan(L.WeightOffset, L.In * L.Out);
            var t = _wT.AsSpan(_wTOffset[l], L.In * L.Out);
            for (int o = 0; o < L.Out; o++)
                for (int i = 0; i < L.In; i++)
                    t[i * L.Out + o] = w[o * L.In + i];
        }
    }

    private void ForwardJob(int w)
    {
        var (s, e) = _pool.Share(w, _blocks);
        for (int b = s; b < e; b++)
            switch (_width)
            {
                case SimdWidth.Bits512: ForwardBlock<V512<T>>(b, w); break;
                case SimdWidth.Bits256: ForwardBlock<V256<T>>(b, w); break;
                default: ForwardBlock<VScalar<T>>(b, w); break;
            }
    }

    private void BackwardJob(int w)
    {
        var (s, e) = _pool.Share(w, _blocks);
        if (e <= s)
            return;
        switch (_width)
        {
            case SimdWidth.Bits512: BackwardBlocks<V512<T>>(s, e, w); break;
            case SimdWidth.Bits256: BackwardBlocks<V256<T>>(s, e, w); break;
            default: BackwardBlocks<VScalar<T>>(s, e, w); break;
        }
    }

    private Span<T> H0(int b) => _h0.AsSpan(b * _d * _cb, _d * _cb);
    private Span<T> Z(int l, int b) => _z[l].AsSpan(b * _zRows[l] * _cb, _zRows[l] * _cb);
    private Span<T> A(int l, int b) => _a[l].AsSpan(b * _net.Layers[l].Out * _cb, _net.Layers[l].Out * _cb);

    /// <summary>Where the forward pass of worker <paramref name="w"/> puts layer l's activation jets of block b.</summary>
    private Span<T> ForwardA(int l, int b, int w) =>
        _keepA[l] ? A(l, b) : _scratchA[w][l % 2].AsSpan(0, _net.Layers[l].Out * _cb);

    private void ForwardBlock<V>(int b, int w)
        where V : unmanaged, ISimd<V, T>
    {
        int p0 = b * _b, valid = Math.Min(_b, _n - p0);
        var h0 = H0(b);
        h0.Clear();
        for (int i = 0; i < _d; i++)
        {
            var row = h0.Slice(i * _cb, _cb);
            for (int p = 0; p < valid; p++)
                row[p] = _points[(p0 + p) * _d + i];
            if (Channels.FirstDerivatives > 0)
                row.Slice((1 + i) * _b, _b).Fill(T.One);
        }
        ReadOnlySpan<T> hin = h0;
        var layers = _net.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            var L = layers[l];
            var z = Z(l, b);
            if (L.Kind == LayerKind.Fourier)
            {
                int count = _zRows[l];
                Gemm.MultiplyNN(_width, _net.FourierMatrix, _d, hin, _cb, z, _cb, count, _cb, _d, accumulate: false);
                var a = A(l, b);
                for (int o = 0; o < count; o++)
                {
                    ActivationForward<V>(Activation.Sin, T.Zero, z.Slice(o * _cb, _cb), a.Slice(o * _cb, _cb));
                    ActivationForward<V>(Activation.Cos, T.Zero, z.Slice(o * _cb, _cb), a.Slice((count + o) * _cb, _cb));
                }
                hin = a;
                continue;
            }
            Gemm.MultiplyNN(_width, _theta.AsSpan(L.WeightOffset, L.Out * L.In), L.In, hin, _cb, z, _cb, L.Out, _cb, L.In, accumulate: false);
            if (L.Kind == LayerKind.Output)
            {
                var jets = _out!;
                for (int o = 0; o < L.Out; o++)
                {
                    T bias = _theta[L.BiasOffset + o];
                    var value = jets.Channel(o, 0).Slice(p0, valid);
                    var zv = z.Slice(o * _cb, valid);
                    for (int p = 0; p < valid; p++)
                        value[p] = zv[p] + bias;
                    for (int c = 1; c < _c; c++)
                        z.Slice(o * _cb + c * _b, valid).CopyTo(jets.Channel(o, c).Slice(p0, valid));
                }
                break;
            }
            var act = ForwardA(l, b, w);
            for (int o = 0; o < L.Out; o++)
                ActivationForward<V>(L.Activation, _theta[L.BiasOffset + o], z.Slice(o * _cb, _cb), act.Slice(o * _cb, _cb));
            if (L.Kind == LayerKind.Residual)
                AddInPlace<V>(act, hin);
            hin = act;
        }
    }

    /// <summary>
    /// The reverse sweep over blocks [s, e), one block at a time through all layers, so that a block's adjoints
    /// stay in cache: activation adjoints, bias sums, the weight gradient (outer products on Hᵀ, or dot products
    /// for a narrow input layer), then the input adjoints Wᵀ·Z̄.
    /// </summary>
    private void BackwardBlocks<V>(int s, int e, int w)
        where V : unmanaged, ISimd<V, T>
    {
        var layers = _net.Layers;
        var grad = _grad[w];
        var gradW = _gradW[w];
        var zb0 = _zBar[w];
        var hT = _hT[w];
        int last = layers.Count - 1;
        var sens = _sens!;
        for (int b = e - 1; b >= s; b--)
        {
            int p0 = b * _b, valid = Math.Min(_b, _n - p0);
            Span<T> aBar = _aBar[w], hBar = _hBar[w];
            var zb = zb0.AsSpan(0, layers[last].Out * _cb);
            zb.Clear();
            for (int o = 0; o < layers[last].Out; o++)
                for (int c = 0; c < _c; c++)
                    sens.Channel(o, c).Slice(p0, valid).CopyTo(zb.Slice(o * _cb + c * _b, valid));
            for (int l = last; l >= _firstTrainable; l--)
            {
                var L = layers[l];
                zb = zb0.AsSpan(0, L.Out * _cb);
                if (L.Kind != LayerKind.Output)
                {
                    bool fromValue = ActivationRules.DerivativesFromValue(L.Activation);
                    var z = Z(l, b);
                    for (int o = 0; o < L.Out; o++)
                        ActivationBackward<V>(L.Activation, aBar.Slice(o * _cb, _cb), z.Slice(o * _cb, _cb),
                            fromValue ? z.Slice(o * _cb, _b) : default, zb.Slice(o * _cb, _cb));
                }
                for (int o = 0; o < L.Out; o++)
                    grad[L.BiasOffset + o] += SumRow<V>(zb.Slice(o * _cb, _b));
                ReadOnlySpan<T> hin = l == 0 ? H0(b) : _keepA[l - 1] ? A(l - 1, b) : Recompute<V>(l - 1, b, _scratchA[w][0]);
                int stride = _gwStride[l];
                if (stride > 0)
                {
                    Transpose.Run(hin, _cb, hT, stride, L.In, _cb);
                    Gemm.MultiplyNN<T>(_width, zb, _cb, hT, stride, gradW.AsSpan(_gwOffset[l], L.Out * stride), stride,
                        L.Out, stride, _cb, accumulate: true);
                }
                else
                    Gemm.AccumulateNT<T>(_width, zb, _cb, hin, _cb, grad.AsSpan(L.WeightOffset, L.Out * L.In), L.In, L.Out, L.In, _cb);
                if (l == _firstTrainable)
                    break;
                var hb = hBar.Slice(0, L.In * _cb);
                Gemm.MultiplyNN<T>(_width, _wT.AsSpan(_wTOffset[l], L.In * L.Out), L.Out, zb, _cb, hb, _cb, L.In, _cb, L.Out, accumulate: false);
                if (L.Kind == LayerKind.Residual)
                    AddInPlace<V>(hb, aBar.Slice(0, L.Out * _cb));
                var swap = aBar;
                aBar = hBar;
                hBar = swap;
            }
        }
    }

    /// <summary>Σ x (one value channel row of a block: B is a multiple of 32, so whole registers).</summary>
    private static T SumRow<V>(ReadOnlySpan<T> x)
        where V : unmanaged, ISimd<V, T>
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        V acc = V.Zero;
        int i = 0;
        for (; i + V.Count <= x.Length; i += V.Count)
            acc = V.Add(acc, V.Load(ref xr, (nuint)i));
        T sum = V.Sum(acc);
        for (; i < x.Length; i++)
            sum += x[i];
        return sum;
    }

    private static void AddInPlace<V>(Span<T> x, ReadOnlySpan<T> y)
        where V : unmanaged, ISimd<V, T>
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + V.Count <= x.Length; i += V.Count)
            V.Store(V.Add(V.Load(ref xr, (nuint)i), V.Load(ref yr, (nuint)i)), ref xr, (nuint)i);
        for (; i < x.Length; i++)
            x[i] += y[i];
    }

    /// <summary>
    /// One unit's row: the jet of σ(z) from the jet of z (all channels, one block), with the unit's bias added to the
    /// value channel. For tanh and sigmoid the value channel of z is overwritten by σ(z₀ + bias), from which the
    /// reverse sweep gets the derivatives without an exp; for the others by z₀ + bias.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActivationForward<V>(Activation act, T bias, Span<T> z, Span<T> a)
        where V : unmanaged, ISimd<V, T>
    {
        ref T zr = ref MemoryMarshal.GetReference(z);
        bool keepValue = ActivationRules.DerivativesFromValue(act);
        ref T ar = ref MemoryMarshal.GetReference(a);
        int order = Channels.Order, d = Channels.FirstDerivatives, lap = Channels.Laplacian, b = _b;
        var second = Channels.Second;
        int ss = Channels.SecondStart;
        V vb = V.Broadcast(bias);
        for (int p = 0; p < b; p += V.Count)
        {
            nuint o = (nuint)p;
            V z0 = V.Add(V.Load(ref zr, o), vb);
            ActivationRules.Eval<T, V>(act, z0, order, out var s0, out var s1, out var s2, out _);
            V.Store(s0, ref ar, o);
            // the reverse sweep derives σ′, σ″, σ‴ from σ(z₀) for tanh and sigmoid, from z₀ for the others
            V.Store(keepValue ? s0 : z0, ref zr, o);
            if (order > 0)
                DerivativeChannels(ref zr, ref ar, o, s1, s2, order, d, lap, second, ss);
        }
    }

    /// <summary>
    /// Layer l's activation jets of block b, for a layer whose jets the forward pass did not keep: recomputed from the
    /// stored jet of z (value row σ) with the same operations as the forward pass, so bit-identical to it.
    /// </summary>
    private ReadOnlySpan<T> Recompute<V>(int l, int b, T[] buffer)
        where V : unmanaged, ISimd<V, T>
    {
        var L = _net.Layers[l];
        var z = Z(l, b);
        var a = buffer.AsSpan(0, L.Out * _cb);
        int order = Channels.Order, d = Channels.FirstDerivatives, lap = Channels.Laplacian;
        var second = Channels.Second;
        int ss = Channels.SecondStart;
        for (int u = 0; u < L.Out; u++)
        {
            ref T zr = ref MemoryMarshal.GetReference(z.Slice(u * _cb, _cb));
            ref T ar = ref MemoryMarshal.GetReference(a.Slice(u * _cb, _cb));
            for (int p = 0; p < _b; p += V.Count)
            {
                nuint o = (nuint)p;
                V s0 = V.Load(ref zr, o);
                V.Store(s0, ref ar, o);
                if (order == 0)
                    continue;
                ActivationRules.FromValue<T, V>(L.Activation, s0, out var s1, out var s2, out _);
                DerivativeChannels(ref zr, ref ar, o, s1, s2, order, d, lap, second, ss);
            }
        }
        return a;
    }

    /// <summary>The derivative channels of σ(z) at one register of points: a_j = σ′z_j, Δa, a_ij.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DerivativeChannels<V>(ref T zr, ref T ar, nuint o, V s1, V s2, int order, int d, int lap,
        (int I, int J)[] second, int ss)
        where V : unmanaged, ISimd<V, T>
    {
        int b = _b;
        // d ≤ 3: the first-derivative channels live in registers.
        V z1 = V.Load(ref zr, o + (nuint)b), z2 = default, z3 = default;
        V.Store(V.Multiply(s1, z1), ref ar, o + (nuint)b);
        V sq = V.Multiply(z1, z1);
        if (d >= 2)
        {
            z2 = V.Load(ref zr, o + (nuint)(2 * b));
            V.Store(V.Multiply(s1, z2), ref ar, o + (nuint)(2 * b));
            sq = V.Fma(z2, z2, sq);
        }
        if (d >= 3)
        {
            z3 = V.Load(ref zr, o + (nuint)(3 * b));
            V.Store(V.Multiply(s1, z3), ref ar, o + (nuint)(3 * b));
            sq = V.Fma(z3, z3, sq);
        }
        if (order < 2)
            return;
        if (lap >= 0)
        {
            nuint ol = o + (nuint)(lap * b);
            V.Store(V.Fma(s2, sq, V.Multiply(s1, V.Load(ref zr, ol))), ref ar, ol);
        }
        for (int k = 0; k < second.Length; k++)
        {
            nuint os = o + (nuint)((ss + k) * b);
            var (i, j) = second[k];
            V.Store(V.Fma(s2, V.Multiply(Pick(i, z1, z2, z3), Pick(j, z1, z2, z3)), V.Multiply(s1, V.Load(ref zr, os))), ref ar, os);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Pick<V>(int i, V a, V b, V c) => i == 0 ? a : i == 1 ? b : c;

    /// <summary>One unit's row: z̄ (all channels) from ā and the stored jet of z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActivationBackward<V>(Activation act, ReadOnlySpan<T> aBar, ReadOnlySpan<T> z, ReadOnlySpan<T> value, Span<T> zBar)
        where V : unmanaged, ISimd<V, T>
    {
        ref T abr = ref MemoryMarshal.GetReference(aBar);
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T zbr = ref MemoryMarshal.GetReference(zBar);
        ref T vr = ref MemoryMarshal.GetReference(value);
        bool fromValue = !value.IsEmpty;
        int order = Channels.Order, d = Channels.FirstDerivatives, lap = Channels.Laplacian, b = _b;
        var second = Channels.Second;
        int ss = Channels.SecondStart;
        V two = V.Broadcast(T.One + T.One);
        for (int p = 0; p < b; p += V.Count)
        {
            nuint o = (nuint)p;
            V s1, s2, s3;
            if (fromValue)
                ActivationRules.FromValue<T, V>(act, V.Load(ref vr, o), out s1, out s2, out s3);
            else
                ActivationRules.Eval<T, V>(act, V.Load(ref zr, o), order + 1, out _, out s1, out s2, out s3);
            V zb0 = V.Multiply(V.Load(ref abr, o), s1);
            if (order >= 1)
            {
                // d ≤ 3: channels and their adjoints in registers.
                nuint o1 = o + (nuint)b, o2 = o + (nuint)(2 * b), o3 = o + (nuint)(3 * b);
                V z1 = V.Load(ref zr, o1), z2 = default, z3 = default;
                V ab1 = V.Load(ref abr, o1);
                V zb1 = V.Multiply(ab1, s1), zb2 = default, zb3 = default;
                zb0 = V.Fma(V.Multiply(ab1, s2), z1, zb0);
                V sq = V.Multiply(z1, z1);
                if (d >= 2)
                {
                    z2 = V.Load(ref zr, o2);
                    V ab2 = V.Load(ref abr, o2);
                    zb2 = V.Multiply(ab2, s1);
                    zb0 = V.Fma(V.Multiply(ab2, s2), z2, zb0);
                    sq = V.Fma(z2, z2, sq);
                }
                if (d >= 3)
                {
                    z3 = V.Load(ref zr, o3);
                    V ab3 = V.Load(ref abr, o3);
                    zb3 = V.Multiply(ab3, s1);
                    zb0 = V.Fma(V.Multiply(ab3, s2), z3, zb0);
                    sq = V.Fma(z3, z3, sq);
                }
                if (order >= 2)
                {
                    if (lap >= 0)
                    {
                        nuint ol = o + (nuint)(lap * b);
                        V ab = V.Load(ref abr, ol);
                        V.Store(V.Multiply(ab, s1), ref zbr, ol);
                        zb0 = V.Fma(ab, V.Fma(s3, sq, V.Multiply(s2, V.Load(ref zr, ol))), zb0);
                        V k2 = V.Multiply(V.Multiply(ab, s2), two);
                        zb1 = V.Fma(k2, z1, zb1);
                        zb2 = V.Fma(k2, z2, zb2);
                        zb3 = V.Fma(k2, z3, zb3);
                    }
                    for (int k = 0; k < second.Length; k++)
                    {
                        nuint os = o + (nuint)((ss + k) * b);
                        var (i, j) = second[k];
                        V zi = Pick(i, z1, z2, z3), zjv = Pick(j, z1, z2, z3);
                        V ab = V.Load(ref abr, os);
                        V.Store(V.Multiply(ab, s1), ref zbr, os);
                        zb0 = V.Fma(ab, V.Fma(s3, V.Multiply(zi, zjv), V.Multiply(s2, V.Load(ref zr, os))), zb0);
                        V k2 = V.Multiply(ab, s2);
                        // ∂(zᵢ zⱼ) adds k2·zⱼ to z̄ᵢ and k2·zᵢ to z̄ⱼ (both to z̄ᵢ when i = j)
                        V addI = V.Multiply(k2, zjv), addJ = V.Multiply(k2, zi);
                        if (i == 0) zb1 = V.Add(zb1, addI); else if (i == 1) zb2 = V.Add(zb2, addI); else zb3 = V.Add(zb3, addI);
                        if (j == 0) zb1 = V.Add(zb1, addJ); else if (j == 1) zb2 = V.Add(zb2, addJ); else zb3 = V.Add(zb3, addJ);
                    }
                }
                V.Store(zb1, ref zbr, o1);
                if (d >= 2)
                    V.Store(zb2, ref zbr, o2);
                if (d >= 3)
                    V.Store(zb3, ref zbr, o3);
            }
            V.Store(zb0, ref zbr, o);
        }
    }

    /// <summary>Stops the worker threads (if this engine created them).</summary>
    public void Dispose()
    {
        if (_ownsPool)
            _pool.Dispose();
    }
}
