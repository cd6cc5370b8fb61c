using System.Net;
using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>The PSC simulator (node oidc-provider), started once for these tests.</summary>
public sealed class PscSimulatorFixture : IAsyncLifetime
{
    public PscSimulator Simulator { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Simulator = await PscSimulator.StartAsync(new PscSimulatorOptions(), timeout.Token);
    }

    public async Task DisposeAsync() => await Simulator.DisposeAsync();
}

/// <summary>Pro Santé Connect login, callback and back-channel logout over HTTP against the simulator.</summary>
public sealed class PscLoginTests(PscSimulatorFixture fixture) : IClassFixture<PscSimulatorFixture>
{
    private PscSimulator Sim => fixture.Simulator;

    private Task<TestHost> StartAsync(Action<CarteAuthBuilder>? more = null) => TestHost.StartAsync(
        options: o => o.PscCallbackPath = PscSimulator.RedirectPath,
        carteAuth: b =>
        {
            b.AddProSanteConnect(o =>
            {
                o.Issuer = Sim.Issuer.ToString();
                o.ClientId = PscSimulator.ClientId;
                o.ClientSecret = PscSimulator.ClientSecret;
            });
            more?.Invoke(b);
        },

        // The simulator's tokens carry the real time.
        start: DateTimeOffset.UtcNow);

    /// <summary>Login → PSC (the simulator plays the professional) → callback; returns the callback's response.</summary>
    private async Task<HttpResponseMessage> SignInThroughPscAsync(TestHost host, Browser browser, string idNat, string returnUrl = "/me")
    {
        var login = await browser.GetHtmlAsync("/carteauth/login/psc?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var authorize = login.Headers.Location!;
        Assert.StartsWith(Sim.AuthorizationEndpoint.AbsoluteUri, authorize.AbsoluteUri, StringComparison.Ordinal);
        var callback = await Sim.LoginAsync(authorize, idNat, "card", new CookieContainer());
        Assert.Equal(host.Address.Port, callback.Port);
        return await browser.GetHtmlAsync(callback.PathAndQuery);
    }

    [Fact]
    public async Task PscLogin_SignsInAndReturns()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var callback = await SignInThroughPscAsync(host, browser, PscSimulator.MedecinIdNat);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/me", callback.Headers.Location!.OriginalString);
        Assert.Contains(await host.AuditAsync(), e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.Result == "started" && e.Authenticator == "psc");

        var me = await Browser.JsonAsync(await browser.GetApiAsync("/me"));
        Assert.Equal(PscSimulator.MedecinIdNat, me.GetProperty(CarteAuthClaimTypes.NationalId).GetString());
        Assert.Equal("psc", me.GetProperty(CarteAuthClaimTypes.Authenticator).GetString());
        Assert.Contains(await host.AuditAsync(), e => e.Kind == Audit.AuditEventKinds.Authentication && e.Authenticator == "psc" && e.Result == Audit.AuditResults.Success);
    }

