using System.Security.Cryptography;
using CarteAuth.SmartCard.Pkcs11;

namespace CarteAuth.SmartCard.Tests.Pkcs11;

/// <summary>
/// The contract of every <see cref="ICardChallengeStore"/>: subclass with <see cref="CreateStore"/> (in-memory here;
/// CarteAuth.Stores.Redis.Tests links this file for Redis). Self-contained so it can be linked.
/// </summary>
public abstract class CardChallengeStoreContract
{
    /// <summary>A new, empty store on the real clock.</summary>
    protected abstract ICardChallengeStore CreateStore();

    protected static CardChallenge NewChallenge() =>
        new("c-" + Guid.NewGuid().ToString("n"), RandomNumberGenerator.GetBytes(CardChallenge.ValueLength), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(2));

    [Fact]
    public async Task FirstUse_ThenAlreadyUsed_UnknownIdsUnknown()
    {
        var store = CreateStore();
        var challenge = NewChallenge();
        await store.AddAsync(challenge);
        var first = await store.ConsumeAsync(challenge.Id);
        Assert.Equal(CardChallengeStatus.FirstUse, first.Status);
        Assert.Equal(challenge.Id, first.Challenge!.Id);
        Assert.Equal(challenge.Value.ToArray(), first.Challenge.Value.ToArray());
        Assert.Equal(challenge.IssuedAt, first.Challenge.IssuedAt);
        Assert.Equal(challenge.ExpiresAt, first.Challenge.ExpiresAt);
        Assert.Equal(new CardChallengeLookup(CardChallengeStatus.AlreadyUsed, null), await store.ConsumeAsync(challenge.Id));
        Assert.Equal(new CardChallengeLookup(CardChallengeStatus.Unknown, null), await store.ConsumeAsync("never-issued"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddAsync(challenge));
    }

    [Fact]
    public async Task ConcurrentConsumers_ExactlyOneFirstUse()
    {
        var store = CreateStore();
        var challenge = NewChallenge();
        await store.AddAsync(challenge);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => store.ConsumeAsync(challenge.Id).AsTask()));
        Assert.Single(results, r => r.Status == CardChallengeStatus.FirstUse);
        Assert.All(results.Where(r => r.Status != CardChallengeStatus.FirstUse), r => Assert.Equal(CardChallengeStatus.AlreadyUsed, r.Status));
    }
}
