using System.Runtime.CompilerServices;

namespace Ecd.Core.Engine;

/// <summary>
/// A fixed set of worker threads that run one job on every worker and wait for all of them: no allocation per
/// dispatch, and worker w always gets the same share of the work, so results are reproducible for a thread count.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _finished = new(0);
    private Action<int>? _job;
    private int _pending;
    private Exception? _failure;
    private volatile bool _disposed;

    /// <summary>A pool of <paramref name="threads"/> workers (the calling thread is worker 0); 0 means all cores.</summary>
    public WorkerPool(int threads = 0)
    {
        if (threads < 0)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be ≥ 0 (0 = all cores)");
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        _threads = new Thread[Threads - 1];
        _start = new SemaphoreSlim[Threads - 1];
        for (int w = 1; w < Threads; w++)
        {
            int id = w;
            _start[w - 1] = new SemaphoreSlim(0);
            _threads[w - 1] = new Thread(() => Loop(id)) { IsBackground = true, Name = $"ecd-engine-{id}" };
            _threads[w - 1].Start();
        }
    }

    /// <summary>Number of workers.</summary>
    public int Threads { get; }

    /// <summary>Runs <paramref name="job"/>(w) for every worker w = 0…Threads−1 and waits; rethrows the first failure.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(Action<int> job)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Threads == 1)
        {
            job(0);
            return;
        }
        _job = job;
        _failure = null;
        _pending = Threads - 1;
        foreach (var s in _start)
            s.Release();
        try
        {
            job(0);
        }
        catch (Exception e)
        {
            _failure ??= e;
        }
        _finished.Wait();
        _job = null;
        if (_failure is not null)
            throw new AggregateException("an engine worker failed", _failure);
    }

    /// <summary>The share [start, end) of <paramref name="count"/> items that worker <paramref name="w"/> processes.</summary>
    public (int Start, int End) Share(int w, int count) =>
        ((int)((long)count * w / Threads), (int)((long)count * (w + 1) / Threads));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Loop(int id)
    {
        while (true)
        {
            _start[id - 1].Wait();
            if (_disposed)
                return;
            try
            {
                _job!(id);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            if (Interlocked.Decrement(ref _pending) == 0)
                _finished.Release();
        }
    }

    /// <summary>Stops the workers.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var s in _start)
            s.Release();
        foreach (var t in _threads)
            t.Join();
    }
}
