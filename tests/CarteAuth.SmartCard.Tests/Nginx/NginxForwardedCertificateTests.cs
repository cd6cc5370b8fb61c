using System.Net;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.SmartCard.Tests.Nginx;

/// <summary>
/// Real nginx on 127.0.0.1 terminating TLS with <c>ssl_verify_client optional_no_ca</c> and forwarding
/// <c>$ssl_client_escaped_cert</c> (samples/nginx/client-certificate-proxy.conf) to a Kestrel application that reads it
/// with <see cref="ForwardedClientCertificate"/> (trusting only the proxy's source address 127.0.0.2) and validates it.
/// </summary>
public sealed class NginxForwardedCertificateTests(NginxForwardedCertificateTests.Fixture fixture) : IClassFixture<NginxForwardedCertificateTests.Fixture>
{
    private const int Bound = 60_000;
    private const string Header = "X-SSL-Client-Cert";
    private const string ConnectionHeader = "X-Test-Connection"; // the application's connection that served a request

    [Fact(Timeout = Bound)]
    public async Task A_card_presented_to_nginx_reaches_the_application_and_is_validated()
    {
        using var doctor = fixture.Card("doctor");
        using var client = fixture.ProxyClient(doctor);

        Assert.Equal("200 810002813839", await fixture.CallAsync(client, fixture.ProxyUrl));
    }

    [Fact(Timeout = Bound)]
    public async Task Without_a_card_the_application_sees_no_certificate()
    {
        using var client = fixture.ProxyClient(null);

        Assert.Equal($"401 {ReasonCodes.CertMissing}", await fixture.CallAsync(client, fixture.ProxyUrl));
    }

    [Fact(Timeout = Bound)]
    public async Task A_client_cannot_smuggle_a_certificate_header_through_nginx()
    {
        using var client = fixture.ProxyClient(null);
        using var doctor = fixture.Card("doctor");

        var answer = await fixture.CallAsync(client, fixture.ProxyUrl, Uri.EscapeDataString(doctor.ExportCertificatePem()));

        Assert.Equal($"401 {ReasonCodes.CertMissing}", answer);
    }

    [Fact(Timeout = Bound)]
    public async Task A_certificate_header_sent_straight_to_the_application_is_ignored()
    {
        using var doctor = fixture.Card("doctor");
        using var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };

        var answer = await fixture.CallAsync(direct, fixture.ApplicationUrl, Uri.EscapeDataString(doctor.ExportCertificatePem()));

