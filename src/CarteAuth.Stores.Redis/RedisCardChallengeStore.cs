using System.Globalization;
using CarteAuth.SmartCard.Pkcs11;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>
/// <see cref="ICardChallengeStore"/> (PKCS#11 card challenge–response) in Redis, so a challenge issued by one node can
/// be answered on another: one key per challenge (<c>{prefix}card-challenge:{id}</c>, <c>SET NX</c>, expiring
/// <see cref="InMemoryCardChallengeStore.Retention"/> after the challenge), consumed by a Lua script that marks it used
/// (atomic: of two concurrent consumers on any nodes exactly one sees <see cref="CardChallengeStatus.FirstUse"/>; later
/// ones see <see cref="CardChallengeStatus.AlreadyUsed"/> until the key expires). Failures are
/// <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.Pkcs11ChallengeStoreUnavailable"/>.
/// </summary>
public sealed class RedisCardChallengeStore(RedisConnection redis) : ICardChallengeStore
{
    // Value: "A|<id>|<base64 value>|<issued ticks>|<expires ticks>" while unused; "U" + the same once used.
    private const string ConsumeScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then return false end
        if string.sub(v, 1, 1) == 'U' then return 'U' end
        redis.call('SET', KEYS[1], 'U' .. string.sub(v, 2), 'KEEPTTL')
        return v
        """;

    /// <inheritdoc/>
    public async ValueTask AddAsync(CardChallenge challenge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        cancellationToken.ThrowIfCancellationRequested();
        var value = string.Join('|', "A", challenge.Id, Convert.ToBase64String(challenge.Value.Span),
            challenge.IssuedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), challenge.ExpiresAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
        var expiry = new Expiration((challenge.ExpiresAt + InMemoryCardChallengeStore.Retention).UtcDateTime);
        var added = await RedisConnection.RunAsync(ReasonCodes.Pkcs11ChallengeStoreUnavailable, "store the card challenge", () => redis.Database.StringSetAsync(Key(challenge.Id), value, expiry, ValueCondition.NotExists)).ConfigureAwait(false);
        if (!added)
        {
            throw new ArgumentException($"A challenge with id '{challenge.Id}' is already stored; ids must be unique.", nameof(challenge));
        }
    }

    /// <inheritdoc/>
    public async ValueTask<CardChallengeLookup> ConsumeAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        var result = await RedisConnection.RunAsync(ReasonCodes.Pkcs11ChallengeStoreUnavailable, "consume the card challenge", () => redis.Database.ScriptEvaluateAsync(ConsumeScript, [Key(id)])).ConfigureAwait(false);
        if (result.IsNull)
        {
            return new CardChallengeLookup(CardChallengeStatus.Unknown, null);
        }

        var value = result.ToString();
        if (value == "U")
        {
            return new CardChallengeLookup(CardChallengeStatus.AlreadyUsed, null);
        }

        var parts = value.Split('|');
        var challenge = new CardChallenge(parts[1], Convert.FromBase64String(parts[2]),
            new DateTimeOffset(long.Parse(parts[3], CultureInfo.InvariantCulture), TimeSpan.Zero),
            new DateTimeOffset(long.Parse(parts[4], CultureInfo.InvariantCulture), TimeSpan.Zero));
        return new CardChallengeLookup(CardChallengeStatus.FirstUse, challenge);
    }

    private RedisKey Key(string id) => redis.Prefix + "card-challenge:" + id;
}
