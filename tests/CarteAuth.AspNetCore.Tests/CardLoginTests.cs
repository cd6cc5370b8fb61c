using System.Net;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// <c>/carteauth/login/card</c> with the certificate forwarded by a trusted proxy (the Kestrel mTLS path is the same
/// authenticator; SmartCard's tests cover the handshake).
/// </summary>
public sealed class CardLoginTests : IDisposable
{
    private readonly DevPki _pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = TestHost.Start.AddDays(-1) });

    public void Dispose() => _pki.Dispose();

    private Task<TestHost> StartAsync(params IPAddress[] proxies) => TestHost.StartAsync(
        options: o =>
        {
            o.ForwardedCertificate = new ForwardedCertificateOptions();
            foreach (var proxy in proxies)
            {
                o.ForwardedCertificate.TrustedProxies.Add(proxy);
            }
        },
        carteAuth: b => b.AddSmartCard(o =>
        {
            o.TrustAnchors.Add(_pki.Root);
            o.Intermediates.Add(_pki.Intermediate);
        }));

    private static string Header(DevCard card) => Uri.EscapeDataString(card.Certificate.ExportCertificatePem());

    private DevCard Card(string name) => _pki.Cards.Single(c => c.Spec.Name == name);

    private static Task<HttpResponseMessage> LoginAsync(Browser browser, string? header, string query = "?returnUrl=%2Fme", bool api = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/login/card" + query);
        request.Headers.Accept.ParseAdd(api ? "application/json" : "text/html");
        if (header is not null)
        {
            request.Headers.Add("X-SSL-Client-Cert", header);
        }

        return browser.Client.SendAsync(request);
    }

    [Fact]
    public async Task ForwardedDoctorCard_SignsIn_AndRedirectsToTheReturnUrl()
    {
        await using var host = await StartAsync(IPAddress.Loopback);
        using var browser = host.NewBrowser();
        var response = await LoginAsync(browser, Header(Card("doctor")));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/me", response.Headers.Location!.OriginalString);

        var me = await Browser.JsonAsync(await browser.GetApiAsync("/me"));
        Assert.Equal("810002813839", me.GetProperty(CarteAuthClaimTypes.NationalId).GetString());
        Assert.Equal("smartcard", me.GetProperty(CarteAuthClaimTypes.Authenticator).GetString());
        Assert.Equal("true", me.GetProperty(CarteAuthClaimTypes.PhishingResistant).GetString());
        var audit = await host.AuditAsync();
        Assert.Contains(audit, e => e.Kind == Audit.AuditEventKinds.Authentication && e.Result == Audit.AuditResults.Success && e.Subject == "810002813839");
        Assert.Contains(audit, e => e.Kind == CarteAuthDefaults.SessionAuditKind && e.Result == "started");
    }

    /// <summary>Fault matrix (docs/faults.md): the session cannot be recorded, so the login fails closed with the code, not a 500.</summary>
    [Fact]
    public async Task SessionStoreDown_CardLoginIsRefusedWithTheReasonCode_NotA500()
    {
        using var dir = new CarteAuth.Testing.TempDirectory();
        var notADatabase = dir.File("sessions.db", new string('x', 4096));
        await using var host = await TestHost.StartAsync(
            options: o =>
            {
                o.ForwardedCertificate = new ForwardedCertificateOptions();
                o.ForwardedCertificate.TrustedProxies.Add(IPAddress.Loopback);
            },
            carteAuth: b => b.UseSqliteSessionStore(o => o.Path = notADatabase).AddSmartCard(o =>
            {
                o.TrustAnchors.Add(_pki.Root);
                o.Intermediates.Add(_pki.Intermediate);
            }));
        using var browser = host.NewBrowser();

        var api = await LoginAsync(browser, Header(Card("doctor")), api: true);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        Assert.Equal(ReasonCodes.SessionStoreUnavailable, (await Browser.JsonAsync(api)).GetProperty("reasonCode").GetString());

        var page = await LoginAsync(browser, Header(Card("doctor")));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("error=" + ReasonCodes.SessionStoreUnavailable, page.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Null(browser.SessionCookie);
    }

    [Fact]
    public async Task KestrelMutualTls_DoctorCard_SignsIn()
    {
        using var server = HttpsCookieTests.ServerCertificate();
        await using var host = await TestHost.StartAsync(
            https: server,
            clientCertificates: true,
            carteAuth: b => b.AddSmartCard(o =>
            {
                o.TrustAnchors.Add(_pki.Root);
                o.Intermediates.Add(_pki.Intermediate);
            }));
        using var browser = host.NewBrowser(server, Card("doctor").Certificate);
        var response = await LoginAsync(browser, null);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/me", response.Headers.Location!.OriginalString);
        var me = await Browser.JsonAsync(await browser.GetApiAsync("/me"));
        Assert.Equal("810002813839", me.GetProperty(CarteAuthClaimTypes.NationalId).GetString());

        // Without a card over the same listener: cert.missing.
        using var noCard = host.NewBrowser(server);
        Assert.Equal(ReasonCodes.CertMissing, (await Browser.JsonAsync(await LoginAsync(noCard, null, api: true))).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task ApiLogin_AnswersJson()
    {
        await using var host = await StartAsync(IPAddress.Loopback);
        using var browser = host.NewBrowser();
        var response = await LoginAsync(browser, Header(Card("doctor")), "?returnUrl=https%3A%2F%2Fevil.example", api: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Browser.JsonAsync(response);
        Assert.Equal("/", body.GetProperty("returnUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetApiAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task NoCertificate_GoesBackToTheLoginPageWithTheReason()
    {
        await using var host = await StartAsync(IPAddress.Loopback);
        using var browser = host.NewBrowser();
        var response = await LoginAsync(browser, null, "?returnUrl=%2F%2Fevil.example");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/carteauth/login?returnUrl=%2F&error=cert.missing", response.Headers.Location!.OriginalString);

        var api = await LoginAsync(browser, null, api: true);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(ReasonCodes.CertMissing, (await Browser.JsonAsync(api)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task HeaderFromAnUntrustedPeer_IsIgnored()
    {
        await using var host = await StartAsync(IPAddress.Parse("10.1.2.3"));
        using var browser = host.NewBrowser();
        var response = await LoginAsync(browser, Header(Card("doctor")), api: true);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.CertUntrustedProxy, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Null(browser.SessionCookie);
    }

    [Fact]
    public async Task MalformedHeader_IsATypedError()
    {
        await using var host = await StartAsync(IPAddress.Loopback);
        using var browser = host.NewBrowser();
        var response = await LoginAsync(browser, "not-a-certificate", api: true);
        Assert.Equal(ReasonCodes.CertMalformedHeader, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
    }

    [Fact]
    public async Task CardOfAnotherPki_IsRefusedAndAudited()
    {
        using var other = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = TestHost.Start.AddDays(-1) });
        await using var host = await StartAsync(IPAddress.Loopback);
        using var browser = host.NewBrowser();
        var response = await LoginAsync(browser, Header(other.Cards.Single(c => c.Spec.Name == "doctor")), api: true);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.CertUntrustedChain, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Contains(await host.AuditAsync(), e => e.Kind == Audit.AuditEventKinds.Authentication && e.Result == Audit.AuditResults.Failure && e.ReasonCode == ReasonCodes.CertUntrustedChain);
        Assert.Null(browser.SessionCookie);
    }
}
