using System.Security.Claims;
using CarteAuth.Authentication;

namespace CarteAuth.AspNetCore.Tests;

/// <summary>
/// <see cref="CarteAuthPrincipalFactory"/>: the claims of a session's principal, each made once with its identity as
/// subject (the factory runs on every authenticated request, so a copy per claim would double its allocations).
/// </summary>
public sealed class PrincipalFactoryTests
{
    [Fact]
    public void Create_GivesEveryClaimOnce_WithTheIdentityAsSubject_AndCarteAuthAsIssuer()
    {
        var evidence = EvidenceJson.Parse(TestHost.Evidence());
        var principal = CarteAuthPrincipalFactory.Create(evidence, "sid-1", "CarteAuth", "compte-local");
        var identity = Assert.Single(principal.Identities);

        Assert.True(identity.IsAuthenticated);
        Assert.Equal("CarteAuth", identity.AuthenticationType);
        Assert.Equal(CarteAuthClaimTypes.Name, identity.NameClaimType);
        Assert.Equal(CarteAuthClaimTypes.Role, identity.RoleClaimType);
        Assert.Equal(evidence.Identity.DisplayName, identity.Name);
        Assert.All(identity.Claims, c =>
        {
            Assert.Same(identity, c.Subject);
            Assert.Equal(CarteAuthPrincipalFactory.ClaimIssuer, c.Issuer);
            Assert.Equal(CarteAuthPrincipalFactory.ClaimIssuer, c.OriginalIssuer);
        });

        // The claims handed out are the identity's own objects (kept, not copied).
        Assert.Same(identity.Claims.First(), identity.FindFirst(CarteAuthClaimTypes.NationalId));
        Assert.Equal(
            [
                (CarteAuthClaimTypes.NationalId, TestHost.Doctor), (ClaimTypes.NameIdentifier, TestHost.Doctor),
                (CarteAuthClaimTypes.Name, evidence.Identity.DisplayName), (CarteAuthClaimTypes.FamilyName, "DUPONT"),
                (CarteAuthClaimTypes.GivenName, "JEANNE"), (CarteAuthClaimTypes.Profession, "10"),
                (CarteAuthClaimTypes.AuthenticationMethod, "sc"), (CarteAuthClaimTypes.AuthenticationMethod, "hwk"), (CarteAuthClaimTypes.AuthenticationMethod, "pin"),
                (CarteAuthClaimTypes.AuthenticationContextClass, Acr.ToValue(AssuranceLevel.High)), (CarteAuthClaimTypes.AssuranceLevel, Acr.ToValue(AssuranceLevel.High)),
                (CarteAuthClaimTypes.AuthenticationTime, "1795420800"), (CarteAuthClaimTypes.Authenticator, "smartcard"),
                (CarteAuthClaimTypes.PhishingResistant, "true"), (CarteAuthClaimTypes.SessionId, "sid-1"), (CarteAuthClaimTypes.LocalAccount, "compte-local"),
            ],
            identity.Claims.Select(c => (c.Type, c.Value)).ToArray());
        Assert.Equal(ClaimValueTypes.Integer64, identity.FindFirst(CarteAuthClaimTypes.AuthenticationTime)!.ValueType);
        Assert.Equal(ClaimValueTypes.Boolean, identity.FindFirst(CarteAuthClaimTypes.PhishingResistant)!.ValueType);
    }

    [Fact]
    public void Create_WithoutSessionOrLocalAccount_LeavesThoseClaimsOut()
    {
        var principal = CarteAuthPrincipalFactory.Create(EvidenceJson.Parse(TestHost.Evidence()));
        Assert.Null(principal.FindFirst(CarteAuthClaimTypes.SessionId));
        Assert.Null(principal.FindFirst(CarteAuthClaimTypes.LocalAccount));
        Assert.Equal(CarteAuthDefaults.AuthenticationScheme, principal.Identity!.AuthenticationType);
    }
}
