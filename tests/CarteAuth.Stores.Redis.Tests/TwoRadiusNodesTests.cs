using CarteAuth.Gateway.Radius;
using CarteAuth.Gateway.Tests.Radius;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Stores.Redis.Tests;

/// <summary>
/// Two real CarteAuth RADIUS servers sharing one real redis-server, as behind a NAS that fails over or a UDP load
/// balancer: the password round on one node, the answer to its Access-Challenge on the other; the State and the
/// one-time code are each accepted once by the pair.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TwoRadiusNodesTests(RedisServer redis)
{
    [Fact(Timeout = 60_000)]
    public async Task AChallengeSentByOneNode_IsAnsweredOnTheOther_StateAndCodeOnceForBoth()
    {
        var prefix = $"radius-nodes-{Guid.NewGuid():n}:";
        void Shared(IServiceCollection s) => s.AddCarteAuthRedisStores(o =>
        {
            o.Configuration = redis.Configuration;
            o.KeyPrefix = prefix;
            o.CheckServerAtStart = false;
        });
        await using var nodeA = await RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy, services: Shared);
        await using var nodeB = await RadiusTestServer.StartAsync(RadiusTestServer.MfaPolicy, services: Shared);
        using var toA = new RadiusUdpClient(nodeA.EndPoint, RadiusTestServer.Secret, TimeSpan.FromSeconds(5));
        using var toB = new RadiusUdpClient(nodeB.EndPoint, RadiusTestServer.Secret, TimeSpan.FromSeconds(5));

        var challenge = await toA.AccessRequestAsync(RadiusTestServer.OtpUser, RadiusTestServer.Password, nasIdentifier: "vpn-test");
        Assert.Equal(RadiusCode.AccessChallenge, challenge.Code);
        var code = TotpVerifier.Compute(RadiusTestServer.TotpSecret, DateTimeOffset.UtcNow);
        var accepted = await toB.AccessRequestAsync(RadiusTestServer.OtpUser, code, challenge.State, nasIdentifier: "vpn-test");
        Assert.True(accepted.Accepted, accepted.ReasonCode ?? accepted.Error);

        // The same State again, on the node that sent it: already answered.
        var again = await toA.AccessRequestAsync(RadiusTestServer.OtpUser, code, challenge.State, nasIdentifier: "vpn-test");
        Assert.Equal(RadiusCode.AccessReject, again.Code);

        // A new challenge from B, answered on A with the code B already accepted: refused (one-time across nodes).
        var second = await toB.AccessRequestAsync(RadiusTestServer.OtpUser, RadiusTestServer.Password, nasIdentifier: "vpn-test");
        Assert.Equal(RadiusCode.AccessChallenge, second.Code);
        var replayed = await toA.AccessRequestAsync(RadiusTestServer.OtpUser, code, second.State, nasIdentifier: "vpn-test");
        Assert.Equal(RadiusCode.AccessReject, replayed.Code);
        Assert.Contains(await nodeA.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusBadOtp);
        Assert.Contains(await nodeA.AuditEventsAsync(), e => e.ReasonCode == ReasonCodes.RadiusUnknownState);
    }
}