    [Fact]
    public async Task PscLogin_WithPairing_PairsTheLocalAccountOnce()
    {
        await using var host = await StartAsync(b => b.AddPairing());
        using var browser = host.NewBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInThroughPscAsync(host, browser, PscSimulator.MedecinIdNat)).StatusCode);
        var me = await Browser.JsonAsync(await browser.GetApiAsync("/me"));
        var account = me.GetProperty(CarteAuthClaimTypes.LocalAccount).GetString();
        Assert.StartsWith("la-", account, StringComparison.Ordinal);
        var paired = Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing");
        Assert.Equal("paired", paired.Result);
        Assert.Equal("psc", paired.Authenticator);
        Assert.Equal(PscSimulator.MedecinIdNat, paired.Subject);

        using var again = host.NewBrowser();
        Assert.Equal(HttpStatusCode.Redirect, (await SignInThroughPscAsync(host, again, PscSimulator.MedecinIdNat)).StatusCode);
        Assert.Equal(account, (await Browser.JsonAsync(await again.GetApiAsync("/me"))).GetProperty(CarteAuthClaimTypes.LocalAccount).GetString());
        Assert.Single(await host.AuditAsync(), e => e.Kind == "pairing");
    }

    [Fact]
    public async Task Callback_WithoutThisBrowsersPendingRequest_IsRefused()
    {
        await using var host = await StartAsync();
        using var victim = host.NewBrowser();
        using var attacker = host.NewBrowser();

        // The attacker starts a login and gets a valid code, then makes the victim's browser use the callback.
        var login = await attacker.GetHtmlAsync("/carteauth/login/psc");
        var callback = await Sim.LoginAsync(login.Headers.Location!, PscSimulator.MedecinIdNat, "card", new CookieContainer());
        var response = await victim.GetHtmlAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("error=psc.state-mismatch", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Null(victim.SessionCookie);
    }

    [Fact]
    public async Task Callback_WithATamperedState_IsRefused()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var login = await browser.GetHtmlAsync("/carteauth/login/psc");
        var callback = await Sim.LoginAsync(login.Headers.Location!, PscSimulator.MedecinIdNat, "card", new CookieContainer());
        var tampered = callback.PathAndQuery.Replace("state=", "state=x", StringComparison.Ordinal);
        var response = await browser.GetApiAsync(tampered);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.PscStateMismatch, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task UnknownProfessional_AccessDenied_GoesBackToLogin()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var response = await SignInThroughPscAsync(host, browser, PscSimulator.UnknownIdNat);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("error=psc.access-denied", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackchannelLogout_FromTheSimulator_EndsTheLocalSession()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        await SignInThroughPscAsync(host, browser, PscSimulator.MedecinIdNat);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);

        await Sim.SetBackchannelLogoutUriAsync(PscSimulator.ClientId, new Uri(host.Address, "/carteauth/psc/backchannel-logout"));
        try
        {
            await Sim.SendBackchannelLogoutAsync(PscSimulator.ClientId, PscSimulator.MedecinIdNat);
        }
        finally
        {
            await Sim.SetBackchannelLogoutUriAsync(PscSimulator.ClientId, null);
        }

        var response = await browser.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task BackchannelLogout_WithTheProviderSid_EndsOnlyThatSession()
    {
        await using var host = await StartAsync();
        using var psc = host.NewBrowser();
        using var card = host.NewBrowser();

        // The provider puts sid in ID tokens for clients with a back-channel logout URI (backchannel_logout_session_required).
        await Sim.SetBackchannelLogoutUriAsync(PscSimulator.ClientId, new Uri(host.Address, "/carteauth/psc/backchannel-logout"));
        try
        {
            await SignInThroughPscAsync(host, psc, PscSimulator.MedecinIdNat);
            await card.SignInAsync(TestHost.Evidence(PscSimulator.MedecinIdNat));
            var store = host.Services.GetRequiredService<Sessions.ICarteAuthSessionStore>();
            var sid = Assert.Single(await store.ListAsync(PscSimulator.MedecinIdNat), s => s.Authenticator == "psc").ProviderSessionId;
            Assert.False(string.IsNullOrEmpty(sid));
            await Sim.SendBackchannelLogoutAsync(PscSimulator.ClientId, null, sid);
        }
        finally
        {
            await Sim.SetBackchannelLogoutUriAsync(PscSimulator.ClientId, null);
        }

        var ended = await psc.GetApiAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        Assert.Equal(ReasonCodes.SessionEnded, (await Browser.JsonAsync(ended)).GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await card.GetApiAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task BackchannelLogout_WithAForgedToken_Is400()
    {
        await using var host = await StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.Client.PostAsync("/carteauth/psc/backchannel-logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["logout_token"] = "eyJhbGciOiJub25lIn0.e30." }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await Browser.JsonAsync(response);
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        Assert.StartsWith("psc.", Assert.Single(response.Headers.GetValues(CarteAuthDefaults.ReasonHeader)), StringComparison.Ordinal);

        var notForm = await browser.Client.PostAsync("/carteauth/psc/backchannel-logout", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, notForm.StatusCode);
    }

    [Fact]
    public async Task HealthCheck_SeesTheProvidersDiscovery()
    {
        await using var host = await TestHost.StartAsync(
            carteAuth: b => b.AddProSanteConnect(o =>
            {
                o.Issuer = Sim.Issuer.ToString();
                o.ClientId = PscSimulator.ClientId;
                o.ClientSecret = PscSimulator.ClientSecret;
            }).AddHealthChecks(),
            start: DateTimeOffset.UtcNow);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var report = await host.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().CheckHealthAsync(timeout.Token);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, report.Entries["carteauth-psc"].Status);
    }

    [Fact]
    public async Task PscLogin_NonLocalReturnUrl_ReturnsToTheRootAfterTheCallback()
    {
        // The return URL is checked before it is kept in the pending-request cookie (open redirect, RFC 9700 §4.11); the
        // whole table of hostile forms runs against the card login in OpenRedirectTests.
        await using var host = await StartAsync();
        foreach (var evil in new[] { "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/a\r\nLocation: https://evil.example" })
        {
            using var browser = host.NewBrowser();
            var callback = await SignInThroughPscAsync(host, browser, PscSimulator.MedecinIdNat, evil);
            Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
            Assert.Equal("/", callback.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task PscLogin_WithoutPscConfigured_Is404WithReason()
    {
        await using var host = await TestHost.StartAsync();
        using var browser = host.NewBrowser();
        var response = await browser.GetApiAsync("/carteauth/login/psc");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(ReasonCodes.PscInvalidOptions, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
    }
}
