// Mirror of docs/getting-started-integrator.md: each snippet region is shown verbatim by the page
// (DocSnippetsTests) and compiled here against the current API.
using System.Net;
using CarteAuth.SmartCard;
using CarteAuth.Tokens;
using Microsoft.Extensions.Options;

namespace CarteAuth.Docs.Tests.Guides;

internal static class IntegratorGuide
{
    public static WebApplication BuildGateway(string[] args)
    {
        // <snippet integrator-gateway>
        var builder = WebApplication.CreateBuilder(args);
        var gateway = builder.Configuration.GetSection("Gateway");
        var yarp = string.Equals(gateway["Mode"], "Yarp", StringComparison.OrdinalIgnoreCase);
        if (yarp)
        {
            builder.Configuration.AddJsonFile("yarp.json", optional: false, reloadOnChange: true);
        }

        builder.Services.AddCarteAuthSqliteAudit(o => o.Path = gateway["AuditPath"]!);
        builder.Services.AddCarteAuthPolicies(builder.Configuration.GetSection("CarteAuth"));
        builder.Services.AddCarteAuth(o =>
            {
                o.SigningKeys = SigningKeyRing.Create(
                    SessionSigningKey.FromPem(File.ReadAllText(gateway["SigningKeyPath"]!), SessionTokenAlgorithm.ES256));
                o.LoginPath = "/carteauth/login";
                // nginx terminates TLS and forwards the card certificate (X-SSL-Client-Cert) from this address only.
                o.ForwardedCertificate = new ForwardedCertificateOptions { TrustedProxies = { IPAddress.Parse("10.0.0.5") } };
            })
            .UseRedis(o => o.Configuration = gateway["Redis"])                // several gateway nodes share sessions
            .AddSmartCard(o =>
            {
                o.TrustAnchorPaths.Add(gateway["IgcSanteRoot"]!);
                o.IntermediatePaths.Add(gateway["IgcSantePersonnes"]!);
            }, card => card.AddOcspRevocation())
            .AddForwardAuth(gateway.GetSection("ForwardAuth"))              // /carteauth/authz: routes → policies
            .AddHealthChecks();
        if (yarp)
        {
            builder.Services.AddReverseProxy()
                .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
                .AddCarteAuthPolicies();                                  // each route's "CarteAuth.Policy" metadata
        }

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        app.MapCarteAuthForwardAuth();
        app.MapHealthChecks("/health");
        if (yarp)
        {
            app.MapReverseProxy(proxy =>
            {
                proxy.UseCarteAuth();                                     // first: refusals never reach a destination
                proxy.UseLoadBalancing();
                proxy.UsePassiveHealthChecks();
            });
        }
        // </snippet>

        return app;
    }

    public static async Task<SessionTokenValidationResult> VerifyAssertionAsync(HttpClient http, HttpRequest request)
    {
        // <snippet integrator-upstream>
        // In the protected application (if it verifies more than the headers): the assertion is a JWT signed by the
        // gateway's session keys, for the audience ForwardAuth:UpstreamAudience. Cache the JWKS; refetch on an unknown kid.
        var jwks = await http.GetStringAsync(new Uri("https://acces.chu-exemple.fr/.well-known/carteauth/jwks.json"));
        var validator = new SessionTokenValidator(
            new StaticSigningKeyProvider(SigningKeyRing.FromJwksJson(jwks)),
            Options.Create(new SessionTokenOptions { Issuer = "carteauth", Audience = "dpi.chu-exemple.fr" }),
            new InMemoryRevocationEpochStore(),
            TimeProvider.System);
        var result = await validator.ValidateAsync(request.Headers["X-CarteAuth-Assertion"].ToString());
        // result.IsValid, result.ReasonCode (token.*), result.Claims (sub = idNat, amr, acr, level, auth_time…)
        // </snippet>
        return result;
    }
}
