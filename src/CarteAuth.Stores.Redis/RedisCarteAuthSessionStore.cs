using System.Globalization;
using CarteAuth.AspNetCore.Sessions;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>
/// <see cref="ICarteAuthSessionStore"/> in Redis, shared by every node: one hash per session
/// (<c>{prefix}session:{id}</c>, expiring <see cref="RedisStoreOptions.EndedSessionRetention"/> after the session's
/// absolute expiry) and sets of session ids per professional and per PSC session. Touch, end and end-all are Lua
/// scripts, so they are atomic and an end is seen by every node at once. Times are stored as UTC ticks. Needs Redis 7.0
/// or later, standalone or with Sentinel (the end-all script reaches keys it is not given: not for Redis Cluster).
/// Failures are <see cref="CarteAuthException"/>s with <see cref="ReasonCodes.SessionStoreUnavailable"/>.
/// </summary>
public sealed class RedisCarteAuthSessionStore : ICarteAuthSessionStore
{
    // KEYS: session, user set, provider set. ARGV: id, expire-at (Unix ms), has-provider (0/1), then field/value pairs.
    private const string CreateScript = """
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], unpack(ARGV, 4))
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        local function index(k)
          redis.call('SADD', k, ARGV[1])
          local t = redis.call('PEXPIRETIME', k)
          if t == -1 or t < tonumber(ARGV[2]) then redis.call('PEXPIREAT', k, ARGV[2]) end
        end
        index(KEYS[2])
        if ARGV[3] == '1' then index(KEYS[3]) end
        return 1
        """;

    // Ticks are fixed-width (19 digits), so string order is time order (Lua numbers are doubles: not precise enough).
    private const string TouchScript = """
        if redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
        local last = redis.call('HGET', KEYS[1], 'last')
        if not last or last >= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'last', ARGV[1])
        return 1
        """;

