using System.Net;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Fido2;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Gateway.Tests;
using CarteAuth.SmartCard.Pkcs11;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CarteAuth.Stores.Redis.Tests;

/// <summary>
/// Fault matrix (docs/faults.md): a real redis-server of its own (not the shared fixture) killed while the stores are in
/// use, then started again on the same port. While it is down every store fails closed with its typed reason code;
/// once it is back the same store instances, over the same <see cref="IConnectionMultiplexer"/>, work again.
/// </summary>
public sealed class RedisFaultTests
{
    private const int Bound = 120_000;

    private static string FastConfiguration(int port) =>
        $"127.0.0.1:{port},connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000,abortConnect=false";

    [Fact(Timeout = Bound)]
    public async Task Killed_mid_use_every_store_fails_closed_then_the_same_instances_work_after_a_restart()
    {
        var server = new RedisServer();
        await server.InitializeAsync();
        try
        {
            await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(FastConfiguration(server.Port));
            var connection = new RedisConnection(multiplexer, $"faults-{Guid.NewGuid():n}:");
            var sessions = new RedisCarteAuthSessionStore(connection, new RedisStoreOptions());
            var epochs = new RedisRevocationEpochStore(connection);
            var replay = new RedisReplayCache(connection);
            var webauthn = new RedisWebAuthnChallengeStore(connection, TimeProvider.System);
            var cards = new RedisCardChallengeStore(connection);
            var radius = new RedisRadiusChallengeStore(connection, TimeProvider.System);

            // In use: the Lua scripts are loaded on the server, a replay id and an epoch are recorded.
            await sessions.CreateAsync(Session("s1"));
            await sessions.TouchAsync("s1", DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.True(await replay.TryAddAsync("jti-1", DateTimeOffset.UtcNow.AddMinutes(5)));
            Assert.Equal(1, await epochs.RevokeAllAsync(Doctor));

            await server.KillAsync();

            // Down: every operation is a typed error (never a success, never an untyped exception).
            Assert.Equal(ReasonCodes.SessionStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await sessions.GetAsync("s1"))).ReasonCode);
            Assert.Equal(ReasonCodes.SessionStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await sessions.CreateAsync(Session("s-down")))).ReasonCode);
            Assert.Equal(ReasonCodes.SessionStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await sessions.TouchAsync("s1", DateTimeOffset.UtcNow.AddSeconds(2)))).ReasonCode);
            Assert.Equal(ReasonCodes.TokenStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await epochs.GetEpochAsync(Doctor))).ReasonCode);
            Assert.Equal(ReasonCodes.TokenStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await replay.TryAddAsync("jti-2", DateTimeOffset.UtcNow.AddMinutes(5)))).ReasonCode);
            Assert.Equal(ReasonCodes.WebAuthnChallengeStoreUnavailable, (await Assert.ThrowsAsync<WebAuthnException>(async () => await webauthn.StoreAsync(Challenge()))).ReasonCode);
            Assert.Equal(ReasonCodes.Pkcs11ChallengeStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await cards.AddAsync(CardChallenge()))).ReasonCode);
            Assert.Equal(ReasonCodes.RadiusChallengeStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await radius.StoreAsync("state-down", RadiusChallenge()))).ReasonCode);
            Assert.Equal(ReasonCodes.RadiusChallengeStoreUnavailable, (await Assert.ThrowsAsync<CarteAuthException>(async () => await radius.TakeAsync("state-down"))).ReasonCode);

            await server.RestartAsync();

            // Back (empty: no persistence in this test server): the same instances work again, scripts included
            // (the new server has no script cache: the client must load them again).
            await EventuallyAsync(async () => await sessions.CreateAsync(Session("s2")));
            await sessions.TouchAsync("s2", DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.Equal("s2", (await sessions.GetAsync("s2"))!.Id);
            Assert.True(await sessions.EndAsync("s2", DateTimeOffset.UtcNow.AddSeconds(2), "logout"));
            Assert.Equal(0, await sessions.EndAllAsync(Doctor, DateTimeOffset.UtcNow.AddSeconds(3), "logout"));
            Assert.True(await replay.TryAddAsync("jti-2", DateTimeOffset.UtcNow.AddMinutes(5)));
            Assert.False(await replay.TryAddAsync("jti-2", DateTimeOffset.UtcNow.AddMinutes(5)));
            Assert.Equal(1, await epochs.RevokeAllAsync(Doctor)); // the epoch recorded before the crash was lost with it
            var state = Challenge();
            await webauthn.StoreAsync(state);
            Assert.NotNull(await webauthn.ConsumeAsync(state.Challenge, WebAuthnCeremony.Authentication));
            var card = CardChallenge();
            await cards.AddAsync(card);
            Assert.Equal(CardChallengeStatus.FirstUse, (await cards.ConsumeAsync(card.Id)).Status);
            await radius.StoreAsync("state-back", RadiusChallenge());
            Assert.NotNull(await radius.TakeAsync("state-back"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact(Timeout = Bound)]
    public async Task Gateway_refuses_authorization_while_redis_is_down_and_recovers_without_a_restart()
    {
        var server = new RedisServer();
        await server.InitializeAsync();
        try
        {
            await using var gateway = await GatewayHost.StartAsync(carteAuth: b => b.UseRedis(o =>
            {
                o.Configuration = FastConfiguration(server.Port);
                o.KeyPrefix = $"faults-{Guid.NewGuid():n}:";
            }));
            var before = await gateway.SignInAsync(GatewayHost.Evidence());
            Assert.Equal(HttpStatusCode.OK, (await AuthzAsync(gateway, before)).StatusCode);

            await server.KillAsync();

            // Fail closed: the token cannot be checked against the shared epochs and sessions, so it is refused with a code.
            var down = await AuthzAsync(gateway, before);
            Assert.Equal(HttpStatusCode.Unauthorized, down.StatusCode);
            Assert.Contains(down.Headers.GetValues("CarteAuth-Reason").Single(), new[] { ReasonCodes.TokenStoreUnavailable, ReasonCodes.SessionStoreUnavailable });

            await server.RestartAsync();

            // The same host (same multiplexer) works again: a new sign-in is authorized. The old session was lost with
            // the unpersisted server, so its token is refused (never accepted on missing state).
            string? after = null;
            await EventuallyAsync(async () => after = await gateway.SignInAsync(GatewayHost.Evidence()));
            Assert.Equal(HttpStatusCode.OK, (await AuthzAsync(gateway, after!)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await AuthzAsync(gateway, before)).StatusCode);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private const string Doctor = "810002813839";

    private static CarteAuthSession Session(string id) => new()
    {
        Id = id,
        NationalId = Doctor,
        EvidenceJson = $$"""{ "subject": "{{Doctor}}", "familyName": "DUPONT", "amr": [ "sc", "pin" ], "assurance": "high", "authTime": "2026-11-23T08:00:00Z", "authenticator": "smartcard" }""",
        Authenticator = "smartcard",
        CreatedAt = DateTimeOffset.UtcNow,
        LastSeenAt = DateTimeOffset.UtcNow,
        IdleTimeout = TimeSpan.FromMinutes(30),
        AbsoluteExpiresAt = DateTimeOffset.UtcNow.AddHours(12),
        ClientAddress = "127.0.0.1",
        UserAgent = "faults",
    };

    private static Gateway.Radius.RadiusChallenge RadiusChallenge() => new(
        "isabelle.medecin", "vpn-1", CarteAuth.Authentication.EvidenceJson.Parse(Session("r").EvidenceJson), "corr-r", DateTimeOffset.UtcNow.AddMinutes(2));

    private static WebAuthnChallengeState Challenge() => new()
    {
        Challenge = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray(),
        Ceremony = WebAuthnCeremony.Authentication,
        ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5),
    };

    private static CardChallenge CardChallenge() =>
        new("c-" + Guid.NewGuid().ToString("n"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(SmartCard.Pkcs11.CardChallenge.ValueLength), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(2));

    /// <summary>Retries <paramref name="action"/> until it succeeds (the client reconnects in the background), for at most 30 s.</summary>
    private static async Task EventuallyAsync(Func<Task> action)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (Exception e) when (e is CarteAuthException or Xunit.Sdk.XunitException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<HttpResponseMessage> AuthzAsync(GatewayHost node, string token)
    {
        using var client = new HttpClient { BaseAddress = node.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/authz");
        request.Headers.Add("X-Original-URI", "/dossier/1");
        request.Headers.Add("Cookie", "carteauth=" + token);
        return await client.SendAsync(request);
    }
}
