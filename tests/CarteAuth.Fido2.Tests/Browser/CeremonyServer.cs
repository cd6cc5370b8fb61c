using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Fido2.Tests.Browser;

/// <summary>
/// The test page and its ceremony endpoints, served by Kestrel on 127.0.0.1 with a free port.
/// <para>
/// Why plain <c>http://localhost</c> and not https with a self-signed certificate: WebAuthn needs a secure context,
/// and Chromium treats <c>http://localhost</c> as one (a "potentially trustworthy" origin, W3C Secure Contexts §3.1),
/// with RP id <c>localhost</c>. Chromium refuses WebAuthn on pages with a certificate error even when Playwright
/// ignores HTTPS errors, so a self-signed certificate would need trusting in the machine's NSS store; loopback HTTP
/// needs nothing and stays local (Kestrel listens on 127.0.0.1 only, Chromium resolves <c>localhost</c> to
/// loopback itself, never through DNS).
/// </para>
/// </summary>
internal sealed class CeremonyServer : IAsyncDisposable
{
    /// <summary>Bounded request bodies: a RegistrationResponseJSON from a platform authenticator is a few KB.</summary>
    private const long MaxBodyBytes = 256 * 1024;

    private readonly WebApplication _app;
    private readonly Counter _verifications;

    private CeremonyServer(WebApplication app, Uri origin, IBrowserCeremonyBackend backend, Counter verifications)
    {
        _app = app;
        _verifications = verifications;
        Origin = origin;
        Backend = backend;
    }

    /// <summary>RP id of the page.</summary>
    public const string RpId = "localhost";

    /// <summary>The page's origin, <c>http://localhost:port</c> (no trailing slash, as in clientDataJSON.origin).</summary>
    public Uri Origin { get; }

    /// <summary>The origin as clientDataJSON spells it.</summary>
    public string OriginText => Origin.GetLeftPart(UriPartial.Authority);

    /// <summary>How many responses the page posted for verification (registration or authentication).</summary>
    public int VerificationRequests => _verifications.Value;

    /// <summary>The backend the endpoints call.</summary>
    public IBrowserCeremonyBackend Backend { get; }

    /// <summary>Starts the server; <paramref name="createBackend"/> receives the page origin once the port is known.</summary>
    public static async Task<CeremonyServer> StartAsync(Func<string, IBrowserCeremonyBackend> createBackend, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0); // loopback only, port chosen by the OS
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        IBrowserCeremonyBackend? backend = null;
        var verifications = new Counter();
        IBrowserCeremonyBackend Backend() => backend ?? throw new InvalidOperationException("The ceremony server is not started.");

        app.MapGet("/", () => Results.Content(CeremonyPage.Html, "text/html; charset=utf-8"));
        app.MapPost("/carteauth/fido2/registration/options", async (CancellationToken ct) =>
            Results.Content(await Backend().RegistrationOptionsJson(ct), "application/json"));
        app.MapPost("/carteauth/fido2/registration", async (HttpRequest request, CancellationToken ct) =>
            Results.Json(await Backend().VerifyRegistration(verifications.Increment(await ReadBody(request, ct)), ct)));
        app.MapPost("/carteauth/fido2/authentication/options", async (HttpRequest request, CancellationToken ct) =>
            Results.Content(await Backend().AssertionOptionsJson(UserName(await ReadBody(request, ct)), ct), "application/json"));
        app.MapPost("/carteauth/fido2/authentication", async (HttpRequest request, CancellationToken ct) =>
            Results.Json(await Backend().VerifyAssertion(verifications.Increment(await ReadBody(request, ct)), ct)));

        await app.StartAsync(cancellationToken);
        try
        {
            var address = app.Urls.Single(); // the bound address, port included
            var port = new Uri(address).Port;
            var origin = new Uri($"http://{RpId}:{port}/");
            backend = createBackend(origin.GetLeftPart(UriPartial.Authority));
            return new CeremonyServer(app, origin, backend, verifications);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>The optional <c>userName</c> of a sign-in options request body (<c>{}</c> or <c>{"userName":"…"}</c>).</summary>
    private static string? UserName(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 4 });
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("userName", out var name) && name.ValueKind == JsonValueKind.String &&
                   !string.IsNullOrWhiteSpace(name.GetString())
                ? name.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<string> ReadBody(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body); // Kestrel caps the size (MaxRequestBodySize)
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <summary>A thread-safe count of verification requests.</summary>
    private sealed class Counter
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        /// <summary>Counts one request and passes its body through.</summary>
        public string Increment(string body)
        {
            Interlocked.Increment(ref _value);
            return body;
        }
    }
}
