using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.Oidc.Tests;

public sealed class DiscoveryAndFaultTests : IAsyncLifetime
{
    private FakeProvider _op = null!;

    public async Task InitializeAsync() => _op = await FakeProvider.StartAsync();

    public async Task DisposeAsync() => await _op.DisposeAsync();

    [Fact]
    public async Task Discovery_reads_pscs_wallet_document_and_caches_it()
    {
        var client = _op.Client();
        Assert.EndsWith("/auth/realms/esante-wallet/.well-known/wallet-openid-configuration", client.Metadata.DiscoveryUrl);
        var metadata = await client.Metadata.GetMetadataAsync();
        Assert.Equal(_op.Issuer, metadata.Issuer);
        Assert.Equal(_op.Issuer + "/protocol/openid-connect/token", metadata.TokenEndpoint);
        Assert.Equal(_op.Issuer + "/protocol/openid-connect/ext/ciba/auth", metadata.BackchannelAuthenticationEndpoint);
        Assert.Contains("poll", metadata.BackchannelTokenDeliveryModesSupported);
        Assert.True(metadata.BackchannelLogoutSupported);
        await client.Metadata.GetMetadataAsync();
        Assert.Equal(1, _op.DiscoveryFetches);
        await client.Metadata.DiscoverAsync();
        Assert.Equal(2, _op.DiscoveryFetches);
    }

    [Fact]
    public async Task Issuer_mismatch_in_the_discovery_document_is_refused()
    {
        _op.Discovery = ctx => FakeProvider.Json(ctx, 200, _op.DiscoveryDocument(issuer: "https://other.example/realm"));
        var e = await Assert.ThrowsAsync<PscException>(() => _op.Client().Metadata.DiscoverAsync());
        Assert.Equal(ReasonCodes.PscDiscoveryFailed, e.ReasonCode);
        Assert.Contains(_op.Client().Metadata.DiscoveryUrl, e.Message);
    }

    [Fact]
    public async Task Garbage_json_is_a_discovery_failure()
    {
        _op.Discovery = static ctx => ctx.Response.WriteAsync("<html>not json</html>");
        var e = await Assert.ThrowsAsync<PscException>(() => _op.Client().Metadata.DiscoverAsync());
        Assert.Equal(ReasonCodes.PscDiscoveryFailed, e.ReasonCode);
    }

    [Fact]
    public async Task Http_404_is_a_discovery_failure_naming_the_url()
    {
        var options = _op.Options(o => o.DiscoveryDocumentName = ProSanteConnectDefaults.StandardDiscoveryDocumentName);
        var e = await Assert.ThrowsAsync<PscException>(() => _op.Client(options).Metadata.DiscoverAsync());
        Assert.Equal(ReasonCodes.PscDiscoveryFailed, e.ReasonCode);
        Assert.Contains(".well-known/openid-configuration", e.Message);
    }

    [Fact]
    public async Task Http_503_means_the_provider_is_unavailable()
    {
        _op.Discovery = static ctx => FakeProvider.Json(ctx, 503, new { error = "maintenance" });
        var e = await Assert.ThrowsAsync<PscException>(() => _op.Client().Metadata.DiscoverAsync());
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
    }

    [Fact]
    public async Task Endpoints_on_a_foreign_host_are_refused()
    {
        _op.Discovery = ctx =>
        {
            var doc = (Dictionary<string, object>)_op.DiscoveryDocument();
            doc["token_endpoint"] = "https://attacker.example/token";
            return FakeProvider.Json(ctx, 200, doc);
        };
        var e = await Assert.ThrowsAsync<PscException>(() => _op.Client().Metadata.DiscoverAsync());
        Assert.Equal(ReasonCodes.PscDiscoveryFailed, e.ReasonCode);
    }

    [Fact]
    public async Task A_closed_port_means_the_provider_is_unavailable()
    {
        var options = new ProSanteConnectOptions { Issuer = $"http://127.0.0.1:{ClosedPort.Get()}/auth/realms/esante-wallet", ClientId = "c", ClientSecret = "s" };
        var client = new ProSanteConnectClient(options, new HttpClient { Timeout = TimeSpan.FromSeconds(5) });
        var e = await Assert.ThrowsAsync<PscException>(() => client.Metadata.DiscoverAsync());
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
        Assert.Contains("127.0.0.1", e.Message);
    }

    [Fact]
    public async Task A_slow_provider_times_out_through_the_resilience_pipeline()
    {
        _op.Delay = TimeSpan.FromSeconds(10);
        await using var sp = Services(o => o.HttpTimeout = TimeSpan.FromSeconds(1));
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<PscException>(() => sp.GetRequiredService<PscProviderMetadataCache>().DiscoverAsync());
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
        Assert.Contains("in time", e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(9), "the per-attempt timeout and the total timeout bound the wait");
    }

    [Fact]
    public async Task A_slow_provider_behind_a_plain_http_client_timeout_is_unavailable_too()
    {
        var client = _op.Client();
        await client.Metadata.GetMetadataAsync();
        _op.Delay = TimeSpan.FromSeconds(10);
        var plain = new ProSanteConnectClient(_op.Options(), new HttpClient { Timeout = TimeSpan.FromSeconds(1) });
        var e = await Assert.ThrowsAsync<PscException>(() => plain.Metadata.DiscoverAsync());
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);

