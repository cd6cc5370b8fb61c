using System.Text;
using CarteAuth.Gateway.Radius;

namespace CarteAuth.Stores.Redis.Tests;

/// <summary>
/// RADIUS one-time codes on two nodes sharing one real redis-server (RFC 6238 §5.2 across the deployment): a TOTP code
/// accepted by one node is refused by the other, through the Redis replay cache.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SharedOneTimeCodeTests(RedisServer redis)
{
    [Fact]
    public async Task ACodeAcceptedOnOneNode_IsRefusedOnTheOther()
    {
        // Two nodes: each its own connection and verifier, one key prefix (one deployment).
        var prefix = $"totp-{Guid.NewGuid():n}:";
        var nodeA = new TotpVerifier(TimeProvider.System, new RedisReplayCache(new RedisConnection(redis.Multiplexer, prefix)));
        var nodeB = new TotpVerifier(TimeProvider.System, new RedisReplayCache(new RedisConnection(redis.Multiplexer, prefix)));
        var secret = Encoding.ASCII.GetBytes("12345678901234567890");
        var code = TotpVerifier.Compute(secret, DateTimeOffset.UtcNow);

        Assert.True(await nodeA.VerifyAsync("isabelle.medecin", secret, code));
        Assert.False(await nodeB.VerifyAsync("isabelle.medecin", secret, code));
        Assert.False(await nodeA.VerifyAsync("isabelle.medecin", secret, code));

        // Recorded in Redis under the replay cache's key, with an expiry (forgotten once the step is past).
        var keys = redis.Multiplexer.GetServers()[0].Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
        var key = Assert.Single(keys);
        Assert.StartsWith(prefix + "jti:totp:isabelle.medecin:", key, StringComparison.Ordinal);
        var ttl = await redis.Multiplexer.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(90));
    }
}
