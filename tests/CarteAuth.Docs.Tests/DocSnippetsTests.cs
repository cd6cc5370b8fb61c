using System.Text.RegularExpressions;
using CarteAuth.Testing;

namespace CarteAuth.Docs.Tests;

/// <summary>
/// The C# code of the guides compiles against the current API: every ```csharp block preceded by
/// <c>&lt;!-- snippet: name --&gt;</c> in docs/*.md must equal the region <c>// &lt;snippet name&gt;</c> …
/// <c>// &lt;/snippet&gt;</c> of a file in Guides/ (compared line by line after removing the common indentation and
/// trailing spaces), and every region must be shown by a page. Edit both together.
/// </summary>
public sealed partial class DocSnippetsTests
{
    public static TheoryData<string> DocSnippets
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in MarkdownSnippets().Keys)
            {
                data.Add(name);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(DocSnippets))]
    public void MarkdownSnippet_IsTheCompiledCode(string name)
    {
        var (file, markdown) = MarkdownSnippets()[name];
        Assert.True(CodeSnippets().TryGetValue(name, out var code),
            $"{file} shows snippet '{name}', but no file in tests/CarteAuth.Docs.Tests/Guides has a '// <snippet {name}>' region: add it there, so it compiles.");

        var expected = Normalize(code);
        var actual = Normalize(markdown);
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            var e = i < expected.Count ? expected[i] : "<end of snippet>";
            var a = i < actual.Count ? actual[i] : "<end of snippet>";
            Assert.True(e == a, $"Snippet '{name}' in {file} differs from the compiled code at its line {i + 1}:\n  markdown: {a}\n  code:     {e}");
        }
    }

    [Fact]
    public void EveryCodeSnippet_IsShownInTheDocs()
    {
        var shown = MarkdownSnippets();
        var orphans = CodeSnippets().Keys.Where(k => !shown.ContainsKey(k)).ToList();
        Assert.True(orphans.Count == 0, $"Snippets compiled but shown by no page (add <!-- snippet: name --> before a ```csharp block, or delete them): {string.Join(", ", orphans)}");
    }

    [Fact]
    public void SnippetsAreFound()
    {
        // Guards the theory against checking nothing (e.g. a changed marker syntax).
        Assert.True(MarkdownSnippets().Count >= 8, $"Only {MarkdownSnippets().Count} snippets found in docs/*.md.");
        Assert.Contains("vendor-program", MarkdownSnippets().Keys);
    }

    internal static List<string> Normalize(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var indent = lines.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart(' ').Length).DefaultIfEmpty(0).Min();
        return [.. lines.Select(l => l.Length >= indent ? l[indent..] : l)];
    }

    private static Dictionary<string, (string File, string Code)> MarkdownSnippets()
    {
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(RepositoryPaths.Of("docs"), "*.md"))
        {
            var file = "docs/" + Path.GetFileName(path);
            foreach (Match m in MarkdownSnippet().Matches(File.ReadAllText(path)))
            {
                var name = m.Groups["name"].Value;
                Assert.False(result.ContainsKey(name), $"Snippet '{name}' is shown twice ({result.GetValueOrDefault(name).Item1} and {file}).");
                result[name] = (file, m.Groups["code"].Value);
            }
        }

        return result;
    }

    private static Dictionary<string, string> CodeSnippets()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(RepositoryPaths.Of("tests", "CarteAuth.Docs.Tests", "Guides"), "*.cs"))
        {
            foreach (Match m in CodeSnippet().Matches(File.ReadAllText(path)))
            {
                var name = m.Groups["name"].Value;
                Assert.False(result.ContainsKey(name), $"Snippet region '{name}' is defined twice (second in {Path.GetFileName(path)}).");
                result[name] = m.Groups["code"].Value;
            }
        }

        return result;
    }

    // <!-- snippet: name --> then (blank lines allowed) a ```csharp fence.
    [GeneratedRegex(@"<!--\s*snippet:\s*(?<name>[a-z0-9-]+)\s*-->\s*\n```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex MarkdownSnippet();

    [GeneratedRegex(@"//\s*<snippet (?<name>[a-z0-9-]+)>[^\n]*\n(?<code>.*?)\n[ \t]*//\s*</snippet>", RegexOptions.Singleline)]
    private static partial Regex CodeSnippet();
}
