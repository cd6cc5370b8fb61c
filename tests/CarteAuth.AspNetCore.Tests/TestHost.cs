using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Net.Http.Json;
using System.Text.Json;
using CarteAuth.Audit;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication;
using Microsoft.AspNetCore.Authentication;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>A real Kestrel host on 127.0.0.1 (free port) with CarteAuth, test endpoints, and a fake clock.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    public const string Doctor = "810002813839";
    public const string Pharmacist = "899700075122";

    private TestHost(WebApplication app, Uri address, FakeTimeProvider time)
    {
        App = app;
        Address = address;
        Time = time;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>The fake clock's start (after the real date, so browser cookies are not expired).</summary>
    public static DateTimeOffset Start { get; } = new(2030, 1, 7, 8, 0, 0, TimeSpan.Zero);

    public static SessionSigningKey Key1 { get; } = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "key-1");

    public static async Task<TestHost> StartAsync(Action<IServiceCollection>? services = null, Action<CarteAuthOptions>? options = null, Action<CarteAuthBuilder>? carteAuth = null, DateTimeOffset? start = null, X509Certificate2? https = null, bool clientCertificates = false, Action<WebApplication>? endpoints = null)
    {
        var time = new FakeTimeProvider(start ?? Start);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            if (https is not null)
            {
                l.UseHttps(https, o =>
                {
                    if (clientCertificates)
                    {
                        // mTLS: TLS proves possession of the card's key; trust is the smart card authenticator's job.
                        o.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                        o.AllowAnyClientCertificate();
                    }
                });
            }
        }));
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddCarteAuthInMemoryAudit();
        builder.Services.AddCarteAuthPolicy("dossier-patient", b => b
            .RequireAssurance(AssuranceLevel.High)
            .RequireMethods(AuthenticationMethods.Pin)
            .RequirePhishingResistant()
            .RequireProfession("10"));
        builder.Services.AddCarteAuthPolicy("internal-only", b => b.AllowZones(NetworkZone.Internal));
        builder.Services.AddCarteAuthPolicy("dossier-service", b => b.RequireStructure("1750712184").AllowBreakGlass(15));
        services?.Invoke(builder.Services);
        var ca = builder.Services.AddCarteAuth(o =>
        {
            o.SigningKeys = SigningKeyRing.Create(Key1);
            options?.Invoke(o);
        });
        carteAuth?.Invoke(ca);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();

        // Test-only login endpoint: evidence in, session out (what a real login endpoint does after its authenticator).
        app.MapPost("/test/sign-in", async (HttpContext http, ICarteAuthSignInManager signIn, string? returnUrl, string? pscSid) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var evidence = EvidenceJson.Parse(await reader.ReadToEndAsync());
            if (pscSid is not null)
            {
                evidence = new AuthenticationEvidence(evidence.Identity, evidence.Methods, evidence.Assurance, evidence.AuthenticatedAt, evidence.Authenticator)
                {
                    Acr = evidence.Acr,
                    IsPhishingResistant = evidence.IsPhishingResistant,
                    Properties = new Dictionary<string, string> { ["psc.sid"] = pscSid },
                };
            }

            await signIn.SignInAsync(http, evidence);
            return Results.Redirect(CarteAuthHttp.SafeReturnUrl(returnUrl));
        });
        app.MapPost("/test/raw-sign-in", async (HttpContext http) =>
        {
            try
            {
                await http.SignInAsync(CarteAuthDefaults.AuthenticationScheme, new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity("test")));
                return Results.Ok("signed in");
            }
            catch (CarteAuthException e)
            {
                return Results.Text(e.ReasonCode);
            }
        });
        app.MapGet("/me", (HttpContext http) => Results.Ok(http.User.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => string.Join(' ', g.Select(c => c.Value)))))
            .RequireAuthorization();
        app.MapGet("/dossier", () => Results.Text("dossier")).RequireAuthorization("dossier-patient");
        app.MapGet("/service", () => Results.Text("service")).RequireAuthorization("dossier-service");
        app.MapGet("/internal", () => Results.Text("internal")).RequireAuthorization("internal-only");
        endpoints?.Invoke(app);

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestHost(app, new Uri(address), time);
    }

    public Browser NewBrowser(X509Certificate2? pinnedServerCertificate = null, X509Certificate2? clientCertificate = null) => new(Address, pinnedServerCertificate, clientCertificate);

    public async Task<List<AuditEvent>> AuditAsync()
    {
        var store = Services.GetRequiredService<IAuditStore>();
        var list = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync())
        {
            list.Add(e);
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public static string Evidence(string idNat = Doctor, string profession = "10", string amr = "\"sc\",\"pin\",\"hwk\"", string assurance = "high", bool phr = true, string authenticator = "smartcard") => $$"""
        { "subject": "{{idNat}}", "familyName": "DUPONT", "givenName": "JEANNE", "profession": "{{profession}}",
          "amr": [ {{amr}} ], "assurance": "{{assurance}}", "authTime": "2026-11-23T08:00:00Z",
          "authenticator": "{{authenticator}}", "phishingResistant": {{(phr ? "true" : "false")}} }
        """;
}

/// <summary>An HttpClient with its own cookie jar, no automatic redirects.</summary>
internal sealed class Browser : IDisposable
{
    public Browser(Uri address, X509Certificate2? pinnedServerCertificate = null, X509Certificate2? clientCertificate = null)
    {
        Cookies = new CookieContainer();
        var handler = new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false };
        if (clientCertificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(clientCertificate);
        }

        if (pinnedServerCertificate is not null)
        {
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawDataMemory.Span.SequenceEqual(pinnedServerCertificate.RawDataMemory.Span);
        }

        Client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public CookieContainer Cookies { get; }

    public HttpClient Client { get; }

    public string? SessionCookie => Cookies.GetCookies(Client.BaseAddress!)[Client.BaseAddress!.Scheme == "https" ? CarteAuthDefaults.HostCookiePrefix + CarteAuthDefaults.CookieName : CarteAuthDefaults.CookieName]?.Value;

    public async Task<HttpResponseMessage> SignInAsync(string evidence, string? query = null)
    {
        var response = await Client.PostAsync("/test/sign-in" + query, new StringContent(evidence));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response;
    }

    public Task<HttpResponseMessage> GetHtmlAsync(string path) => SendAsync(HttpMethod.Get, path, "text/html");

    public Task<HttpResponseMessage> GetApiAsync(string path) => SendAsync(HttpMethod.Get, path, "application/json");

    public Task<HttpResponseMessage> PostAsync(string path, string? origin = null, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Accept.ParseAdd("application/json");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        return Client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonElement>())!;

    public void Dispose() => Client.Dispose();

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string accept)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.ParseAdd(accept);
        return Client.SendAsync(request);
    }
}
