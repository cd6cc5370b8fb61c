// Mirror of docs/getting-started-vendor.md: each snippet region is shown verbatim by the page
// (DocSnippetsTests) and compiled here against the current API.
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.AspNetCore;
using CarteAuth.AspNetCore.Sessions;
using CarteAuth.Oidc;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CarteAuth.Docs.Tests.Guides;

internal static class VendorGuide
{
    public static WebApplication Build(string[] args)
    {
        // <snippet vendor-program>
        var builder = WebApplication.CreateBuilder(args);
        var settings = builder.Configuration.GetSection("MonLogiciel");   // paths and public names of your deployment

        // 1. Every sign-in and every decision is audited (hash-chained SQLite file; PostgreSQL for several nodes).
        builder.Services.AddCarteAuthSqliteAudit(o => o.Path = settings["AuditPath"]!);
        // 2. The policies your routes name (appsettings.json, section CarteAuth:Policies).
        builder.Services.AddCarteAuthPolicies(builder.Configuration.GetSection("CarteAuth"));

        // 3. Sessions, then the three methods.
        builder.Services.AddCarteAuth(o =>
            {
                o.SigningKeys = SigningKeyRing.Create(
                    SessionSigningKey.FromPem(File.ReadAllText(settings["SessionKeyPath"]!), SessionTokenAlgorithm.ES256));
                o.LoginPath = "/connexion";
                o.Fido2RegistrationPolicy = "enregistrement-cle";   // a key is registered from a card (or PSC) session only
            })
            .UseSqliteSessionStore(o => o.Path = settings["SessionsPath"]!)
            .AddSmartCard(
                o =>
                {
                    o.TrustAnchorPaths.Add(settings["IgcSanteRoot"]!);          // AC RACINE IGC-SANTE FORT
                    o.IntermediatePaths.Add(settings["IgcSantePersonnes"]!);    // AC IGC-SANTE FORT PERSONNES
                },
                card => card.AddOcspRevocation().AddCrlRevocation())
            .AddFido2(
                o =>
                {
                    o.RpId = settings["PublicHost"]!;                         // e.g. dpi.editeur.fr
                    o.RpName = "Mon logiciel";
                    o.Origins.Add("https://" + settings["PublicHost"]);
                },
                fido => fido.UseSqliteCredentialStore(settings["Fido2Path"]!))
            .AddProSanteConnect(o =>
            {
                o.UseEnvironment(ProSanteConnectEnvironments.Sandbox);       // Production once PSC has accepted your client
                o.ClientId = builder.Configuration["ProSanteConnect:ClientId"]!;
                o.ClientSecret = builder.Configuration["ProSanteConnect:ClientSecret"];   // user secrets / a secret store
                o.RedirectUri = new Uri($"https://{settings["PublicHost"]}/carteauth/psc/callback");
            })
            .AddHealthChecks();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();                     // /carteauth/login/card, /carteauth/login/psc, /carteauth/fido2/…, JWKS, logout
        app.MapHealthChecks("/health");
        // </snippet>

        // <snippet vendor-routes>
        app.MapGet("/connexion", () => Results.File(Path.Combine(app.Environment.ContentRootPath, "connexion.html"), "text/html; charset=utf-8"))
            .AllowAnonymous();

        app.MapGet("/patients/{id}", (string id, ClaimsPrincipal user) =>
            {
                var idNat = user.FindFirstValue(CarteAuthClaimTypes.NationalId);        // e.g. 810002813839
                var methods = user.FindAll(CarteAuthClaimTypes.AuthenticationMethod).Select(c => c.Value);   // sc pin hwk…
                return Results.Text($"Dossier {id} ouvert par {user.Identity!.Name} ({idNat}, {string.Join(' ', methods)})");
            })
            .RequireAuthorization("dossier-patient");

        app.MapGet("/api/moi", (HttpContext http) =>
            {
                // The session record and the evidence behind it (authenticator, level, properties such as the card's range).
                var feature = http.Features.GetRequiredFeature<ICarteAuthSessionFeature>();
                return Results.Json(new { feature.Evidence.Authenticator, level = feature.Evidence.Assurance.ToString(), feature.Session.AbsoluteExpiresAt });
            })
            .RequireAuthorization("acces-logiciel");
        // </snippet>

        return app;
    }

    public static void ConfigureCardListener(WebApplicationBuilder builder, X509Certificate2 serverCertificate)
    {
        // <snippet vendor-kestrel>
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenAnyIP(443, l => l.UseHttps(serverCertificate));
            // The card login listener: asks for the card's TLS client certificate; CarteAuth, not TLS, decides trust.
            k.ListenAnyIP(8443, l =>
            {
                l.Protocols = HttpProtocols.Http1;
                l.UseHttps(serverCertificate, h =>
                {
                    h.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    h.AllowAnyClientCertificate();
                });
            });
        });
        // </snippet>
    }
}
