using CarteAuth.Tokens;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>
/// <see cref="IRevocationEpochStore"/> in Redis: one integer per subject (<c>{prefix}epoch:{idNat}</c>, no expiry),
/// incremented atomically with <c>INCR</c>, so a sign out everywhere on one node revokes the tokens on every node.
/// Failures are <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.TokenStoreUnavailable"/> (validators then
/// refuse the token: fail closed).
/// </summary>
public sealed class RedisRevocationEpochStore(RedisConnection redis) : IRevocationEpochStore
{
    /// <inheritdoc/>
    public async ValueTask<long> GetEpochAsync(string subject, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var value = await RedisConnection.RunAsync(ReasonCodes.TokenStoreUnavailable, "read the revocation epoch", () => redis.Database.StringGetAsync(redis.Epoch(subject))).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }

    /// <inheritdoc/>
    public async ValueTask<long> RevokeAllAsync(string subject, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ct.ThrowIfCancellationRequested();
        return await RedisConnection.RunAsync(ReasonCodes.TokenStoreUnavailable, "increment the revocation epoch", () => redis.Database.StringIncrementAsync(redis.Epoch(subject))).ConfigureAwait(false);
    }
}

/// <summary>
/// <see cref="IReplayCache"/> in Redis: <c>SET {prefix}jti:{id} 1 NX PXAT expiresAt</c>, atomic across nodes, so a
/// one-time token is accepted once by the whole deployment. Redis forgets entries at their expiry by its own clock.
/// Failures are <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.TokenStoreUnavailable"/> (the token is refused).
/// </summary>
public sealed class RedisReplayCache(RedisConnection redis) : IReplayCache
{
    /// <inheritdoc/>
    public async ValueTask<bool> TryAddAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenId);
        var expiry = new Expiration(expiresAt.UtcDateTime);
        return await RedisConnection.RunAsync(ReasonCodes.TokenStoreUnavailable, "record the token id", () => redis.Database.StringSetAsync(redis.Jti(tokenId), 1, expiry, ValueCondition.NotExists)).ConfigureAwait(false);
    }
}