        // The token endpoint too (a POST, never retried).
        // Discovery through the 1 s client can itself time out on a loaded machine (CI shares 2 cores with builds and
        // browsers): a few bounded attempts, so the assertion below is about the token endpoint only.
        _op.Delay = TimeSpan.Zero;
        PscAuthorizationStart? start = null;
        for (var attempt = 0; start is null; attempt++)
        {
            try
            {
                start = await plain.CodeFlow.CreateAuthorizationRequestAsync();
            }
            catch (PscException) when (attempt < 4)
            {
            }
        }

        _op.Delay = TimeSpan.FromSeconds(10);
        e = await Assert.ThrowsAsync<PscException>(() => plain.CodeFlow.HandleCallbackAsync(start.Request, new PscAuthorizationResponse { Code = "c", State = start.Request.State }));
        Assert.Equal(ReasonCodes.PscProviderUnavailable, e.ReasonCode);
    }

    [Fact]
    public async Task Discovery_and_token_validation_need_no_client_secret()
    {
        var options = new ProSanteConnectOptions { Issuer = _op.Issuer, ClientId = FakeProvider.ClientId };
        var metadata = new PscProviderMetadataCache(options, new HttpClient());
        Assert.Equal(_op.Issuer, (await metadata.DiscoverAsync()).Issuer);
        var validator = new PscTokenValidator(options, metadata, new CarteAuth.Tokens.InMemoryReplayCache(TimeProvider.System));
        var token = await validator.ValidateIdTokenAsync(_op.Sign(_op.IdTokenClaims()), new PscIdTokenExpectations());
        Assert.Equal("sub-1", token.Subject);
        Assert.Throws<PscException>(() => new ProSanteConnectClient(options, new HttpClient()));
    }

    [Fact]
    public async Task A_cancelled_call_propagates_cancellation()
    {
        _op.Delay = TimeSpan.FromSeconds(10);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _op.Client().Metadata.DiscoverAsync(cts.Token));
    }

    [Fact]
    public async Task A_failed_refresh_keeps_the_document_in_use()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = _op.Client(time: time);
        var first = await client.Metadata.GetMetadataAsync();
        _op.Discovery = static ctx => FakeProvider.Json(ctx, 503, new { });
        time.Advance(TimeSpan.FromHours(13));
        var again = await client.Metadata.GetMetadataAsync();
        Assert.Equal(first.TokenEndpoint, again.TokenEndpoint);
        Assert.Equal(2, _op.DiscoveryFetches);
    }

    [Fact]
    public async Task Di_registers_the_client_the_authenticators_and_validates_options_at_start()
    {
        await using var sp = Services();
        Assert.Same(sp.GetRequiredService<ProSanteConnectClient>().CodeFlow, sp.GetRequiredService<PscAuthorizationCodeFlow>());
        var names = sp.GetServices<CarteAuth.Authentication.IAuthenticator>().Select(a => a.Name).ToArray();
        Assert.Equal(["psc", "psc-ciba"], names);
        Assert.Equal(_op.Issuer, (await sp.GetRequiredService<PscProviderMetadataCache>().GetMetadataAsync()).Issuer);

        var services = new ServiceCollection();
        services.AddCarteAuthProSanteConnect(o => o.Issuer = "http://example.org/realm");
        await using var bad = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<ProSanteConnectOptions>>().Value);
        Assert.Contains("psc.invalid-options", e.Message);
    }

    private ServiceProvider Services(Action<ProSanteConnectOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddCarteAuthProSanteConnect(o =>
        {
            o.Issuer = _op.Issuer;
            o.ClientId = FakeProvider.ClientId;
            o.ClientSecret = FakeProvider.ClientSecret;
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }
}

public sealed class MutualTlsTests
{
    [Fact]
    public void The_client_certificate_is_set_on_the_named_clients_handler()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=carteauth-test-org", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var services = new ServiceCollection();
        services.AddCarteAuthProSanteConnect(o =>
        {
            o.UseEnvironment(ProSanteConnectEnvironments.Sandbox);
            o.ClientId = "c";
            o.ClientSecret = "s";
            o.ClientCertificate = certificate;
        });
        using var sp = services.BuildServiceProvider();
        HttpMessageHandler? handler = sp.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(ProSanteConnectDefaults.HttpClientName);
        while (handler is DelegatingHandler delegating)
        {
            handler = delegating.InnerHandler;
        }

        var sockets = Assert.IsType<SocketsHttpHandler>(handler);
        Assert.Contains(certificate, sockets.SslOptions.ClientCertificates!.Cast<System.Security.Cryptography.X509Certificates.X509Certificate>());
        Assert.False(sockets.AllowAutoRedirect);
    }

    [Fact]
    public void A_client_certificate_without_private_key_is_refused()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=x", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var withKey = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(withKey.RawData);
        var options = new ProSanteConnectOptions { ClientId = "c", ClientSecret = "s", ClientCertificate = publicOnly }.UseEnvironment(ProSanteConnectEnvironments.Sandbox);
        Assert.Equal(ReasonCodes.PscInvalidOptions, Assert.Throws<PscException>(options.Validate).ReasonCode);
    }
}
