using CarteAuth.Authentication;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>Every ceremony of the WebAuthn L3 spec vectors through the relying party: registration, then authentication, then tampered copies.</summary>
public sealed class SpecVectorCeremonyTests
{
    internal static RpHarness VectorHarness() => new(o =>
    {
        o.UserVerification = "preferred";
        o.AllowCrossOrigin = true;
        o.AllowedTopOrigins.Add("https://example.com");
        o.Algorithms.Clear();
        foreach (var alg in new[] { CoseAlgorithm.ES256, CoseAlgorithm.ES384, CoseAlgorithm.ES512, CoseAlgorithm.EdDSA, CoseAlgorithm.Ed25519, CoseAlgorithm.Ed448, CoseAlgorithm.RS256, CoseAlgorithm.PS256 })
        {
            o.Algorithms.Add(alg);
        }
    });

    internal static async Task SeedAsync(RpHarness h, byte[] challenge, WebAuthnCeremony ceremony, bool uv, byte[]? allowed = null)
    {
        // A response refused before its challenge was read leaves it stored: drop it first.
        await h.Challenges.ConsumeAsync(challenge, ceremony);
        await h.Challenges.StoreAsync(new WebAuthnChallengeState
        {
            Challenge = challenge,
            Ceremony = ceremony,
            ExpiresAt = h.Time.GetUtcNow().AddMinutes(5),
            UserHandle = h.User.UserHandle,
            User = ceremony == WebAuthnCeremony.Registration ? h.User.Identity : null,
            Level = uv ? AssuranceLevel.Substantial : AssuranceLevel.Low,
            UserVerificationRequired = uv,
            Algorithms = [.. h.Options.Algorithms],
            AllowedCredentialIds = allowed is null ? [] : [allowed],
        });
    }

    internal static RegistrationResponseJSON RegistrationOf(SpecVector v) =>
        SoftAuthenticator.Registration(v.Registration["credential_id"], v.Registration["clientDataJSON"], v.Registration["attestationObject"]);

    internal static AuthenticationResponseJSON AssertionOf(SpecVector v, byte[]? clientData = null, byte[]? authData = null, byte[]? signature = null) =>
        SoftAuthenticator.Assertion(v.Registration["credential_id"], clientData ?? v.Authentication["clientDataJSON"], authData ?? v.Authentication["authenticatorData"], signature ?? v.Authentication["signature"], null);

    /// <summary>A harness where the vector's credential is registered, ready for assertions.</summary>
    internal static async Task<(RpHarness Harness, Fido2RegistrationResult Registration)> RegisteredAsync(string id)
    {
        var v = SpecVectors.Get(id);
        var h = VectorHarness();
        var regAuthData = AttestationObject.Parse(v.Registration["attestationObject"]).AuthenticatorData;
        await SeedAsync(h, v.Registration["challenge"], WebAuthnCeremony.Registration, regAuthData.UserVerified);
        var result = await h.Rp.VerifyRegistrationAsync(RegistrationOf(v));
        return (h, result);
    }

    internal static async Task<Fido2AssertionResult> AssertAsync(RpHarness h, SpecVector v, AuthenticationResponseJSON response)
    {
        var authData = AuthenticatorData.Parse(v.Authentication["authenticatorData"]);
        await SeedAsync(h, v.Authentication["challenge"], WebAuthnCeremony.Authentication, authData.UserVerified, v.Registration["credential_id"]);
        return await h.Rp.VerifyAssertionAsync(response);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Registration_then_authentication_verify(string id)
    {
        var v = SpecVectors.Get(id);
        var (h, registration) = await RegisteredAsync(id);
        Assert.True(registration.Succeeded, registration.ToString());
        Assert.Equal(ReasonCodes.WebAuthnVerified, registration.ReasonCode);
        Assert.Equal(AttestationObject.Parse(v.Registration["attestationObject"]).Format, registration.AttestationFormat);
        Assert.Equal(v.Registration["credential_id"], registration.Credential!.Id);
        Assert.NotNull(await h.Store.FindAsync(v.Registration["credential_id"]));

        var assertion = await AssertAsync(h, v, AssertionOf(v));
        Assert.True(assertion.Succeeded, assertion.ToString());
        Assert.Equal(HarnessUser(h), assertion.Credential!.Owner.NationalId.Value);
        Assert.Equal(registration.BackupEligible, assertion.BackupEligible);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Registration_json_round_trips_through_the_json_form(string id)
    {
        var v = SpecVectors.Get(id);
        var h = VectorHarness();
        var regAuthData = AttestationObject.Parse(v.Registration["attestationObject"]).AuthenticatorData;
        await SeedAsync(h, v.Registration["challenge"], WebAuthnCeremony.Registration, regAuthData.UserVerified);
        var result = await h.Rp.VerifyRegistrationAsync(RegistrationOf(v).ToJson());
        Assert.True(result.Succeeded, result.ToString());
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Flipped_signature_byte_is_a_bad_signature(string id)
    {
        var v = SpecVectors.Get(id);
        var (h, _) = await RegisteredAsync(id);
        var signature = v.Authentication["signature"].ToArray();
        signature[signature.Length / 2] ^= 0x01;
        var result = await AssertAsync(h, v, AssertionOf(v, signature: signature));
        Assert.Equal(ReasonCodes.WebAuthnBadSignature, result.ReasonCode);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Flipped_client_data_byte_is_a_bad_signature(string id)
    {
        var v = SpecVectors.Get(id);
        var (h, _) = await RegisteredAsync(id);
        var clientData = v.Authentication["clientDataJSON"].ToArray();
        var at = System.Text.Encoding.UTF8.GetString(clientData).IndexOf("\"crossOrigin\"", StringComparison.Ordinal) + 1;
        clientData[at] ^= 0x07; // "crossOrigin" becomes an unknown member: still valid, but not what was signed
        var result = await AssertAsync(h, v, AssertionOf(v, clientData: clientData));
        Assert.Equal(ReasonCodes.WebAuthnBadSignature, result.ReasonCode);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Flipped_authenticator_data_bytes_are_refused(string id)
    {
        var v = SpecVectors.Get(id);
        var (h, _) = await RegisteredAsync(id);
        var counterFlip = v.Authentication["authenticatorData"].ToArray();
        counterFlip[36] ^= 0x01;
        Assert.Equal(ReasonCodes.WebAuthnBadSignature, (await AssertAsync(h, v, AssertionOf(v, authData: counterFlip))).ReasonCode);

        var rpIdFlip = v.Authentication["authenticatorData"].ToArray();
        rpIdFlip[0] ^= 0x01;
        Assert.Equal(ReasonCodes.WebAuthnRpIdMismatch, (await AssertAsync(h, v, AssertionOf(v, authData: rpIdFlip))).ReasonCode);
    }

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Replaying_the_same_registration_is_refused(string id)
    {
        var v = SpecVectors.Get(id);
        var (h, _) = await RegisteredAsync(id);
        var replay = await h.Rp.VerifyRegistrationAsync(RegistrationOf(v));
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, replay.ReasonCode);
    }

    private static string HarnessUser(RpHarness h) => h.User.Identity.NationalId.Value;
}
