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
        var claims = new List<Claim>(16)
        {
            new(CarteAuthClaimTypes.NationalId, id.NationalId.Value, ClaimValueTypes.String, ClaimIssuer),
            new(ClaimTypes.NameIdentifier, id.NationalId.Value, ClaimValueTypes.String, ClaimIssuer),
            new(CarteAuthClaimTypes.Name, id.DisplayName, ClaimValueTypes.String, ClaimIssuer),
            new(CarteAuthClaimTypes.FamilyName, id.FamilyName, ClaimValueTypes.String, ClaimIssuer),
        };
        Add(claims, CarteAuthClaimTypes.GivenName, id.GivenName);
        Add(claims, CarteAuthClaimTypes.Profession, id.ProfessionCode);
        foreach (var structure in id.Structures)
        {
            Add(claims, CarteAuthClaimTypes.Structure, structure.Identifier.NationalValue);
        }

        foreach (var role in id.Roles)
        {
            Add(claims, CarteAuthClaimTypes.Role, role);
        }

        foreach (var amr in Amr.ToValues(evidence.Methods))
        {
            Add(claims, CarteAuthClaimTypes.AuthenticationMethod, amr);
        }

        Add(claims, CarteAuthClaimTypes.AuthenticationContextClass, evidence.Acr ?? Acr.ToValue(evidence.Assurance));
        Add(claims, CarteAuthClaimTypes.AssuranceLevel, Acr.ToValue(evidence.Assurance));
        claims.Add(new(CarteAuthClaimTypes.AuthenticationTime, evidence.AuthenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64, ClaimIssuer));
        Add(claims, CarteAuthClaimTypes.Authenticator, evidence.Authenticator);
        claims.Add(new(CarteAuthClaimTypes.PhishingResistant, evidence.IsPhishingResistant ? "true" : "false", ClaimValueTypes.Boolean, ClaimIssuer));
        Add(claims, CarteAuthClaimTypes.SessionId, sessionId);
        Add(claims, CarteAuthClaimTypes.LocalAccount, localAccountId);
        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, CarteAuthClaimTypes.Name, CarteAuthClaimTypes.Role));
    }

    private static void Add(List<Claim> claims, string type, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            claims.Add(new Claim(type, value, ClaimValueTypes.String, ClaimIssuer));
        }
    }
}
