using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace CarteAuth.Oidc.Tests;

/// <summary>
/// Real TLS handshakes through the client that <c>AddCarteAuthProSanteConnect</c> registers: the provider is Kestrel on
/// 127.0.0.1 over https with a server certificate from a test CA and, for mTLS, a required client certificate from a
/// second test CA (as PSC-protected APIs require the organisation's IGC-Santé ORG certificate).
/// </summary>
public sealed class MutualTlsHandshakeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ITestOutputHelper _output = output;
    private const int Bound = 60_000;
    private readonly TestPki _serverCa = TestPki.Create("carteauth-test-server-ca");
    private readonly TestPki _clientCa = TestPki.Create("carteauth-test-org-ca");
    private X509Certificate2 _serverCertificate = null!;
    private X509Certificate2 _clientCertificate = null!;
    private FakeProvider _op = null!;

    public async Task InitializeAsync()
    {
        _serverCertificate = _serverCa.IssueServer();
        _clientCertificate = _clientCa.IssueClient();
        _op = await FakeProvider.StartAsync(new FakeProviderTls(_serverCertificate, _clientCa));
    }

    public async Task DisposeAsync()
    {
        await _op.DisposeAsync();
        _serverCertificate.Dispose();
        _clientCertificate.Dispose();
        _serverCa.Dispose();
        _clientCa.Dispose();
    }

    [Fact(Timeout = Bound)]
    public async Task Discovery_jwks_and_a_ciba_post_present_the_configured_client_certificate()
    {
        Assert.StartsWith("https://127.0.0.1:", _op.Issuer);
        await using var sp = Services(o => o.ClientCertificate = _clientCertificate);
        var client = sp.GetRequiredService<ProSanteConnectClient>();

        var metadata = await client.Metadata.DiscoverAsync();
        Assert.Equal(_op.Issuer, metadata.Issuer);
        var keys = await client.Metadata.GetSigningKeysAsync();
        Assert.Equal(["ec-1", "rsa-1"], keys.Keys.Select(k => k.Kid).Order());
        var token = await client.Validator.ValidateIdTokenAsync(_op.Sign(_op.IdTokenClaims()), new PscIdTokenExpectations { Nonce = "nonce-1" });
        Assert.Equal("sub-1", token.Subject);

        // A POST with client_secret_basic over the same mTLS channel (OpenID CIBA Core 1.0 §7.1).
        var pending = await client.Ciba.StartAsync(new PscCibaRequest { LoginHint = "810002813839", BindingMessage = "A1B2" });
        Assert.Equal("req-1", pending.AuthReqId);

        Assert.Equal(1, _op.DiscoveryFetches);
        Assert.NotEmpty(_op.ClientCertificates);
        var expected = _clientCertificate.GetCertHashString(HashAlgorithmName.SHA256);
        Assert.All(_op.ClientCertificates, c => Assert.Equal(expected, c.GetCertHashString(HashAlgorithmName.SHA256)));
    }

    [Theory(Timeout = Bound)]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Without_a_client_certificate_the_handshake_is_refused_and_the_error_says_to_set_one(SslProtocols protocol)
    {
        // The client's side of the handshake completes (TLS 1.3 always; Kestrel checks the certificate after it with 1.2 too),
        // then the server closes the connection: no HTTP answer at all.
        await using var op = await FakeProvider.StartAsync(new FakeProviderTls(_serverCertificate, _clientCa, protocol));
        await using var sp = Services(o => o.Issuer = op.Issuer);
        var client = sp.GetRequiredService<ProSanteConnectClient>();

        var e = await Assert.ThrowsAsync<PscException>(() => client.Metadata.DiscoverAsync());
        _output.WriteLine(e.Message);
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
        Assert.True(e.Message.Contains("TLS handshake", StringComparison.Ordinal), e.ToString());
        Assert.Contains("ProSanteConnectOptions.ClientCertificate", e.Message);
        Assert.Contains(client.Metadata.DiscoveryUrl, e.Message);
        Assert.Equal(0, op.DiscoveryFetches);
        Assert.Empty(op.ClientCertificates);
    }

    [Fact(Timeout = Bound)]
    public async Task A_client_certificate_from_a_ca_the_provider_does_not_accept_is_refused()
    {
        using var otherCa = TestPki.Create("carteauth-test-other-org-ca");
        using var stranger = otherCa.IssueClient("carteauth-test-stranger");
        await using var sp = Services(o => o.ClientCertificate = stranger);

        var e = await Assert.ThrowsAsync<PscException>(() => sp.GetRequiredService<PscProviderMetadataCache>().DiscoverAsync());
        _output.WriteLine(e.Message);
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
        Assert.Contains("TLS handshake", e.Message);
        Assert.Contains("ClientCertificate", e.Message);
        Assert.Equal(0, _op.DiscoveryFetches);
    }

    public static TheoryData<string> UntrustedServers => ["system store", "other CA", "wrong host"];

    [Theory(Timeout = Bound)]
    [MemberData(nameof(UntrustedServers))]
    public async Task An_untrusted_provider_certificate_is_refused_naming_tls(string trust)
    {
        using var otherCa = TestPki.Create("carteauth-test-other-ca");
        var sp = trust switch
        {
            // No private CA configured: the operating system's store does not know the test CA.
            "system store" => Services(o => o.ClientCertificate = _clientCertificate, trustServerCa: false),
            "other CA" => Services(o => { o.ClientCertificate = _clientCertificate; o.ServerCertificateAuthorities.Add(otherCa.Root); }, trustServerCa: false),
            _ => null,
        };
        // Issued by the trusted CA, but for another host name: still refused (RFC 6125 §6).
        using var otherCertificate = _serverCa.IssueServer(dnsName: "psc.example.org");
        await using var wrongHost = sp is null ? await FakeProvider.StartAsync(new FakeProviderTls(otherCertificate, _clientCa)) : null;
        sp ??= Services(o => { o.ClientCertificate = _clientCertificate; o.Issuer = wrongHost!.Issuer; });

        await using (sp)
        {
            var e = await Assert.ThrowsAsync<PscException>(() => sp.GetRequiredService<PscProviderMetadataCache>().DiscoverAsync());
            _output.WriteLine(e.Message);
            Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
            Assert.Contains("TLS handshake", e.Message);
            Assert.Contains("not trusted", e.Message);
            Assert.Contains("ServerCertificateAuthorities", e.Message);
        }

        Assert.Equal(0, _op.DiscoveryFetches + (wrongHost?.DiscoveryFetches ?? 0));
    }

    [Fact]
    public async Task A_client_certificate_without_its_private_key_is_refused_at_start()
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(_clientCertificate.RawData);
        await using var sp = Services(o => o.ClientCertificate = publicOnly);
        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<ProSanteConnectOptions>>().Value);
        Assert.Contains(ReasonCodes.PscInvalidOptions, e.Message);
        Assert.Contains("private key", e.Message);
    }

    [Fact]
    public async Task The_private_ca_only_replaces_the_trust_anchor_on_the_named_clients_handler()
    {
        // The application's own handler settings (a proxy, a connect timeout) compose with the library's.
        await using var sp = Services(o => o.ClientCertificate = _clientCertificate, configureServices: services => services
            .AddHttpClient(ProSanteConnectDefaults.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static (handler, _) => ((SocketsHttpHandler)handler).ConnectTimeout = TimeSpan.FromSeconds(3)));
        HttpMessageHandler? handler = sp.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(ProSanteConnectDefaults.HttpClientName);
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        var ssl = Assert.IsType<SocketsHttpHandler>(handler).SslOptions;
        Assert.Null(ssl.RemoteCertificateValidationCallback);
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, ssl.CertificateChainPolicy!.TrustMode);
        Assert.Equal(_serverCa.Root, Assert.Single(ssl.CertificateChainPolicy.CustomTrustStore));
        Assert.Equal(X509VerificationFlags.NoFlag, ssl.CertificateChainPolicy.VerificationFlags);
        Assert.Equal(_clientCertificate, Assert.Single(ssl.ClientCertificates!));
        Assert.Equal(TimeSpan.FromSeconds(3), ((SocketsHttpHandler)handler).ConnectTimeout);
    }

    [Fact(Timeout = Bound)]
    public async Task Without_di_the_public_handler_applies_the_same_certificate_and_trust()
    {
        var options = new ProSanteConnectOptions { Issuer = _op.Issuer, ClientId = FakeProvider.ClientId, ClientCertificate = _clientCertificate };
        options.ServerCertificateAuthorities.Add(_serverCa.Root);
        using var http = new HttpClient(ProSanteConnectClient.CreateHttpHandler(options)) { Timeout = TimeSpan.FromSeconds(5) };
        var metadata = await new PscProviderMetadataCache(options, http).DiscoverAsync();
        Assert.Equal(_op.Issuer, metadata.Issuer);
        Assert.Equal(_clientCertificate.GetCertHashString(HashAlgorithmName.SHA256), _op.ClientCertificates.Last().GetCertHashString(HashAlgorithmName.SHA256));

        // A plain HttpClient offers no certificate and does not trust the private CA: refused, with the reason.
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var e = await Assert.ThrowsAsync<PscException>(() => new PscProviderMetadataCache(options, plain).DiscoverAsync());
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
    }

    private ServiceProvider Services(Action<ProSanteConnectOptions>? configure = null, bool trustServerCa = true, Action<IServiceCollection>? configureServices = null)
    {
        var services = new ServiceCollection();
        services.AddCarteAuthProSanteConnect(o =>
        {
            o.Issuer = _op.Issuer;
            o.ClientId = FakeProvider.ClientId;
            o.ClientSecret = FakeProvider.ClientSecret;
            o.HttpTimeout = TimeSpan.FromSeconds(5);
            if (trustServerCa)
            {
                o.ServerCertificateAuthorities.Add(_serverCa.Root);
            }

            configure?.Invoke(o);
        });
        configureServices?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
