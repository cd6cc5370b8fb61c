using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Authentication;
using CarteAuth.Gateway;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CarteAuth.BenchmarkScenarios;

/// <summary>
/// The forward-auth scenario the gateway benchmarks share (<c>CarteAuth.GatewayLoad</c> over sockets, the BenchmarkDotNet
/// <c>ForwardAuthDecisionBenchmarks</c> in process): two policies, host and path routes, a sign-in endpoint that turns
/// evidence JSON into a session cookie as a real login endpoint does after its authenticator, and the card holder whose
/// <c>GET /dossier/42</c> the route's policy (level high, PIN, phishing-resistant) allows. The audit store is the caller's.
/// </summary>
internal static class ForwardAuthScenario
{
    /// <summary>The sign-in endpoint: evidence JSON in, session cookie out.</summary>
    public const string SignInPath = "/scenario/sign-in";

    /// <summary>The original request every measured decision is about.</summary>
    public const string OriginalUri = "/dossier/42";

    /// <summary>CarteAuth, the policies and the forward-auth routes, with session tokens signed with <paramref name="algorithm"/>.</summary>
    public static void AddServices(IServiceCollection services, SessionTokenAlgorithm algorithm)
    {
        services.AddCarteAuthPolicy("acces-distant", b => b.RequireAssurance(AssuranceLevel.Substantial));
        services.AddCarteAuthPolicy("dossier-patient", b => b.RequireAssurance(AssuranceLevel.High).RequireMethods(AuthenticationMethods.Pin).RequirePhishingResistant());
        services.AddCarteAuth(o => o.SigningKeys = SigningKeyRing.Create(SessionSigningKey.Generate(algorithm, "scenario-1")))
            .AddForwardAuth(o =>
            {
                o.Routes.Add(new ForwardAuthRoute { Host = "admin.chu.fr", PathPrefix = "/admin", Policy = "dossier-patient" });
                o.Routes.Add(new ForwardAuthRoute { PathPrefix = "/dossier", Policy = "dossier-patient" });
                o.DefaultPolicy = "acces-distant";
                o.UpstreamAudience = "dpi.chu.fr";
            });
    }

    /// <summary>The gateway app's pipeline: authentication, authorization, CarteAuth's endpoints, forward auth, sign-in.</summary>
    public static void MapEndpoints(WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        app.MapCarteAuthForwardAuth();
        app.MapPost(SignInPath, static async (HttpContext http, ICarteAuthSignInManager signIn) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var session = await signIn.SignInAsync(http, EvidenceJson.Parse(await reader.ReadToEndAsync()));
            return Results.Ok(session.Id);
        });
    }

    /// <summary>A card holder signed in a minute ago: level high, PIN, phishing-resistant.</summary>
    public static string Evidence() => $$"""
        { "subject": "810002813839", "familyName": "DUPONT", "givenName": "JEANNE", "profession": "10",
          "amr": [ "sc", "pin", "hwk" ], "assurance": "high", "authTime": "{{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}}",
          "authenticator": "smartcard", "phishingResistant": true }
        """;
}
