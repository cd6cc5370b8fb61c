using System.Globalization;
using CarteAuth.Authentication.Attempts;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>
/// <see cref="IAuthenticationAttemptLimiter"/> in Redis, so every node counts the same failures: one hash per key
/// (<c>{prefix}attempts:i:{identity}</c> or <c>{prefix}attempts:s:{source}</c>) holding the count, the window end and
/// the lockout end, updated by one Lua script (atomic: concurrent failures on any nodes are all counted, the one
/// reaching the maximum locks). Times come from the given <see cref="TimeProvider"/> (milliseconds since 1970); the
/// key's TTL (window or lockout plus a minute) only cleans up. Failures are <see cref="CarteAuthException"/>s with
/// <see cref="ReasonCodes.AuthAttemptStoreUnavailable"/>.
/// </summary>
public sealed class RedisAuthenticationAttemptLimiter : IAuthenticationAttemptLimiter
{
    // KEYS[1] the counter; ARGV now, window, max, lockout (ms). Returns {failures, lockedUntil or 0}.
    private const string FailureScript = """
        local now = tonumber(ARGV[1])
        local v = redis.call('HMGET', KEYS[1], 'f', 'w', 'l')
        local l = tonumber(v[3]) or 0
        if l > now then return {0, l} end
        local f = tonumber(v[1]) or 0
        local w = tonumber(v[2]) or 0
        if w <= now then f = 0; w = now + tonumber(ARGV[2]) end
        f = f + 1
        if f >= tonumber(ARGV[3]) then
          l = now + tonumber(ARGV[4])
          redis.call('HSET', KEYS[1], 'f', '0', 'w', '0', 'l', tostring(l))
          redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + 60000)
          return {0, l}
        end
        redis.call('HSET', KEYS[1], 'f', tostring(f), 'w', tostring(w), 'l', '0')
        redis.call('PEXPIRE', KEYS[1], w - now + 60000)
        return {f, 0}
        """;

    // Deletes the counter unless a lockout is in force.
    private const string ResetScript = """
        local l = tonumber(redis.call('HGET', KEYS[1], 'l')) or 0
        if l > tonumber(ARGV[1]) then return 0 end
        return redis.call('DEL', KEYS[1])
        """;

    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;

    /// <summary>Creates the limiter.</summary>
    /// <param name="redis">The connection.</param>
    /// <param name="options">The limits (validated here).</param>
    /// <param name="timeProvider">The clock of windows and lockouts (every node's clock should be in sync, NTP).</param>
    /// <exception cref="CarteAuthException"><see cref="ReasonCodes.AuthInvalidAttemptLimits"/> when the options are invalid.</exception>
    public RedisAuthenticationAttemptLimiter(RedisConnection redis, AttemptLimiterOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _redis = redis;
        Options = options;
        _time = timeProvider;
    }

    /// <inheritdoc/>
    public AttemptLimiterOptions Options { get; }

    /// <inheritdoc/>
    public async ValueTask<AttemptStatus> GetStatusAsync(AttemptKey key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key.Value, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        var values = await RedisConnection.RunAsync(ReasonCodes.AuthAttemptStoreUnavailable, "read the attempt counter", () => _redis.Database.HashGetAsync(Key(key), Fields)).ConfigureAwait(false);
        var now = Now();
        var lockedUntil = Number(values[2]);
        if (lockedUntil > now)
        {
            return new AttemptStatus(0, DateTimeOffset.FromUnixTimeMilliseconds(lockedUntil));
        }

        return Number(values[1]) > now ? new AttemptStatus((int)Number(values[0]), null) : AttemptStatus.Clear;
    }

    /// <inheritdoc/>
    public async ValueTask<AttemptStatus> RecordFailureAsync(AttemptKey key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key.Value, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        RedisValue[] args = [Now(), (long)Options.Window.TotalMilliseconds, Options.MaxFailures(key.Kind), (long)Options.LockoutDuration.TotalMilliseconds];
        var result = (RedisResult[])(await RedisConnection.RunAsync(ReasonCodes.AuthAttemptStoreUnavailable, "count the failed attempt", () => _redis.Database.ScriptEvaluateAsync(FailureScript, [Key(key)], args)).ConfigureAwait(false))!;
        var lockedUntil = (long)result[1];
        return lockedUntil > 0 ? new AttemptStatus(0, DateTimeOffset.FromUnixTimeMilliseconds(lockedUntil)) : new AttemptStatus((int)result[0], null);
    }

    /// <inheritdoc/>
    public async ValueTask ResetAsync(AttemptKey key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key.Value, nameof(key));
        cancellationToken.ThrowIfCancellationRequested();
        await RedisConnection.RunAsync(ReasonCodes.AuthAttemptStoreUnavailable, "reset the attempt counter", () => _redis.Database.ScriptEvaluateAsync(ResetScript, [Key(key)], [Now()])).ConfigureAwait(false);
    }

    private static readonly RedisValue[] Fields = ["f", "w", "l"];

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long Number(RedisValue value) => value.IsNull ? 0 : long.Parse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture);

    private RedisKey Key(AttemptKey key) => _redis.Prefix + (key.Kind == AttemptKeyKind.Identity ? "attempts:i:" : "attempts:s:") + key.Value;
}