        Assert.Equal($"401 {ReasonCodes.CertUntrustedProxy}", answer);
    }

    [Fact(Timeout = Bound)]
    public async Task A_card_of_another_pki_passes_nginx_and_is_refused_by_the_application()
    {
        using var other = DevPki.CreateWithStandardCards();
        using var stranger = X509CertificateLoader.LoadPkcs12(other.Cards[0].Certificate.Export(X509ContentType.Pkcs12, "x"), "x");
        using var client = fixture.ProxyClient(stranger);

        Assert.Equal($"401 {ReasonCodes.CertUntrustedChain}", await fixture.CallAsync(client, fixture.ProxyUrl));
    }

    [Fact(Timeout = Bound)]
    public async Task A_kept_alive_connection_to_the_application_carries_each_requests_own_certificate()
    {
        // nginx keeps its connection to the application open: a doctor, then a client without a card, then the doctor
        // again, one after the other, reach the application over the same connection, and the second sees no card.
        using var doctorCard = fixture.Card("doctor");
        using var doctor = fixture.ProxyClient(doctorCard);
        using var anonymous = fixture.ProxyClient(null);

        var first = await fixture.CallWithConnectionAsync(doctor);
        var second = await fixture.CallWithConnectionAsync(anonymous);
        var third = await fixture.CallWithConnectionAsync(doctor);

        Assert.Equal("200 810002813839", first.Answer);
        Assert.Equal($"401 {ReasonCodes.CertMissing}", second.Answer);
        Assert.Equal("200 810002813839", third.Answer);
        Assert.Equal(first.Connection, second.Connection);
        Assert.Equal(first.Connection, third.Connection);
    }

    /// <summary>Dev PKI, Kestrel application, nginx: started once for the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
        private readonly TempDirectory _dir = new();
        private DevPki _pki = null!;
        private X509Certificate2 _serverCertificate = null!;
        private WebApplication _app = null!;
        private NginxProxy _nginx = null!;

        public Uri ProxyUrl { get; private set; } = null!;

        public Uri ApplicationUrl { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _pki = DevPki.CreateWithStandardCards();
            _pki.WriteTo(_dir.Path);

            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _dir.Path, EnvironmentName = "Testing" });
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Services.AddCarteAuthSmartCard(o => o.TrustAnchorPaths.Add(Path.Combine(_dir.Path, "root.pem")));
            builder.Services.Configure<SmartCardOptions>(o => o.IntermediatePaths.Add(Path.Combine(_dir.Path, "intermediate.pem")));
            var forwarded = new ForwardedCertificateOptions();
            forwarded.TrustedProxies.Add(IPAddress.Parse("127.0.0.2")); // nginx's proxy_bind address, not the clients' 127.0.0.1

            _app = builder.Build();
            _app.MapGet("/whoami", async (HttpContext context, SmartCardAuthenticator authenticator) =>
            {
                context.Response.Headers[ConnectionHeader] = context.Connection.Id;
                if (!ForwardedClientCertificate.TryRead(context.Request.Headers[Header], context.Connection.RemoteIpAddress, forwarded, out var certificate, out var code, out _))
                {
                    return Results.Text(code, statusCode: StatusCodes.Status401Unauthorized);
                }

                using (certificate)
                {
                    var result = await authenticator.AuthenticateAsync(new ClientCertificateRequest(certificate), context.RequestAborted);
                    return result.Succeeded
                        ? Results.Text(result.Evidence!.Identity.NationalId.Value)
                        : Results.Text(result.ReasonCode, statusCode: StatusCodes.Status401Unauthorized);
                }
            });

            using var start = new CancellationTokenSource(Timeout);
            await _app.StartAsync(start.Token);
            var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            ApplicationUrl = new Uri(address, "/whoami");

            _serverCertificate = TestTls.ServerCertificate();
            var certificatePath = _dir.File("server.pem", _serverCertificate.ExportCertificatePem());
            var keyPath = _dir.File("server.key", _serverCertificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
            _nginx = await NginxProxy.StartAsync(
                "samples/nginx/client-certificate-proxy.conf",
                Path.Combine(_dir.Path, "nginx"),
                new Dictionary<string, string>
                {
                    ["SERVER_CERTIFICATE"] = certificatePath,
                    ["SERVER_KEY"] = keyPath,
                    ["PROXY_SOURCE_ADDRESS"] = "127.0.0.2",
                    ["UPSTREAM"] = $"127.0.0.1:{address.Port}",
                },
                Timeout);
            ProxyUrl = new Uri($"https://127.0.0.1:{_nginx.Port}/whoami");
        }

        public async Task DisposeAsync()
        {
            _nginx?.Dispose();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(stop.Token);
            await _app.DisposeAsync();
            _serverCertificate.Dispose();
            _pki.Dispose();
            _dir.Dispose();
        }

        /// <summary>A card certificate with its private key, loaded as a TLS client would.</summary>
        public X509Certificate2 Card(string name) =>
            X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(_dir.Path, "cards", name + ".pfx"), new DevPkiOptions().PfxPassword);

        /// <summary>A client of nginx presenting <paramref name="card"/> (or none), trusting only the test server certificate.</summary>
        public HttpClient ProxyClient(X509Certificate2? card) => TestTls.PinnedClient(_serverCertificate, card, Timeout);

        /// <summary>GETs <paramref name="url"/> (optionally with a forged certificate header): "status body".</summary>
        public async Task<string> CallAsync(HttpClient client, Uri url, string? forgedHeader = null) => (await ExchangeAsync(client, url, forgedHeader)).Answer;

        /// <summary>GETs <see cref="ProxyUrl"/>: "status body", and the id of the application's connection that served it.</summary>
        public Task<(string Answer, string Connection)> CallWithConnectionAsync(HttpClient client) => ExchangeAsync(client, ProxyUrl, null);

        private static async Task<(string Answer, string Connection)> ExchangeAsync(HttpClient client, Uri url, string? forgedHeader)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (forgedHeader is not null)
            {
                request.Headers.TryAddWithoutValidation(Header, forgedHeader);
            }

            using var response = await client.SendAsync(request);
            return ($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", response.Headers.GetValues(ConnectionHeader).Single());
        }
    }
}
