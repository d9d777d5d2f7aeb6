namespace Ecd.Core.TorchSharp.Tests;

/// <summary>The C# snippet of docs/torchsharp.md is the example CI runs (examples/torchsharp-bbi/Program.cs).</summary>
public class DocsTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EcdPde.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("EcdPde.sln not found above the test binaries");
    }

    private static string Between(string text, string start, string end)
    {
        int a = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(a >= 0, $"'{start}' not found");
        a += start.Length;
        int b = text.IndexOf(end, a, StringComparison.Ordinal);
        Assert.True(b >= 0, $"'{end}' not found");
        return text[a..b];
    }

    [Fact]
    public void Csharp_snippet_is_the_example_line_for_line()
    {
        string root = Root();
        string doc = File.ReadAllText(Path.Combine(root, "docs", "torchsharp.md")).ReplaceLineEndings("\n");
        string program = File.ReadAllText(Path.Combine(root, "examples", "torchsharp-bbi", "Program.cs")).ReplaceLineEndings("\n");
        Assert.Equal(Between(program, "// <doc-snippet>\n", "// </doc-snippet>\n"), Between(doc, "```csharp\n", "```\n"));
    }
}
