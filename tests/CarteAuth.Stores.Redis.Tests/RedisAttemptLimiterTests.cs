using CarteAuth.Authentication.Attempts;
using CarteAuth.Core.Tests.Authentication;
using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisAttemptLimiterContractTests(RedisServer redis) : AttemptLimiterContract
{
    protected override IAuthenticationAttemptLimiter CreateLimiter(AttemptLimiterOptions options, TimeProvider time) =>
        new RedisAuthenticationAttemptLimiter(redis.NewConnection(), options, time);

    [Fact]
    public async Task TwoNodes_ShareCountsAndLockouts()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new AttemptLimiterOptions { MaxFailuresPerIdentity = 40, MaxFailuresPerSource = 1000 };
        var prefix = redis.NewConnection().Prefix;
        await using var other = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var nodeA = new RedisAuthenticationAttemptLimiter(new RedisConnection(redis.Multiplexer, prefix), options, time);
        var nodeB = new RedisAuthenticationAttemptLimiter(new RedisConnection(other, prefix), options, time);

        // 20 + 19 concurrent failures on two nodes: none lost, not yet locked.
        var identity = AttemptKey.Identity("radius-password:alice");
        await Task.WhenAll(Enumerable.Range(0, 39).Select(i => Task.Run(async () => await (i % 2 == 0 ? nodeA : nodeB).RecordFailureAsync(identity))));
        Assert.Equal(39, (await nodeB.GetStatusAsync(identity)).Failures);

        // The 40th, on A, locks it for B too.
        Assert.True((await nodeA.RecordFailureAsync(identity)).IsLocked);
        Assert.True((await nodeB.GetStatusAsync(identity)).IsLocked);
    }

    [Fact]
    public async Task AddCarteAuthRedisStores_ReplacesTheInMemoryLimiter()
    {
        var services = new ServiceCollection()
            .AddCarteAuthInMemoryAudit()
            .AddCarteAuthCore()
            .AddCarteAuthAttemptLimits(o => o.MaxFailuresPerIdentity = 7)
            .AddCarteAuthRedisStores(o => o.Configuration = redis.Configuration);
        await using var provider = services.BuildServiceProvider();
        var limiter = Assert.IsType<RedisAuthenticationAttemptLimiter>(provider.GetRequiredService<IAuthenticationAttemptLimiter>());
        Assert.Equal(7, limiter.Options.MaxFailuresPerIdentity);
    }

    [Fact]
    public async Task UnreachableRedis_FailsWithTheStoreCode()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{LoopbackPorts.Free()},connectTimeout=200,syncTimeout=200,asyncTimeout=200");
        options.AbortOnConnectFail = false;
        await using var down = await ConnectionMultiplexer.ConnectAsync(options);
        var limiter = new RedisAuthenticationAttemptLimiter(new RedisConnection(down, "test:"), new AttemptLimiterOptions(), TimeProvider.System);
        var e = await Assert.ThrowsAsync<CarteAuthException>(async () => await limiter.RecordFailureAsync(AttemptKey.Source("10.1.2.3")));
        Assert.Equal(ReasonCodes.AuthAttemptStoreUnavailable, e.ReasonCode);
        e = await Assert.ThrowsAsync<CarteAuthException>(async () => await limiter.GetStatusAsync(AttemptKey.Source("10.1.2.3")));
        Assert.Equal(ReasonCodes.AuthAttemptStoreUnavailable, e.ReasonCode);
    }
}
