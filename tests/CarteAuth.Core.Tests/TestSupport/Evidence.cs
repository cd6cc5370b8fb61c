using CarteAuth.Authentication;
using CarteAuth.Identity;

namespace CarteAuth.Core.Tests.TestSupport;

/// <summary>Evidence as each real authenticator would produce it, for policy and token tests.</summary>
internal static class Evidence
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static ProfessionalIdentity Doctor(string? role = null, string? structure = "1750712184") => new(NationalId.Parse("810002813839"), "DONNAT-GADY", "ISABELLE")
    {
        ProfessionCode = "10",
        ProfessionLabel = "Médecin",
        SpecialtyCode = "SM26",
        Roles = role is null ? [] : [role],
        Structures = structure is null ? [] : [new StructureAffiliation(StructureIdentifier.ParseNational(structure), "CHU TEST")],
    };

    public static ProfessionalIdentity Pharmacist() => new(NationalId.Parse("899700075122"), "PHARMACH0007512", "CAROLE")
    {
        ProfessionCode = "21",
        ProfessionLabel = "Pharmacien",
    };

    /// <summary>Evidence for <see cref="Doctor"/> authenticated <see cref="Now"/>, with the given methods and level (a CPS card by default).</summary>
    public static AuthenticationEvidence Create(
        AuthenticationMethods methods = AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk,
        AssuranceLevel assurance = AssuranceLevel.High,
        string authenticator = "smartcard") =>
        new(Doctor(), methods, assurance, Now, authenticator);

    /// <summary>CPS card with PIN over TLS client certificate: sc+pin+hwk, high, phishing resistant.</summary>
    public static AuthenticationEvidence Card(ProfessionalIdentity? who = null, TimeSpan? age = null) =>
        new(who ?? Doctor(), AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, AssuranceLevel.High, Now - (age ?? TimeSpan.FromMinutes(5)), "smartcard")
        {
            IsPhishingResistant = true,
        };

    /// <summary>FIDO2 security key without user verification: hwk only, substantial, phishing resistant.</summary>
    public static AuthenticationEvidence Fido2NoUv(ProfessionalIdentity? who = null) =>
        new(who ?? Doctor(), AuthenticationMethods.Hwk, AssuranceLevel.Substantial, Now - TimeSpan.FromMinutes(1), "fido2")
        {
            IsPhishingResistant = true,
        };

    /// <summary>Password and OTP: substantial, not phishing resistant.</summary>
    public static AuthenticationEvidence PasswordOtp(ProfessionalIdentity? who = null) =>
        new(who ?? Doctor(), AuthenticationMethods.Pwd | AuthenticationMethods.Otp | AuthenticationMethods.Mfa, AssuranceLevel.Substantial, Now - TimeSpan.FromMinutes(1), "radius");

    /// <summary>Pro Santé Connect with e-CPS: acr eidas1.</summary>
    public static AuthenticationEvidence Psc(ProfessionalIdentity? who = null) =>
        new(who ?? Doctor(), AuthenticationMethods.Swk | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, AssuranceLevel.Substantial, Now - TimeSpan.FromMinutes(1), "psc")
        {
            Acr = Acr.ProSanteConnect,
        };
}
