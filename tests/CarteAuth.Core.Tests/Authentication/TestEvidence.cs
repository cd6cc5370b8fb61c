using CarteAuth.Authentication;
using CarteAuth.Identity;

namespace CarteAuth.Core.Tests.Authentication;

/// <summary>Builds evidence for tests: a CPS card holder unless told otherwise.</summary>
internal static class TestEvidence
{
    public static readonly DateTimeOffset AuthTime = new(2025, 3, 14, 9, 30, 0, TimeSpan.FromHours(1));

    public static ProfessionalIdentity Identity() =>
        new(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE") { ProfessionCode = "10", ProfessionLabel = "Médecin" };

    public static AuthenticationEvidence Create(
        AuthenticationMethods methods = AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk,
        AssuranceLevel assurance = AssuranceLevel.High,
        string authenticator = "smartcard") =>
        new(Identity(), methods, assurance, AuthTime, authenticator);
}
