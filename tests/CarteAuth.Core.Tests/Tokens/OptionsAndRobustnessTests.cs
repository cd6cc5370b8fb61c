using CarteAuth.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CarteAuth.Core.Tests.Tokens;

public sealed class OptionsAndRobustnessTests
{
    [Fact]
    public void Defaults_are_documented_values()
    {
        var o = new SessionTokenOptions();
        Assert.Equal(TimeSpan.FromHours(1), o.Lifetime);
        Assert.Equal(TimeSpan.FromMinutes(1), o.ClockSkew);
        Assert.Equal(8192, o.MaxTokenLength);
        Assert.Null(o.AllowedAlgorithms);
        Assert.Equal(0b111, o.AllowedMask());
    }

    [Fact]
    public void Missing_issuer_and_audience_are_reported_with_the_fix()
    {
        var ex = Assert.Throws<CarteAuthException>(() => new SessionTokenOptions().Validate());
        Assert.Equal(ReasonCodes.TokenInvalidOptions, ex.ReasonCode);
        Assert.Contains("Issuer is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Audience is required", ex.Message, StringComparison.Ordinal);

        var result = new SessionTokenOptionsValidator().Validate(null, new SessionTokenOptions { Issuer = "i", Audience = "a", Lifetime = TimeSpan.Zero, ClockSkew = TimeSpan.FromHours(1), MaxTokenLength = 10, AllowedAlgorithms = [(SessionTokenAlgorithm)9] });
        Assert.True(result.Failed);
        Assert.Equal(4, result.Failures!.Count());
        Assert.Contains(result.Failures!, static f => f.Contains("Lifetime", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, static f => f.Contains("ClockSkew", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, static f => f.Contains("MaxTokenLength", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, static f => f.Contains("'9'", StringComparison.Ordinal));
        Assert.True(new SessionTokenOptionsValidator().Validate(null, new SessionTokenOptions { Issuer = "i", Audience = "a" }).Succeeded);
    }

    [Fact]
    public void Validator_and_issuer_refuse_invalid_options()
    {
        var kit = new TokenTestKit();
        var bad = Options.Create(new SessionTokenOptions { Issuer = "https://x" });
        Assert.Equal(ReasonCodes.TokenInvalidOptions, Assert.Throws<CarteAuthException>(() => new SessionTokenValidator(kit.Provider, bad, kit.Epochs, kit.Time)).ReasonCode);
        Assert.Equal(ReasonCodes.TokenInvalidOptions, Assert.Throws<CarteAuthException>(() => new SessionTokenIssuer(kit.Provider, bad, kit.Epochs, kit.Time)).ReasonCode);
    }

    [Fact]
    public void Binding_allowed_algorithms_replaces_the_default()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tokens:Issuer"] = "https://sso",
            ["Tokens:Audience"] = "app",
            ["Tokens:Lifetime"] = "00:15:00",
            ["Tokens:AllowedAlgorithms:0"] = "PS256",
        }).Build();
        var o = new SessionTokenOptions();
        config.GetSection("Tokens").Bind(o);

        Assert.Equal([SessionTokenAlgorithm.PS256], o.AllowedAlgorithms);
        Assert.Equal(TimeSpan.FromMinutes(15), o.Lifetime);
        o.Validate();
    }

    public static TheoryData<string> Garbage()
    {
        var data = new TheoryData<string>
        {
            ".", "..", "...", "....", " ", "\0", "a.b.c", "e30.e30.e30", "e30.e30.", ".e30.e30", "eyJhbGciOiJub25lIn0.e30.",
            "eyJhbGciOiJFUzI1NiIsImtpZCI6IngifQ.e30.AAAA", "🙂.🙂.🙂", "\uD800.\uDC00.x", new string('.', 5000), new string('A', 9000),
            new string('A', 4000) + "." + new string('A', 3000) + "." + new string('A', 86),
        };
        var random = new Random(7515);
        for (var i = 0; i < 40; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            data.Add(new string(bytes.Select(static b => (char)b).ToArray()));
            // Random base64url parts around dots reach the JSON readers.
            data.Add(string.Join('.', Enumerable.Range(0, 3).Select(_ =>
            {
                var part = new byte[random.Next(0, 120)];
                random.NextBytes(part);
                return System.Buffers.Text.Base64Url.EncodeToString(part);
            })));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Garbage_never_throws_and_is_refused_with_a_token_reason(string garbage)
    {
        var kit = new TokenTestKit();
        var result = await kit.ValidateAsync(garbage);
        Assert.False(result.IsValid);
        Assert.StartsWith("token.", result.ReasonCode, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
    }

    [Fact]
    public async Task Every_mutation_of_a_valid_token_is_refused_without_throwing()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        var random = new Random(7519);
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
        for (var i = 0; i < 500; i++)
        {
            var chars = token.ToCharArray();
            var at = random.Next(chars.Length);
            var replacement = Alphabet[random.Next(Alphabet.Length)];
            if (chars[at] == replacement)
            {
                continue;
            }

            chars[at] = replacement;
            var result = await kit.ValidateAsync(new string(chars));
            Assert.False(result.IsValid, $"mutation at {at} to '{replacement}' was accepted");
            Assert.StartsWith("token.", result.ReasonCode, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Concurrent_validation_is_safe()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.PS256);
        var token = (await kit.IssueAsync()).Token;
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await kit.ValidateAsync(token))));
        Assert.All(results, static r => Assert.True(r.IsValid, r.Message));
    }
}
