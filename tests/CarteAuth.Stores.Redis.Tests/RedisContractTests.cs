using CarteAuth.AspNetCore.Sessions;
using CarteAuth.AspNetCore.Tests;
using CarteAuth.Core.Tests.Tokens;
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
