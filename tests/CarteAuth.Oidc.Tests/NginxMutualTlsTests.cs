using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CarteAuth.SmartCard.Tests.Nginx;
using CarteAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.Oidc.Tests;

/// <summary>
/// A real nginx (tests/CarteAuth.Oidc.Tests/nginx-mtls.conf) as the provider's mTLS gateway: it requires a client
/// certificate from the organisations' test CA and forwards to the loopback <see cref="FakeProvider"/>. Unlike Kestrel,
/// nginx refuses a missing or unaccepted certificate with its own HTTP 400 page after the handshake.
/// </summary>
public sealed class NginxMutualTlsTests : IAsyncLifetime
{
    private const int Bound = 60_000;
    private readonly TempDirectory _dir = new();
    private readonly TestPki _serverCa = TestPki.Create("carteauth-test-server-ca");
    private readonly TestPki _clientCa = TestPki.Create("carteauth-test-org-ca");
    private readonly ConcurrentQueue<string> _fingerprints = new();
    private X509Certificate2 _serverCertificate = null!;
    private X509Certificate2 _clientCertificate = null!;
    private FakeProvider _op = null!;
    private NginxProxy _nginx = null!;

    private string Issuer => $"https://127.0.0.1:{_nginx.Port}/auth/realms/esante-wallet";

    public async Task InitializeAsync()
    {
        _serverCertificate = _serverCa.IssueServer();
        _clientCertificate = _clientCa.IssueClient();
        var values = new Dictionary<string, string>
        {
            ["SERVER_CERTIFICATE"] = Write("server.pem", _serverCertificate.ExportCertificatePem()),
            ["SERVER_KEY"] = Write("server.key", _serverCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()),
            ["CLIENT_CA"] = Write("client-ca.pem", _clientCa.Root.ExportCertificatePem()),
        };
        _op = await FakeProvider.StartAsync();
        values["UPSTREAM"] = _op.Origin;
        _nginx = await NginxProxy.StartAsync("tests/CarteAuth.Oidc.Tests/nginx-mtls.conf", _dir.Path, values, TimeSpan.FromSeconds(20));

        // The provider as seen through the gateway: every URL of its document on the gateway's https origin.
        _op.Discovery = ctx =>
        {
            _fingerprints.Enqueue(ctx.Request.Headers["X-SSL-Client-Fingerprint"].ToString());
            ctx.Response.ContentType = "application/json";
            return Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(ctx.Response, JsonSerializer.Serialize(_op.DiscoveryDocument()).Replace(_op.Issuer, Issuer, StringComparison.Ordinal));
        };
    }

    public async Task DisposeAsync()
    {
        _nginx.Dispose();
        await _op.DisposeAsync();
        _serverCertificate.Dispose();
        _clientCertificate.Dispose();
        _serverCa.Dispose();
        _clientCa.Dispose();
        _dir.Dispose();
    }

    [Fact(Timeout = Bound)]
    public async Task Through_the_gateway_discovery_and_jwks_succeed_with_the_client_certificate()
    {
        await using var sp = Services(_clientCertificate);
        var metadata = sp.GetRequiredService<PscProviderMetadataCache>();

        Assert.Equal(Issuer, (await metadata.DiscoverAsync()).Issuer);
        Assert.Equal(2, (await metadata.GetSigningKeysAsync()).Keys.Count);
        Assert.Equal(_clientCertificate.Thumbprint.ToLowerInvariant(), Assert.Single(_fingerprints));
    }

    [Fact(Timeout = Bound)]
    public async Task Without_a_client_certificate_the_gateways_400_becomes_an_actionable_error()
    {
        await using var sp = Services(null);
        var e = await Assert.ThrowsAsync<PscException>(() => sp.GetRequiredService<PscProviderMetadataCache>().DiscoverAsync());

        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
        Assert.Contains("No required SSL certificate was sent", e.Message);
        Assert.Contains("ProSanteConnectOptions.ClientCertificate", e.Message);
        Assert.Empty(_fingerprints);
    }

    [Fact(Timeout = Bound)]
    public async Task A_client_certificate_the_gateway_does_not_accept_becomes_an_actionable_error()
    {
        using var otherCa = TestPki.Create("carteauth-test-other-org-ca");
        using var stranger = otherCa.IssueClient("carteauth-test-stranger");
        await using var sp = Services(stranger);
        var e = await Assert.ThrowsAsync<PscException>(() => sp.GetRequiredService<PscProviderMetadataCache>().DiscoverAsync());

        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
        Assert.Contains("SSL certificate", e.Message);
        Assert.Contains("ProSanteConnectOptions.ClientCertificate", e.Message);
        Assert.Empty(_fingerprints);
    }

    private ServiceProvider Services(X509Certificate2? clientCertificate)
    {
        var services = new ServiceCollection();
        services.AddCarteAuthProSanteConnect(o =>
        {
            o.Issuer = Issuer;
            o.ClientId = FakeProvider.ClientId;
            o.ClientSecret = FakeProvider.ClientSecret;
            o.HttpTimeout = TimeSpan.FromSeconds(5);
            o.ServerCertificateAuthorities.Add(_serverCa.Root);
            o.ClientCertificate = clientCertificate;
        });
        return services.BuildServiceProvider();
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
