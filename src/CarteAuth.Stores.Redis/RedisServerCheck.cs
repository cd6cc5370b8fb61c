using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>One thing the Redis server does that CarteAuth's guarantees do not survive, with what to change.</summary>
/// <param name="ReasonCode">
/// <see cref="ReasonCodes.StoreRedisUnsupported"/> (error: the stores fail), <see cref="ReasonCodes.StoreRedisEvicts"/>
/// or <see cref="ReasonCodes.StoreRedisNotPersistent"/> (warnings: revocations can be forgotten).
/// </param>
/// <param name="IsError">True when CarteAuth cannot work with this server at all.</param>
/// <param name="Message">What was found, what it breaks, and the setting to change.</param>
internal sealed record RedisServerFinding(string ReasonCode, bool IsError, string Message);

/// <summary>
/// Reads what CarteAuth needs of the Redis server from <c>INFO</c> (allowed where <c>CONFIG</c> is often not, as on
/// managed Redis): version 7.0 or later (the end-all script uses <c>PEXPIRETIME</c>), a primary (a replica refuses
/// writes), no eviction when <c>maxmemory</c> is set (an evicted revocation epoch makes tokens revoked by "sign out
/// everywhere" valid again; an evicted replay entry lets a one-time token be replayed), and persistence (AOF) or a
/// replica (a restart without either forgets epochs and replay ids). docs/operations.md, "Redis".
/// </summary>
internal static class RedisServerCheck
{
    private static readonly Version MinimumVersion = new(7, 0);

    /// <summary>
    /// Checks the primary the connection writes to. Throws <see cref="CarteAuthException"/>
    /// (<see cref="ReasonCodes.TokenStoreUnavailable"/>) when no server is connected or <c>INFO</c> fails.
    /// </summary>
    public static async Task<(string EndPoint, IReadOnlyList<RedisServerFinding> Findings)> CheckAsync(IConnectionMultiplexer multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        var servers = multiplexer.GetServers().Where(static s => s.IsConnected).ToList();
        if (servers.Count == 0)
        {
            throw new CarteAuthException(ReasonCodes.TokenStoreUnavailable, "No Redis server is connected, so its configuration could not be checked. Check that Redis is reachable with RedisStoreOptions.Configuration.");
        }

        var server = servers.FirstOrDefault(static s => !s.IsReplica) ?? servers[0];

        // INFO from a script: StackExchange.Redis sends INFO itself only with allowAdmin, which the stores should not
        // need; the default sections hold server, replication, memory and persistence. The stores already run scripts.
        var text = await RedisConnection.RunAsync(ReasonCodes.TokenStoreUnavailable, "answer INFO (to check its configuration)",
            async () => (string?)await multiplexer.GetDatabase().ScriptEvaluateAsync("return redis.call('INFO')").ConfigureAwait(false)).ConfigureAwait(false);
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (text ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // "key:value" lines between "# Section" headers.
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[0] != '#')
            {
                info[line[..colon]] = line[(colon + 1)..];
            }
        }

        var endPoint = Format(server.EndPoint);
        return (endPoint, Evaluate(info, endPoint));
    }

    /// <summary>The findings for one server's <c>INFO</c> fields (<c>redis_version</c>, <c>role</c>, <c>maxmemory</c>, <c>maxmemory_policy</c>, <c>aof_enabled</c>, <c>connected_slaves</c>).</summary>
    public static IReadOnlyList<RedisServerFinding> Evaluate(IReadOnlyDictionary<string, string> info, string endPoint)
    {
        var findings = new List<RedisServerFinding>();
        var version = info.GetValueOrDefault("redis_version");
        if (version is null || !Version.TryParse(version, out var parsed) || parsed < MinimumVersion)
        {
            findings.Add(new(ReasonCodes.StoreRedisUnsupported, true,
                $"The Redis server {endPoint} reports version {version ?? "(none)"}; CarteAuth needs Redis {MinimumVersion} or later (its session scripts use PEXPIRETIME). Upgrade the server."));
        }

        if (info.GetValueOrDefault("role") is { } role && !string.Equals(role, "master", StringComparison.Ordinal))
        {
            findings.Add(new(ReasonCodes.StoreRedisUnsupported, true,
                $"The Redis server {endPoint} is a replica (role {role}), which refuses writes. Point RedisStoreOptions.Configuration at the primary, or at the Sentinels (serviceName=…)."));
        }

        var policy = info.GetValueOrDefault("maxmemory_policy") ?? "noeviction";
        var maxMemory = long.TryParse(info.GetValueOrDefault("maxmemory"), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : 0;
        if (maxMemory > 0 && !string.Equals(policy, "noeviction", StringComparison.Ordinal))
        {
            findings.Add(new(ReasonCodes.StoreRedisEvicts, false,
                $"The Redis server {endPoint} evicts keys when it reaches maxmemory ({maxMemory} bytes, maxmemory-policy {policy}): an evicted revocation epoch makes tokens revoked by \"sign out everywhere\" valid again, an evicted replay entry lets a one-time token be replayed, an evicted session signs its user out. Set maxmemory-policy noeviction (a full Redis then refuses writes and CarteAuth fails closed) and size maxmemory for the sessions."));
        }

        var aof = info.GetValueOrDefault("aof_enabled") == "1";
        var replicas = int.TryParse(info.GetValueOrDefault("connected_slaves"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
        if (!aof && replicas == 0)
        {
            findings.Add(new(ReasonCodes.StoreRedisNotPersistent, false,
                $"The Redis server {endPoint} has no append-only file (appendonly no) and no connected replica: a restart loses what changed since its last snapshot, if any: revocation epochs (tokens revoked by \"sign out everywhere\" pass the token check again), replay ids and sessions (everyone signs in again). Set appendonly yes (appendfsync everysec), or run a replica with Sentinel."));
        }

        return findings;
    }

    /// <summary>The findings' reason codes, for a health check description (no personal data).</summary>
    public static string Describe(IReadOnlyList<RedisServerFinding> findings) => string.Join(", ", findings.Select(static f => f.ReasonCode).Distinct(StringComparer.Ordinal));

    private static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endPoint.ToString() ?? "(unknown)",
    };
}
