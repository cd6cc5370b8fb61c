using System.Text.Json;
using CarteAuth.Authentication;
using CarteAuth.Gateway.Radius;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>
/// <see cref="IRadiusChallengeStore"/> in Redis, so the answer to an Access-Challenge can reach another RADIUS node
/// than the one that sent it (a NAS failing over, a UDP load balancer): one key per State
/// (<c>{prefix}radius-challenge:{state}</c>, <c>SET NX PXAT</c> its expiry), taken with <c>GETDEL</c> (atomic: a State
/// is answered at most once across nodes). The first factor's evidence is kept in CarteAuth's evidence JSON form.
/// Failures are <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.RadiusChallengeStoreUnavailable"/> (no
/// reply is sent; the NAS retransmits).
/// </summary>
public sealed class RedisRadiusChallengeStore(RedisConnection redis, TimeProvider time) : IRadiusChallengeStore
{
    /// <inheritdoc/>
    public async ValueTask StoreAsync(string state, RadiusChallenge challenge, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        ArgumentNullException.ThrowIfNull(challenge);
        cancellationToken.ThrowIfCancellationRequested();
        var json = JsonSerializer.Serialize(new Stored(challenge.UserName, challenge.ClientName, EvidenceJson.Serialize(challenge.FirstFactor), challenge.CorrelationId, challenge.ExpiresAt));
        var added = await RedisConnection.RunAsync(ReasonCodes.RadiusChallengeStoreUnavailable, "store the RADIUS challenge",
            () => redis.Database.StringSetAsync(Key(state), json, new Expiration(challenge.ExpiresAt.UtcDateTime), ValueCondition.NotExists)).ConfigureAwait(false);
        if (!added)
        {
            throw new ArgumentException("This State is already pending; States must be fresh random bytes.", nameof(state));
        }
    }

    /// <inheritdoc/>
    public async ValueTask<RadiusChallenge?> TakeAsync(string state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        cancellationToken.ThrowIfCancellationRequested();
        var value = await RedisConnection.RunAsync(ReasonCodes.RadiusChallengeStoreUnavailable, "take the RADIUS challenge",
            () => redis.Database.StringGetDeleteAsync(Key(state))).ConfigureAwait(false);
        if (value.IsNull || JsonSerializer.Deserialize<Stored>(value.ToString()) is not { } stored || time.GetUtcNow() >= stored.ExpiresAt)
        {
            return null;
        }

        return new RadiusChallenge(stored.UserName, stored.ClientName, EvidenceJson.Parse(stored.FirstFactor), stored.CorrelationId, stored.ExpiresAt);
    }

    private RedisKey Key(string state) => redis.Prefix + "radius-challenge:" + state;

    /// <summary>The stored form (JSON).</summary>
    private sealed record Stored(string UserName, string ClientName, string FirstFactor, string CorrelationId, DateTimeOffset ExpiresAt);
}
