using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ecd.Core.Engine;

/// <summary>
/// A loss that is pointwise-local: the sensitivities of a point's output channels depend on that point's jets (and on
/// values fixed for the whole pass) only, so that <see cref="JetEngine{T}.ForwardBackward"/> can ask for them one
/// block of points at a time.
/// </summary>
public interface IBlockSensitivity<T>
    where T : unmanaged
{
    /// <summary>
    /// Writes ∂L/∂(every output channel) of points [<paramref name="first"/>, first + <paramref name="count"/>) into the
    /// first <paramref name="count"/> points of <paramref name="sensitivities"/> (zero on entry), given their jets in
    /// the first <paramref name="count"/> points of <paramref name="jets"/>; both hold one block (B points). Called by
    /// worker <paramref name="worker"/>, concurrently with the other workers: state written here must be per worker
    /// (e.g. a partial loss per worker, added in worker order afterwards). A worker's blocks come in a fixed order.
    /// </summary>
    void Sensitivities(int worker, int first, int count, Jets<T> jets, Jets<T> sensitivities);
}

public sealed partial class JetEngine<T>
{
    // Per worker: one block's output jets and sensitivities for the fused path (allocated by its first call).
    private Jets<T>[] _blockJets = [], _blockSens = [];
    // The fused path's job for the last callback type (one per engine and type, so no allocation per call).
    private object? _fused;

    /// <summary>
    /// Forward and reverse fused, for a pointwise-local loss: for each block of <paramref name="points"/> (each worker
    /// its static share), the forward pass through all layers, then <paramref name="callback"/> turns the block's
    /// output jets into its sensitivities, then the block's reverse sweep runs while its jets are still in cache;
    /// only one block's jets per worker are stored. Adds the gradient of L with respect to θ to
    /// <paramref name="gradient"/>. The blocks of a worker are taken in the order of <see cref="Backward"/>'s sweep, so
    /// the gradient is bit-identical to <see cref="Forward"/> + <see cref="Backward"/> with the same sensitivities and
    /// thread count. Afterwards <see cref="Backward"/> needs a new <see cref="Forward"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ForwardBackward<C>(ReadOnlySpan<T> theta, ReadOnlySpan<T> points, ref C callback, Span<T> gradient)
        where C : struct, IBlockSensitivity<T>
    {
        int n = CheckInputs(theta, points);
        CheckGradient(gradient);
        _forwardDone = false;
        theta.CopyTo(_theta);
        PackForward();
        PackBackward();
        EnsureCapacity(n, Threads);
        points.CopyTo(_points);
        if (_blockJets.Length == 0)
        {
            _blockJets = Enumerable.Range(0, Threads).Select(_ => NewJets(_b)).ToArray();
            _blockSens = Enumerable.Range(0, Threads).Select(_ => NewJets(_b)).ToArray();
        }
        ClearWorkerGradients();
        if (_fused is not FusedJob<C> job)
            _fused = job = new FusedJob<C>(this);
        job.Callback = callback;
        try
        {
            _pool.Run(job.Run);
        }
        finally
        {
            callback = job.Callback;
            job.Callback = default;
        }
        for (int w = 0; w < _gradW.Length; w++)
            AddWorkerGradient(w, gradient);
    }

    /// <summary>Worker w's blocks, each forward, called back and swept in reverse at once (in slot w).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FusedBlocks<C, V>(int w, ref C callback)
        where C : struct, IBlockSensitivity<T>
        where V : unmanaged, ISimd<V, T>
    {
        var (s, e) = _pool.Share(w, _blocks);
        var jets = _blockJets[w];
        var sens = _blockSens[w];
        for (int b = e - 1; b >= s; b--)
        {
            int p0 = b * _b, valid = Math.Min(_b, _n - p0);
            ForwardBlock<V>(b, w, w, jets, 0);
            sens.Clear();
            callback.Sensitivities(w, p0, valid, jets, sens);
            BackwardBlock<V>(b, w, w, sens, 0, default);
        }
    }

    /// <summary>The fused path's worker job for callbacks of type C, holding the callback during a pass.</summary>
    private sealed class FusedJob<C>
        where C : struct, IBlockSensitivity<T>
    {
        private readonly JetEngine<T> _engine;
        public C Callback;

        public FusedJob(JetEngine<T> engine)
        {
            _engine = engine;
            Run = Work;
        }

        public Action<int> Run { get; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Work(int w)
        {
            switch (_engine._width)
            {
                case SimdWidth.Bits512: _engine.FusedBlocks<C, V512<T>>(w, ref Callback); break;
                case SimdWidth.Bits256: _engine.FusedBlocks<C, V256<T>>(w, ref Callback); break;
                default: _engine.FusedBlocks<C, VScalar<T>>(w, ref Callback); break;
            }
        }
    }
}
