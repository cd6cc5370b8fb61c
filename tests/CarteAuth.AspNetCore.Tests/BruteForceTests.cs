using System.Net;
using CarteAuth.Audit;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>Brute-force protection of the login endpoints: 429 with Retry-After and the reason code, audited.</summary>
public sealed class BruteForceTests
{
    private static void Limits(IServiceCollection services, int perIdentity, int perSource) =>
        services.AddCarteAuthAttemptLimits(o =>
        {
            o.MaxFailuresPerIdentity = perIdentity;
            o.MaxFailuresPerSource = perSource;
            o.LockoutDuration = TimeSpan.FromMinutes(10);
        });

    [Fact]
    public async Task Fido2_FailedAssertionsLockTheCredential_429WithRetryAfter_ThenItWorksAfterTheLockout()
    {
        await using var host = await Fido2LoginTests.StartAsync(services: s => Limits(s, perIdentity: 2, perSource: 100));
        using var key = new SoftAuthenticator();
        using var enrolled = host.NewBrowser();
        await enrolled.SignInAsync(TestHost.Evidence());
        var userHandle = await Fido2LoginTests.RegisterAsync(enrolled, key);

        using var browser = host.NewBrowser();
        for (var i = 0; i < 2; i++)
        {
            // An assertion over a challenge the server never issued.
            var forged = key.Assert(System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), userHandle);
            var refused = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Fido2LoginTests.Json(WebAuthnJson.Serialize(forged)));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var good = key.Assert(await Fido2LoginTests.LoginChallengeAsync(browser), userHandle);
        var locked = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Fido2LoginTests.Json(WebAuthnJson.Serialize(good)));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(10), locked.Headers.RetryAfter!.Delta);
        var body = await Browser.JsonAsync(locked);
        Assert.Equal(ReasonCodes.AuthLockedOut, body.GetProperty("reasonCode").GetString());
        Assert.Equal(600, body.GetProperty("retryAfter").GetInt64());
        Assert.Null(browser.SessionCookie);
        var refusal = (await host.AuditAsync()).Last(e => e.Kind == AuditEventKinds.Authentication);
        Assert.Equal((AuditResults.Failure, ReasonCodes.AuthLockedOut, "fido2"), (refusal.Result, refusal.ReasonCode, refusal.Authenticator));

        host.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var after = key.Assert(await Fido2LoginTests.LoginChallengeAsync(browser), userHandle);
        var login = await browser.Client.PostAsync("/carteauth/fido2/login/verify", Fido2LoginTests.Json(WebAuthnJson.Serialize(after)));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Card_FailedLoginsFromOneAddress_RateLimitIt_EvenForAValidCard()
    {
        using var pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = TestHost.Start.AddDays(-1) });
        using var other = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = TestHost.Start.AddDays(-1) });
        await using var host = await TestHost.StartAsync(
            services: s => Limits(s, perIdentity: 100, perSource: 2),
            options: o =>
            {
                o.ForwardedCertificate = new ForwardedCertificateOptions();
                o.ForwardedCertificate.TrustedProxies.Add(IPAddress.Loopback);
            },
            carteAuth: b => b.AddSmartCard(o =>
            {
                o.TrustAnchors.Add(pki.Root);
                o.Intermediates.Add(pki.Intermediate);
            }));
        using var browser = host.NewBrowser();
        Task<HttpResponseMessage> LoginAsync(DevCard card)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/login/card?returnUrl=%2Fme");
            request.Headers.Accept.ParseAdd("text/html");
            request.Headers.Add("X-SSL-Client-Cert", Uri.EscapeDataString(card.Certificate.ExportCertificatePem()));
            return browser.Client.SendAsync(request);
        }

        // Two cards of an untrusted PKI: refused (redirect to the login page with the error).
        Assert.Equal(HttpStatusCode.Redirect, (await LoginAsync(other.Cards[0])).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await LoginAsync(other.Cards[1])).StatusCode);

        var limited = await LoginAsync(pki.Cards.Single(c => c.Spec.Name == "doctor"));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(ReasonCodes.AuthRateLimited, (await Browser.JsonAsync(limited)).GetProperty("reasonCode").GetString());
        var events = (await host.AuditAsync()).Where(e => e.Kind == AuditEventKinds.Authentication).ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal((ReasonCodes.AuthRateLimited, "127.0.0.1"), (events[^1].ReasonCode, events[^1].ClientAddress));
    }

    [Fact]
    public async Task InvalidLimits_StopTheHostAtStart()
    {
        var e = await Assert.ThrowsAsync<CarteAuthException>(() => TestHost.StartAsync(services: s => s.AddCarteAuthAttemptLimits(o => o.MaxFailuresPerSource = 0)));
        Assert.Equal(ReasonCodes.AuthInvalidAttemptLimits, e.ReasonCode);
        Assert.Contains("MaxFailuresPerSource", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>Failed Pro Santé Connect callbacks rate-limit their source.</summary>
public sealed class PscBruteForceTests(PscSimulatorFixture fixture) : IClassFixture<PscSimulatorFixture>
{
    [Fact]
    public async Task FailedCallbacks_RateLimitTheSource_ARealSignInIsThen429()
    {
        var sim = fixture.Simulator;
        await using var host = await TestHost.StartAsync(
            services: s => s.AddCarteAuthAttemptLimits(o => o.MaxFailuresPerSource = 2),
            options: o => o.PscCallbackPath = CarteAuth.Testing.PscSimulator.RedirectPath,
            carteAuth: b => b.AddProSanteConnect(o =>
            {
                o.Issuer = sim.Issuer.ToString();
                o.ClientId = CarteAuth.Testing.PscSimulator.ClientId;
                o.ClientSecret = CarteAuth.Testing.PscSimulator.ClientSecret;
            }),
            start: DateTimeOffset.UtcNow);
        using var browser = host.NewBrowser();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Redirect, (await browser.GetHtmlAsync("/carteauth/login/psc")).StatusCode);
            var forged = await browser.GetApiAsync(CarteAuth.Testing.PscSimulator.RedirectPath + "?code=guess&state=guess");
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        var login = await browser.GetHtmlAsync("/carteauth/login/psc");
        var callback = await sim.LoginAsync(login.Headers.Location!, CarteAuth.Testing.PscSimulator.MedecinIdNat, "card", new CookieContainer());
        var limited = await browser.GetHtmlAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(ReasonCodes.AuthRateLimited, (await Browser.JsonAsync(limited)).GetProperty("reasonCode").GetString());
        Assert.Null(browser.SessionCookie);
        Assert.Equal(ReasonCodes.AuthRateLimited, (await host.AuditAsync()).Last(e => e.Kind == AuditEventKinds.Authentication).ReasonCode);
    }
}
