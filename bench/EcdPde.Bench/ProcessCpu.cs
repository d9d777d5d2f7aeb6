using System.Runtime.InteropServices;

namespace EcdPde.Bench;

/// <summary>CPU time of this process, all threads (clock_gettime(CLOCK_PROCESS_CPUTIME_ID), nanosecond resolution).</summary>
internal static class ProcessCpu
{
    private const int ClockProcessCpuTimeId = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Milliseconds of CPU time used so far (Linux; elsewhere the process's TotalProcessorTime).</summary>
    public static double Milliseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockProcessCpuTimeId, out var t) == 0)
            return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }
}
