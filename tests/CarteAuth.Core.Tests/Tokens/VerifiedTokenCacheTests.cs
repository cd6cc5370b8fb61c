using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

/// <summary>
/// The verified-token cache (<see cref="SessionTokenOptions.VerifiedTokenCacheSize"/>): a token seen again skips the
/// signature and claims parse, but every check that can change between two presentations still runs.
/// </summary>
public sealed class VerifiedTokenCacheTests
{
    [Fact]
    public async Task A_valid_token_is_remembered_and_accepted_again_with_the_same_claims()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync("s-1")).Token;

        var first = await kit.ValidateAsync(token);
        Assert.Equal(1, kit.Validator.VerifiedTokenCount);
        var second = await kit.ValidateAsync(token);

        Assert.True(second.IsValid);
        Assert.Same(first.Claims, second.Claims);
        Assert.Equal("s-1", second.Claims!.SessionId);
    }

    [Fact]
    public async Task Refused_tokens_are_not_remembered()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];

        ResultAssert.Refused(await kit.ValidateAsync(tampered), ReasonCodes.TokenBadSignature);
        ResultAssert.Refused(await kit.ValidateAsync(tampered), ReasonCodes.TokenBadSignature);
        Assert.Equal(0, kit.Validator.VerifiedTokenCount);
    }

    [Fact]
    public async Task A_remembered_token_still_expires()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        Assert.True((await kit.ValidateAsync(token)).IsValid);

        kit.Time.SetUtcNow(TokenTestKit.Start.AddHours(1).AddMinutes(1));
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenExpired, "2026-03-02T09:00:00Z", "60s");
        Assert.Equal(0, kit.Validator.VerifiedTokenCount);
    }

    [Fact]
    public async Task A_remembered_token_is_still_revoked_by_sign_out_everywhere()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        Assert.True((await kit.ValidateAsync(token)).IsValid);

        await kit.Epochs.RevokeAllAsync("810002813839");
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenRevoked);
    }

    [Fact]
    public async Task A_remembered_one_time_token_is_still_refused_the_second_time()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;

        Assert.True((await kit.ValidateAsync(token, oneTimeUse: true)).IsValid);
        ResultAssert.Refused(await kit.ValidateAsync(token, oneTimeUse: true), ReasonCodes.TokenReplayed);
    }

    [Fact]
    public async Task Removing_the_key_from_the_ring_refuses_a_remembered_token()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        Assert.True((await kit.ValidateAsync(token)).IsValid);

        using var other = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        kit.Provider.Current = SigningKeyRing.Create(other);
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenUnknownKey);
        Assert.Equal(0, kit.Validator.VerifiedTokenCount);
    }

    [Fact]
    public async Task A_new_ring_that_keeps_the_key_verifies_again_once_then_remembers()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        Assert.True((await kit.ValidateAsync(token)).IsValid);

        using var next = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256);
        kit.Provider.Current = SigningKeyRing.Create(next, kit.Key);
        Assert.True((await kit.ValidateAsync(token)).IsValid);
        Assert.Equal(1, kit.Validator.VerifiedTokenCount);
    }

    [Fact]
    public async Task The_cache_is_bounded_and_starts_again_empty_at_its_limit()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, o => o.VerifiedTokenCacheSize = 3);
        var tokens = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            tokens.Add((await kit.IssueAsync($"s-{i}")).Token);
        }

        foreach (var token in tokens)
        {
            Assert.True((await kit.ValidateAsync(token)).IsValid);
            Assert.InRange(kit.Validator.VerifiedTokenCount, 1, 3);
        }

        foreach (var token in tokens)
        {
            Assert.True((await kit.ValidateAsync(token)).IsValid);
        }
    }

    [Fact]
    public async Task Size_zero_turns_the_cache_off()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, o => o.VerifiedTokenCacheSize = 0);
        var token = (await kit.IssueAsync()).Token;

        Assert.True((await kit.ValidateAsync(token)).IsValid);
        Assert.True((await kit.ValidateAsync(token)).IsValid);
        Assert.Equal(0, kit.Validator.VerifiedTokenCount);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_000_001)]
    public void An_out_of_range_size_is_refused_with_a_message(int size)
    {
        var options = new SessionTokenOptions { Issuer = TokenTestKit.Issuer, Audience = TokenTestKit.Audience, VerifiedTokenCacheSize = size };
        var e = Assert.Throws<CarteAuthException>(options.Validate);
        Assert.Equal(ReasonCodes.TokenInvalidOptions, e.ReasonCode);
        Assert.Contains("VerifiedTokenCacheSize", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_validations_of_many_tokens_all_succeed()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, o => o.VerifiedTokenCacheSize = 16);
        var tokens = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            tokens.Add((await kit.IssueAsync($"s-{i}")).Token);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 800).Select(i => Task.Run(async () => await kit.ValidateAsync(tokens[i % tokens.Count]))));
        Assert.All(results, r => Assert.True(r.IsValid, r.Message));
    }
}
