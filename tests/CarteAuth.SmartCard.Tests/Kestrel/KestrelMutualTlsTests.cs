using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.SmartCard.Tests.Kestrel;

/// <summary>
/// Real Kestrel on 127.0.0.1 with HTTPS and required client certificates: TLS accepts any client certificate, and the
/// endpoint hands <c>HttpContext.Connection.ClientCertificate</c> to <see cref="SmartCardAuthenticator"/>, which alone
/// decides (anchors, range, usages, subject). An HttpClient presents a dev PKI card's PFX.
/// </summary>
public sealed class KestrelMutualTlsTests : IAsyncLifetime
{
    private const int Bound = 60_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _dir = new();
    private DevPki _pki = null!;
    private X509Certificate2 _serverCertificate = null!;
    private WebApplication _app = null!;
    private Uri _url = null!;

    public async Task InitializeAsync()
    {
        _pki = DevPki.CreateWithStandardCards();
        _pki.WriteTo(_dir.Path);
        _serverCertificate = TestTls.ServerCertificate();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = _dir.Path, EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(10);
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = _serverCertificate;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.HandshakeTimeout = TimeSpan.FromSeconds(10);

                // TLS only proves possession of the key; trust is the authenticator's job (IGC-Santé anchors only).
                https.AllowAnyClientCertificate();
            }));
        });
        builder.Services.AddCarteAuthSmartCard(o => o.TrustAnchorPaths.Add(Path.Combine(_dir.Path, "root.pem")));
        builder.Services.Configure<SmartCardOptions>(o => o.IntermediatePaths.Add(Path.Combine(_dir.Path, "intermediate.pem")));

        _app = builder.Build();
        _app.MapGet("/whoami", static async (HttpContext context, SmartCardAuthenticator authenticator) =>
        {
            var certificate = context.Connection.ClientCertificate ?? await context.Connection.GetClientCertificateAsync(context.RequestAborted);
            if (certificate is null)
            {
                return Results.Text("no-client-certificate", statusCode: StatusCodes.Status401Unauthorized);
            }

            var result = await authenticator.AuthenticateAsync(new ClientCertificateRequest(certificate), context.RequestAborted);
            return result.Succeeded
                ? Results.Text(result.Evidence!.Identity.NationalId.Value)
                : Results.Text(result.ReasonCode, statusCode: StatusCodes.Status401Unauthorized);
        });

        using var start = new CancellationTokenSource(Timeout);
        await _app.StartAsync(start.Token);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _url = new Uri(new Uri(address), "/whoami");
    }

    public async Task DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _serverCertificate.Dispose();
        _pki.Dispose();
        _dir.Dispose();
    }

    private HttpClient Client(X509Certificate2? clientCertificate) => TestTls.PinnedClient(_serverCertificate, clientCertificate, Timeout);

    private static X509Certificate2 LoadPfx(string path) => X509CertificateLoader.LoadPkcs12FromFile(path, new DevPkiOptions().PfxPassword);

    [Fact(Timeout = Bound)]
    public async Task The_doctor_pfx_over_mtls_gets_the_doctor_identity()
    {
        using var doctor = LoadPfx(Path.Combine(_dir.Path, "cards", "doctor.pfx"));
        using var client = Client(doctor);

        using var response = await client.GetAsync(_url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("810002813839", await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = Bound)]
    public async Task The_staff_card_gets_its_structure_identity()
    {
        using var staff = LoadPfx(Path.Combine(_dir.Path, "cards", "staff.pfx"));
        using var client = Client(staff);

        Assert.Equal("500000000029751/CPAT0001", await client.GetStringAsync(_url));
    }

    [Fact(Timeout = Bound)]
    public async Task A_card_of_another_pki_passes_tls_but_is_refused_as_untrusted_chain()
    {
        using var other = DevPki.CreateWithStandardCards();
        using var dir = new TempDirectory();
        other.WriteTo(dir.Path);
        using var stranger = LoadPfx(Path.Combine(dir.Path, "cards", "doctor.pfx"));
        using var client = Client(stranger);

        using var response = await client.GetAsync(_url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.CertUntrustedChain, await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = Bound)]
    public async Task A_certificate_that_is_not_a_card_is_refused_with_its_reason_code()
    {
        using var client = Client(_serverCertificate);

        using var response = await client.GetAsync(_url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ReasonCodes.CertUntrustedChain, await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = Bound)]
    public async Task Without_a_client_certificate_the_tls_handshake_fails()
    {
        using var client = Client(null);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(_url));
    }
}
