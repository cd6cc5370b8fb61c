using System.Text;
using System.Text.RegularExpressions;
using CarteAuth.Testing;

namespace CarteAuth.Docs.Tests;

/// <summary>
/// Every relative link of README.md and docs/*.md points to a file or folder of the repository and, with a
/// <c>#fragment</c> into a markdown file, to one of its headings (GitHub's anchor rule). Links in code are not links.
/// </summary>
public sealed partial class DocLinksTests
{
    // Links that leave the repository on purpose (checked nowhere): the design notes live beside the repository.
    private static readonly HashSet<string> OutsideRepository = new(StringComparer.Ordinal) { "../shared/DESIGN.md" };

    public static TheoryData<string> Pages
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var page in PagePaths())
            {
                data.Add(page);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void RelativeLinks_Resolve(string page)
    {
        var path = RepositoryPaths.Of(page.Split('/'));
        var broken = new List<string>();
        foreach (var target in Links(File.ReadAllText(path)))
        {
            if (Problem(path, target) is { } problem)
            {
                broken.Add($"({target}): {problem}");
            }
        }

        Assert.True(broken.Count == 0, $"{page} has broken links:\n  " + string.Join("\n  ", broken));
    }

    [Fact]
    public void TheCheckerSeesLinksAndAnchors()
    {
        // Guards the theory: a missing file, a missing anchor and a link in code.
        var page = RepositoryPaths.Of("docs", "gateway.md");
        Assert.Null(Problem(page, "reason-codes.md#radius-radius-server"));
        Assert.Null(Problem(page, "#the-assertion"));
        Assert.Null(Problem(page, "../samples/RemoteAccessGateway/nginx/forward-auth.conf"));
        Assert.NotNull(Problem(page, "no-such-page.md"));
        Assert.NotNull(Problem(page, "reason-codes.md#no-such-heading"));
        Assert.Equal(["a.md", "b.md#x"], Links("[a](a.md) `[c](c.md)` [b](b.md#x \"title\") [w](https://example.org)\n```\n[d](d.md)\n```\n"));
        Assert.Equal("yarp-carteauth-as-the-reverse-proxy", Slug("YARP: CarteAuth as the reverse proxy"));
        Assert.Equal("radius-radius-server", Slug("`radius`: RADIUS server"));
    }

    private static IEnumerable<string> PagePaths() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(RepositoryPaths.Of("docs"), "*.md").Select(p => "docs/" + Path.GetFileName(p)).Order(StringComparer.Ordinal));

    private static string? Problem(string page, string target)
    {
        if (OutsideRepository.Contains(target))
        {
            return null;
        }

        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var file = hash < 0 ? target : target[..hash];
        var fragment = hash < 0 ? null : target[(hash + 1)..];
        var resolved = file.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, Uri.UnescapeDataString(file)));
        var root = Path.GetFullPath(RepositoryPaths.Root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (!resolved.StartsWith(root, StringComparison.Ordinal) && resolved != root.TrimEnd(Path.DirectorySeparatorChar))
        {
            return "leaves the repository";
        }

        if (!File.Exists(resolved) && !Directory.Exists(resolved))
        {
            return "no such file";
        }

        if (fragment is null || !resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || fragment.Length == 0)
        {
            return null;
        }

        return Anchors(File.ReadAllText(resolved)).Contains(fragment) ? null : $"no heading with the anchor #{fragment} in {Path.GetFileName(resolved)}";
    }

    internal static List<string> Links(string markdown)
    {
        var links = new List<string>();
        foreach (var line in Prose(markdown))
        {
            foreach (Match m in Link().Matches(InlineCode().Replace(line, string.Empty)))
            {
                var target = m.Groups["target"].Value;
                if (!Scheme().IsMatch(target))
                {
                    links.Add(target);
                }
            }
        }

        return links;
    }

    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in Prose(markdown))
        {
            var m = Heading().Match(line);
            if (!m.Success)
            {
                continue;
            }

            var slug = Slug(m.Groups["text"].Value);
            var n = counts.GetValueOrDefault(slug);
            counts[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }

        return anchors;
    }

    // GitHub: lower case, keep letters, digits, '_', '-' and spaces, spaces become '-'. Links keep their text.
    internal static string Slug(string heading)
    {
        var text = Link().Replace(heading.Trim(), m => m.Groups["text"].Value);
        var sb = new StringBuilder();
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '_' or '-')
            {
                sb.Append(c);
            }
            else if (c == ' ')
            {
                sb.Append('-');
            }
        }

        return sb.ToString();
    }

    // Lines outside fenced code blocks.
    private static IEnumerable<string> Prose(string markdown)
    {
        var fenced = false;
        foreach (var line in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            if (!fenced)
            {
                yield return line;
            }
        }
    }

    [GeneratedRegex(@"(?<!!)\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
