using CarteAuth.Testing;
using Xunit.Abstractions;

namespace CarteAuth.Docs.Tests;

/// <summary>docs/configuration.md is the generated reference of the options types, up to date with the code.</summary>
public sealed class ConfigurationReferenceTests(ITestOutputHelper output)
{
    /// <summary>Set to 1 (scripts/update-config-reference.sh does) to write docs/configuration.md instead of comparing.</summary>
    private const string UpdateVariable = "CARTEAUTH_UPDATE_DOCS";

    [Fact]
    public void ConfigurationReferenceIsUpToDate()
    {
        var generated = ConfigurationReference.Generate();
        var path = RepositoryPaths.Of("docs", "configuration.md");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, generated);
            return;
        }

        var current = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : string.Empty;
        if (current != generated)
        {
            var currentLines = current.Split('\n');
            var generatedLines = generated.Split('\n');
            var line = Enumerable.Range(0, Math.Max(currentLines.Length, generatedLines.Length))
                .First(i => currentLines.ElementAtOrDefault(i) != generatedLines.ElementAtOrDefault(i));
            Assert.Fail($"docs/configuration.md is out of date with the options types: run `scripts/update-config-reference.sh` and commit the result. "
                + $"First difference at line {line + 1}:\n  file:      {currentLines.ElementAtOrDefault(line)}\n  generated: {generatedLines.ElementAtOrDefault(line)}");
        }
    }

    [Fact]
    public void SummariesStateTheRealDefaults()
    {
        // The reference shows both the summary and the real default: a summary that says another default misleads.
        var mismatches = ConfigurationReference.StatedDefaultMismatches(out var checkedCount);
        output.WriteLine($"{checkedCount} properties state their default in their summary");
        Assert.True(checkedCount > 50, $"only {checkedCount} stated defaults were found: the patterns no longer match the summaries");
        Assert.True(mismatches.Count == 0, "fix the <summary> (or the default) of:\n" + string.Join("\n", mismatches));
    }

    [Fact]
    public void GenerationIsDeterministic() =>
        Assert.Equal(ConfigurationReference.Generate(), ConfigurationReference.Generate());

    [Fact]
    public void EveryPublicConfigurationBindingIsKnown()
    {
        // A new public method taking an IConfiguration must say which options it binds and under which section.
        var methods = ConfigurationReference.ConfigurationMethods(ConfigurationReference.SourceAssemblies());
        var known = ConfigurationReference.Bindings.Select(b => b.Method).ToList();
        Assert.All(methods, m => Assert.True(known.Contains(m), $"{m} binds options from IConfiguration but is not in ConfigurationReference.Bindings: add it (options type, conventional section)."));
        Assert.All(known, m => Assert.True(methods.Contains(m), $"ConfigurationReference.Bindings names {m}, which no longer exists (or takes no IConfiguration): remove or rename it."));
    }

    [Fact]
    public void OtherBindingsAreStillInTheCode()
    {
        foreach (var (options, section, _, file, evidence) in ConfigurationReference.OtherBindings)
        {
            Assert.True(File.ReadAllText(RepositoryPaths.Of(file)).Contains(evidence, StringComparison.Ordinal),
                $"{file} no longer contains `{evidence}`: update ConfigurationReference.OtherBindings ({options.Name} in section {section}).");
        }
    }

    [Fact]
    public void EveryPackagesOptionsAreDocumented()
    {
        var assemblies = ConfigurationReference.SourceAssemblies();
        var types = ConfigurationReference.DocumentedTypes(assemblies);
        Assert.Equal(Directory.GetFiles(RepositoryPaths.Of("src"), "*.csproj", SearchOption.AllDirectories).Length, assemblies.Count);
        foreach (var expected in new[] { "CarteAuthOptions", "SessionTokenOptions", "CarteAuthPolicyOptions", "PolicyDefinition", "ZoneRequirements", "Fido2Options", "ProSanteConnectOptions", "PscCibaOptions", "SmartCardOptions", "CrlRevocationOptions", "RadiusClientOptions", "ForwardAuthRoute", "RedisStoreOptions" })
        {
            Assert.Contains(types, t => t.Name == expected);
        }

        Assert.Equal(types.Count, types.Select(t => t.Name).Distinct().Count()); // headings (and anchors) are unique
        var markdown = ConfigurationReference.Generate();
        Assert.Contains("| `TokenIssuer` | `string` | `carteauth` |", markdown, StringComparison.Ordinal);
        Assert.Contains("**Configuration section:** `CarteAuth:Policies:<name>`", markdown, StringComparison.Ordinal);
        Assert.Contains("**Configuration section:** `Radius:Clients:<index>`", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(" |  |\n", markdown, StringComparison.Ordinal); // no property without a description
    }
}
