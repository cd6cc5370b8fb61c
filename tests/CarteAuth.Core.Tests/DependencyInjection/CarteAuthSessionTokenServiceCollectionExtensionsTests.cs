using CarteAuth.Core.Tests.TestSupport;
using CarteAuth.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.Core.Tests.DependencyInjection;

public sealed class CarteAuthSessionTokenServiceCollectionExtensionsTests
{
    [Fact]
    public async Task Registered_issuer_and_validator_share_keys_and_epochs()
    {
        using var key = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        await using var provider = new ServiceCollection()
            .AddCarteAuthSessionTokens(SigningKeyRing.Create(key), o => { o.Issuer = "https://portal.example"; o.Audience = "portal"; })
            .BuildServiceProvider();

        var issued = await provider.GetRequiredService<SessionTokenIssuer>().IssueAsync(Evidence.Create());
        var validator = provider.GetRequiredService<SessionTokenValidator>();

        Assert.True((await validator.ValidateAsync(issued.Token)).IsValid);
        Assert.True((await validator.ValidateAsync(issued.Token, oneTimeUse: true)).IsValid);
        Assert.Equal(ReasonCodes.TokenReplayed, (await validator.ValidateAsync(issued.Token, oneTimeUse: true)).ReasonCode);
        await provider.GetRequiredService<IRevocationEpochStore>().RevokeAllAsync("810002813839");
        Assert.Equal(ReasonCodes.TokenRevoked, (await validator.ValidateAsync(issued.Token)).ReasonCode);
    }

    [Fact]
    public void Invalid_options_fail_with_what_to_fix()
    {
        using var key = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        using var provider = new ServiceCollection()
            .AddCarteAuthSessionTokens(SigningKeyRing.Create(key), o => o.Issuer = "https://portal.example")
            .BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SessionTokenOptions>>().Value);

        Assert.Contains("Audience", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_configuration_key_is_an_error()
    {
        using var key = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CarteAuth:SessionTokens:Issuer"] = "https://portal.example",
            ["CarteAuth:SessionTokens:Audience"] = "portal",
            ["CarteAuth:SessionTokens:Lifetme"] = "00:10:00",
        }).Build();
        using var provider = new ServiceCollection()
            .AddCarteAuthSessionTokens(SigningKeyRing.Create(key), configuration.GetSection(CarteAuthSessionTokenServiceCollectionExtensions.SectionName))
            .BuildServiceProvider();

        var e = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<SessionTokenOptions>>().Value);

        Assert.Contains("Lifetme", e.Message, StringComparison.Ordinal);
    }
}
