using StackExchange.Redis;

namespace CarteAuth.Stores.Redis;

/// <summary>The Redis connection and key names shared by the CarteAuth Redis stores.</summary>
public sealed class RedisConnection
{
    /// <summary>Wraps a connection (owned by the caller) with the key prefix.</summary>
    public RedisConnection(IConnectionMultiplexer multiplexer, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        Multiplexer = multiplexer;
        Prefix = keyPrefix;
    }

    /// <summary>The connection.</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The key prefix.</summary>
    public string Prefix { get; }

    /// <summary>The database.</summary>
    internal IDatabase Database => Multiplexer.GetDatabase();

    internal RedisKey Session(string id) => Prefix + "session:" + id;

    internal RedisKey UserSessions(string nationalId) => Prefix + "user-sessions:" + nationalId;

    internal RedisKey ProviderSessions(string providerSessionId) => Prefix + "psc-sessions:" + providerSessionId;

    internal RedisKey Epoch(string subject) => Prefix + "epoch:" + subject;

    internal RedisKey Jti(string tokenId) => Prefix + "jti:" + tokenId;

    internal RedisKey Challenge(ReadOnlySpan<byte> challenge) => Prefix + "webauthn-challenge:" + System.Buffers.Text.Base64Url.EncodeToString(challenge);

    /// <summary>Runs a Redis call; connection failures, timeouts and server errors become <see cref="CarteAuthException"/> with <paramref name="reasonCode"/>.</summary>
    internal static async Task<T> RunAsync<T>(string reasonCode, string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw new CarteAuthException(reasonCode, $"Redis could not {what}: {e.Message} Check that Redis is reachable with RedisStoreOptions.Configuration and answers in time.", e);
        }
    }
}
