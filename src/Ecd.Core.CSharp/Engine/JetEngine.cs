using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ecd.Core.Engine;

/// <summary>
/// Taylor-mode evaluation of a network on a batch of points: one forward pass propagates, for every unit, the
/// value and the requested derivative channels (∂_j, the collapsed Laplacian, individual ∂_i∂_j); one reverse
/// sweep turns the loss's sensitivities to those output channels into the exact gradient with respect to θ.
/// <para>
/// Points are processed in blocks of B; a block's activations are stored point-major, as rows
/// [channel·B + point][unit] with the units padded to whole registers, so that every layer is one matrix product
/// Hᵀ·Wᵀ over all channels at once, its input adjoint Z̄ᵀ·W another, and its weight gradient a sum of outer products
/// of rows (no transposes), while the activation passes run along units with the bias as a vector. Blocks are shared
/// statically among the workers; each worker accumulates its own gradient and the partial gradients are added in
/// worker order, so results are bit-identical for a fixed thread count. After the first call with a given number of
/// points, passes allocate nothing.
/// </para>
/// </summary>
public sealed partial class JetEngine<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> _net;
    private readonly WorkerPool _pool;
    private readonly bool _ownsPool;
    private readonly SimdWidth _width;
    private readonly int _d, _b, _c, _cb, _firstTrainable;
    // Per layer: units of z (Fourier: the frequencies), and the padded row lengths of its z and activation jets.
    private readonly int[] _zRows, _zLd, _aLd;
    private readonly T[] _theta;
    // Per layer, packed from θ: Wᵀ (In × zLd) and the bias (zLd) for the forward product, W (Out × inLd) for the
    // input adjoint; zero in the padding.
    private readonly AlignedArray<T>[] _wT, _bias, _wP;
    // The same two, as Gemm.PackPanels lays them out for the products' kernels (once per pass, not per block).
    private readonly AlignedArray<T>[] _wTPanels, _wPPanels;
    // Layers with at most NarrowOutputs units (the output layer): forward by dot products instead of a padded product.
    private readonly bool[] _narrow;
    // Weight gradient per worker and layer: Gᵀ (In × zLd) when In < Out (a 2-D input layer), else G (Out × inLd).
    private readonly bool[] _gradTransposed;
    private readonly int[] _gwOffset, _gwCols, _gbOffset;
    // Weight gradients kept in the products' panel order (Gemm.MultiplyTNIntoPanels; when a whole number of registers wide).
    private readonly bool[] _gradPanels;
    private readonly AlignedArray<T>[] _gradW, _gradB;
    private readonly AlignedArray<T>[] _zBar, _aBar, _hBar;
    // Layers whose activation jets are kept for the reverse sweep; the others (dense tanh/sigmoid layers) are
    // recomputed there from the stored jet of z, whose value row holds σ: half the memory traffic between the passes.
    private readonly bool[] _keepA;
    // Per worker: the activation jets of a block's layers that are not kept (two buffers, alternating by layer).
    private readonly AlignedArray<T>[][] _scratchA;
    private readonly Action<int> _forwardJob, _backwardJob;
    private T[] _points = [];
    private AlignedArray<T>[] _z = [], _a = [];
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
        int count = layers.Count;
        _firstTrainable = layers[0].Kind == LayerKind.Fourier ? 1 : 0;
        _zRows = layers.Select(l => l.Kind == LayerKind.Fourier ? l.Out / 2 : l.Out).ToArray();
        _zLd = _zRows.Select(PadWidth).ToArray();
        _aLd = layers.Select(l => PadWidth(l.Out)).ToArray();
        _theta = new T[network.ParameterCount];
        _narrow = layers.Select(l => l.Kind != LayerKind.Fourier && l.Out <= NarrowOutputs).ToArray();
        _gradTransposed = layers.Select(l => l.In < l.Out).ToArray();
        _wT = new AlignedArray<T>[count];
        _bias = new AlignedArray<T>[count];
        _wP = new AlignedArray<T>[count];
        _wTPanels = new AlignedArray<T>[count];
        _wPPanels = new AlignedArray<T>[count];
        _gwOffset = new int[count];
        _gwCols = new int[count];
        _gradPanels = new bool[count];
        _gbOffset = new int[count];
        int gw = 0, gb = 0;
        for (int l = 0; l < count; l++)
        {
            var L = layers[l];
            _bias[l] = new(_zLd[l]);
            _wP[l] = new(l > _firstTrainable ? L.Out * InLd(l) : 0);
            _wPPanels[l] = new(l > _firstTrainable ? L.Out * InLd(l) : 0);
            if (L.Kind == LayerKind.Fourier)
            {
                _wT[l] = new(_d * _zLd[l]);
                for (int o = 0; o < _zRows[l]; o++)
                    for (int i = 0; i < _d; i++)
                        _wT[l][i * _zLd[l] + o] = network.FourierMatrix[o * _d + i];
                continue;
            }
            _wT[l] = new(L.In * _zLd[l]);
            _wTPanels[l] = new(_narrow[l] ? 0 : L.In * _zLd[l]);
            _gwOffset[l] = gw;
            _gwCols[l] = _gradTransposed[l] ? _zLd[l] : InLd(l);
            _gradPanels[l] = _gwCols[l] % Gemm.Lanes<T>(_width) == 0;
            gw += (_gradTransposed[l] ? L.In : L.Out) * _gwCols[l];
            _gbOffset[l] = gb;
            gb += _zLd[l];
        }
        int rows = _cb * PadWidth(network.MaxWidth);
        int threads = _pool.Threads;
        _gradW = new AlignedArray<T>[threads];
        _gradB = new AlignedArray<T>[threads];
        _zBar = new AlignedArray<T>[threads];
        _aBar = new AlignedArray<T>[threads];
        _hBar = new AlignedArray<T>[threads];
        _scratchA = new AlignedArray<T>[threads][];
        for (int w = 0; w < threads; w++)
        {
            _gradW[w] = new(gw);
            _gradB[w] = new(gb);
            _zBar[w] = new(rows);
            _aBar[w] = new(rows);
            _hBar[w] = new(rows);
            _scratchA[w] = [new(rows), new(rows)];
        }
        _keepA = layers.Select(l => l.Kind is LayerKind.Fourier or LayerKind.Residual
            || (l.Kind == LayerKind.Dense && !ActivationRules.DerivativesFromValue(l.Activation))).ToArray();
        _forwardJob = ForwardJob;
        _backwardJob = BackwardJob;
    }

    /// <summary>Up to this many units, a layer's forward product runs as dot products (a padded product would do at least 4× the work).</summary>
    private const int NarrowOutputs = 4;

    /// <summary>
    /// A row length rounded up to whole 512-bit registers of T (16 floats, 8 doubles), so that rows fill SIMD registers
    /// and start on cache lines: a width of 200 is 208 floats but 200 doubles (4% less work and memory than 208).
    /// </summary>
    private static int PadWidth(int n)
    {
        int r = 64 / Unsafe.SizeOf<T>();
        return (n + r - 1) / r * r;
    }

    /// <summary>Row length of layer l's input jets (the coordinates for the first layer, unpadded).</summary>
    private int InLd(int l) => l == 0 ? _d : _aLd[l - 1];

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<T> theta, ReadOnlySpan<T> points, Jets<T> jets)
    {
        int n = CheckInputs(theta, points);
        CheckJets(jets, n, nameof(jets));
        theta.CopyTo(_theta);
        PackForward();
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(Jets<T> sensitivities, Span<T> gradient)
    {
        if (!_forwardDone)
            throw new InvalidOperationException("Backward needs a Forward pass first");
        CheckGradient(gradient);
        CheckJets(sensitivities, _n, nameof(sensitivities));
        PackBackward();
        ClearWorkerGradients();
        _sens = sensitivities;
        _pool.Run(_backwardJob);
        _sens = null;
        for (int w = 0; w < _gradW.Length; w++)
            AddWorkerGradient(w, gradient);
    }

    /// <summary>Checks θ and the points (N × d coordinates) of a pass; returns N.</summary>
    private int CheckInputs(ReadOnlySpan<T> theta, ReadOnlySpan<T> points)
    {
        if (theta.Length != _net.ParameterCount)
            throw new ArgumentException($"θ has length {theta.Length}; the network has {_net.ParameterCount} parameters", nameof(theta));
        if (points.Length == 0 || points.Length % _d != 0)
            throw new ArgumentException($"points must hold N × {_d} coordinates (got {points.Length} values)", nameof(points));
        return points.Length / _d;
    }

    /// <summary>Checks the length of a gradient the pass adds into.</summary>
    private void CheckGradient(Span<T> gradient)
    {
        if (gradient.Length != _net.ParameterCount)
            throw new ArgumentException($"the gradient has length {gradient.Length}; the network has {_net.ParameterCount} parameters", nameof(gradient));
    }

    /// <summary>Zeroes every worker's partial weight and bias gradients before a reverse sweep.</summary>
    private void ClearWorkerGradients()
    {
        foreach (var g in _gradW)
            g.Clear();
        foreach (var g in _gradB)
            g.Clear();
    }

    /// <summary>Adds worker w's weight and bias gradients (padded, some transposed) into θ's layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddWorkerGradient(int w, Span<T> gradient)
    {
        var layers = _net.Layers;
        for (int l = _firstTrainable; l < layers.Count; l++)
        {
            var L = layers[l];
            int cols = _gwCols[l];
            var g = _gradW[w].AsSpan(_gwOffset[l]);
            var dst = gradient.Slice(L.WeightOffset, L.Out * L.In);
            if (_gradPanels[l])
                AddPanels(g, _gradTransposed[l] ? L.In : L.Out, cols, _gradTransposed[l], L.In, L.Out, dst);
            else if (_gradTransposed[l])
                for (int i = 0; i < L.In; i++)
                    for (int o = 0; o < L.Out; o++)
                        dst[o * L.In + i] += g[i * cols + o];
            else
                for (int o = 0; o < L.Out; o++)
                    for (int i = 0; i < L.In; i++)
                        dst[o * L.In + i] += g[o * cols + i];
            var gb = _gradB[w].AsSpan(_gbOffset[l], L.Out);
            var db = gradient.Slice(L.BiasOffset, L.Out);
            for (int o = 0; o < L.Out; o++)
                db[o] += gb[o];
        }
    }

    /// <summary>
    /// Adds a weight gradient kept in panel order (rows × cols, Gemm.PanelOffset's layout) into θ's W (Out × In), skipping
    /// the padding: G (rows = Out, cols ⊇ In) or, <paramref name="transposed"/>, Gᵀ (rows = In, cols ⊇ Out).
    /// </summary>
    private void AddPanels(ReadOnlySpan<T> g, int rows, int cols, bool transposed, int inputs, int outputs, Span<T> dst)
    {
        int lanes = Gemm.Lanes<T>(_width), nr = 2 * lanes, vectorColumns = cols / nr * nr, used = transposed ? outputs : inputs;
        for (int n0 = 0; n0 < cols; n0 += nr)
        {
            int pw = n0 < vectorColumns ? nr : lanes, width = Math.Min(pw, used - n0);
            for (int r = 0; r < rows; r++)
            {
                var src = g.Slice(n0 * rows + r * pw, pw);
                for (int j = 0; j < width; j++)
                    if (transposed)
                        dst[(n0 + j) * inputs + r] += src[j];
                    else
                        dst[r * inputs + n0 + j] += src[j];
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

    /// <summary>Room for n points and the stored jets of <paramref name="slots"/> blocks (by default, all of them).</summary>
    private void EnsureCapacity(int n, int slots = int.MaxValue)
    {
        _n = n;
        _blocks = (n + _b - 1) / _b;
        if (_points.Length != n * _d)
            _points = new T[n * _d];
        if (slots == int.MaxValue)
            slots = _blocks;
        if (slots <= _capacityBlocks)
            return;
        var layers = _net.Layers;
        _z = new AlignedArray<T>[layers.Count];
        _a = new AlignedArray<T>[layers.Count];
        for (int l = 0; l < layers.Count; l++)
        {
            _z[l] = new(slots * _cb * _zLd[l]);
            _a[l] = new(_keepA[l] ? slots * _cb * _aLd[l] : 0);
        }
        _h0 = new T[slots * _cb * _d];
        _capacityBlocks = slots;
    }

    /// <summary>Wᵀ and the bias of every trainable layer, padded to whole registers, from θ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackForward()
    {
        var layers = _net.Layers;
        for (int l = _firstTrainable; l < layers.Count; l++)
        {
            var L = layers[l];
            int ld = _zLd[l];
            var w = _theta.AsSpan(L.WeightOffset, L.In * L.Out);
            var t = _wT[l];
            if (!_narrow[l])
            {
                for (int o = 0; o < L.Out; o++)
                    for (int i = 0; i < L.In; i++)
                        t[i * ld + o] = w[o * L.In + i];
                Gemm.PackPanels<T>(_width, t, ld, L.In, ld, _wTPanels[l]);
            }
            _theta.AsSpan(L.BiasOffset, L.Out).CopyTo(_bias[l]);
        }
    }

    /// <summary>W of every layer whose input adjoint the sweep needs, rows padded to whole registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackBackward()
    {
        var layers = _net.Layers;
        for (int l = _firstTrainable + 1; l < layers.Count; l++)
        {
            var L = layers[l];
            int ld = InLd(l);
            var w = _theta.AsSpan(L.WeightOffset, L.In * L.Out);
            for (int o = 0; o < L.Out; o++)
                w.Slice(o * L.In, L.In).CopyTo(_wP[l].AsSpan(o * ld, L.In));
            Gemm.PackPanels<T>(_width, _wP[l], ld, L.Out, ld, _wPPanels[l]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardJob(int w)
    {
        var (s, e) = _pool.Share(w, _blocks);
        for (int b = s; b < e; b++)
            switch (_width)
            {
                case SimdWidth.Bits512: ForwardBlock<V512<T>>(b, b, w, _out!, b * _b); break;
                case SimdWidth.Bits256: ForwardBlock<V256<T>>(b, b, w, _out!, b * _b); break;
                default: ForwardBlock<VScalar<T>>(b, b, w, _out!, b * _b); break;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    // A block's stored jets by storage slot k: the block's index in the two-pass path, the worker's in the fused one.
    private Span<T> H0(int k) => _h0.AsSpan(k * _cb * _d, _cb * _d);
    private Span<T> Z(int l, int k) => _z[l].AsSpan(k * _cb * _zLd[l], _cb * _zLd[l]);
    private Span<T> A(int l, int k) => _a[l].AsSpan(k * _cb * _aLd[l], _cb * _aLd[l]);

    /// <summary>Where the forward pass of worker <paramref name="w"/> puts layer l's activation jets of slot k.</summary>
    private Span<T> ForwardA(int l, int k, int w) =>
        _keepA[l] ? A(l, k) : _scratchA[w][l % 2].AsSpan(0, _cb * _aLd[l]);

    /// <summary>
    /// The forward pass of block b (points b·B…) into storage slot k, its output jets into <paramref name="jets"/> from
    /// point <paramref name="first"/> on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardBlock<V>(int b, int k, int w, Jets<T> jets, int first)
        where V : unmanaged, ISimd<V, T>
    {
        int p0 = b * _b, valid = Math.Min(_b, _n - p0);
        var h0 = H0(k);
        h0.Clear();
        for (int p = 0; p < valid; p++)
            _points.AsSpan((p0 + p) * _d, _d).CopyTo(h0.Slice(p * _d, _d));
        if (Channels.FirstDerivatives > 0)
            for (int i = 0; i < _d; i++)
                for (int p = 0; p < _b; p++)
                    h0[((1 + i) * _b + p) * _d + i] = T.One;
        ReadOnlySpan<T> hin = h0;
        int ldIn = _d;
        var layers = _net.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            var L = layers[l];
            var z = Z(l, k);
            int ld = _zLd[l];
            if (_narrow[l])
            {
                z.Clear();
                Gemm.AccumulateNT<T>(_width, hin, ldIn, _theta.AsSpan(L.WeightOffset, L.Out * L.In), L.In, z, ld, _cb, L.Out, L.In);
            }
            else if (L.Kind == LayerKind.Fourier)
                Gemm.MultiplyNN<T>(_width, hin, ldIn, _wT[l], ld, z, ld, _cb, ld, L.In, accumulate: false, prefetch: A(l, k));
            else
                // the block's stored activation jets, which the activation pass writes next
                Gemm.MultiplyNNPacked<T>(_width, hin, ldIn, _wTPanels[l], z, ld, _cb, ld, L.In, accumulate: false,
                    prefetch: L.Kind != LayerKind.Output && _keepA[l] ? A(l, k) : default);
            if (L.Kind == LayerKind.Fourier)
            {
                var a = A(l, k);
                FourierForward<V>(z, a);
                hin = a;
                ldIn = _aLd[l];
                continue;
            }
            if (L.Kind == LayerKind.Output)
            {
                WriteOutputs(z, ld, jets, first, valid);
                break;
            }
            var act = ForwardA(l, k, w);
            ActivationForward<V>(L.Activation, _bias[l], z, act, ld, L.Kind == LayerKind.Residual ? hin : default);
            hin = act;
            ldIn = ld;
        }
    }

    /// <summary>The output layer's jets of one block (rows [channel·B + point], units along a row) into the caller's jets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteOutputs(ReadOnlySpan<T> z, int ld, Jets<T> jets, int p0, int valid)
    {
        for (int o = 0; o < _net.Outputs; o++)
        {
            T bias = _bias[^1][o];
            var value = jets.Channel(o, 0).Slice(p0, valid);
            for (int p = 0; p < valid; p++)
                value[p] = z[p * ld + o] + bias;
            for (int c = 1; c < _c; c++)
            {
                var dst = jets.Channel(o, c).Slice(p0, valid);
                for (int p = 0; p < valid; p++)
                    dst[p] = z[(c * _b + p) * ld + o];
            }
        }
    }

    /// <summary>
    /// The reverse sweep over blocks [s, e), one block at a time through all layers, so that a block's adjoints
    /// stay in cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BackwardBlocks<V>(int s, int e, int w)
        where V : unmanaged, ISimd<V, T>
    {
        for (int b = e - 1; b >= s; b--)
            // after the first layer: the input jets of the next block's output layer, from beyond L2
            BackwardBlock<V>(b, b, w, _sens!, b * _b, b > s ? StoredInput(_net.Layers.Count - 1, b - 1) : default);
    }

    /// <summary>
    /// The reverse sweep of block b (stored in slot k) through all layers, from its sensitivities in
    /// <paramref name="sens"/> at point <paramref name="first"/> on: activation adjoints, bias sums, the weight gradient
    /// (Σ of outer products of the rows of Z̄ᵀ and Hᵀ), then the input adjoints Z̄ᵀ·W. <paramref name="after"/> is
    /// prefetched while the first layer's weight gradient runs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BackwardBlock<V>(int b, int k, int w, Jets<T> sens, int first, ReadOnlySpan<T> after)
        where V : unmanaged, ISimd<V, T>
    {
        var layers = _net.Layers;
        var gradW = _gradW[w];
        var zb0 = _zBar[w];
        int last = layers.Count - 1;
        Span<T> aBar = _aBar[w], hBar = _hBar[w];
        ReadSensitivities(zb0.AsSpan(0, _cb * _zLd[last]), _zLd[last], sens, first, Math.Min(_b, _n - b * _b));
        for (int l = last; l >= _firstTrainable; l--)
        {
            var L = layers[l];
            int ld = _zLd[l], ldIn = InLd(l);
            var zb = zb0.AsSpan(0, _cb * ld);
            if (L.Kind != LayerKind.Output)
                ActivationBackward<V>(L.Activation, aBar.Slice(0, _cb * ld), Z(l, k), zb, ld);
            SumValueRows<V>(zb, ld, _gradB[w].AsSpan(_gbOffset[l], ld));
            ReadOnlySpan<T> hin = l == 0 ? H0(k) : _keepA[l - 1] ? A(l - 1, k) : Recompute<V>(l - 1, k, _scratchA[w][0]);
            var g = gradW.AsSpan(_gwOffset[l]);
            // While the weight gradient runs, the jet of z that the next layer's activation adjoint reads.
            ReadOnlySpan<T> next = l > _firstTrainable ? Z(l - 1, k) : after;
            if (_gradTransposed[l] && _gradPanels[l])
                Gemm.MultiplyTNIntoPanels<T>(_width, hin, ldIn, zb, ld, g, L.In, ld, _cb, accumulate: true, prefetch: next);
            else if (_gradTransposed[l])
                Gemm.MultiplyTN<T>(_width, hin, ldIn, zb, ld, g, ld, L.In, ld, _cb, accumulate: true, prefetch: next);
            else if (_gradPanels[l])
                Gemm.MultiplyTNIntoPanels<T>(_width, zb, ld, hin, ldIn, g, L.Out, ldIn, _cb, accumulate: true, prefetch: next);
            else
                Gemm.MultiplyTN<T>(_width, zb, ld, hin, ldIn, g, ldIn, L.Out, ldIn, _cb, accumulate: true, prefetch: next);
            if (l == _firstTrainable)
                break;
            // while the input adjoint runs, what the next layer's weight gradient reads
            next = StoredInput(l - 1, k);
            if (L.Kind == LayerKind.Residual)
            {
                // H̄ = Z̄ᵀ·W + Ā: the product added to Ā, whose buffer the activation adjoint has consumed
                Gemm.MultiplyNNPacked<T>(_width, zb, ld, _wPPanels[l], aBar.Slice(0, _cb * ldIn), ldIn, _cb, ldIn, L.Out, accumulate: true, prefetch: next);
                continue;
            }
            Gemm.MultiplyNNPacked<T>(_width, zb, ld, _wPPanels[l], hBar.Slice(0, _cb * ldIn), ldIn, _cb, ldIn, L.Out, accumulate: false, prefetch: next);
            var swap = aBar;
            aBar = hBar;
            hBar = swap;
        }
    }

    /// <summary>The stored jets from which layer l's weight gradient of slot k gets its input: the coordinates, the
    /// previous layer's kept activation jets, or the jet of z from which they are recomputed.</summary>
    private ReadOnlySpan<T> StoredInput(int l, int k) => l == 0 ? H0(k) : _keepA[l - 1] ? A(l - 1, k) : Z(l - 1, k);

    /// <summary>A block's sensitivities (<paramref name="valid"/> points of <paramref name="sens"/> from p0 on) into Z̄ᵀ of
    /// the output layer (rows [channel·B + point], zero in the padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadSensitivities(Span<T> zb, int ld, Jets<T> sens, int p0, int valid)
    {
        zb.Clear();
        for (int o = 0; o < _net.Outputs; o++)
            for (int c = 0; c < _c; c++)
            {
                var src = sens.Channel(o, c).Slice(p0, valid);
                for (int p = 0; p < valid; p++)
                    zb[(c * _b + p) * ld + o] = src[p];
            }
    }

    /// <summary>sum[u] += Σ_p x[p·ld + u] over the value channel's rows (the bias gradient of one block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SumValueRows<V>(ReadOnlySpan<T> x, int ld, Span<T> sum)
        where V : unmanaged, ISimd<V, T>
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T sr = ref MemoryMarshal.GetReference(sum);
        for (int u = 0; u < ld; u += V.Count)
        {
            V acc = V.Zero;
            for (int p = 0; p < _b; p++)
                acc = V.Add(acc, V.Load(ref xr, (nuint)(p * ld + u)));
            V.Store(V.Add(V.Load(ref sr, (nuint)u), acc), ref sr, (nuint)u);
        }
    }

    /// <summary>Stops the worker threads (if this engine created them).</summary>
    public void Dispose()
    {
        if (_ownsPool)
            _pool.Dispose();
    }
}
