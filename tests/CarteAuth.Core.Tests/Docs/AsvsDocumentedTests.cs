using System.Text.RegularExpressions;

namespace CarteAuth.Core.Tests.Docs;

/// <summary>
/// docs/asvs.md lists every OWASP ASVS 4.0.3 V2 and V3 requirement, and every test it cites as proof exists (the test
/// project's folder holds a file declaring that class with that method), so the mapping cannot rot.
/// </summary>
public sealed partial class AsvsDocumentedTests
{
    /// <summary>The requirement counts of each ASVS 4.0.3 V2/V3 section (V2.1 has 12 requirements, …).</summary>
    private static readonly (string Section, int Count)[] Sections =
    [
        ("2.1", 12), ("2.2", 7), ("2.3", 3), ("2.4", 6), ("2.5", 7), ("2.6", 3), ("2.7", 6), ("2.8", 7), ("2.9", 3), ("2.10", 4),
        ("3.1", 1), ("3.2", 4), ("3.3", 4), ("3.4", 5), ("3.5", 3), ("3.6", 2), ("3.7", 1),
    ];

    private static string Doc() => File.ReadAllText(CarteAuth.Testing.RepositoryPaths.Of("docs", "asvs.md"));

    [Fact]
    public void EveryV2AndV3Requirement_HasItsRow_WithAStatus()
    {
        var rows = RequirementRow().Matches(Doc()).ToDictionary(m => m.Groups["id"].Value, m => m.Value, StringComparer.Ordinal);
        var expected = Sections.SelectMany(s => Enumerable.Range(1, s.Count).Select(i => $"{s.Section}.{i}")).ToList();
        Assert.Equal(78, expected.Count);
        var missing = expected.Where(id => !rows.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, "docs/asvs.md has no row for ASVS " + string.Join(", ", missing));
        var unknown = rows.Keys.Where(id => id.StartsWith('2') || id.StartsWith('3')).Except(expected, StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, "docs/asvs.md has rows for requirements ASVS 4.0.3 V2/V3 does not have: " + string.Join(", ", unknown));
        foreach (var id in expected)
        {
            Assert.Matches(@"\| (met|partly|n/a|app|met \(demo\)) \|", rows[id]);
        }
    }

    [Fact]
    public void EveryCitedTest_Exists()
    {
        var citations = Citation().Matches(Doc()).Select(m => (Project: m.Groups["project"].Value, Class: m.Groups["class"].Value, Method: m.Groups["method"].Value)).Distinct().ToList();
        Assert.True(citations.Count >= 50, $"Only {citations.Count} test citations found in docs/asvs.md: is the `Project.Tests/Class.Method` form still used?");
        var missing = new List<string>();
        foreach (var (project, cls, method) in citations)
        {
            var folder = CarteAuth.Testing.RepositoryPaths.Of("tests", project);
            var found = Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Select(File.ReadAllText)
                .Any(text => Regex.IsMatch(text, $@"\bclass\s+{cls}\b") && Regex.IsMatch(text, $@"\b(Task|void)\s+{method}\s*\("));
            if (!found)
            {
                missing.Add($"{project}/{cls}.{method}");
            }
        }

        Assert.True(missing.Count == 0, "docs/asvs.md cites tests that do not exist (renamed or removed? update the doc): " + string.Join(", ", missing));
    }

    // A table row whose first cell is a requirement number: | 2.1.1 | … |
    [GeneratedRegex(@"^\|\s*(?<id>\d+\.\d+\.\d+)\s*\|.*$", RegexOptions.Multiline)]
    private static partial Regex RequirementRow();

    // `CarteAuth.AspNetCore.Tests/CookieFlagsTests.SessionCookie_…`
    [GeneratedRegex(@"`(?<project>[A-Za-z0-9.]+\.Tests)/(?<class>[A-Za-z0-9_]+)\.(?<method>[A-Za-z0-9_]+)`")]
    private static partial Regex Citation();
}
