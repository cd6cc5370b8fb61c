using System.Net;
using CarteAuth.Audit;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;

namespace CarteAuth.AspNetCore.Tests;

/// <summary><see cref="CarteAuthOptions.CorrelationIdHeader"/>: the caller's request id in the audit events of that request.</summary>
public sealed class CorrelationIdTests : IDisposable
{
    private readonly DevPki _pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = TestHost.Start.AddDays(-1) });

    public void Dispose() => _pki.Dispose();

    private Task<TestHost> StartAsync(string? header) => TestHost.StartAsync(
        options: o =>
        {
            o.CorrelationIdHeader = header;
            o.ForwardedCertificate = new ForwardedCertificateOptions();
            o.ForwardedCertificate.TrustedProxies.Add(IPAddress.Loopback);
        },
        carteAuth: b => b.AddSmartCard(o =>
        {
            o.TrustAnchors.Add(_pki.Root);
            o.Intermediates.Add(_pki.Intermediate);
        }));

    private static async Task<HttpResponseMessage> SendAsync(Browser browser, string path, string? requestId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/json");
        if (requestId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Request-Id", requestId);
        }

        return await browser.Client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> CardLoginAsync(Browser browser, string? requestId, string card = "doctor")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/login/card");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Add("X-SSL-Client-Cert", Uri.EscapeDataString(_pki.Cards.Single(c => c.Spec.Name == card).Certificate.ExportCertificatePem()));
        if (requestId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Request-Id", requestId);
        }

        return await browser.Client.SendAsync(request);
    }

    [Fact]
    public async Task ConfiguredHeader_IsTheCorrelationIdOfLoginsAndPolicyDecisions()
    {
        await using var host = await StartAsync("X-Request-Id");
        using var browser = host.NewBrowser();
        Assert.Equal(HttpStatusCode.OK, (await CardLoginAsync(browser, "login-0001")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(browser, "/dossier", "authz-0002")).StatusCode);

        var audit = await host.AuditAsync();
        var login = Assert.Single(audit, e => e.Kind == AuditEventKinds.Authentication);
        Assert.Equal("login-0001", login.CorrelationId);
        Assert.Equal(AuditResults.Success, login.Result);
        var decision = Assert.Single(audit, e => e.Kind == AuditEventKinds.PolicyDecision);
        Assert.Equal("authz-0002", decision.CorrelationId);
        Assert.Equal(AuditResults.Allow, decision.Result);

        // The session's own events keep the session id.
        var started = Assert.Single(audit, e => e.Kind == CarteAuthDefaults.SessionAuditKind);
        Assert.NotEqual("login-0001", started.CorrelationId);

        // A request without the header: the session id, as without the option.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(browser, "/dossier", null)).StatusCode);
        Assert.Equal(started.CorrelationId, (await host.AuditAsync()).Last(e => e.Kind == AuditEventKinds.PolicyDecision).CorrelationId);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("del\u007fchar")]
    [InlineData("")]
    public async Task UnusableHeader_FallsBackToTheTraceIdentifier(string value)
    {
        await using var host = await StartAsync("X-Request-Id");
        using var browser = host.NewBrowser();
        Assert.Equal(HttpStatusCode.OK, (await CardLoginAsync(browser, value)).StatusCode);
        var login = Assert.Single(await host.AuditAsync(), e => e.Kind == AuditEventKinds.Authentication);
        Assert.False(string.IsNullOrEmpty(login.CorrelationId));
        Assert.NotEqual(value, login.CorrelationId);
    }

    [Fact]
    public async Task TooLongHeader_FallsBackToTheTraceIdentifier()
    {
        await using var host = await StartAsync("X-Request-Id");
        using var browser = host.NewBrowser();
        var id = new string('a', CarteAuthHttp.MaxCorrelationIdLength + 1);
        Assert.Equal(HttpStatusCode.OK, (await CardLoginAsync(browser, id)).StatusCode);
        Assert.NotEqual(id, Assert.Single(await host.AuditAsync(), e => e.Kind == AuditEventKinds.Authentication).CorrelationId);

        // The longest accepted one is kept as is.
        var longest = new string('b', CarteAuthHttp.MaxCorrelationIdLength);
        Assert.Equal(HttpStatusCode.OK, (await CardLoginAsync(browser, longest)).StatusCode);
        Assert.Equal(longest, (await host.AuditAsync()).Last(e => e.Kind == AuditEventKinds.Authentication).CorrelationId);
    }

    [Fact]
    public async Task WithoutTheOption_TheHeaderIsIgnored()
    {
        await using var host = await StartAsync(null);
        using var browser = host.NewBrowser();
        Assert.Equal(HttpStatusCode.OK, (await CardLoginAsync(browser, "login-0001")).StatusCode);
        Assert.NotEqual("login-0001", Assert.Single(await host.AuditAsync(), e => e.Kind == AuditEventKinds.Authentication).CorrelationId);
    }
}
