using System.Net;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CarteAuth.Gateway.Tests;

/// <summary>A real Kestrel gateway on 127.0.0.1 (free port): CarteAuth, the forward-auth endpoint and a test sign-in endpoint.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    public const string Doctor = "810002813839";
    public const string Pharmacist = "899700075122";

    private GatewayHost(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public static SessionSigningKey Key { get; } = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "gw-1");

    public WebApplication App { get; }

    public Uri Address { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<GatewayHost> StartAsync(Action<ForwardAuthOptions>? forwardAuth = null, Action<CarteAuthBuilder>? carteAuth = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddCarteAuthInMemoryAudit();
        builder.Services.AddCarteAuthPolicy("acces-distant", b => b.RequireAssurance(AssuranceLevel.Substantial));
        builder.Services.AddCarteAuthPolicy("dossier-patient", b => b.RequireAssurance(AssuranceLevel.High).RequireMethods(AuthenticationMethods.Pin).RequirePhishingResistant());
        builder.Services.AddCarteAuthPolicy("pharmacie", b => b.RequireProfession("21"));
        services?.Invoke(builder.Services);
        var ca = builder.Services.AddCarteAuth(o => o.SigningKeys = SigningKeyRing.Create(Key))
            .AddForwardAuth(o =>
            {
                o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/dossier", Policy = "dossier-patient" });
                o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/pharmacie", Policy = "pharmacie" });
                o.DefaultPolicy = "acces-distant";
                o.UpstreamAudience = "upstream-test";
                forwardAuth?.Invoke(o);
            });
        carteAuth?.Invoke(ca);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        app.MapCarteAuthForwardAuth();

        app.MapTestSignIn();

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, new Uri(address));
    }

    /// <summary>Signs in on this host; returns the session token (the cookie's value).</summary>
    public async Task<string> SignInAsync(string evidence)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = Address };
        var response = await client.PostAsync("/test/sign-in", new StringContent(evidence));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return cookies.GetCookies(Address)[CarteAuthDefaults.CookieName]!.Value;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public static string Evidence(string idNat = Doctor, string? profession = "10", string amr = "\"sc\",\"pin\",\"hwk\"", string assurance = "high", bool phr = true, string authenticator = "smartcard") => $$"""
        { "subject": "{{idNat}}", "familyName": "DUPONT", "givenName": "JEANNE", "profession": {{(profession is null ? "null" : "\"" + profession + "\"")}},
          "amr": [ {{amr}} ], "assurance": "{{assurance}}", "authTime": "{{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}}",
          "authenticator": "{{authenticator}}", "phishingResistant": {{(phr ? "true" : "false")}} }
        """;

    /// <summary>A FIDO2 key without user verification: substantial, phishing-resistant, no PIN.</summary>
    public static string KeyEvidence(string idNat = Doctor, string profession = "10") => Evidence(idNat, profession, "\"hwk\"", "substantial", true, "fido2");
}

/// <summary>Test-only login endpoint of the gateway test hosts.</summary>
internal static class TestSignInEndpoint
{
    /// <summary><c>POST /test/sign-in</c>: evidence JSON in, session out (what a real login endpoint does after its authenticator).</summary>
    public static void MapTestSignIn(this IEndpointRouteBuilder app) =>
        app.MapPost("/test/sign-in", async (HttpContext http, ICarteAuthSignInManager signIn) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var evidence = EvidenceJson.Parse(await reader.ReadToEndAsync());
            var session = await signIn.SignInAsync(http, evidence);
            return Results.Ok(session.Id);
        });
}
