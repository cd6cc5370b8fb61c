using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Oidc.Tests;

/// <summary>
/// Fault matrix (docs/faults.md): one Pro Santé Connect client built by DI (the production resilience pipeline: timeouts,
/// retries of GETs, circuit breaker) against a loopback provider that goes down, comes back on the same port, stalls,
/// and answers HTML, truncated JSON or HTTP 500 on discovery, JWKS and token endpoints. Every fault is a typed
/// <see cref="PscException"/> (no sign-in); once the provider answers properly the same client signs in again.
/// </summary>
public sealed class PscFaultTests
{
    private const string Truncated = """{"issuer":"http://127.0.0.1/auth/realms/esante-wallet","authorization_endpoint":"ht""";

    [Fact(Timeout = 120_000)]
    public async Task Down_slow_and_garbage_fail_closed_with_typed_codes_and_the_same_client_recovers()
    {
        var op = await FakeProvider.StartAsync();
        var port = new Uri(op.Origin).Port;
        await using var sp = Services(op);
        var client = sp.GetRequiredService<ProSanteConnectClient>();

        // Down: the provider stopped, nothing listens on its port.
        await op.DisposeAsync();
        Assert.Equal(ReasonCodes.PscProviderUnavailable, (await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.CreateAuthorizationRequestAsync())).ReasonCode);

        // Back on the same port, but answering garbage on discovery.
        op = await FakeProvider.StartAsync(port: port);
        try
        {
            op.Discovery = static ctx => Html(ctx);
            Assert.Equal(ReasonCodes.PscDiscoveryFailed, (await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.CreateAuthorizationRequestAsync())).ReasonCode);
            op.Discovery = static ctx => Raw(ctx, 200, Truncated);
            Assert.Equal(ReasonCodes.PscDiscoveryFailed, (await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.CreateAuthorizationRequestAsync())).ReasonCode);
            op.Discovery = static ctx => Raw(ctx, 500, "internal error");
            Assert.Equal(ReasonCodes.PscProviderUnavailable, (await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.CreateAuthorizationRequestAsync())).ReasonCode);

            // Slow: every answer stalls past HttpTimeout.
            op.Discovery = null;
            op.Delay = TimeSpan.FromSeconds(5);
            Assert.Equal(ReasonCodes.PscProviderUnavailable, (await Assert.ThrowsAsync<PscException>(() => client.CodeFlow.CreateAuthorizationRequestAsync())).ReasonCode);
            op.Delay = TimeSpan.Zero;

            // Discovery works again (within the circuit breaker's break duration if the failures above opened it).
            var pending = await EventuallyAsync(() => client.CodeFlow.CreateAuthorizationRequestAsync());

            // JWKS broken after the keys were loaded (with the discovery document): the keys in use are kept, sign-in works.
            IssueTokens(op, pending.Request.Nonce);
            ServeUserInfo(op);
            op.Jwks = static ctx => Html(ctx);
            Assert.Equal("810002813839", (await Callback(client, pending)).Identity.NationalId.Value);

            // JWKS broken for a client that never had the keys: nothing to check an ID token with, so no sign-in.
            await using (var sp2 = Services(op))
            {
                var cold = sp2.GetRequiredService<ProSanteConnectClient>();
                var html = await Assert.ThrowsAsync<PscException>(() => ColdSignInAsync(op, cold));
                Assert.Equal(ReasonCodes.PscDiscoveryFailed, html.ReasonCode);
                op.Jwks = static ctx => Raw(ctx, 200, """{"keys":[{"kty":"EC","crv":"P-2""");
                var truncated = await Assert.ThrowsAsync<PscException>(() => ColdSignInAsync(op, cold));
                Assert.Equal(ReasonCodes.PscDiscoveryFailed, truncated.ReasonCode);
                op.Jwks = null;
                Assert.Equal("810002813839", (await ColdSignInAsync(op, cold)).Identity.NationalId.Value);
            }

            // Token endpoint broken (POST: never retried).
            pending = await client.CodeFlow.CreateAuthorizationRequestAsync();
            op.Token = static ctx => Html(ctx);
            Assert.Equal(ReasonCodes.PscProviderError, (await Assert.ThrowsAsync<PscException>(() => Callback(client, pending))).ReasonCode);
            op.Token = static ctx => Raw(ctx, 200, """{"access_token":"at-1","token_type":"Bea""");
            Assert.Equal(ReasonCodes.PscProviderError, (await Assert.ThrowsAsync<PscException>(() => Callback(client, pending))).ReasonCode);
            op.Token = static ctx => Raw(ctx, 500, "<html>500</html>");
            Assert.Equal(ReasonCodes.PscProviderUnavailable, (await Assert.ThrowsAsync<PscException>(() => Callback(client, pending))).ReasonCode);

            // Everything answers properly again: the same client signs in, no restart.
            var fresh = await EventuallyAsync(() => client.CodeFlow.CreateAuthorizationRequestAsync());
            IssueTokens(op, fresh.Request.Nonce);
            var signedIn = await Callback(client, fresh);
            Assert.Equal("810002813839", signedIn.Identity.NationalId.Value);
        }
        finally
        {
            await op.DisposeAsync();
        }
    }

    private static async Task<PscSignInResult> ColdSignInAsync(FakeProvider op, ProSanteConnectClient client)
    {
        var start = await client.CodeFlow.CreateAuthorizationRequestAsync();
        IssueTokens(op, start.Request.Nonce);
        return await Callback(client, start);
    }

    private static Task<PscSignInResult> Callback(ProSanteConnectClient client, PscAuthorizationStart start) =>
        client.CodeFlow.HandleCallbackAsync(start.Request, new PscAuthorizationResponse { Code = "c", State = start.Request.State });

    private static void IssueTokens(FakeProvider op, string nonce) =>
        op.Token = ctx => FakeProvider.Json(ctx, 200, new { access_token = "at-1", token_type = "Bearer", expires_in = 120, id_token = op.Sign(op.IdTokenClaims(nonce: nonce, sub: "f:1:810002813839")) });

    private static void ServeUserInfo(FakeProvider op) =>
        op.UserInfo = static ctx => FakeProvider.Json(ctx, 200, System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>(PscUserInfoTests.Sample.Replace("f:550dc1c8:810002813839", "f:1:810002813839"))!);

    private static Task Html(HttpContext ctx) => Raw(ctx, 200, "<html><body>Maintenance</body></html>", "text/html");

    private static Task Raw(HttpContext ctx, int status, string body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        return ctx.Response.WriteAsync(body);
    }

    /// <summary>Retries while the provider is reported unavailable (an open circuit closes after its break duration), at most 30 s.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> action)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (PscException e) when (e.ReasonCode == ReasonCodes.PscProviderUnavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    private static ServiceProvider Services(FakeProvider op)
    {
        var services = new ServiceCollection();
        services.AddCarteAuthProSanteConnect(o =>
        {
            o.Issuer = op.Issuer;
            o.ClientId = FakeProvider.ClientId;
            o.ClientSecret = FakeProvider.ClientSecret;
            o.RedirectUri = new Uri("http://127.0.0.1:5999/callback");
            o.HttpTimeout = TimeSpan.FromSeconds(1);
        });
        return services.BuildServiceProvider();
    }
}