    private const string EndScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'ended') == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'ended', ARGV[1], 'reason', ARGV[2])
        return 1
        """;

    // KEYS: user set. ARGV: session key prefix, ended, reason.
    private const string EndAllScript = """
        local n = 0
        for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          local k = ARGV[1] .. id
          if redis.call('EXISTS', k) == 0 then
            redis.call('SREM', KEYS[1], id)
          elseif redis.call('HEXISTS', k, 'ended') == 0 then
            redis.call('HSET', k, 'ended', ARGV[2], 'reason', ARGV[3])
            n = n + 1
          end
        end
        return n
        """;

    private readonly RedisConnection _redis;
    private readonly TimeSpan _retention;

    /// <summary>Creates the store.</summary>
    public RedisCarteAuthSessionStore(RedisConnection redis, RedisStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _retention = options.EndedSessionRetention;
    }

    /// <inheritdoc/>
    public async ValueTask CreateAsync(CarteAuthSession session, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var fields = new List<RedisValue>
        {
            "id", session.Id, "nat", session.NationalId, "ev", session.EvidenceJson, "auth", session.Authenticator,
            "created", Ticks(session.CreatedAt), "last", Ticks(session.LastSeenAt), "idle", session.IdleTimeout.Ticks, "abs", Ticks(session.AbsoluteExpiresAt),
        };
        Optional(fields, "addr", session.ClientAddress);
        Optional(fields, "ua", session.UserAgent);
        Optional(fields, "psid", session.ProviderSessionId);
        Optional(fields, "lacc", session.LocalAccountId);
        if (session.EndedAt is { } ended)
        {
            fields.AddRange(["ended", Ticks(ended)]);
            Optional(fields, "reason", session.EndReason);
        }

        var expireAt = (session.AbsoluteExpiresAt + _retention).ToUnixTimeMilliseconds();
        RedisValue[] args = [session.Id, expireAt, session.ProviderSessionId is null ? "0" : "1", .. fields];
        RedisKey[] keys = [_redis.Session(session.Id), _redis.UserSessions(session.NationalId), _redis.ProviderSessions(session.ProviderSessionId ?? string.Empty)];
        await RedisConnection.RunAsync(ReasonCodes.SessionStoreUnavailable, "record the session", () => _redis.Database.ScriptEvaluateAsync(CreateScript, keys, args)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<CarteAuthSession?> GetAsync(string sessionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        var entries = await RedisConnection.RunAsync(ReasonCodes.SessionStoreUnavailable, "read the session", () => _redis.Database.HashGetAllAsync(_redis.Session(sessionId))).ConfigureAwait(false);
        return Parse(entries);
    }

    /// <inheritdoc/>
    public async ValueTask TouchAsync(string sessionId, DateTimeOffset lastSeenAt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        await RedisConnection.RunAsync(ReasonCodes.SessionStoreUnavailable, "touch the session", () => _redis.Database.ScriptEvaluateAsync(TouchScript, [_redis.Session(sessionId)], [Ticks(lastSeenAt)])).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<bool> EndAsync(string sessionId, DateTimeOffset endedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(reason);
        var result = await RedisConnection.RunAsync(ReasonCodes.SessionStoreUnavailable, "end the session", () => _redis.Database.ScriptEvaluateAsync(EndScript, [_redis.Session(sessionId)], [Ticks(endedAt), reason])).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <inheritdoc/>
    public async ValueTask<int> EndAllAsync(string nationalId, DateTimeOffset endedAt, string reason, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        ArgumentNullException.ThrowIfNull(reason);
        var result = await RedisConnection.RunAsync(ReasonCodes.SessionStoreUnavailable, "end the professional's sessions", () => _redis.Database.ScriptEvaluateAsync(EndAllScript, [_redis.UserSessions(nationalId)], [_redis.Prefix + "session:", Ticks(endedAt), reason])).ConfigureAwait(false);
        return (int)(long)result;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<CarteAuthSession>> ListAsync(string nationalId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(nationalId);
        return ActiveInAsync(_redis.UserSessions(nationalId));
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<CarteAuthSession>> FindByProviderSessionAsync(string providerSessionId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(providerSessionId);
        return ActiveInAsync(_redis.ProviderSessions(providerSessionId));
    }

    private async ValueTask<IReadOnlyList<CarteAuthSession>> ActiveInAsync(RedisKey set)
    {
        return await RedisConnection.RunAsync<IReadOnlyList<CarteAuthSession>>(ReasonCodes.SessionStoreUnavailable, "list sessions", async () =>
        {
            var db = _redis.Database;
            var ids = await db.SetMembersAsync(set).ConfigureAwait(false);
            var reads = ids.Select(id => db.HashGetAllAsync(_redis.Session(id.ToString()))).ToArray();
            var sessions = new List<CarteAuthSession>(ids.Length);
            for (var i = 0; i < ids.Length; i++)
            {
                var session = Parse(await reads[i].ConfigureAwait(false));
                if (session is null)
                {
                    await db.SetRemoveAsync(set, ids[i]).ConfigureAwait(false);
                }
                else if (session.EndedAt is null)
                {
                    sessions.Add(session);
                }
            }

            return [.. sessions.OrderBy(static s => s.CreatedAt).ThenBy(static s => s.Id, StringComparer.Ordinal)];
        }).ConfigureAwait(false);
    }

    private static CarteAuthSession? Parse(HashEntry[] entries)
    {
        if (entries.Length == 0)
        {
            return null;
        }

        var map = entries.ToDictionary(static e => e.Name.ToString(), static e => e.Value.ToString(), StringComparer.Ordinal);
        if (!map.ContainsKey("id") || !map.ContainsKey("nat"))
        {
            return null;
        }

        return new CarteAuthSession
        {
            Id = map["id"],
            NationalId = map["nat"],
            EvidenceJson = map["ev"],
            Authenticator = map["auth"],
            CreatedAt = FromTicks(map["created"]),
            LastSeenAt = FromTicks(map["last"]),
            IdleTimeout = TimeSpan.FromTicks(long.Parse(map["idle"], CultureInfo.InvariantCulture)),
            AbsoluteExpiresAt = FromTicks(map["abs"]),
            ClientAddress = map.GetValueOrDefault("addr"),
            UserAgent = map.GetValueOrDefault("ua"),
            ProviderSessionId = map.GetValueOrDefault("psid"),
            LocalAccountId = map.GetValueOrDefault("lacc"),
            EndedAt = map.TryGetValue("ended", out var ended) ? FromTicks(ended) : null,
            EndReason = map.GetValueOrDefault("reason"),
        };
    }

    private static void Optional(List<RedisValue> fields, string name, string? value)
    {
        if (value is not null)
        {
            fields.Add(name);
            fields.Add(value);
        }
    }

    private static string Ticks(DateTimeOffset time) => time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    private static DateTimeOffset FromTicks(string ticks) => new(long.Parse(ticks, CultureInfo.InvariantCulture), TimeSpan.Zero);
}
