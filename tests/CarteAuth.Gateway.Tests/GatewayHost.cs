using System.Collections.Concurrent;
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

    /// <summary>
    /// Services for <see cref="StartAsync"/> that record the connection id and <c>Host</c> of every <c>/carteauth/authz</c>
    /// request the gateway receives (does the proxy keep its connections to the gateway alive?).
    /// </summary>
    public static Action<IServiceCollection> RecordForwardAuthConnections(ConcurrentQueue<(string Connection, string Host)> connections) =>
        services => services.AddSingleton<IStartupFilter>(new ConnectionRecorder(connections));

    /// <summary>
    /// Signs in, sends twenty requests one after the other through <paramref name="proxy"/> at <paramref name="front"/>,
    /// and checks that their twenty decisions reached this gateway over one connection (recorded by
    /// <see cref="RecordForwardAuthConnections"/>), with the public host in <c>Host</c>, and that the twenty requests
    /// reached the application (<see cref="EchoUpstream"/>) over one connection too.
    /// </summary>
    public async Task AssertDecisionsShareOneConnectionAsync(Uri front, ConcurrentQueue<(string Connection, string Host)> connections, string proxy)
    {
        var token = await SignInAsync(Evidence());
        using var client = new HttpClient { BaseAddress = front };
        var application = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/dossier/" + i);
            request.Headers.Add("Cookie", "carteauth=" + token);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            application.Add(response.Headers.GetValues(EchoUpstream.ConnectionHeader).Single());
        }

        Assert.True(application.Count == 1, $"20 sequential requests reached the application over {application.Count} connections; {proxy} should keep one open to it (keep-alive).");

        Assert.Equal(20, connections.Count);
        Assert.All(connections, c => Assert.Equal(front.Authority, c.Host));
        var distinct = connections.Select(static c => c.Connection).Distinct().Count();
        Assert.True(distinct == 1, $"20 sequential decisions reached the gateway over {distinct} connections; {proxy} should keep one open to the gateway (keep-alive).");
    }

    /// <summary>A FIDO2 key without user verification: substantial, phishing-resistant, no PIN.</summary>
    public static string KeyEvidence(string idNat = Doctor, string profession = "10") => Evidence(idNat, profession, "\"hwk\"", "substantial", true, "fido2");
}

/// <summary>Records the connection of every forward-auth request, before the rest of the pipeline.</summary>
internal sealed class ConnectionRecorder(ConcurrentQueue<(string Connection, string Host)> connections) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (context.Request.Path == ForwardAuthDefaults.Path)
            {
                connections.Enqueue((context.Connection.Id, context.Request.Host.Value ?? string.Empty));
            }

            await nextMiddleware(context);
        });
        next(app);
    };
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
