using System.Text.RegularExpressions;

namespace CarteAuth.Core.Tests.Docs;

/// <summary>docs/faults.md names the tests that prove each fault's behaviour: every one of them must exist.</summary>
public sealed partial class FaultsDocumentedTests
{
    private static readonly string Doc = File.ReadAllText(CarteAuth.Testing.RepositoryPaths.Of("docs", "faults.md"));

    public static TheoryData<string, string, string> CitedTests
    {
        get
        {
            var data = new TheoryData<string, string, string>();
            foreach (var (project, type, method) in Citations())
            {
                data.Add(project, type, method);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(CitedTests))]
    public void Every_cited_test_exists_in_its_project(string project, string type, string method)
    {
        var directory = CarteAuth.Testing.RepositoryPaths.Of("tests", project);
        Assert.True(Directory.Exists(directory), $"docs/faults.md cites the test project {project}, which does not exist under tests/.");
        var declaring = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .Where(text => Regex.IsMatch(text, $@"\bclass {Regex.Escape(type)}\b"))
            .ToList();
        Assert.True(declaring.Count > 0, $"docs/faults.md cites {project}/{type}.{method}, but no class {type} is declared in tests/{project}.");
        Assert.True(
            declaring.Any(text => Regex.IsMatch(text, $@"\b(Task|void) {Regex.Escape(method)}\(")),
            $"docs/faults.md cites {project}/{type}.{method}, but {type} has no test method {method}: update the page.");
    }

    [Fact]
    public void The_page_covers_every_fault_of_the_matrix_and_cites_enough_tests()
    {
        foreach (var fault in new[] { "OCSP responder down", "OCSP responder slow", "CRL expired", "PSC down", "PSC slow", "HTML", "Redis down", "PostgreSQL stopped", "SQLite disk full", "SQLite locked" })
        {
            Assert.Contains(fault, Doc, StringComparison.Ordinal);
        }

        Assert.True(Citations().Count >= 40, $"Only {Citations().Count} tests cited in docs/faults.md: is the citation format `project/Class.Method` still used?");
    }

    private static List<(string Project, string Type, string Method)> Citations() =>
        [.. Citation().Matches(Doc).Select(m => (m.Groups["project"].Value, m.Groups["type"].Value, m.Groups["method"].Value)).Distinct()];

    // `CarteAuth.SmartCard.Tests/OcspRevocationCheckerTests.Responder_down_is_unavailable_and_fails_closed_by_default`
    [GeneratedRegex(@"`(?<project>[A-Za-z0-9.]+\.Tests)/(?<type>[A-Za-z0-9_]+)\.(?<method>[A-Za-z0-9_]+)`")]
    private static partial Regex Citation();
}
