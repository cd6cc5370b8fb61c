using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CarteAuth.Gateway;
using CarteAuth.Gateway.Radius;
using CarteAuth.Policies;
using CarteAuth.Testing;

namespace CarteAuth.Docs.Tests;

/// <summary>
/// The JSON configuration the guides show is what the code reads: every ```json block of docs/getting-started-*.md
/// (a fragment such as <c>"Gateway": { … }</c> is read inside braces) has its policies compiled (unknown keys, wrong
/// values and unknown amr are errors), its RADIUS section bound without unknown keys and validated, and its forward-auth
/// section bound without unknown keys.
/// </summary>
public sealed partial class DocConfigBlocksTests
{
    public static TheoryData<string, int> Blocks
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var (page, index, _) in JsonBlocks())
            {
                data.Add(page, index);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void JsonBlock_IsValidConfiguration(string page, int index)
    {
        var json = JsonBlocks().Single(b => b.Page == page && b.Index == index).Json;
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var checkedSomething = false;

        if (config.GetSection("CarteAuth").Exists())
        {
            PolicyCompiler.CompileAll(PolicyConfigurationLoader.Bind(config.GetSection("CarteAuth")));
            checkedSomething = true;
        }

        if (config.GetSection("Radius").Exists())
        {
            var radius = new RadiusServerOptions();
            config.GetSection("Radius").Bind(radius, o => o.ErrorOnUnknownConfiguration = true);
            radius.Validate();
            checkedSomething = true;
        }

        if (config.GetSection("Gateway:ForwardAuth").Exists())
        {
            var forwardAuth = new ForwardAuthOptions();
            config.GetSection("Gateway:ForwardAuth").Bind(forwardAuth, o => o.ErrorOnUnknownConfiguration = true);
            Assert.NotEmpty(forwardAuth.Routes);
            checkedSomething = true;
        }

        if (config.GetSection("ReverseProxy").Exists() || config.GetSection("dossier:Metadata").Exists() || config.GetSection("MonLogiciel").Exists())
        {
            checkedSomething = true; // YARP's own schema (checked by the gateway tests' yarp.json) and plain paths
        }

        Assert.True(checkedSomething, $"{page} JSON block {index} has no section this test knows how to check: teach it, or it is not configuration.");
    }

    [Fact]
    public void BlocksAreFound() => Assert.True(JsonBlocks().Count >= 5, $"Only {JsonBlocks().Count} JSON blocks found.");

    private static List<(string Page, int Index, string Json)> JsonBlocks()
    {
        var result = new List<(string, int, string)>();
        foreach (var path in Directory.GetFiles(RepositoryPaths.Of("docs"), "getting-started-*.md").Order(StringComparer.Ordinal))
        {
            var index = 0;
            foreach (Match m in JsonFence().Matches(File.ReadAllText(path)))
            {
                var text = m.Groups["json"].Value.Trim();
                var json = text.StartsWith('"') ? "{" + text + "}" : text;
                _ = JsonNode.Parse(json); // a block that is not JSON fails here, naming nothing: keep the blocks valid JSON
                result.Add(("docs/" + Path.GetFileName(path), index++, json));
            }
        }

        return result;
    }

    [GeneratedRegex(@"```json\n(?<json>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonFence();
}
