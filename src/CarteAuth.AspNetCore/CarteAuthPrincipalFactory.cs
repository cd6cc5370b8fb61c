using System.Globalization;
using System.Security.Claims;
using CarteAuth.Authentication;

namespace CarteAuth.AspNetCore;

/// <summary>Maps CarteAuth <see cref="AuthenticationEvidence"/> to a <see cref="ClaimsPrincipal"/> with <see cref="CarteAuthClaimTypes"/>.</summary>
public static class CarteAuthPrincipalFactory
{
    /// <summary>The claim issuer of every claim made here.</summary>
    public const string ClaimIssuer = "CarteAuth";

    /// <summary>Creates the principal of a session.</summary>
    /// <param name="evidence">What the authenticator proved.</param>
    /// <param name="sessionId">The CarteAuth session id, added as <see cref="CarteAuthClaimTypes.SessionId"/> when given.</param>
    /// <param name="authenticationType">The identity's authentication type (the scheme name).</param>
    /// <param name="localAccountId">The paired local account, added as <see cref="CarteAuthClaimTypes.LocalAccount"/> when given.</param>
    /// <returns>An authenticated principal whose name is the display name and whose role claims are the identity's roles.</returns>
    public static ClaimsPrincipal Create(AuthenticationEvidence evidence, string? sessionId = null, string authenticationType = CarteAuthDefaults.AuthenticationScheme, string? localAccountId = null)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var id = evidence.Identity;

        // Each claim is made with the identity as its subject: ClaimsIdentity keeps such a claim as it is, where it
        // would copy (Claim.Clone) one made without a subject, a second allocation per claim on every request.
        var identity = new ClaimsIdentity(authenticationType, CarteAuthClaimTypes.Name, CarteAuthClaimTypes.Role);
        identity.AddClaim(new Claim(CarteAuthClaimTypes.NationalId, id.NationalId.Value, ClaimValueTypes.String, ClaimIssuer, ClaimIssuer, identity));
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, id.NationalId.Value, ClaimValueTypes.String, ClaimIssuer, ClaimIssuer, identity));
        identity.AddClaim(new Claim(CarteAuthClaimTypes.Name, id.DisplayName, ClaimValueTypes.String, ClaimIssuer, ClaimIssuer, identity));
        identity.AddClaim(new Claim(CarteAuthClaimTypes.FamilyName, id.FamilyName, ClaimValueTypes.String, ClaimIssuer, ClaimIssuer, identity));
        Add(identity, CarteAuthClaimTypes.GivenName, id.GivenName);
        Add(identity, CarteAuthClaimTypes.Profession, id.ProfessionCode);
        foreach (var structure in id.Structures)
        {
            Add(identity, CarteAuthClaimTypes.Structure, structure.Identifier.NationalValue);
        }

        foreach (var role in id.Roles)
        {
            Add(identity, CarteAuthClaimTypes.Role, role);
        }

        foreach (var amr in Amr.ToValues(evidence.Methods))
        {
            Add(identity, CarteAuthClaimTypes.AuthenticationMethod, amr);
        }

        Add(identity, CarteAuthClaimTypes.AuthenticationContextClass, evidence.Acr ?? Acr.ToValue(evidence.Assurance));
        Add(identity, CarteAuthClaimTypes.AssuranceLevel, Acr.ToValue(evidence.Assurance));
        identity.AddClaim(new Claim(CarteAuthClaimTypes.AuthenticationTime, evidence.AuthenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64, ClaimIssuer, ClaimIssuer, identity));
        Add(identity, CarteAuthClaimTypes.Authenticator, evidence.Authenticator);
        identity.AddClaim(new Claim(CarteAuthClaimTypes.PhishingResistant, evidence.IsPhishingResistant ? "true" : "false", ClaimValueTypes.Boolean, ClaimIssuer, ClaimIssuer, identity));
        Add(identity, CarteAuthClaimTypes.SessionId, sessionId);
        Add(identity, CarteAuthClaimTypes.LocalAccount, localAccountId);
        return new ClaimsPrincipal(identity);
    }

    private static void Add(ClaimsIdentity identity, string type, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            identity.AddClaim(new Claim(type, value, ClaimValueTypes.String, ClaimIssuer, ClaimIssuer, identity));
        }
    }
}
