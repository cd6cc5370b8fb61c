using System.Security.Claims;
using CarteAuth.IO;
using CarteAuth.Tokens;

namespace CarteAuthWebApp;

/// <summary>Builds the application (also used by the tests, which start it on 127.0.0.1 with a free port).</summary>
public static class WebApp
{
    /// <summary>The CarteAuth policy protecting the patient record page (defined in appsettings.json).</summary>
    public const string RecordPolicy = "dossier-patient";

    /// <summary>Creates the configured application.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // Development data (signing key, audit trail): CarteAuthDev:DataDirectory, default .carteauth in the app's folder.
        var dataDirectory = Directory.CreateDirectory(builder.Configuration["CarteAuthDev:DataDirectory"] ?? Path.Combine(AppContext.BaseDirectory, ".carteauth")).FullName;

        // Every sign-in and decision is audited (hash-chained trail; production: a durable path or CarteAuth.Stores.PostgreSql).
        builder.Services.AddCarteAuthSqliteAudit(o => o.Path = Path.Combine(dataDirectory, "audit.db"));

        // CarteAuth policies (appsettings.json, section CarteAuth:Policies) become ASP.NET Core authorization policies.
        builder.Services.AddCarteAuthPolicies(builder.Configuration.GetSection("CarteAuth"));
        builder.Services.AddCarteAuth(o =>
        {
            o.SigningKeys = SigningKeyRing.Create(LoadOrCreateDevSigningKey(Path.Combine(dataDirectory, "session-key.pem")));
            o.LoginPath = "/carteauth/login";
        });
        // Add the authentication methods you need here, e.g. .AddSmartCard(...), .AddFido2(...), .AddProSanteConnect(...).

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();

        app.MapGet("/", () => Results.Content(
            "<!doctype html><title>CarteAuthWebApp</title><h1>CarteAuthWebApp</h1><p><a href=\"/dossier\">Dossier patient</a> (CPS card or FIDO2 security key with PIN)</p>",
            "text/html; charset=utf-8"));
        app.MapGet("/carteauth/login", (string? returnUrl) => Results.Content(
            "<!doctype html><title>Connexion</title><h1>Connexion</h1><p>Sign in with your CPS card, a FIDO2 key or Pro Santé Connect (configure the methods in WebApp.cs).</p>",
            "text/html; charset=utf-8")).AllowAnonymous();
        app.MapGet("/dossier", (ClaimsPrincipal user) => Results.Text($"Dossier patient, ouvert par {user.Identity?.Name}"))
            .RequireAuthorization(RecordPolicy);
        return app;
    }

    /// <summary>
    /// The session token signing key. Development: generated at first run into <paramref name="path"/> (readable by its
    /// owner only). Production: load the key from your secret store instead (SessionSigningKey.FromPem).
    /// </summary>
    private static SessionSigningKey LoadOrCreateDevSigningKey(string path)
    {
        if (!File.Exists(path))
        {
            using var generated = SessionSigningKey.Generate(SessionTokenAlgorithm.ES256, "dev-1");
            SecretFile.Write(path, generated.ExportPrivateKeyPem());
        }

        return SessionSigningKey.FromPem(File.ReadAllText(path), SessionTokenAlgorithm.ES256, "dev-1");
    }
}
