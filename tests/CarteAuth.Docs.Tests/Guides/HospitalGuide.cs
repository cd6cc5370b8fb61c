// Mirror of docs/getting-started-hospital.md: each snippet region is shown verbatim by the page
// (DocSnippetsTests) and compiled here against the current API.
using CarteAuth.AspNetCore;
using CarteAuth.Authentication;
using CarteAuth.Identity;
using CarteAuth.Pairing;
using CarteAuth.Tokens;
using Microsoft.AspNetCore.HttpOverrides;

namespace CarteAuth.Docs.Tests.Guides;

// <snippet hospital-resolver>
/// <summary>The hospital directory (LDAP, Active Directory, the HR database…): your code.</summary>
public interface IAnnuaireHopital
{
    /// <summary>The local account of an RPPS number, or null when the hospital does not know it.</summary>
    ValueTask<string?> FindAccountByRppsAsync(string rpps, CancellationToken ct);
}

/// <summary>Pairs a professional's national identity with their account in the hospital directory.</summary>
public sealed class AnnuaireLocalAccountResolver(IAnnuaireHopital annuaire, IPairingStore pairings) : ICarteAuthLocalAccountResolver
{
    public async ValueTask<string> ResolveAsync(HttpContext context, AuthenticationEvidence evidence, CancellationToken ct)
    {
        var id = evidence.Identity.NationalId;   // from the card certificate or PSC's SubjectNameID
        var account = id.Kind == NationalIdKind.Rpps
            ? await annuaire.FindAccountByRppsAsync(id.Identifier.ToString(), ct)
            : null;
        // Not in the directory: CarteAuth's default (the account this idNat had before, else a new opaque "la-…" one).
        return account ?? await new CarteAuthLocalAccountResolver(pairings).ResolveAsync(context, evidence, ct);
    }
}
// </snippet>

internal static class HospitalGuide
{
    public static WebApplication Build(string[] args, IAnnuaireHopital annuaire)
    {
        // <snippet hospital-program>
        var builder = WebApplication.CreateBuilder(args);
        var chu = builder.Configuration.GetSection("Chu");

        builder.Services.AddCarteAuthSqliteAudit(o => o.Path = chu["AuditPath"]!);
        builder.Services.AddCarteAuthPolicies(builder.Configuration.GetSection("CarteAuth"));
        builder.Services.AddSingleton(annuaire);
        builder.Services.AddSingleton<ICarteAuthLocalAccountResolver, AnnuaireLocalAccountResolver>();   // before AddPairing

        builder.Services.AddCarteAuth(o =>
            {
                o.SigningKeys = SigningKeyRing.Create(
                    SessionSigningKey.FromPem(File.ReadAllText(chu["SessionKeyPath"]!), SessionTokenAlgorithm.ES256));
                o.LoginPath = "/connexion";
                o.InternalNetworks = ["10.0.0.0/8", "172.16.0.0/12"];     // the hospital's networks: zone Internal
                o.Fido2RegistrationPolicy = "enregistrement-cle";
            })
            .ConfigureSessions(o =>
            {
                o.IdleTimeout = TimeSpan.FromMinutes(15);       // shared workstations: short idle time
                o.AbsoluteTimeout = TimeSpan.FromHours(12);     // one shift
            })
            .UseSqliteSessionStore(o => o.Path = chu["SessionsPath"]!)
            .AddSmartCard(o =>
            {
                o.TrustAnchorPaths.Add(chu["IgcSanteRoot"]!);
                o.IntermediatePaths.Add(chu["IgcSantePersonnes"]!);
            }, card => card.AddOcspRevocation())
            .AddFido2(o =>
            {
                o.RpId = "intranet.chu-exemple.fr";
                o.RpName = "Intranet CHU";
                o.Origins.Add("https://intranet.chu-exemple.fr");
            }, fido => fido.UseSqliteCredentialStore(chu["Fido2Path"]!))
            .AddPairing(o => o.StorePath = chu["PairingsPath"])        // HOSPI-Connect "appairage"
            .AddHealthChecks();

        var app = builder.Build();
        // The reverse proxy in front (10.0.0.5) says who the client is; without this every request looks internal.
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto };
        forwarded.KnownProxies.Add(System.Net.IPAddress.Parse("10.0.0.5"));
        app.UseForwardedHeaders(forwarded);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapCarteAuth();
        app.MapHealthChecks("/health");
        app.MapGet("/planning", () => "…").RequireAuthorization("planning");
        app.MapGet("/dossier/{ipp}", (string ipp) => $"Dossier {ipp}").RequireAuthorization("dossier-patient");
        // </snippet>

        return app;
    }
}
