using System.Net;
using System.Text;
using CarteAuth.Audit;
using CarteAuth.SmartCard;
using CarteAuth.SmartCard.Development;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>Logins refused before any authenticator runs are audited like the others: one event per attempt.</summary>
public sealed class LoginAuditTests : IDisposable
{
    private readonly DevPki _pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = TestHost.Start.AddDays(-1) });

    public void Dispose() => _pki.Dispose();

    private Task<TestHost> StartAsync(IPAddress proxy) => TestHost.StartAsync(
        options: o =>
        {
            o.CorrelationIdHeader = "X-Request-Id";
            o.ForwardedCertificate = new ForwardedCertificateOptions();
            o.ForwardedCertificate.TrustedProxies.Add(proxy);
        },
        carteAuth: b => b
            .AddSmartCard(o =>
            {
                o.TrustAnchors.Add(_pki.Root);
                o.Intermediates.Add(_pki.Intermediate);
            })
            .AddFido2(
                o =>
                {
                    o.RpId = "example.org";
                    o.RpName = "Portail";
                    o.Origins.Add("https://example.org");
                },
                f => f.UseInMemoryCredentialStore()));

    private static async Task<HttpResponseMessage> CardLoginAsync(Browser browser, string requestId, string? header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/carteauth/login/card");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Add("X-Request-Id", requestId);
        if (header is not null)
        {
            request.Headers.Add("X-SSL-Client-Cert", header);
        }

        return await browser.Client.SendAsync(request);
    }

    [Theory]
    [InlineData(null, ReasonCodes.CertMissing)]
    [InlineData("not-a-certificate", ReasonCodes.CertMalformedHeader)]
    public async Task CardLoginWithoutAUsableCertificate_IsAuditedOnce(string? header, string reason)
    {
        await using var host = await StartAsync(IPAddress.Loopback);
        using var browser = host.NewBrowser();
        var response = await CardLoginAsync(browser, "card-1", header);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var e = Assert.Single(await host.AuditAsync());
        Assert.Equal((AuditEventKinds.Authentication, AuditResults.Failure, reason, "card-1", "smartcard"), (e.Kind, e.Result, e.ReasonCode, e.CorrelationId, e.Authenticator));
        Assert.Equal("127.0.0.1", e.ClientAddress);
        Assert.False(string.IsNullOrEmpty(e.Detail));
    }

    [Fact]
    public async Task CertificateFromAnUntrustedPeer_IsAuditedOnce()
    {
        await using var host = await StartAsync(IPAddress.Parse("10.1.2.3"));
        using var browser = host.NewBrowser();
        var card = Uri.EscapeDataString(_pki.Cards.Single(c => c.Spec.Name == "doctor").Certificate.ExportCertificatePem());
        Assert.Equal(HttpStatusCode.Unauthorized, (await CardLoginAsync(browser, "card-2", card)).StatusCode);
        var e = Assert.Single(await host.AuditAsync());
        Assert.Equal((AuditResults.Failure, ReasonCodes.CertUntrustedProxy, "card-2"), (e.Result, e.ReasonCode, e.CorrelationId));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"id\":1}")]
    public async Task MalformedAssertion_IsAuditedOnce(string body)
    {
        await using var host = await StartAsync(IPAddress.Loopback);
        using var browser = host.NewBrowser();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/carteauth/fido2/login/verify") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Request-Id", "key-1");
        var response = await browser.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var reason = (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString();
        var e = Assert.Single(await host.AuditAsync());
        Assert.Equal((AuditEventKinds.Authentication, AuditResults.Failure, reason, "key-1", "fido2"), (e.Kind, e.Result, e.ReasonCode, e.CorrelationId, e.Authenticator));
    }

    [Fact]
    public async Task RefusedLogin_WhoseAuditFails_StaysRefused()
    {
        await using var host = await TestHost.StartAsync(
            services: s => s.AddSingleton<IAuditTrail>(new FailingAuditTrail()),
            options: o => o.ForwardedCertificate = new ForwardedCertificateOptions(),
            carteAuth: b => b.AddSmartCard(o => o.TrustAnchors.Add(_pki.Root)));
        using var browser = host.NewBrowser();
        var response = await CardLoginAsync(browser, "card-3", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.CertMissing, (await Browser.JsonAsync(response)).GetProperty("reasonCode").GetString());
        Assert.Null(browser.SessionCookie);
    }

    private sealed class FailingAuditTrail : IAuditTrail
    {
        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken ct = default) =>
            throw new AuditStoreException(ReasonCodes.AuditStoreUnavailable, "down");
    }
}
