using CarteAuth.AspNetCore.Sessions;
using CarteAuth.AspNetCore.Tests;
using CarteAuth.Core.Tests.Tokens;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Tests.Stores;
using CarteAuth.SmartCard.Pkcs11;
using CarteAuth.SmartCard.Tests.Pkcs11;
using CarteAuth.Tokens;

namespace CarteAuth.Stores.Redis.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisSessionStoreContractTests(RedisServer redis) : SessionStoreContract
{
    protected override ICarteAuthSessionStore CreateStore() => new RedisCarteAuthSessionStore(redis.NewConnection(), new RedisStoreOptions());
}

[Collection(RedisCollection.Name)]
public sealed class RedisRevocationEpochStoreContractTests(RedisServer redis) : RevocationEpochStoreContract
{
    protected override IRevocationEpochStore CreateStore() => new RedisRevocationEpochStore(redis.NewConnection());
}

[Collection(RedisCollection.Name)]
public sealed class RedisReplayCacheContractTests(RedisServer redis) : ReplayCacheContract
{
    protected override IReplayCache CreateCache() => new RedisReplayCache(redis.NewConnection());
}

[Collection(RedisCollection.Name)]
public sealed class RedisWebAuthnChallengeStoreContractTests(RedisServer redis) : WebAuthnChallengeStoreContract
{
    protected override IWebAuthnChallengeStore CreateStore() => new RedisWebAuthnChallengeStore(redis.NewConnection(), TimeProvider.System);

    [Fact]
    public async Task StartedOnOneNode_FinishedOnAnother()
    {
        var shared = redis.NewConnection();
        var nodeA = new RedisWebAuthnChallengeStore(new RedisConnection(redis.Multiplexer, shared.Prefix), TimeProvider.System);
        await using var otherConnection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var nodeB = new RedisWebAuthnChallengeStore(new RedisConnection(otherConnection, shared.Prefix), TimeProvider.System);
        var state = State();
        await nodeA.StoreAsync(state);
        await Assert.ThrowsAsync<ArgumentException>(async () => await nodeB.StoreAsync(state));
        Assert.NotNull(await nodeB.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));
        Assert.Null(await nodeA.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisCardChallengeStoreContractTests(RedisServer redis) : CardChallengeStoreContract
{
    protected override ICardChallengeStore CreateStore() => new RedisCardChallengeStore(redis.NewConnection());
}
