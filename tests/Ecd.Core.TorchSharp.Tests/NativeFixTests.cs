using System.Text;

namespace Ecd.Core.TorchSharp.Tests;

/// <summary>build/TorchSharpNativeFix.targets: the copied libLibTorchSharp.so differs from the NuGet cache's by the one weak flag, and only where needed.</summary>
public class NativeFixTests
{
    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
                return true;
        return false;
    }

    [Fact]
    public void Output_copy_is_the_package_library_with_at_most_one_flag_changed()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string bin = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cache = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(bin), bin);
        Assert.True(File.Exists(cache), cache);
        byte[] patched = File.ReadAllBytes(bin), original = File.ReadAllBytes(cache);
        Assert.Equal(original.Length, patched.Length);
        int differences = Enumerable.Range(0, original.Length).Count(i => original[i] != patched[i]);

        byte[] version = Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.32\0");
        bool systemHasIt = new[] { "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .Where(File.Exists).Any(p => Contains(File.ReadAllBytes(p), version));
        // VER_FLG_WEAK is bit 1 of the 16-bit vna_flags: one byte changes where the system lacks the version.
        Assert.Equal(systemHasIt ? 0 : 1, differences);
    }
}
