using System.Net;
using CarteAuth.Docs.Tests.Guides;
using CarteAuth.SmartCard.Development;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CarteAuth.Docs.Tests;

/// <summary>
/// The getting-started programs do not only compile: they start (every option validated at start) with the dev PKI and
/// a generated key on 127.0.0.1, protect their routes (302 to the login page), publish the JWKS and answer /health.
/// </summary>
public sealed class GuidesRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("carteauth-docs-").FullName;
    private readonly DevPki _pki = DevPki.CreateWithStandardCards();

    public GuidesRunTests()
    {
        _pki.WriteTo(Path.Combine(_dir, "pki"));
        using var key = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "guide-1");
        File.WriteAllText(Path.Combine(_dir, "session-key.pem"), key.ExportPrivateKeyPem());
    }

    [Fact]
    public async Task VendorProgram_Starts_AndSendsAnonymousUsersToItsLoginPage()
    {
        var app = VendorGuide.Build(Args("MonLogiciel",
            "--MonLogiciel:PublicHost=localhost",
            "--MonLogiciel:Fido2Path=" + Path.Combine(_dir, "fido2.db"),
            "--ProSanteConnect:ClientId=mon-logiciel",
            "--ProSanteConnect:ClientSecret=not-a-real-secret",
            "--CarteAuth:Policies:acces-logiciel:MinimumAssurance=Substantial",
            "--CarteAuth:Policies:dossier-patient:MinimumAssurance=High",
            "--CarteAuth:Policies:enregistrement-cle:MinimumAssurance=Substantial"));
        await using var running = app;
        var http = await StartAsync(app);

        var page = await http.SendAsync(Html("/patients/42"));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/connexion?returnUrl=", page.Headers.Location!.OriginalString, StringComparison.Ordinal);

        using var apiRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/moi", UriKind.Relative));
        apiRequest.Headers.Accept.ParseAdd("application/json");
        var api = await http.SendAsync(apiRequest);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        // FromPem without a kid names the key by its RFC 7638 thumbprint, as `carteauth token keygen` prints it.
        using var key = SessionSigningKey.FromPem(File.ReadAllText(Path.Combine(_dir, "session-key.pem")), SessionTokenAlgorithm.ES256);
        Assert.Contains($"\"kid\":\"{key.Kid}\"", await http.GetStringAsync(new Uri("/.well-known/carteauth/jwks.json", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HospitalProgram_Starts_WithPairing_AndIsHealthy()
    {
        var app = HospitalGuide.Build(Args("Chu",
            "--Chu:Fido2Path=" + Path.Combine(_dir, "fido2.db"),
            "--Chu:PairingsPath=" + Path.Combine(_dir, "pairings.db"),
            "--CarteAuth:Policies:planning:MinimumAssurance=Substantial",
            "--CarteAuth:Policies:dossier-patient:MinimumAssurance=High",
            "--CarteAuth:Policies:enregistrement-cle:MinimumAssurance=Substantial"), new NoDirectory());
        await using var running = app;
        var http = await StartAsync(app);

        var page = await http.SendAsync(Html("/dossier/123"));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/connexion?returnUrl=", page.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.True(health.StatusCode == HttpStatusCode.OK, $"/health: {(int)health.StatusCode} {await health.Content.ReadAsStringAsync()}");
    }

    public void Dispose()
    {
        _pki.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string[] Args(string section, params string[] more) =>
    [
        "--urls=http://127.0.0.1:0",
        "--Logging:LogLevel:Default=Warning",
        $"--{section}:SessionKeyPath=" + Path.Combine(_dir, "session-key.pem"),
        $"--{section}:AuditPath=" + Path.Combine(_dir, "audit.db"),
        $"--{section}:SessionsPath=" + Path.Combine(_dir, "sessions.db"),
        $"--{section}:IgcSanteRoot=" + Path.Combine(_dir, "pki", "root.pem"),
        $"--{section}:IgcSantePersonnes=" + Path.Combine(_dir, "pki", "intermediate.pem"),
        .. more,
    ];

    private static async Task<HttpClient> StartAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    private static HttpRequestMessage Html(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/html");
        return request;
    }

    private sealed class NoDirectory : IAnnuaireHopital
    {
        public ValueTask<string?> FindAccountByRppsAsync(string rpps, CancellationToken ct) => ValueTask.FromResult<string?>(null);
    }
}
