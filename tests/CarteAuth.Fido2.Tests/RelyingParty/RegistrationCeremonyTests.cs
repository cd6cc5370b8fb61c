using System.Text;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>One negative test per §7.1 check, with a software authenticator.</summary>
public sealed class RegistrationCeremonyTests
{
    private const AuthenticatorFlags UpUv = AuthenticatorFlags.UserPresent | AuthenticatorFlags.UserVerified;

    private static async Task<string> RegisterWith(RpHarness h, Func<string, RegistrationResponseJSON> respond, AssuranceLevel level = AssuranceLevel.Substantial, string? binding = null, string? verifyBinding = null)
    {
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User, level, binding);
        var result = await h.Rp.VerifyRegistrationAsync(respond(options.Challenge), verifyBinding ?? binding);
        return result.ReasonCode;
    }

    [Fact]
    public async Task Valid_registration_stores_the_record()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User);
        var result = await h.Rp.VerifyRegistrationAsync(a.Register(options.Challenge));
        Assert.True(result.Succeeded, result.ToString());
        var stored = await h.Store.FindAsync(a.CredentialId);
        Assert.NotNull(stored);
        Assert.Equal(h.User.UserHandle, stored.UserHandle);
        Assert.Equal(RpHarness.Identity.NationalId, stored.Owner.NationalId);
        Assert.True(stored.UserVerifiedAtRegistration);
        Assert.Equal(["usb"], stored.Transports);
        Assert.Equal(a.Aaguid, result.Aaguid);
        Assert.Equal("none", result.AttestationFormat);
    }

    [Fact]
    public async Task Options_carry_the_relying_party_and_exclude_existing_credentials()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        await h.RegisterAsync(a);
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User, AssuranceLevel.High);
        Assert.Equal("example.org", options.Rp.Id);
        Assert.Equal(32, Convert.FromBase64String(options.Challenge.Replace('-', '+').Replace('_', '/') + "=").Length);
        Assert.Equal(SoftAuthenticator.Base64Url(a.CredentialId), Assert.Single(options.ExcludeCredentials!).Id);
        Assert.Equal("required", options.AuthenticatorSelection!.UserVerification);
        Assert.Equal("direct", options.Attestation);
        Assert.Equal(-7, options.PubKeyCredParams[0].Alg);
        Assert.DoesNotContain(options.PubKeyCredParams, p => p.Alg == (long)CoseAlgorithm.RS1);
    }

    [Fact]
    public async Task Wrong_type_is_refused() =>
        Assert.Equal(ReasonCodes.WebAuthnWrongType, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c, type: "webauthn.get")));

    [Fact]
    public async Task Unknown_challenge_is_refused() =>
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, await RegisterWith(new RpHarness(), _ => new SoftAuthenticator().Register(SoftAuthenticator.Base64Url(new byte[32]))));

    [Fact]
    public async Task Challenge_that_is_not_base64url_is_a_mismatch() =>
        Assert.Equal(ReasonCodes.WebAuthnChallengeMismatch, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c + "=")));

    [Fact]
    public async Task Challenge_of_another_session_is_a_mismatch() =>
        Assert.Equal(ReasonCodes.WebAuthnChallengeMismatch, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c), binding: "session-a", verifyBinding: "session-b"));

    [Fact]
    public async Task Expired_challenge_is_refused()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User);
        h.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, (await h.Rp.VerifyRegistrationAsync(a.Register(options.Challenge))).ReasonCode);
    }

    [Fact]
    public async Task Assertion_challenge_cannot_be_used_to_register()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        var options = await h.AssertionOptionsAsync();
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, (await h.Rp.VerifyRegistrationAsync(a.Register(options.Challenge))).ReasonCode);
    }

    [Fact]
    public async Task Replayed_challenge_is_refused()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User);
        Assert.True((await h.Rp.VerifyRegistrationAsync(a.Register(options.Challenge))).Succeeded);
        using var b = new SoftAuthenticator();
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, (await h.Rp.VerifyRegistrationAsync(b.Register(options.Challenge))).ReasonCode);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://example.org:8443")]
    [InlineData("http://example.org")]
    [InlineData("https://example.org/")]
    public async Task Origin_not_allowed_is_refused(string origin) =>
        Assert.Equal(ReasonCodes.WebAuthnOriginNotAllowed, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c, origin: origin)));

    [Fact]
    public async Task Cross_origin_is_refused_by_default() =>
        Assert.Equal(ReasonCodes.WebAuthnCrossOriginNotAllowed, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c, crossOrigin: true, topOrigin: "https://example.com")));

    [Fact]
    public async Task Top_origin_not_in_the_list_is_refused()
    {
        var h = new RpHarness(o => { o.AllowCrossOrigin = true; o.AllowedTopOrigins.Add("https://portal.example.com"); });
        Assert.Equal(ReasonCodes.WebAuthnCrossOriginNotAllowed, await RegisterWith(h, c => new SoftAuthenticator().Register(c, crossOrigin: true, topOrigin: "https://example.com")));
        var ok = await RegisterWith(h, c => new SoftAuthenticator().Register(c, crossOrigin: true, topOrigin: "https://portal.example.com"));
        Assert.Equal(ReasonCodes.WebAuthnVerified, ok);
    }

    [Fact]
    public async Task Rp_id_hash_of_another_rp_is_refused() =>
        Assert.Equal(ReasonCodes.WebAuthnRpIdMismatch, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c, rpId: "evil.example")));

    [Fact]
    public async Task User_not_present_is_refused() =>
        Assert.Equal(ReasonCodes.WebAuthnUserNotPresent, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c, flags: AuthenticatorFlags.UserVerified)));

    [Theory]
    [InlineData(AssuranceLevel.Substantial)]
    [InlineData(AssuranceLevel.High)]
    public async Task User_verification_is_required_from_substantial(AssuranceLevel level)
    {
        var h = new RpHarness(o => o.UserVerification = "discouraged");
        Assert.Equal(ReasonCodes.WebAuthnUserVerificationRequired, await RegisterWith(h, c => new SoftAuthenticator().Register(c, flags: AuthenticatorFlags.UserPresent), level));
    }

    [Fact]
    public async Task Low_level_without_uv_is_accepted_when_options_do_not_require_it()
    {
        var h = new RpHarness(o => o.UserVerification = "preferred");
        Assert.Equal(ReasonCodes.WebAuthnVerified, await RegisterWith(h, c => new SoftAuthenticator().Register(c, flags: AuthenticatorFlags.UserPresent), AssuranceLevel.Low));
        var required = new RpHarness();
        Assert.Equal(ReasonCodes.WebAuthnUserVerificationRequired, await RegisterWith(required, c => new SoftAuthenticator().Register(c, flags: AuthenticatorFlags.UserPresent), AssuranceLevel.Low));
    }

    [Fact]
    public async Task Backed_up_without_backup_eligible_is_invalid() =>
        Assert.Equal(ReasonCodes.WebAuthnBackupFlagsInvalid, await RegisterWith(new RpHarness(), c => new SoftAuthenticator().Register(c, flags: UpUv | AuthenticatorFlags.BackedUp)));

    [Fact]
    public async Task Synced_passkeys_are_refused_when_not_allowed_and_at_high()
    {
        var h = new RpHarness(o => o.AllowBackupEligible = false);
        Assert.Equal(ReasonCodes.WebAuthnBackupNotAllowed, await RegisterWith(h, c => new SoftAuthenticator(backupEligible: true).Register(c)));
        var high = new RpHarness();
        Assert.Equal(ReasonCodes.WebAuthnBackupNotAllowed, await RegisterWith(high, c => new SoftAuthenticator(backupEligible: true).Register(c), AssuranceLevel.High));
        Assert.Equal(ReasonCodes.WebAuthnVerified, await RegisterWith(high, c => new SoftAuthenticator(backupEligible: true).Register(c)));
    }

    [Fact]
    public async Task Algorithm_not_offered_is_refused()
    {
        var h = new RpHarness(o => { o.Algorithms.Clear(); o.Algorithms.Add(CoseAlgorithm.RS256); o.Algorithms.Add(CoseAlgorithm.EdDSA); });
        Assert.Equal(ReasonCodes.WebAuthnAlgorithmNotAllowed, await RegisterWith(h, c => new SoftAuthenticator().Register(c)));
    }

    [Fact]
    public async Task Ed448_under_eddsa_needs_ed448_in_the_allow_list()
    {
        var v = SpecVectors.Get("packed-ed448");
        var h = new RpHarness(o => o.UserVerification = "preferred");
        var authData = AttestationObject.Parse(v.Registration["attestationObject"]).AuthenticatorData;
        Assert.Equal(CoseCurve.Ed448, authData.AttestedCredentialData!.CredentialPublicKey.Curve);
        await SpecVectorCeremonyTests.SeedAsync(h, v.Registration["challenge"], WebAuthnCeremony.Registration, authData.UserVerified);
        var result = await h.Rp.VerifyRegistrationAsync(SpecVectorCeremonyTests.RegistrationOf(v));
        Assert.Equal(ReasonCodes.WebAuthnAlgorithmNotAllowed, result.ReasonCode);
    }

    [Fact]
    public async Task Duplicate_credential_id_is_refused()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        await h.RegisterAsync(a);
        Assert.Equal(ReasonCodes.WebAuthnCredentialExists, await RegisterWith(h, c => a.Register(c)));
    }

    [Fact]
    public async Task Raw_id_must_match_the_attested_credential_id()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User);
        var response = a.Register(options.Challenge);
        var other = SoftAuthenticator.Base64Url(new byte[16]);
        var tampered = new RegistrationResponseJSON { Id = other, RawId = other, Type = "public-key", Response = response.Response, ClientExtensionResults = response.ClientExtensionResults };
        Assert.Equal(ReasonCodes.WebAuthnMalformed, (await h.Rp.VerifyRegistrationAsync(tampered)).ReasonCode);
    }

    [Fact]
    public async Task High_level_requires_a_trusted_attestation_and_an_allowed_model()
    {
        var model = Guid.NewGuid();
        var h = new RpHarness(o => o.AllowedAaguids.Add(model));
        Assert.Equal(ReasonCodes.WebAuthnAttestationRequired, await RegisterWith(h, c => new SoftAuthenticator { Aaguid = model }.Register(c), AssuranceLevel.High));
        Assert.True(h.Attestation.LastRequirement!.RequireTrustedAttestation);
        h.Attestation.Trusted = true;
        Assert.Equal(ReasonCodes.WebAuthnAaguidNotAllowed, await RegisterWith(h, c => new SoftAuthenticator().Register(c), AssuranceLevel.High));
        Assert.Equal(ReasonCodes.WebAuthnVerified, await RegisterWith(h, c => new SoftAuthenticator { Aaguid = model }.Register(c), AssuranceLevel.High));

        // Below high, any attestation is accepted.
        h.Attestation.Trusted = false;
        Assert.Equal(ReasonCodes.WebAuthnVerified, await RegisterWith(h, c => new SoftAuthenticator().Register(c)));
        Assert.False(h.Attestation.LastRequirement!.RequireTrustedAttestation);
    }

    [Fact]
    public async Task Attestation_failures_keep_their_code()
    {
        var h = new RpHarness();
        h.Attestation.FailWith = ReasonCodes.WebAuthnAttestationInvalid;
        Assert.Equal(ReasonCodes.WebAuthnAttestationInvalid, await RegisterWith(h, c => new SoftAuthenticator().Register(c)));
    }

    [Fact]
    public async Task Credential_type_and_id_are_checked()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User);
        var r = a.Register(options.Challenge);
        var wrongType = new RegistrationResponseJSON { Id = r.Id, RawId = r.RawId, Type = "password", Response = r.Response, ClientExtensionResults = r.ClientExtensionResults };
        Assert.Equal(ReasonCodes.WebAuthnMalformed, (await h.Rp.VerifyRegistrationAsync(wrongType)).ReasonCode);
        var idMismatch = new RegistrationResponseJSON { Id = "AAAA", RawId = r.RawId, Type = "public-key", Response = r.Response, ClientExtensionResults = r.ClientExtensionResults };
        Assert.Equal(ReasonCodes.WebAuthnMalformed, (await h.Rp.VerifyRegistrationAsync(idMismatch)).ReasonCode);
    }

    [Fact]
    public async Task Invalid_utf8_client_data_is_malformed()
    {
        var h = new RpHarness();
        using var a = new SoftAuthenticator();
        var options = await h.Rp.CreateRegistrationOptionsAsync(h.User);
        var r = a.Register(options.Challenge);
        var bad = Encoding.UTF8.GetBytes(SoftAuthenticator.ClientData("webauthn.create", options.Challenge)).Concat(new byte[] { 0xC3, 0x28 }).ToArray();
        var tampered = SoftAuthenticator.Registration(a.CredentialId, bad, System.Buffers.Text.Base64Url.DecodeFromChars(r.Response.AttestationObject));
        Assert.Equal(ReasonCodes.WebAuthnMalformed, (await h.Rp.VerifyRegistrationAsync(tampered)).ReasonCode);
    }

    [Fact]
    public async Task Invalid_user_handle_or_level_is_an_options_error()
    {
        var h = new RpHarness();
        var tooLong = new Fido2User(RpHarness.Identity, new byte[65]);
        var ex = await Assert.ThrowsAsync<WebAuthnException>(async () => await h.Rp.CreateRegistrationOptionsAsync(tooLong));
        Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, ex.ReasonCode);
        ex = await Assert.ThrowsAsync<WebAuthnException>(async () => await h.Rp.CreateRegistrationOptionsAsync(h.User, AssuranceLevel.None));
        Assert.Equal(ReasonCodes.WebAuthnInvalidOptions, ex.ReasonCode);
    }
}
