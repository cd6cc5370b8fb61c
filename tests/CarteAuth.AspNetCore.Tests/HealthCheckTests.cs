using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CarteAuth.AspNetCore.Tests;

public sealed class HealthCheckTests
{
    [Fact]
    public async Task Healthy_WhenTheStoresAnswer()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b.AddHealthChecks());
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(["carteauth-audit", "carteauth-sessions"], report.Entries.Keys.Order());
    }

    [Fact]
    public async Task Unhealthy_WithTheReasonCode_WhenTheSessionStoreIsDown()
    {
        using var dir = new TempDirectory();
        var notADatabase = dir.File("sessions.db", new string('x', 4096));
        await using var host = await TestHost.StartAsync(carteAuth: b => b
            .UseSqliteSessionStore(o => o.Path = notADatabase)
            .AddHealthChecks());
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal(ReasonCodes.SessionStoreUnavailable, report.Entries["carteauth-sessions"].Description);
        Assert.Equal(HealthStatus.Healthy, report.Entries["carteauth-audit"].Status);
    }

    [Fact]
    public async Task PairingStore_HealthyWhenItAnswers_UnhealthyWithTheReasonCodeWhenNot()
    {
        using var dir = new TempDirectory();
        await using (var host = await TestHost.StartAsync(carteAuth: b => b.AddPairing(o => o.StorePath = Path.Combine(dir.Path, "pairings.db")).AddHealthChecks()))
        {
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Healthy, report.Entries["carteauth-pairing"].Status);
        }

        var notADatabase = dir.File("garbage.db", new string('x', 4096));
        await using (var host = await TestHost.StartAsync(carteAuth: b => b.AddPairing(o => o.StorePath = notADatabase).AddHealthChecks()))
        {
            var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
            Assert.Equal(HealthStatus.Unhealthy, report.Entries["carteauth-pairing"].Status);
            Assert.Equal(ReasonCodes.PairingStoreUnavailable, report.Entries["carteauth-pairing"].Description);
        }
    }
}

/// <summary>The carteauth-ocsp check against openssl's real OCSP responder, and the PSC check with the provider unreachable.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // openssl
public sealed class DependencyHealthCheckTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<HealthReportEntry> OcspEntryAsync(SmartCard.Development.DevPki pki, Uri responder, System.Security.Cryptography.X509Certificates.X509Certificate2? probe)
    {
        // The real clock: the responder signs with the real time, and HTTP timeouts must fire.
        await using var host = await TestHost.StartAsync(
            services: s => s.AddSingleton(TimeProvider.System),
            carteAuth: b => b
                .AddSmartCard(
                    o =>
                    {
                        o.TrustAnchors.Add(pki.Root);
                        o.Intermediates.Add(pki.Intermediate);
                    },
                    s => s.AddOcspRevocation(o =>
                    {
                        o.ResponderUrl = responder;
                        o.RequestTimeout = TimeSpan.FromSeconds(15);
                    }))
                .AddHealthChecks(h => h.OcspProbeCertificate = probe),
            start: DateTimeOffset.UtcNow);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(Bound);
        return report.Entries["carteauth-ocsp"];
    }

    [Fact]
    public async Task Ocsp_Healthy_WhenTheResponderAnswers_DegradedForAnUnknownProbe_UnhealthyWhenDown()
    {
        using var dir = new TempDirectory();
        using var pki = SmartCard.Development.DevPki.CreateWithStandardCards();
        pki.Revoke(pki.Cards[1], DateTimeOffset.UtcNow.AddHours(-3));
        pki.WriteTo(dir.Path);
        var late = pki.IssueCard(SmartCard.Development.DevPki.StandardCards[0] with { Name = "late", NationalId = "810003000009" });
        await using var responder = new SmartCard.Tests.TestSupport.OpensslOcspResponder(dir.Path, maxRequests: 10);

        var good = await OcspEntryAsync(pki, responder.Url, pki.Cards[0].Certificate);
        Assert.Equal(HealthStatus.Healthy, good.Status);
        Assert.Equal("Good", good.Data["status"]);

        // A revoked probe is still a valid answer: the responder works.
        var revoked = await OcspEntryAsync(pki, responder.Url, pki.Cards[1].Certificate);
        Assert.Equal(HealthStatus.Healthy, revoked.Status);
        Assert.Equal("Revoked", revoked.Data["status"]);

        var unknown = await OcspEntryAsync(pki, responder.Url, late.Certificate);
        Assert.Equal(HealthStatus.Degraded, unknown.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnknown, unknown.Description);

        var noProbe = await OcspEntryAsync(pki, responder.Url, null);
        Assert.Equal(HealthStatus.Degraded, noProbe.Status);
        Assert.Equal(ReasonCodes.CertRevocationInvalidOptions, noProbe.Description);
        Assert.True(responder.Requests >= 3);

        var down = await OcspEntryAsync(pki, new Uri($"http://127.0.0.1:{ClosedPort()}/"), pki.Cards[0].Certificate);
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.Equal(ReasonCodes.CertRevocationUnavailable, down.Description);
    }

    [Fact]
    public async Task Ocsp_IsNotAdded_WithoutOcspRevocation()
    {
        await using var host = await TestHost.StartAsync(carteAuth: b => b.AddHealthChecks());
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(Bound);
        Assert.False(report.Entries.ContainsKey("carteauth-ocsp"));
    }

    [Fact]
    public async Task Psc_Unhealthy_WhenTheProviderIsUnreachable()
    {
        // A closed port fails fast; the real clock lets the HTTP resilience timeouts and retry delays elapse.
        await using var host = await TestHost.StartAsync(
            services: s => s.AddSingleton(TimeProvider.System),
            carteAuth: b => b.AddProSanteConnect(o =>
            {
                o.Issuer = $"http://127.0.0.1:{ClosedPort()}/realms/esante-wallet";
                o.ClientId = PscSimulator.ClientId;
                o.ClientSecret = PscSimulator.ClientSecret;
            }).AddHealthChecks(),
            start: DateTimeOffset.UtcNow);
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(Bound);
        var psc = report.Entries["carteauth-psc"];
        Assert.Equal(HealthStatus.Unhealthy, psc.Status);
        Assert.StartsWith("psc.", psc.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
    }
}
