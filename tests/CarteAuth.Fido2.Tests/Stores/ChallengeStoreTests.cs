using CarteAuth.Fido2.Challenges;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fido2.Tests.Stores;

/// <summary><see cref="InMemoryWebAuthnChallengeStore"/>: single use, expiry, ceremony binding, bounded capacity.</summary>
public sealed class ChallengeStoreTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));

    private WebAuthnChallengeState State(byte fill, WebAuthnCeremony ceremony = WebAuthnCeremony.Authentication) => new()
    {
        Challenge = Enumerable.Repeat(fill, 32).ToArray(),
        Ceremony = ceremony,
        ExpiresAt = _time.GetUtcNow().AddMinutes(5),
    };

    [Fact]
    public async Task Challenge_is_consumed_once()
    {
        var store = new InMemoryWebAuthnChallengeStore(_time);
        var state = State(1);
        await store.StoreAsync(state);
        Assert.Same(state, await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));
        Assert.Null(await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Expired_or_other_ceremony_is_null_and_burnt()
    {
        var store = new InMemoryWebAuthnChallengeStore(_time);
        var state = State(1);
        await store.StoreAsync(state);
        Assert.Null(await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Registration));
        Assert.Null(await store.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));

        var late = State(2);
        await store.StoreAsync(late);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await store.ConsumeAsync(late.Challenge, WebAuthnCeremony.Authentication));
    }

    [Fact]
    public async Task Full_store_purges_expired_then_refuses()
    {
        var store = new InMemoryWebAuthnChallengeStore(_time, capacity: 2);
        await store.StoreAsync(State(1));
        await store.StoreAsync(State(2));
        var ex = await Assert.ThrowsAsync<WebAuthnException>(async () => await store.StoreAsync(State(3)));
        Assert.Equal(ReasonCodes.WebAuthnChallengeStoreFull, ex.ReasonCode);
        _time.Advance(TimeSpan.FromMinutes(6));
        await store.StoreAsync(State(3));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void Capacity_below_one_is_refused()
    {
        var ex = Assert.Throws<WebAuthnException>(() => new InMemoryWebAuthnChallengeStore(_time, 0));
        Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, ex.ReasonCode);
    }

    [Fact]
    public async Task Relying_party_challenges_are_32_random_bytes()
    {
        var h = new TestSupport.RpHarness();
        var a = await h.Rp.CreateAssertionOptionsAsync();
        var b = await h.Rp.CreateAssertionOptionsAsync();
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(a.Challenge).Length);
        Assert.NotEqual(a.Challenge, b.Challenge);
        Assert.Equal(2, h.Challenges.Count);
    }
}
