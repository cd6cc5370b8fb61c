using System.Net;
using CarteAuth.Gateway.Tests;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Stores.Redis.Tests;

/// <summary>Two gateway nodes (two real Kestrel hosts with the same signing key) sharing one real Redis.</summary>
[Collection(RedisCollection.Name)]
public sealed class TwoGatewaysTests(RedisServer redis)
{
    [Fact]
    public async Task SignInOnOne_AuthorizedOnTheOther_SignOutEverywhereOnOne_RefusedOnTheOther()
    {
        var prefix = $"two-{Guid.NewGuid():n}:";
        await using var a = await GatewayHost.StartAsync(carteAuth: b => b.UseRedis(o => { o.Configuration = redis.Configuration; o.KeyPrefix = prefix; }));
        await using var b = await GatewayHost.StartAsync(carteAuth: b => b.UseRedis(o => { o.Configuration = redis.Configuration; o.KeyPrefix = prefix; }));
        Assert.IsType<RedisCarteAuthSessionStore>(b.Services.GetRequiredService<AspNetCore.Sessions.ICarteAuthSessionStore>());
        Assert.IsType<RedisRevocationEpochStore>(b.Services.GetRequiredService<IRevocationEpochStore>());
        Assert.IsType<RedisReplayCache>(b.Services.GetRequiredService<IReplayCache>());

        // One session signed out on A: refused on B.
        var first = await a.SignInAsync(GatewayHost.Evidence());
        Assert.Equal(HttpStatusCode.OK, (await AuthzAsync(b, first)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(a, "/carteauth/logout", first)).StatusCode);
        var ended = await AuthzAsync(b, first);
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        Assert.Equal(ReasonCodes.SessionEnded, ended.Headers.GetValues("CarteAuth-Reason").Single());

        // Two sessions (one per node); sign out everywhere on A: both refused on B, tokens revoked by the shared epoch.
        var onA = await a.SignInAsync(GatewayHost.Evidence());
        var onB = await b.SignInAsync(GatewayHost.Evidence());
        Assert.Equal(HttpStatusCode.OK, (await AuthzAsync(b, onA)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AuthzAsync(a, onB)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(a, "/carteauth/logout-everywhere", onA)).StatusCode);
        foreach (var (node, token) in new[] { (b, onA), (b, onB), (a, onB) })
        {
            var refused = await AuthzAsync(node, token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(ReasonCodes.TokenRevoked, refused.Headers.GetValues("CarteAuth-Reason").Single());
        }

        // A new sign-in works again on both.
        var again = await b.SignInAsync(GatewayHost.Evidence());
        Assert.Equal(HttpStatusCode.OK, (await AuthzAsync(a, again)).StatusCode);
    }

    [Fact]
    public async Task DataProtection_ProtectedOnOne_ReadOnTheOther()
    {
        var prefix = $"dp-{Guid.NewGuid():n}:";
        await using var a = await GatewayHost.StartAsync(carteAuth: b => b.UseRedis(o => { o.Configuration = redis.Configuration; o.KeyPrefix = prefix; }));
        await using var b = await GatewayHost.StartAsync(carteAuth: b => b.UseRedis(o => { o.Configuration = redis.Configuration; o.KeyPrefix = prefix; }));
        var onA = a.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("carteauth-psc");
        var onB = b.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("carteauth-psc");
        Assert.Equal("pending login", onB.Unprotect(onA.Protect("pending login")));
        Assert.InRange(await redis.Multiplexer.GetDatabase().ListLengthAsync(prefix + "data-protection-keys"), 1, 2);

        // Without sharing, another node cannot read it.
        await using var alone = await GatewayHost.StartAsync(carteAuth: c => c.UseRedis(o => { o.Configuration = redis.Configuration; o.KeyPrefix = $"dp-{Guid.NewGuid():n}:"; o.ShareDataProtectionKeys = false; }));
        var other = alone.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("carteauth-psc");
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => other.Unprotect(onA.Protect("pending login")));
    }

    [Fact]
    public async Task RedisUnreachable_FailsClosed_WithStoreUnavailable()
    {
        // A port nothing listens on: the host starts (AbortOnConnectFail off), requests are refused with a reason.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var token = await SignInElsewhereAsync();
        await using var down = await GatewayHost.StartAsync(carteAuth: b => b.UseRedis(o => o.Configuration = $"127.0.0.1:{port},connectTimeout=500,syncTimeout=500,asyncTimeout=500"));
        var response = await AuthzAsync(down, token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.TokenStoreUnavailable, response.Headers.GetValues("CarteAuth-Reason").Single());
    }

    [Fact]
    public async Task InvalidOptions_StopTheHostAtStart()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => GatewayHost.StartAsync(carteAuth: b => b.UseRedis(o => o.KeyPrefix = "bad prefix")));
        Assert.Contains(ReasonCodes.StoreInvalidOptions, e.Message, StringComparison.Ordinal);
        Assert.Contains("Configuration is empty", e.Message, StringComparison.Ordinal);
        Assert.Contains("KeyPrefix 'bad prefix'", e.Message, StringComparison.Ordinal);
    }

    private static async Task<string> SignInElsewhereAsync()
    {
        await using var other = await GatewayHost.StartAsync();
        return await other.SignInAsync(GatewayHost.Evidence());
    }

    private static async Task<HttpResponseMessage> AuthzAsync(GatewayHost node, string token)
    {
        using var client = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/authz");
        request.Headers.Add("X-Original-URI", "/dossier/1");
        request.Headers.Add("Cookie", "carteauth=" + token);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PostAsync(GatewayHost node, string path, string token)
    {
        using var client = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Cookie", "carteauth=" + token);
        return await client.SendAsync(request);
    }
}
