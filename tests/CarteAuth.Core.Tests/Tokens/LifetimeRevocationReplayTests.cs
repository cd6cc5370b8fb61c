using CarteAuth.Tokens;

namespace CarteAuth.Core.Tests.Tokens;

public sealed class LifetimeRevocationReplayTests
{
    [Fact]
    public async Task Token_expires_after_lifetime_plus_skew()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;

        // exp = start + 1 h; skew 1 min: valid until the last millisecond before exp + 60 s.
        kit.Time.SetUtcNow(TokenTestKit.Start.AddHours(1).AddMinutes(1).AddMilliseconds(-1));
        Assert.True((await kit.ValidateAsync(token)).IsValid);

        kit.Time.SetUtcNow(TokenTestKit.Start.AddHours(1).AddMinutes(1));
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenExpired, "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z", "60s");
    }

    [Fact]
    public async Task Zero_skew_expires_exactly_at_exp()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, o => o.ClockSkew = TimeSpan.Zero);
        var token = (await kit.IssueAsync()).Token;

        kit.Time.SetUtcNow(TokenTestKit.Start.AddHours(1).AddMilliseconds(-1));
        Assert.True((await kit.ValidateAsync(token)).IsValid);
        kit.Time.SetUtcNow(TokenTestKit.Start.AddHours(1));
        ResultAssert.Refused(await kit.ValidateAsync(token), ReasonCodes.TokenExpired);
    }

    [Fact]
    public async Task Token_from_the_future_is_not_yet_valid_beyond_the_skew()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;

        // nbf = iat = start; a validator whose clock is behind by exactly the skew still accepts it.
        var lateClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TokenTestKit.Start.AddMinutes(-1).AddMilliseconds(-1));
        var validator = new SessionTokenValidator(kit.Provider, Microsoft.Extensions.Options.Options.Create(kit.Options), kit.Epochs, lateClock);
        ResultAssert.Refused(await validator.ValidateAsync(token), ReasonCodes.TokenNotYetValid, "2026-03-02T08:00:00Z", "NTP");

        lateClock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await validator.ValidateAsync(token)).IsValid);
    }

    [Fact]
    public async Task Iat_in_the_future_is_not_yet_valid()
    {
        var kit = new TokenTestKit();
        var claims = kit.ValidClaims();
        claims.Remove("nbf");
        claims["iat"] = (TokenTestKit.Start.ToUnixTimeSeconds() + 120).ToString(System.Globalization.CultureInfo.InvariantCulture);

        ResultAssert.Refused(await kit.ValidateAsync(kit.Sign(claims)), ReasonCodes.TokenNotYetValid, "issued at", "future");
    }

    [Fact]
    public async Task Revoke_all_revokes_earlier_tokens_but_not_later_ones()
    {
        var kit = new TokenTestKit();
        var before = (await kit.IssueAsync()).Token;
        Assert.True((await kit.ValidateAsync(before)).IsValid);

        Assert.Equal(1, await kit.Epochs.RevokeAllAsync("810002813839"));
        ResultAssert.Refused(await kit.ValidateAsync(before), ReasonCodes.TokenRevoked, "epoch 0", "current epoch 1", "Sign in again");

        var after = await kit.IssueAsync();
        var result = await kit.ValidateAsync(after.Token);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(1, result.Claims.Epoch);

        Assert.Equal(2, await kit.Epochs.RevokeAllAsync("810002813839"));
        ResultAssert.Refused(await kit.ValidateAsync(after.Token), ReasonCodes.TokenRevoked);
    }

    [Fact]
    public async Task Revocation_is_per_subject()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        await kit.Epochs.RevokeAllAsync("899700075122");
        Assert.True((await kit.ValidateAsync(token)).IsValid);
        Assert.Equal(0, await kit.Epochs.GetEpochAsync("810002813839"));
        Assert.Equal(1, await kit.Epochs.GetEpochAsync("899700075122"));
    }

    [Fact]
    public async Task Epochs_increment_atomically_under_concurrency()
    {
        var store = new InMemoryRevocationEpochStore();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(async () => await store.RevokeAllAsync("s"))));
        Assert.Equal(200, await store.GetEpochAsync("s"));
    }

    [Fact]
    public async Task One_time_token_is_accepted_once()
    {
        var kit = new TokenTestKit();
        var issued = await kit.IssueAsync();

        Assert.True((await kit.ValidateAsync(issued.Token, oneTimeUse: true)).IsValid);
        ResultAssert.Refused(await kit.ValidateAsync(issued.Token, oneTimeUse: true), ReasonCodes.TokenReplayed, issued.TokenId, "already used");

        // Ordinary session use is unaffected by the replay cache.
        Assert.True((await kit.ValidateAsync(issued.Token)).IsValid);
    }

    [Fact]
    public async Task Replay_cache_keeps_ids_until_expiry_plus_skew()
    {
        var kit = new TokenTestKit();
        var issued = await kit.IssueAsync();
        Assert.True((await kit.ValidateAsync(issued.Token, oneTimeUse: true)).IsValid);

        kit.Time.SetUtcNow(issued.ExpiresAt.AddSeconds(59));
        ResultAssert.Refused(await kit.ValidateAsync(issued.Token, oneTimeUse: true), ReasonCodes.TokenReplayed);
    }

    [Fact]
    public async Task One_time_validation_without_a_replay_cache_is_a_programming_error()
    {
        var kit = new TokenTestKit();
        var validator = new SessionTokenValidator(kit.Provider, Microsoft.Extensions.Options.Options.Create(kit.Options), kit.Epochs, kit.Time);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await validator.ValidateAsync("x", oneTimeUse: true));
        Assert.Contains("IReplayCache", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_replay_cache_purges_expired_entries_then_fails_closed()
    {
        var kit = new TokenTestKit(SessionTokenAlgorithm.ES256, replayCapacity: 2);
        var a = await kit.IssueAsync();
        var b = await kit.IssueAsync();
        var c = await kit.IssueAsync();
        Assert.True((await kit.ValidateAsync(a.Token, oneTimeUse: true)).IsValid);
        Assert.True((await kit.ValidateAsync(b.Token, oneTimeUse: true)).IsValid);

        ResultAssert.Refused(await kit.ValidateAsync(c.Token, oneTimeUse: true), ReasonCodes.TokenReplayCacheFull, "maxEntries", "fail closed");

        // Once a and b are past exp + skew they are purged and the cache has room again.
        kit.Time.Advance(TimeSpan.FromMinutes(30));
        var d = await kit.IssueAsync();
        kit.Time.SetUtcNow(a.ExpiresAt.AddMinutes(1));
        Assert.True((await kit.ValidateAsync(d.Token, oneTimeUse: true)).IsValid);
        Assert.Equal(1, kit.Replay.Count);
    }

    [Fact]
    public async Task Replay_cache_is_thread_safe()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TokenTestKit.Start);
        var cache = new InMemoryReplayCache(time, 10_000);
        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
            await cache.TryAddAsync($"id{i % 100}", TokenTestKit.Start.AddMinutes(5)))));
        Assert.Equal(100, results.Count(static r => r));
        Assert.Equal(100, cache.Count);
    }

    [Fact]
    public async Task Store_errors_with_reason_codes_become_results()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        var validator = new SessionTokenValidator(kit.Provider, Microsoft.Extensions.Options.Options.Create(kit.Options), new FailingEpochs(), kit.Time);

        ResultAssert.Refused(await validator.ValidateAsync(token), "store.down", "unavailable");
    }

    [Fact]
    public async Task Asynchronous_stores_are_awaited()
    {
        var kit = new TokenTestKit();
        var token = (await kit.IssueAsync()).Token;
        var epochs = new SlowEpochs();
        var validator = new SessionTokenValidator(kit.Provider, Microsoft.Extensions.Options.Options.Create(kit.Options), epochs, kit.Time, new SlowReplay());

        Assert.True((await validator.ValidateAsync(token, oneTimeUse: true)).IsValid);
        ResultAssert.Refused(await validator.ValidateAsync(token, oneTimeUse: true), ReasonCodes.TokenReplayed);
        epochs.Epoch = 5;
        ResultAssert.Refused(await validator.ValidateAsync(token), ReasonCodes.TokenRevoked, "current epoch 5");
    }

    private sealed class FailingEpochs : IRevocationEpochStore
    {
        public ValueTask<long> GetEpochAsync(string subject, CancellationToken ct = default) =>
            throw new CarteAuthException("store.down", "The revocation store is unavailable.");

        public ValueTask<long> RevokeAllAsync(string subject, CancellationToken ct = default) => throw new NotSupportedException();
    }

    private sealed class SlowEpochs : IRevocationEpochStore
    {
        public long Epoch { get; set; }

        public async ValueTask<long> GetEpochAsync(string subject, CancellationToken ct = default)
        {
            await Task.Yield();
            return Epoch;
        }

        public ValueTask<long> RevokeAllAsync(string subject, CancellationToken ct = default) => throw new NotSupportedException();
    }

    private sealed class SlowReplay : IReplayCache
    {
        private readonly HashSet<string> _seen = [];

        public async ValueTask<bool> TryAddAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken ct = default)
        {
            await Task.Yield();
            lock (_seen)
            {
                return _seen.Add(tokenId);
            }
        }
    }
}
