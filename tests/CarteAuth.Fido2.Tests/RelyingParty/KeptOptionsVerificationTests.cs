using CarteAuth.Authentication;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>Verification against options the caller kept (CLI, own challenge storage) instead of the challenge store.</summary>
public sealed class KeptOptionsVerificationTests
{
    private static PublicKeyCredentialCreationOptionsJSON CreationOptions(RpHarness h, byte[] challenge) => new()
    {
        Rp = new PublicKeyCredentialRpEntity { Name = "Example", Id = "example.org" },
        User = new PublicKeyCredentialUserEntityJSON { Id = SoftAuthenticator.Base64Url(h.User.UserHandle), Name = "899700075122", DisplayName = "CAROLE" },
        Challenge = SoftAuthenticator.Base64Url(challenge),
        PubKeyCredParams = [.. h.Options.Algorithms.Select(a => new PublicKeyCredentialParameters { Type = "public-key", Alg = (long)a })],
        AuthenticatorSelection = new AuthenticatorSelectionCriteria { UserVerification = "preferred" },
    };

    private static PublicKeyCredentialRequestOptionsJSON RequestOptions(byte[] challenge, byte[] credentialId) => new()
    {
        Challenge = SoftAuthenticator.Base64Url(challenge),
        RpId = "example.org",
        AllowCredentials = [new PublicKeyCredentialDescriptorJSON { Type = "public-key", Id = SoftAuthenticator.Base64Url(credentialId) }],
        UserVerification = "preferred",
    };

    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public async Task Spec_vectors_verify_against_their_options_json(string id)
    {
        var v = SpecVectors.Get(id);
        var h = SpecVectorCeremonyTests.VectorHarness();
        var creation = PublicKeyCredentialCreationOptionsJSON.Parse(CreationOptions(h, v.Registration["challenge"]).ToJson());
        var registration = RegistrationResponseJSON.Parse(SpecVectorCeremonyTests.RegistrationOf(v).ToJson());
        var reg = await h.Rp.VerifyRegistrationAsync(registration, creation, RpHarness.Identity, AssuranceLevel.Low);
        Assert.True(reg.Succeeded, reg.ToString());

        var request = PublicKeyCredentialRequestOptionsJSON.Parse(RequestOptions(v.Authentication["challenge"], v.Registration["credential_id"]).ToJson());
        var assertion = AuthenticationResponseJSON.Parse(SpecVectorCeremonyTests.AssertionOf(v).ToJson());
        var result = await h.Rp.VerifyAssertionAsync(assertion, request, h.User.UserHandle, AssuranceLevel.Low);
        Assert.True(result.Succeeded, result.ToString());
    }

    [Fact]
    public async Task Other_options_are_a_challenge_mismatch()
    {
        var v = SpecVectors.Get("none-es256");
        var h = SpecVectorCeremonyTests.VectorHarness();
        var other = new byte[32];
        var reg = await h.Rp.VerifyRegistrationAsync(SpecVectorCeremonyTests.RegistrationOf(v), CreationOptions(h, other), RpHarness.Identity, AssuranceLevel.Low);
        Assert.Equal(ReasonCodes.WebAuthnChallengeMismatch, reg.ReasonCode);
        Assert.True((await h.Rp.VerifyRegistrationAsync(SpecVectorCeremonyTests.RegistrationOf(v), CreationOptions(h, v.Registration["challenge"]), RpHarness.Identity, AssuranceLevel.Low)).Succeeded);
        var result = await h.Rp.VerifyAssertionAsync(SpecVectorCeremonyTests.AssertionOf(v), RequestOptions(other, v.Registration["credential_id"]), h.User.UserHandle, AssuranceLevel.Low);
        Assert.Equal(ReasonCodes.WebAuthnChallengeMismatch, result.ReasonCode);
    }

    [Fact]
    public async Task Options_of_another_rp_or_without_the_algorithm_are_refused()
    {
        var v = SpecVectors.Get("none-es256");
        var h = SpecVectorCeremonyTests.VectorHarness();
        var options = CreationOptions(h, v.Registration["challenge"]);
        var otherRp = new PublicKeyCredentialCreationOptionsJSON { Rp = new PublicKeyCredentialRpEntity { Name = "x", Id = "example.com" }, User = options.User, Challenge = options.Challenge, PubKeyCredParams = options.PubKeyCredParams };
        Assert.Equal(ReasonCodes.WebAuthnRpIdMismatch, (await h.Rp.VerifyRegistrationAsync(SpecVectorCeremonyTests.RegistrationOf(v), otherRp, RpHarness.Identity, AssuranceLevel.Low)).ReasonCode);
        var rsaOnly = new PublicKeyCredentialCreationOptionsJSON { Rp = options.Rp, User = options.User, Challenge = options.Challenge, PubKeyCredParams = [new PublicKeyCredentialParameters { Type = "public-key", Alg = -257 }] };
        Assert.Equal(ReasonCodes.WebAuthnAlgorithmNotAllowed, (await h.Rp.VerifyRegistrationAsync(SpecVectorCeremonyTests.RegistrationOf(v), rsaOnly, RpHarness.Identity, AssuranceLevel.Low)).ReasonCode);
        var badChallenge = new PublicKeyCredentialCreationOptionsJSON { Rp = options.Rp, User = options.User, Challenge = "!!", PubKeyCredParams = options.PubKeyCredParams };
        Assert.Equal(ReasonCodes.WebAuthnMalformed, (await h.Rp.VerifyRegistrationAsync(SpecVectorCeremonyTests.RegistrationOf(v), badChallenge, RpHarness.Identity, AssuranceLevel.Low)).ReasonCode);
    }

    [Fact]
    public async Task Uv_required_by_the_options_is_enforced()
    {
        var v = SpecVectors.Get("packed-eddsa"); // UV clear in its assertion
        Assert.False(AuthenticatorData.Parse(v.Authentication["authenticatorData"]).UserVerified);
        Assert.NotNull(AttestationObject.Parse(v.Registration["attestationObject"]));
        var (h, reg) = await SpecVectorCeremonyTests.RegisteredAsync("packed-eddsa");
        Assert.True(reg.Succeeded);
        var options = RequestOptions(v.Authentication["challenge"], v.Registration["credential_id"]);
        var strict = new PublicKeyCredentialRequestOptionsJSON { Challenge = options.Challenge, RpId = options.RpId, AllowCredentials = options.AllowCredentials, UserVerification = "required" };
        Assert.Equal(ReasonCodes.WebAuthnUserVerificationRequired, (await h.Rp.VerifyAssertionAsync(SpecVectorCeremonyTests.AssertionOf(v), strict, h.User.UserHandle, AssuranceLevel.Low)).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnUserVerificationRequired, (await h.Rp.VerifyAssertionAsync(SpecVectorCeremonyTests.AssertionOf(v), options, h.User.UserHandle, AssuranceLevel.Substantial)).ReasonCode);
    }
}
