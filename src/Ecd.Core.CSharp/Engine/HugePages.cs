using System.Runtime.InteropServices;

namespace Ecd.Core.Engine;

/// <summary>
/// Asks Linux to back the engine's large buffers with 2 MiB pages (transparent huge pages in "madvise" mode): a
/// block's jets are spread over tens of MiB, and with 4 KiB pages the products' row streams and the prefetches missed
/// the TLB. A hint: elsewhere, or when the kernel declines, nothing changes.
/// </summary>
internal static partial class HugePages
{
    private const long Size = 2 << 20;
    private const int MadviseHugePage = 14;

    /// <summary>
    /// Buffers from this size on: beyond the reach of the TLB's 4 KiB entries (about 2048 × 4 KiB = 8 MiB); smaller
    /// ones gain little, and every 2 MiB page a buffer's neighbours on the heap touch later counts whole in the
    /// resident memory.
    /// </summary>
    private const long Threshold = 8 << 20;

    /// <summary>Advises the whole 2 MiB pages inside [address, address + bytes), for buffers of at least 8 MiB.</summary>
    public static void Advise(long address, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < Threshold)
            return;
        long start = (address + Size - 1) / Size * Size, end = (address + bytes) / Size * Size;
        if (end > start)
            _ = Madvise((nint)start, (nuint)(end - start), MadviseHugePage);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
