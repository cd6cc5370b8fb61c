using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.AspNetCore;
using CarteAuth.Audit;
using Microsoft.Extensions.DependencyInjection;
using CarteAuth.SmartCard.Development;

namespace CarteAuth.Gateway.Tests.Yarp;

/// <summary>Card sessions over mTLS (the certificate forwarded per RFC 9440) and hot reload of routes and policies.</summary>
public sealed class YarpCardAndReloadTests
{
    [Fact]
    public async Task CardSessionOverMutualTls_UpstreamReceivesTheClientCertificate()
    {
        using var pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = DateTimeOffset.UtcNow.AddDays(-1) });
        await using var gateway = await YarpGatewayHost.StartAsync(pki: pki);
        var card = pki.Cards.Single(c => c.Spec.Name == "doctor").Certificate;
        using var clientCertificate = Pkcs12(card);
        using var client = MutualTlsClient(gateway, new CookieContainer(), clientCertificate);

        using var login = new HttpRequestMessage(HttpMethod.Get, "/carteauth/login/card?returnUrl=%2Fdossier%2F1");
        login.Headers.Accept.ParseAdd("text/html");
        var signedIn = await client.SendAsync(login);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        // A forged Client-Cert is replaced by the one of the TLS connection.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dossier/1");
        request.Headers.TryAddWithoutValidation("Client-Cert", ":AAAA:");
        var headers = await YarpGatewayHost.EchoAsync(await client.SendAsync(request));
        Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        Assert.Equal(":" + Convert.ToBase64String(card.RawData) + ":", headers["client-cert"]);

        // Over TLS the session cookie is __Host-carteauth: it is not passed on either.
        Assert.DoesNotContain("carteauth=", headers.GetValueOrDefault("cookie") ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CardSession_FromAnotherCard_IsRefusedBeforeTheDecision_AndWithoutACard_GetsNoCertificate()
    {
        using var pki = DevPki.CreateWithStandardCards(new DevPkiOptions { Now = DateTimeOffset.UtcNow.AddDays(-1) });
        await using var gateway = await YarpGatewayHost.StartAsync(pki: pki);
        var cookies = new CookieContainer();
        using var doctorCard = Pkcs12(pki.Cards.Single(c => c.Spec.Name == "doctor").Certificate);
        using var nurseCard = Pkcs12(pki.Cards.Single(c => c.Spec.Name == "nurse").Certificate);
        using var doctor = MutualTlsClient(gateway, cookies, doctorCard);
        using var login = new HttpRequestMessage(HttpMethod.Get, "/carteauth/login/card?returnUrl=%2Fdossier%2F1");
        login.Headers.Accept.ParseAdd("text/html");
        Assert.Equal(HttpStatusCode.Redirect, (await doctor.SendAsync(login)).StatusCode);

        // The doctor's session cookie, the nurse's card in the reader: refused, nothing reaches the upstream.
        using var nurse = MutualTlsClient(gateway, cookies, nurseCard);
        var refused = await nurse.GetAsync(new Uri("/dossier/1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(ReasonCodes.GatewayClientCertificateMismatch, refused.Headers.GetValues(CarteAuthDefaults.ReasonHeader).Single());
        Assert.Empty(await refused.Content.ReadAsStringAsync()); // not the upstream's echo
        Assert.True(gateway.Log.Contains(3112, nurseCard.GetCertHashString(HashAlgorithmName.SHA256)));
        var audit = gateway.App.Services.GetRequiredService<IAuditStore>();
        var refusal = (await audit.GetLastAsync())!;
        Assert.Equal((AuditEventKinds.PolicyDecision, AuditResults.Deny, ReasonCodes.GatewayClientCertificateMismatch, "dossier-patient", GatewayHost.Doctor),
            (refusal.Kind, refusal.Result, refusal.ReasonCode, refusal.Policy, refusal.Subject));
        Assert.Equal("presented certificate sha256=" + nurseCard.GetCertHashString(HashAlgorithmName.SHA256), refusal.Detail);

        // The same cookie over a connection without a client certificate: the session's decision applies, and no
        // certificate is forwarded (none was presented).
        using var noCard = MutualTlsClient(gateway, cookies, clientCertificate: null);
        var headers = await YarpGatewayHost.EchoAsync(await noCard.GetAsync(new Uri("/dossier/1", UriKind.Relative)));
        Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        Assert.False(headers.ContainsKey("client-cert"));

        // And with the doctor's own card again: forwarded.
        headers = await YarpGatewayHost.EchoAsync(await doctor.GetAsync(new Uri("/dossier/1", UriKind.Relative)));
        Assert.Equal(":" + Convert.ToBase64String(doctorCard.RawData) + ":", headers["client-cert"]);

        // A card session CarteAuth holds no thumbprint for (Pro Santé Connect with a CPS: amr sc, the card seen by PSC):
        // nothing to compare, decided as usual, and no certificate forwarded.
        var pscToken = await gateway.SignInAsync(GatewayHost.Evidence(authenticator: "pro-sante-connect"));
        using var pscRequest = new HttpRequestMessage(HttpMethod.Get, "/dossier/1");
        pscRequest.Headers.Add("Cookie", "__Host-carteauth=" + pscToken);
        using var pscClient = MutualTlsClient(gateway, new CookieContainer(), nurseCard);
        headers = await YarpGatewayHost.EchoAsync(await pscClient.SendAsync(pscRequest));
        Assert.Equal(GatewayHost.Doctor, headers["x-carteauth-idnat"]);
        Assert.False(headers.ContainsKey("client-cert"));
    }

    private static X509Certificate2 Pkcs12(X509Certificate2 card) =>
        // The TLS stack wants a key it owns: round-trip through PKCS#12.
        X509CertificateLoader.LoadPkcs12(card.Export(X509ContentType.Pkcs12, "t"), "t", X509KeyStorageFlags.Exportable);

    private static HttpClient MutualTlsClient(YarpGatewayHost gateway, CookieContainer cookies, X509Certificate2? clientCertificate)
    {
        var serverThumbprint = gateway.ServerCertificate.GetCertHashString(HashAlgorithmName.SHA256);
        return new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = cookies,
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, c, _, _) => c is not null && c.GetCertHashString(HashAlgorithmName.SHA256) == serverThumbprint,
                ClientCertificates = clientCertificate is null ? [] : [clientCertificate],
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!,
            },
        }) { BaseAddress = gateway.Https, Timeout = TimeSpan.FromSeconds(20) };
    }

    [Fact]
    public async Task NonCardSession_GetsNoClientCertificateHeader()
    {
        await using var gateway = await YarpGatewayHost.StartAsync();
        var token = await gateway.SignInAsync(GatewayHost.KeyEvidence());
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/app/1");
        request.Headers.Add("Cookie", "carteauth=" + token);
        request.Headers.TryAddWithoutValidation("Client-Cert", ":AAAA:");
        var headers = await YarpGatewayHost.EchoAsync(await client.SendAsync(request));
        Assert.Equal("hwk", headers["x-carteauth-amr"]);
        Assert.False(headers.ContainsKey("client-cert"));
    }

    [Fact]
    public async Task RoutesAndTheirPolicies_HotReload_BadEditKeepsTheLastGoodConfiguration()
    {
        await using var gateway = await YarpGatewayHost.StartAsync();
        var token = await gateway.SignInAsync(GatewayHost.Evidence());
        using var client = gateway.Client();
        async Task<HttpResponseMessage> GetAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", "carteauth=" + token);
            return await client.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/nouveau/1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/pharmacie/1")).StatusCode);

        // A new route, and the pharmacie route's metadata pointing at another policy.
        var config = YarpGatewayHost.DefaultConfig(gateway.Upstream.Address);
        config["ReverseProxy"]!["Routes"]!["nouveau"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "ClusterId": "app", "Match": { "Path": "/nouveau/{**rest}" }, "Metadata": { "CarteAuth.Policy": "dossier-patient" } }""");
        config["ReverseProxy"]!["Routes"]!["pharmacie"]!["Metadata"]!["CarteAuth.Policy"] = "acces-distant";
        await gateway.WriteConfigAsync(config);
        await YarpGatewayHost.EventuallyAsync(async () => (await GetAsync("/nouveau/1")).StatusCode == HttpStatusCode.OK, "the new route");
        await YarpGatewayHost.EventuallyAsync(async () => (await GetAsync("/pharmacie/1")).StatusCode == HttpStatusCode.OK, "the route's new policy");

        // A policy edited in place: acces-distant now wants profession 21 (the doctor is 10).
        config["CarteAuth"]!["Policies"]!["acces-distant"]!["Professions"] = new System.Text.Json.Nodes.JsonArray("21");
        await gateway.WriteConfigAsync(config);
        await YarpGatewayHost.EventuallyAsync(async () => (await GetAsync("/app/1")).StatusCode == HttpStatusCode.Forbidden, "the edited policy");

        // A bad route edit (unknown policy) is rejected: the previous routes stay.
        var badRoute = System.Text.Json.Nodes.JsonNode.Parse(config.ToJsonString())!.AsObject();
        badRoute["ReverseProxy"]!["Routes"]!["nouveau"]!["Metadata"]!["CarteAuth.Policy"] = "nope";
        badRoute["ReverseProxy"]!["Routes"]!["autre"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "ClusterId": "app", "Match": { "Path": "/autre/{**rest}" }, "Metadata": { "CarteAuth.Policy": "acces-distant" } }""");
        await gateway.WriteConfigAsync(badRoute);
        await YarpGatewayHost.EventuallyAsync(() => Task.FromResult(gateway.Log.Contains(3111, "'nope' is not a registered CarteAuth policy")), "the bad route's rejection in the log");
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/autre/1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/nouveau/1")).StatusCode);

        // A bad policy edit (not a level) is rejected: the previous policies stay, the gateway keeps serving.
        var badPolicy = System.Text.Json.Nodes.JsonNode.Parse(config.ToJsonString())!.AsObject();
        badPolicy["CarteAuth"]!["Policies"]!["dossier-patient"]!["MinimumAssurance"] = "Enormous";
        await gateway.WriteConfigAsync(badPolicy);
        await YarpGatewayHost.EventuallyAsync(() => Task.FromResult(gateway.Log.Contains(1101, "Enormous")), "the bad policy's rejection in the log");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/nouveau/1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/app/1")).StatusCode);

        // A good edit after the bad ones applies.
        config["CarteAuth"]!["Policies"]!["acces-distant"]!["Professions"] = new System.Text.Json.Nodes.JsonArray("10");
        await gateway.WriteConfigAsync(config);
        await YarpGatewayHost.EventuallyAsync(async () => (await GetAsync("/app/1")).StatusCode == HttpStatusCode.OK, "the good edit after bad ones");
    }
}
