using CarteAuth.Authentication;
using CarteAuth.Policies;
using CarteAuth.Core.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using CarteAuth.Testing;

namespace CarteAuth.Core.Tests.Policies;

public sealed class PolicyConfigurationTests : IDisposable
{
    private const string ValidFile = """
        {
          "Policies": {
            "dossier-patient": {
              "MinimumAssurance": "High",
              "AllowedMethods": [ "sc", "hwk" ],
              "RequiredMethods": [ "pin" ],
              "RequirePhishingResistant": true,
              "MaxAuthenticationAge": "08:00:00",
              "Zones": { "Remote": { "MaxAuthenticationAge": "01:00:00" } }
            },
            "dossier-service": {
              "MinimumAssurance": "Substantial",
              "Structures": [ "1750712184" ],
              "AllowedZones": [ "Internal" ],
              "BreakGlass": { "Enabled": true, "MinimumReasonLength": 15 }
            }
          }
        }
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private PolicyConfigurationException LoadInvalid(string json) =>
        Assert.Throws<PolicyConfigurationException>(() => PolicyConfigurationLoader.LoadFile(_dir.File("policies.json", json)));

    [Fact]
    public void Valid_file_compiles_every_policy()
    {
        var policies = PolicyConfigurationLoader.LoadFile(_dir.File("policies.json", ValidFile));

        Assert.Equal(["dossier-patient", "dossier-service"], policies.Keys.Order(StringComparer.Ordinal));
        var patient = policies["dossier-patient"];
        Assert.True(patient.Evaluate(new PolicyContext(Evidence.Card(), Evidence.Now)).IsAllowed);
        Assert.Equal(TimeSpan.FromHours(1), patient.RequirementFor(NetworkZone.Remote).MaxAuthenticationAge);
        Assert.True(policies["dossier-service"].BreakGlassEnabled);
    }

    [Fact]
    public void Json_and_builder_forms_decide_alike()
    {
        var fromJson = PolicyConfigurationLoader.LoadFile(_dir.File("policies.json", ValidFile))["dossier-patient"];
        var fromBuilder = PolicyBuilder.Create("dossier-patient")
            .RequireAssurance(AssuranceLevel.High)
            .AllowMethods(AuthenticationMethods.Sc | AuthenticationMethods.Hwk)
            .RequireMethods(AuthenticationMethods.Pin)
            .RequirePhishingResistant()
            .MaxAuthenticationAge(TimeSpan.FromHours(8))
            .ForZone(NetworkZone.Remote, z => z.MaxAuthenticationAge(TimeSpan.FromHours(1)))
            .Build();

        foreach (var evidence in new[] { Evidence.Card(), Evidence.Fido2NoUv(), Evidence.PasswordOtp(), Evidence.Psc(), Evidence.Card(age: TimeSpan.FromHours(2)), null })
        {
            foreach (var zone in Enum.GetValues<NetworkZone>())
            {
                var context = new PolicyContext(evidence, Evidence.Now, zone);
                var a = fromJson.Evaluate(context);
                var b = fromBuilder.Evaluate(context);
                Assert.Equal(a.Outcome, b.Outcome);
                Assert.Equal(a.ReasonCode, b.ReasonCode);
                Assert.Equal(a.StepUp.Unmet, b.StepUp.Unmet);
            }
        }
    }

    [Fact]
    public void Unknown_key_is_an_error_naming_it()
    {
        var e = LoadInvalid("""{ "Policies": { "p": { "MinimumAssurance": "High", "MinimumAssurence": "Low" } } }""");

        Assert.Equal(ReasonCodes.InvalidPolicy, e.ReasonCode);
        Assert.Contains("MinimumAssurence", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_top_level_key_is_an_error()
    {
        var e = LoadInvalid("""{ "Policy": { "p": { } } }""");

        Assert.Contains("Policy", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Policies": { "p": { "MinimumAssurance": "Ultra" } } }""", "MinimumAssurance")]
    [InlineData("""{ "Policies": { "p": { "MinimumFactors": "two" } } }""", "MinimumFactors")]
    [InlineData("""{ "Policies": { "p": { "MaxAuthenticationAge": "eight hours" } } }""", "MaxAuthenticationAge")]
    [InlineData("""{ "Policies": { "p": { "RequirePhishingResistant": "sometimes" } } }""", "RequirePhishingResistant")]
    [InlineData("""{ "Policies": { "p": { "AllowedZones": [ "Moon" ] } } }""", "AllowedZones")]
    public void Value_of_the_wrong_type_is_an_error_naming_its_path(string json, string key)
    {
        var e = LoadInvalid(json);

        Assert.Equal(ReasonCodes.InvalidPolicy, e.ReasonCode);
        Assert.Contains($"Policies:p:{key}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_amr_value_is_an_error_with_its_index_and_the_allowed_values()
    {
        var e = LoadInvalid("""{ "Policies": { "p": { "AllowedMethods": [ "sc", "smartcard" ] } } }""");

        Assert.Single(e.Errors);
        Assert.Contains("Policies:p:AllowedMethods[1]", e.Errors[0], StringComparison.Ordinal);
        Assert.Contains("'smartcard'", e.Errors[0], StringComparison.Ordinal);
        Assert.Contains("hwk", e.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_every_policy_is_listed_at_once()
    {
        var e = LoadInvalid("""
            { "Policies": {
                "a": { "RequiredMethods": [ "xyz" ], "MinimumFactors": 7 },
                "b": { "Structures": [ "1750712185" ], "MaxAuthenticationAge": "-01:00:00", "Zones": { "Mars": { } } }
            } }
            """);

        Assert.Equal(5, e.Errors.Count);
        Assert.Contains(e.Errors, x => x.StartsWith("Policies:a:RequiredMethods[0]", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("Policies:a:MinimumFactors", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("Policies:b:Structures[0]", StringComparison.Ordinal) && x.Contains("Luhn", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("Policies:b:MaxAuthenticationAge", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("Policies:b:Zones:Mars", StringComparison.Ordinal));
    }

    [Fact]
    public void Break_glass_without_a_constraint_or_reason_length_is_an_error()
    {
        var e = LoadInvalid("""{ "Policies": { "p": { "BreakGlass": { "Enabled": true, "MinimumReasonLength": 0 } } } }""");

        Assert.Equal(2, e.Errors.Count);
        Assert.Contains(e.Errors, x => x.Contains("MinimumReasonLength", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("only lifts", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_json_is_an_error_naming_the_file()
    {
        var path = _dir.File("policies.json", """{ "Policies": { "p": { "MinimumAssurance": "High", } """);

        var e = Assert.Throws<PolicyConfigurationException>(() => PolicyConfigurationLoader.LoadFile(path));

        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_and_empty_file_are_errors()
    {
        var missing = Assert.Throws<PolicyConfigurationException>(() => PolicyConfigurationLoader.LoadFile(_dir.File("nope.json")));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        var empty = LoadInvalid("{ }");
        Assert.Contains("defines no policy", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_binding_registers_compiled_policies()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(_dir.File("appsettings.json", $$"""{ "CarteAuth": {{ValidFile}} }""")).Build();
        using var provider = new ServiceCollection()
            .AddCarteAuthPolicies(configuration.GetSection(CarteAuthPolicyOptions.SectionName))
            .AddCarteAuthPolicy("fluent", b => b.RequireAssurance(AssuranceLevel.Substantial))
            .BuildServiceProvider();

        var policies = provider.GetRequiredService<IPolicyProvider>();

        Assert.Equal(3, policies.PolicyNames.Count);
        Assert.True(policies.TryGetPolicy("dossier-patient", out var patient));
        Assert.True(patient.Evaluate(new PolicyContext(Evidence.Card(), Evidence.Now)).IsAllowed);
        Assert.True(policies.TryGetPolicy("fluent", out _));
        Assert.False(policies.TryGetPolicy("absent", out _));
    }

    [Fact]
    public void Options_validation_reports_invalid_policies_with_their_paths()
    {
        using var provider = new ServiceCollection()
            .AddCarteAuthPolicy("bad", b => b.RequireFactors(9))
            .BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CarteAuthPolicyOptions>>().Value);

        Assert.Contains("Policies:bad:MinimumFactors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_binding_rejects_unknown_keys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CarteAuth:Policies:p:MinimumAssurance"] = "High",
            ["CarteAuth:Policies:p:Colour"] = "blue",
        }).Build();

        var e = Assert.Throws<PolicyConfigurationException>(() => PolicyConfigurationLoader.Bind(configuration.GetSection("CarteAuth")));

        Assert.Contains("Colour", e.Message, StringComparison.Ordinal);
    }
}
