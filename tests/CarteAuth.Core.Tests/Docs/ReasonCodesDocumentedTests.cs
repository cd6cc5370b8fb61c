using System.Reflection;
using System.Text.RegularExpressions;

namespace CarteAuth.Core.Tests.Docs;

public sealed partial class ReasonCodesDocumentedTests
{
    public static TheoryData<string, string> AllCodes
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (name, code) in Codes())
            {
                data.Add(name, code);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void EveryReasonCode_IsDocumentedInReasonCodesMd(string name, string code)
    {
        var doc = File.ReadAllText(ReasonCodesDocPath());

        Assert.True(
            doc.Contains($"`{code}`", StringComparison.Ordinal),
            $"ReasonCodes.{name} (`{code}`) is not documented in docs/reason-codes.md: add a row to its area's table.");
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void EveryReasonCode_IsLowerCaseAreaDotWhat(string name, string code)
    {
        Assert.True(CodePattern().IsMatch(code), $"ReasonCodes.{name} = '{code}' does not match {CodePattern()}.");
    }

    [Fact]
    public void ReasonCodes_AreUnique()
    {
        var duplicates = Codes()
            .GroupBy(c => c.Code, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(c => c.Name))}")
            .ToList();

        Assert.Empty(duplicates);
    }

    [Fact]
    public void ReasonCodes_AreFoundByReflection()
    {
        // Guards the other tests against silently checking nothing.
        var codes = Codes();

        Assert.True(codes.Count >= 40, $"Only {codes.Count} reason codes found by reflection.");
        Assert.Contains(codes, c => c.Name == nameof(ReasonCodes.InvalidNationalId) && c.Code == "identity.invalid-national-id");
    }

    [Fact]
    public void ReasonCodesDoc_DocumentsOnlyExistingCodesInItsTables()
    {
        var known = Codes().Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
        var documented = DocumentedCode().Matches(File.ReadAllText(ReasonCodesDocPath()))
            .Select(m => m.Groups["code"].Value)
            .ToList();

        Assert.NotEmpty(documented);
        Assert.All(documented, code => Assert.True(known.Contains(code), $"docs/reason-codes.md documents `{code}`, which is not in ReasonCodes."));
    }

    private static List<(string Name, string Code)> Codes() =>
        [.. typeof(ReasonCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && !f.IsInitOnly && f.FieldType == typeof(string))
            .Select(f => (f.Name, (string)f.GetRawConstantValue()!))];

    private static string ReasonCodesDocPath()
    {
        var path = CarteAuth.Testing.RepositoryPaths.Of("docs", "reason-codes.md");
        Assert.True(File.Exists(path), $"{path} is missing.");
        return path;
    }

    [GeneratedRegex(@"^[a-z0-9]+(\.[a-z0-9-]+)+$")]
    private static partial Regex CodePattern();

    // A table row whose first cell is a code: | `area.what` | … |
    [GeneratedRegex(@"^\|\s*`(?<code>[a-z0-9]+(\.[a-z0-9-]+)+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex DocumentedCode();
}
