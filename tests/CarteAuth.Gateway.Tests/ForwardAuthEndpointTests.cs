using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Gateway.Tests;

/// <summary>The endpoint called directly, as Traefik or Caddy would, on a real Kestrel gateway.</summary>
public sealed class ForwardAuthEndpointTests
{
    [Fact]
    public async Task TraefikHeaders_BearerToken_Allowed()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = gateway.Address };
        using var request = Authz(("X-Forwarded-Method", "GET"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "dpi.chu.fr"), ("X-Forwarded-Uri", "/dossier/1"), ("Authorization", "Bearer " + token));
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(GatewayHost.Doctor, response.Headers.GetValues("X-CarteAuth-IdNat").Single());
        Assert.False(response.Headers.Contains("Set-Cookie"));

        using var bad = Authz(("X-Forwarded-Uri", "/dossier/1"), ("Authorization", "Bearer " + token[..^4] + "AAAA"));
        var refused = await client.SendAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.StartsWith("token.", refused.Headers.GetValues("CarteAuth-Reason").Single(), StringComparison.Ordinal);
        var login = refused.Headers.GetValues("X-CarteAuth-Login").Single();
        Assert.StartsWith("/carteauth/login?returnUrl=%2Fdossier%2F1&stepUp=level%3Ahigh", login, StringComparison.Ordinal);
        Assert.EndsWith("&policy=dossier-patient", login, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allowed_AnswersEveryIdentityHeader_EmptyWhenThereIsNoValue()
    {
        // A proxy copying named headers (Caddy's copy_headers) must find each of them: an absent one would reach the
        // upstream as Caddy's literal placeholder text.
        await using var gateway = await GatewayHost.StartAsync();
        var token = await gateway.SignInAsync(GatewayHost.Evidence(profession: null));
        using var client = new HttpClient { BaseAddress = gateway.Address };
        var response = await client.SendAsync(Authz(("X-Original-URI", "/accueil"), ("Cookie", "carteauth=" + token)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var name in new[] { "X-CarteAuth-IdNat", "X-CarteAuth-Profession", "X-CarteAuth-Amr", "X-CarteAuth-Acr", "X-CarteAuth-Level", "X-CarteAuth-Assertion" })
        {
            Assert.True(response.Headers.TryGetValues(name, out var values), name);
            Assert.Equal(name == "X-CarteAuth-Profession", string.IsNullOrEmpty(values.Single()));
        }
    }

    [Fact]
    public async Task Assertion_IsReusedForTheSession_WhileHalfItsLifetimeIsLeft()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await GatewayHost.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        var other = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = gateway.Address };
        async Task<string> AssertionAsync(string session)
        {
            var response = await client.SendAsync(Authz(("X-Original-URI", "/dossier/1"), ("Cookie", "carteauth=" + session)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return response.Headers.GetValues("X-CarteAuth-Assertion").Single();
        }

        var first = await AssertionAsync(token);
        Assert.Equal(first, await AssertionAsync(token));
        Assert.NotEqual(first, await AssertionAsync(other));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(first, await AssertionAsync(token));

        // Past half of the 60-second lifetime: a fresh one, so an upstream always gets at least 30 seconds.
        time.Advance(TimeSpan.FromSeconds(2));
        var renewed = await AssertionAsync(token);
        Assert.NotEqual(first, renewed);
        Assert.Equal(renewed, await AssertionAsync(token));

        // Every reused decision is still audited.
        var events = await gateway.Services.GetRequiredService<CarteAuth.Audit.IAuditStore>().ReadAsync().ToListAsync();
        Assert.Equal(6, events.Count(e => e.Kind == CarteAuth.Audit.AuditEventKinds.PolicyDecision && e.Result == CarteAuth.Audit.AuditResults.Allow));
    }

    [Theory]
    [InlineData("198.51.100.1, 203.0.113.7", "203.0.113.7")]
    [InlineData("198.51.100.1,203.0.113.7 , ,", "203.0.113.7")]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("198.51.100.1, not-an-address", "127.0.0.1")]
    public async Task AuditedClientAddress_IsTheLastForwardedHop(string forwardedFor, string expected)
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var client = new HttpClient { BaseAddress = gateway.Address };
        var response = await client.SendAsync(Authz(("X-Original-URI", "/accueil"), ("X-Forwarded-For", forwardedFor)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var decision = await gateway.Services.GetRequiredService<CarteAuth.Audit.IAuditStore>().ReadAsync().LastAsync(e => e.Kind == CarteAuth.Audit.AuditEventKinds.PolicyDecision);
        Assert.Equal(expected, decision.ClientAddress);
    }

    [Fact]
    public async Task EndedSession_IsNotServedTheReusedAssertion()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = gateway.Address };
        var allowed = await client.SendAsync(Authz(("X-Original-URI", "/dossier/1"), ("Cookie", "carteauth=" + token)));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        await gateway.Services.GetRequiredService<CarteAuth.AspNetCore.Sessions.ICarteAuthSignInManager>().EndAllSessionsAsync(GatewayHost.Doctor, "ended-everywhere");
        var refused = await client.SendAsync(Authz(("X-Original-URI", "/dossier/1"), ("Cookie", "carteauth=" + token)));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.False(refused.Headers.Contains("X-CarteAuth-Assertion"));
    }

    [Theory]
    [InlineData("X-Forwarded-Uri", "GET", "text/html,application/xhtml+xml", null, HttpStatusCode.Found)]
    [InlineData("X-Forwarded-Uri", "GET", "*/*", "navigate", HttpStatusCode.Found)]
    [InlineData("X-Forwarded-Uri", "GET", "text/html", "cors", HttpStatusCode.Unauthorized)]
    [InlineData("X-Forwarded-Uri", "GET", "application/json", null, HttpStatusCode.Unauthorized)]
    [InlineData("X-Forwarded-Uri", "POST", "text/html", null, HttpStatusCode.Unauthorized)]
    [InlineData("X-Original-URI", "GET", "text/html", "navigate", HttpStatusCode.Unauthorized)] // nginx: auth_request takes 401 only
    public async Task LoginAnswer_IsARedirectOnlyForBrowserNavigationsThroughTraefikOrCaddy(string uriHeader, string method, string accept, string? fetchMode, HttpStatusCode expected)
    {
        await using var gateway = await GatewayHost.StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.Address };
        var headers = new List<(string, string)> { (uriHeader, "/accueil"), (uriHeader == "X-Original-URI" ? "X-Original-Method" : "X-Forwarded-Method", method), ("Accept", accept) };
        if (fetchMode is not null)
        {
            headers.Add(("Sec-Fetch-Mode", fetchMode));
        }

        var response = await client.SendAsync(Authz([.. headers]));

        Assert.Equal(expected, response.StatusCode);
        var login = response.Headers.GetValues("X-CarteAuth-Login").Single();
        Assert.StartsWith("/carteauth/login?returnUrl=%2Faccueil", login, StringComparison.Ordinal);
        Assert.Equal(expected == HttpStatusCode.Found ? login : null, response.Headers.Location?.OriginalString);
        Assert.Equal(ReasonCodes.AuthenticationRequired, response.Headers.GetValues("CarteAuth-Reason").Single());
    }

    [Fact]
    public async Task EndedSession_Is401_WithSessionReason()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        await gateway.Services.GetRequiredService<CarteAuth.AspNetCore.Sessions.ICarteAuthSignInManager>().EndAllSessionsAsync(GatewayHost.Doctor, "ended-everywhere");
        using var client = new HttpClient { BaseAddress = gateway.Address };
        var response = await client.SendAsync(Authz(("X-Original-URI", "/accueil"), ("Cookie", "carteauth=" + token)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("token.", response.Headers.GetValues("CarteAuth-Reason").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyErrors_HaveReasonCodes()
    {
        await using var gateway = await GatewayHost.StartAsync(o => o.DefaultPolicy = null);
        using var client = new HttpClient { BaseAddress = gateway.Address };

        var missing = await client.SendAsync(Authz());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(ReasonCodes.GatewayMissingOriginalRequest, missing.Headers.GetValues("CarteAuth-Reason").Single());

        var bad = await client.SendAsync(Authz(("X-Original-URI", "/a%zz")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(ReasonCodes.GatewayBadOriginalRequest, bad.Headers.GetValues("CarteAuth-Reason").Single());

        var noRoute = await client.SendAsync(Authz(("X-Original-URI", "/elsewhere")));
        Assert.Equal(HttpStatusCode.Forbidden, noRoute.StatusCode);
        Assert.Equal(ReasonCodes.GatewayNoRoute, noRoute.Headers.GetValues("CarteAuth-Reason").Single());
    }

    [Fact]
    public async Task UntrustedProxy_Is403()
    {
        await using var gateway = await GatewayHost.StartAsync(o =>
        {
            o.TrustedProxies.Clear();
            o.TrustedProxies.Add("10.20.30.40");
        });
        using var client = new HttpClient { BaseAddress = gateway.Address };
        var response = await client.SendAsync(Authz(("X-Original-URI", "/accueil")));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(ReasonCodes.GatewayUntrustedProxy, response.Headers.GetValues("CarteAuth-Reason").Single());
    }

    [Fact]
    public async Task UnknownPolicyInRoutes_StopsTheHostAtStart()
    {
        var e = await Assert.ThrowsAsync<CarteAuthException>(() => GatewayHost.StartAsync(o => o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/x", Policy = "nope" })));
        Assert.Equal(ReasonCodes.GatewayInvalidOptions, e.ReasonCode);
        Assert.Contains("'nope' is not a registered CarteAuth policy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorrelationIdHeader_IsTheDecisionsCorrelationId()
    {
        await using var gateway = await GatewayHost.StartAsync(services: s => s.Configure<CarteAuth.AspNetCore.CarteAuthOptions>(o => o.CorrelationIdHeader = "X-Request-Id"));
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = new HttpClient { BaseAddress = gateway.Address };
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Authz(("X-Original-URI", "/dossier/1"), ("Cookie", "carteauth=" + token), ("X-Request-Id", "nginx-7f3a")))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Authz(("X-Original-URI", "/dossier/1"), ("X-Request-Id", "nginx-7f3b")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Authz(("X-Original-URI", "/dossier/1"), ("Cookie", "carteauth=" + token)))).StatusCode);

        var decisions = (await gateway.Services.GetRequiredService<CarteAuth.Audit.IAuditStore>().ReadAsync().ToListAsync())
            .Where(e => e.Kind == CarteAuth.Audit.AuditEventKinds.PolicyDecision).ToList();
        Assert.Equal(3, decisions.Count);
        Assert.Equal(("nginx-7f3a", CarteAuth.Audit.AuditResults.Allow), (decisions[0].CorrelationId, decisions[0].Result));
        Assert.Equal("nginx-7f3b", decisions[1].CorrelationId);
        Assert.NotEqual(CarteAuth.Audit.AuditResults.Allow, decisions[1].Result);

        // Without the header: the session id, as before.
        var session = (await gateway.Services.GetRequiredService<CarteAuth.Audit.IAuditStore>().ReadAsync().ToListAsync()).Single(e => e.Kind == CarteAuth.AspNetCore.CarteAuthDefaults.SessionAuditKind).CorrelationId;
        Assert.Equal(session, decisions[2].CorrelationId);
    }

    private static HttpRequestMessage Authz(params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/authz");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
