using CarteAuth.Authentication;
using CarteAuth.Gateway.Radius;
using CarteAuth.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Stores.Redis.Tests;

/// <summary>
/// RADIUS challenges shared through a real redis-server: the State one node sent is answered on another, once, and
/// not after it expires; UseRedis / AddCarteAuthRedisStores register the store whatever the order with AddCarteAuthRadius.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisRadiusChallengeStoreTests(RedisServer redis)
{
    private static RadiusChallenge Challenge(DateTimeOffset expiresAt) => new(
        "isabelle.medecin",
        "vpn-1",
        new AuthenticationEvidence(new ProfessionalIdentity(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE"), AuthenticationMethods.Pwd, AssuranceLevel.Low, expiresAt.AddMinutes(-2), "radius-pap"),
        "corr-1",
        expiresAt);

    [Fact]
    public async Task AStateSentByOneNode_IsAnsweredOnAnother_Once_AndNotAfterItExpires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var prefix = $"radius-{Guid.NewGuid():n}:";
        var nodeA = new RedisRadiusChallengeStore(new RedisConnection(redis.Multiplexer, prefix), time);
        var nodeB = new RedisRadiusChallengeStore(new RedisConnection(redis.Multiplexer, prefix), time);
        var pending = Challenge(time.GetUtcNow().AddMinutes(2));

        await nodeA.StoreAsync("0123456789abcdef0123456789abcdef", pending);
        var taken = await nodeB.TakeAsync("0123456789abcdef0123456789abcdef");
        Assert.NotNull(taken);
        Assert.Equal((pending.UserName, pending.ClientName, pending.CorrelationId, pending.ExpiresAt), (taken.UserName, taken.ClientName, taken.CorrelationId, taken.ExpiresAt));
        Assert.Equal(pending.FirstFactor.Identity.NationalId, taken.FirstFactor.Identity.NationalId);
        Assert.Equal((AuthenticationMethods.Pwd, AssuranceLevel.Low, "radius-pap"), (taken.FirstFactor.Methods, taken.FirstFactor.Assurance, taken.FirstFactor.Authenticator));
        Assert.Null(await nodeA.TakeAsync("0123456789abcdef0123456789abcdef")); // single use across nodes
        Assert.Null(await nodeB.TakeAsync("unknown"));

        // A State is fresh random bytes: storing one twice is a programming error, not an overwrite.
        await nodeA.StoreAsync("fedcba9876543210fedcba9876543210", pending);
        await Assert.ThrowsAsync<ArgumentException>(async () => await nodeB.StoreAsync("fedcba9876543210fedcba9876543210", pending));

        // Past its expiry (by the nodes' clock, even before Redis drops the key): unknown.
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Null(await nodeB.TakeAsync("fedcba9876543210fedcba9876543210"));
    }

    [Fact]
    public async Task TheRadiusServerUsesIt_WhicheverIsRegisteredFirst()
    {
        foreach (var redisFirst in new[] { true, false })
        {
            var services = new ServiceCollection().AddLogging();
            if (redisFirst)
            {
                services.AddCarteAuthRedisStores(o => o.Configuration = redis.Configuration);
            }

            services.AddCarteAuthRadius(o => o.UsersFile = "users.json");
            if (!redisFirst)
            {
                services.AddCarteAuthRedisStores(o => o.Configuration = redis.Configuration);
            }

            await using var provider = services.BuildServiceProvider();
            Assert.IsType<RedisRadiusChallengeStore>(provider.GetRequiredService<IRadiusChallengeStore>());
        }
    }

    [Fact]
    public async Task RedisDown_FailsClosedWithTheStoresReasonCode()
    {
        var port = CarteAuth.Testing.LoopbackPorts.Free();
        await using var multiplexer = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=300,syncTimeout=300,asyncTimeout=300,abortConnect=false");
        var store = new RedisRadiusChallengeStore(new RedisConnection(multiplexer, "down:"), TimeProvider.System);
        var stored = await Assert.ThrowsAsync<CarteAuthException>(async () => await store.StoreAsync("00", Challenge(DateTimeOffset.UtcNow.AddMinutes(1))));
        Assert.Equal(ReasonCodes.RadiusChallengeStoreUnavailable, stored.ReasonCode);
        Assert.Contains("RedisStoreOptions.Configuration", stored.Message, StringComparison.Ordinal);
        var taken = await Assert.ThrowsAsync<CarteAuthException>(async () => await store.TakeAsync("00"));
        Assert.Equal(ReasonCodes.RadiusChallengeStoreUnavailable, taken.ReasonCode);
    }
}
