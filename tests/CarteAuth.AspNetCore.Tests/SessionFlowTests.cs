using System.Net;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

public sealed class SessionFlowTests
{
    [Fact]
    public async Task SignIn_SetsHttpOnlyLaxCookie_AndAuthenticatesWithEvidenceClaims()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var signIn = await browser.SignInAsync(TestHost.Evidence(), "?returnUrl=/me");
        Assert.Equal("/me", signIn.Headers.Location!.OriginalString);
        var setCookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("carteauth=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);

        var me = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var claims = await Browser.JsonAsync(me);
        Assert.Equal(TestHost.Doctor, claims.GetProperty(CarteAuthClaimTypes.NationalId).GetString());
        Assert.Equal("JEANNE DUPONT", claims.GetProperty(CarteAuthClaimTypes.Name).GetString());
        Assert.Equal("10", claims.GetProperty(CarteAuthClaimTypes.Profession).GetString());
        Assert.Equal("sc hwk pin", claims.GetProperty(CarteAuthClaimTypes.AuthenticationMethod).GetString());
        Assert.Equal("high", claims.GetProperty(CarteAuthClaimTypes.AssuranceLevel).GetString());
        Assert.Equal("smartcard", claims.GetProperty(CarteAuthClaimTypes.Authenticator).GetString());
        Assert.Equal("true", claims.GetProperty(CarteAuthClaimTypes.PhishingResistant).GetString());
        Assert.False(string.IsNullOrEmpty(claims.GetProperty(CarteAuthClaimTypes.SessionId).GetString()));

        var audit = await host.AuditAsync();
        var started = Assert.Single(audit, e => e.Kind == CarteAuthDefaults.SessionAuditKind);
        Assert.Equal("started", started.Result);
        Assert.Equal(TestHost.Doctor, started.Subject);
        Assert.Equal("sc hwk pin", started.Methods);
    }

    [Fact]
    public async Task Anonymous_HtmlRequest_RedirectsToLoginWithReturnUrl()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.GetHtmlAsync("/me?tab=2");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/carteauth/login?returnUrl=%2Fme%3Ftab%3D2", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Anonymous_ApiRequest_Gets401ProblemWithReasonCode()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.SessionNotAuthenticated, Assert.Single(response.Headers.GetValues(CarteAuthDefaults.ReasonHeader)));
        Assert.Contains("error=\"session.not-authenticated\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var body = await Browser.JsonAsync(response);
        Assert.Equal(ReasonCodes.SessionNotAuthenticated, body.GetProperty("reasonCode").GetString());
        Assert.Equal("/carteauth/login", body.GetProperty("loginUrl").GetString());
    }

    [Fact]
    public async Task SignIn_RefusesNonLocalReturnUrl()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        foreach (var evil in new[] { "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)" })
        {
            var response = await browser.SignInAsync(TestHost.Evidence(), "?returnUrl=" + Uri.EscapeDataString(evil));
            Assert.Equal("/", response.Headers.Location!.OriginalString);
        }
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("/dossier?x=1", true)]
    [InlineData("~/a", true)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("~//evil.example", false)]
    [InlineData("https://evil.example", false)]
    [InlineData("evil", false)]
    [InlineData("/a\r\nLocation: x", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsLocalUrl_AcceptsOnlyPathsOfThisApplication(string? url, bool local) => Assert.Equal(local, CarteAuthHttp.IsLocalUrl(url));

    [Fact]
    public async Task IdleTimeout_EndsTheSession_AndSlidingUseKeepsItAlive()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b.ConfigureSessions(o => { o.IdleTimeout = TimeSpan.FromMinutes(30); o.AbsoluteTimeout = TimeSpan.FromHours(12); }));
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());

        // Used every 20 minutes: stays alive past the idle timeout counted from sign-in (and past the 1 h token lifetime).
        for (var i = 0; i < 5; i++)
        {
            host.Time.Advance(TimeSpan.FromMinutes(20));
            Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);
        }

        host.Time.Advance(TimeSpan.FromMinutes(31));
        var response = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.SessionIdleTimeout, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Null(browser.SessionCookie);
        Assert.Contains(await host.AuditAsync(), e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.Result == "ended" && e.ReasonCode == ReasonCodes.SessionIdleTimeout);
    }

    [Fact]
    public async Task AbsoluteTimeout_EndsAnActiveSession()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b.ConfigureSessions(o => { o.IdleTimeout = TimeSpan.FromMinutes(30); o.AbsoluteTimeout = TimeSpan.FromMinutes(50); }));
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        host.Time.Advance(TimeSpan.FromMinutes(25));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);
        host.Time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);

        var cookie = browser.SessionCookie;
        host.Time.Advance(TimeSpan.FromMinutes(6));
        var response = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.SessionAbsoluteTimeout, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());

        // The session is ended in the store: the old cookie stays refused.
        using var replay = host.NewBrowser();
        replay.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, cookie));
        var again = await replay.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task SignOut_EndsTheSession_AndTheOldCookieIsRefused()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        var cookie = browser.SessionCookie;
        Assert.NotNull(cookie);

        var logout = await browser.PostAsync("/carteauth/logout", origin: host.Address.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Null(browser.SessionCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetApiAsync("/me")).StatusCode);

        using var replay = host.NewBrowser();
        replay.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, cookie));
        var response = await replay.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.SessionEnded, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Contains(await host.AuditAsync(), e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.Result == "ended" && e.ReasonCode == CarteAuthSessionEndReasons.SignOut);
    }

    [Fact]
    public async Task SignOutEverywhere_InvalidatesAnotherBrowsersSession_ButNotOtherUsers()
    {
        await using var host = await TestHost.StartAsync();
        using var a = host.NewBrowser();
        using var b = host.NewBrowser();
        using var other = host.NewBrowser();
        await a.SignInAsync(TestHost.Evidence());
        await b.SignInAsync(TestHost.Evidence());
        await other.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));

        var response = await a.PostAsync("/carteauth/logout-everywhere");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await Browser.JsonAsync(response)).GetProperty("ended").GetInt32());

        var refused = await b.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(ReasonCodes.TokenRevoked, (await Browser.JsonAsync(refused)).GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await a.GetApiAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetApiAsync("/me")).StatusCode);

        // Signing in again after it works (new token at the new epoch).
        await b.SignInAsync(TestHost.Evidence());
        Assert.Equal(HttpStatusCode.OK, (await b.GetApiAsync("/me")).StatusCode);
        Assert.Contains(await host.AuditAsync(), e => e.Result == "ended-everywhere" && e.Subject == TestHost.Doctor);
    }

    [Fact]
    public async Task LogoutEverywhere_WithoutSession_Is401()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsync("/carteauth/logout-everywhere")).StatusCode);
    }

    [Fact]
    public async Task SessionList_ShowsTheUsersSessions_AndEndsOne()
    {
        await using var host = await TestHost.StartAsync();
        using var a = host.NewBrowser();
        using var b = host.NewBrowser();
        using var other = host.NewBrowser();
        await a.SignInAsync(TestHost.Evidence());
        host.Time.Advance(TimeSpan.FromSeconds(5));
        await b.SignInAsync(TestHost.Evidence(amr: "\"hwk\",\"user\"", assurance: "substantial", authenticator: "fido2"));
        await other.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));

        var list = await Browser.JsonAsync(await a.GetApiAsync("/carteauth/sessions"));
        Assert.Equal(2, list.GetArrayLength());
        Assert.True(list[0].GetProperty("current").GetBoolean());
        Assert.False(list[1].GetProperty("current").GetBoolean());
        Assert.Equal("fido2", list[1].GetProperty("authenticator").GetString());
        Assert.Equal("127.0.0.1", list[1].GetProperty("clientAddress").GetString());
        var bId = list[1].GetProperty("id").GetString()!;
        var otherId = (await Browser.JsonAsync(await other.GetApiAsync("/carteauth/sessions")))[0].GetProperty("id").GetString()!;

        // Another user's session, or an unknown one: 404, nothing ended.
        var notMine = await a.PostAsync($"/carteauth/sessions/{otherId}/end");
        Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);
        Assert.Equal(ReasonCodes.SessionNotFound, Assert.Single(notMine.Headers.GetValues(CarteAuthDefaults.ReasonHeader)));
        Assert.Equal(HttpStatusCode.NotFound, (await a.PostAsync("/carteauth/sessions/unknown/end")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetApiAsync("/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await a.PostAsync($"/carteauth/sessions/{bId}/end")).StatusCode);
        var ended = await b.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        Assert.Equal(ReasonCodes.SessionEnded, (await Browser.JsonAsync(ended)).GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await a.GetApiAsync("/me")).StatusCode);
        Assert.Equal(1, (await Browser.JsonAsync(await a.GetApiAsync("/carteauth/sessions"))).GetArrayLength());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public async Task MalformedCookie_IsRefusedWithATokenCode(string value)
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        browser.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, value));
        var response = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var code = (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString()!;
        Assert.True(code.StartsWith("token.", StringComparison.Ordinal) || code == ReasonCodes.SessionNotAuthenticated, code);
    }

    [Fact]
    public async Task TamperedCookie_IsRefused_AndDeleted()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        var token = browser.SessionCookie!;
        var parts = token.Split('.');

        // Flip one character of the signature.
        var sig = parts[2].ToCharArray();
        sig[5] = sig[5] == 'A' ? 'B' : 'A';
        var tampered = $"{parts[0]}.{parts[1]}.{new string(sig)}";
        using var attacker = host.NewBrowser();
        attacker.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, tampered));
        var response = await attacker.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.TokenBadSignature, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("carteauth=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidTokenForAnUnknownSession_OrAnotherSubjectsSession_IsRefused()
    {
        await using var host = await TestHost.StartAsync();
        using var pharmacist = host.NewBrowser();
        await pharmacist.SignInAsync(TestHost.Evidence(TestHost.Pharmacist, "21"));
        var pharmacistSession = (await Browser.JsonAsync(await pharmacist.GetApiAsync("/me"))).GetProperty(CarteAuthClaimTypes.SessionId).GetString()!;
        var issuer = host.Services.GetRequiredService<Tokens.SessionTokenIssuer>();
        var doctor = Authentication.EvidenceJson.Parse(TestHost.Evidence());

        // Signed by the right key, but its sid names no session.
        var unknown = await issuer.IssueAsync(doctor, "no-such-session");
        using var a = host.NewBrowser();
        a.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, unknown.Token));
        Assert.Equal(ReasonCodes.SessionNotFound, (await Browser.JsonAsync(await a.GetApiAsync("/me"))).GetProperty("reasonCode").GetString());

        // Signed by the right key, for the doctor, pointing at the pharmacist's session.
        var grafted = await issuer.IssueAsync(doctor, pharmacistSession);
        using var b = host.NewBrowser();
        b.Cookies.Add(host.Address, new Cookie(CarteAuthDefaults.CookieName, grafted.Token));
        Assert.Equal(ReasonCodes.SessionSubjectMismatch, (await Browser.JsonAsync(await b.GetApiAsync("/me"))).GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await pharmacist.GetApiAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task RawSignIn_WithoutTheSignInManager_IsATypedError()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.Client.PostAsync("/test/raw-sign-in", null);
        Assert.Equal(ReasonCodes.SessionSignInInvalid, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Jwks_PublishesTheSessionTokenKeys()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.GetApiAsync("/.well-known/carteauth/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType!.MediaType);
        var jwks = await Browser.JsonAsync(response);
        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.Equal("key-1", key.GetProperty("kid").GetString());
        Assert.False(key.TryGetProperty("d", out _));
        Assert.Equal("key-1", Tokens.SigningKeyRing.FromJwksJson(await response.Content.ReadAsStringAsync()).Active.Kid);
    }

    [Theory]
    [InlineData("https://evil.example", null)]
    [InlineData("null", null)]
    [InlineData(null, "cross-site")]
    [InlineData(null, "same-site")]
    public async Task StateChangingEndpoints_RefuseCrossSiteRequests(string? origin, string? fetchSite)
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        await browser.SignInAsync(TestHost.Evidence());
        foreach (var path in new[] { "/carteauth/logout", "/carteauth/logout-everywhere", "/carteauth/sessions/x/end" })
        {
            var response = await browser.PostAsync(path, origin, fetchSite);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal(ReasonCodes.SessionCrossSiteRequest, Assert.Single(response.Headers.GetValues(CarteAuthDefaults.ReasonHeader)));
        }

        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);
        var sameOrigin = await browser.PostAsync("/carteauth/logout", host.Address.GetLeftPart(UriPartial.Authority), "same-origin");
        Assert.Equal(HttpStatusCode.NoContent, sameOrigin.StatusCode);
    }

    [Fact]
    public async Task SessionStart_IsNotRecordedWhenItCannotBeAudited()
    {
        await using var host = await TestHost.StartAsync(services: s => s.AddSingleton<IAuditStore, FailingAuditStore>());
        using var browser = host.NewBrowser();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var r = await browser.Client.PostAsync("/test/sign-in", new StringContent(TestHost.Evidence()));
            r.EnsureSuccessStatusCode();
        });
        Assert.Null(browser.SessionCookie);
        var store = (InMemoryCarteAuthSessionStore)host.Services.GetRequiredService<ICarteAuthSessionStore>();
        Assert.Empty(await store.ListAsync(TestHost.Doctor));
    }

    private sealed class FailingAuditStore : IAuditStore
    {
        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default) =>
            throw new AuditStoreException(ReasonCodes.AuditStoreUnavailable, "down");

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSequence = 1, CancellationToken ct = default) => AsyncEnumerable.Empty<AuditEvent>();

        public ValueTask<AuditEvent?> GetLastAsync(CancellationToken ct = default) => new((AuditEvent?)null);
    }
}
