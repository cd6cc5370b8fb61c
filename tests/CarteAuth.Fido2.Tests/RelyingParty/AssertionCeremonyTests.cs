using CarteAuth.Authentication;
using CarteAuth.Fido2.Json;
using CarteAuth.Fido2.Tests.TestSupport;

namespace CarteAuth.Fido2.Tests.RelyingParty;

/// <summary>One negative test per §7.2 check, with a software authenticator.</summary>
public sealed class AssertionCeremonyTests
{
    private static async Task<(RpHarness H, SoftAuthenticator A)> RegisteredAsync(Action<Fido2Options>? configure = null, bool backupEligible = false, bool counter = true)
    {
        var h = new RpHarness(configure);
        var a = new SoftAuthenticator(backupEligible, counter);
        await h.RegisterAsync(a, AssuranceLevel.Low);
        return (h, a);
    }

    private static async Task<Fido2AssertionResult> AssertWith(RpHarness h, Func<string, AuthenticationResponseJSON> respond, bool identified = true, AssuranceLevel level = AssuranceLevel.Substantial)
    {
        var options = await h.AssertionOptionsAsync(identified, level);
        return await h.Rp.VerifyAssertionAsync(respond(options.Challenge));
    }

    [Fact]
    public async Task Valid_assertion_updates_the_record()
    {
        var (h, a) = await RegisteredAsync();
        var options = await h.AssertionOptionsAsync();
        Assert.Equal(SoftAuthenticator.Base64Url(a.CredentialId), Assert.Single(options.AllowCredentials!).Id);
        Assert.Equal("required", options.UserVerification);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        var result = await h.Rp.VerifyAssertionAsync(a.Assert(options.Challenge, null));
        Assert.True(result.Succeeded, result.ToString());
        var stored = await h.Store.FindAsync(a.CredentialId);
        Assert.Equal(1u, stored!.SignCount);
        Assert.Equal(h.Time.GetUtcNow(), stored.LastUsedAt);
        Assert.Equal(1u, result.Credential!.SignCount);
    }

    [Fact]
    public async Task Discoverable_assertion_needs_the_owner_user_handle()
    {
        var (h, a) = await RegisteredAsync();
        Assert.True((await AssertWith(h, c => a.Assert(c, h.User.UserHandle), identified: false)).Succeeded);
        Assert.Equal(ReasonCodes.WebAuthnCredentialNotAllowed, (await AssertWith(h, c => a.Assert(c, null), identified: false)).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnCredentialNotAllowed, (await AssertWith(h, c => a.Assert(c, new byte[] { 1, 2, 3 }), identified: false)).ReasonCode);
    }

    [Fact]
    public async Task User_handle_mismatch_is_refused()
    {
        var (h, a) = await RegisteredAsync();
        Assert.Equal(ReasonCodes.WebAuthnCredentialNotAllowed, (await AssertWith(h, c => a.Assert(c, new byte[] { 9, 9 }))).ReasonCode);
    }

    [Fact]
    public async Task Credential_not_in_allow_credentials_is_refused()
    {
        var (h, a) = await RegisteredAsync();
        var other = new Fido2User(RpHarness.Identity, Fido2User.NewUserHandle());
        using var b = new SoftAuthenticator();
        var reg = await h.Rp.CreateRegistrationOptionsAsync(other, AssuranceLevel.Low);
        Assert.True((await h.Rp.VerifyRegistrationAsync(b.Register(reg.Challenge))).Succeeded);

        // Options for h.User; the other account's credential answers.
        Assert.Equal(ReasonCodes.WebAuthnCredentialNotAllowed, (await AssertWith(h, c => b.Assert(c, null))).ReasonCode);
    }

    [Fact]
    public async Task Credential_of_another_user_is_refused_even_without_allow_list()
    {
        var (h, _) = await RegisteredAsync();
        var other = new Fido2User(RpHarness.Identity, Fido2User.NewUserHandle());
        using var b = new SoftAuthenticator();
        var reg = await h.Rp.CreateRegistrationOptionsAsync(other, AssuranceLevel.Low);
        Assert.True((await h.Rp.VerifyRegistrationAsync(b.Register(reg.Challenge))).Succeeded);
        Assert.Equal(ReasonCodes.WebAuthnCredentialNotAllowed, (await AssertWith(h, c => b.Assert(c, h.User.UserHandle), identified: false)).ReasonCode);
    }

    [Fact]
    public async Task Unknown_credential_is_refused()
    {
        var (h, _) = await RegisteredAsync();
        using var stranger = new SoftAuthenticator();
        Assert.Equal(ReasonCodes.WebAuthnUnknownCredential, (await AssertWith(h, c => stranger.Assert(c, h.User.UserHandle), identified: false)).ReasonCode);
    }

    [Fact]
    public async Task Wrong_type_challenge_origin_and_cross_origin_are_refused()
    {
        var (h, a) = await RegisteredAsync();
        Assert.Equal(ReasonCodes.WebAuthnWrongType, (await AssertWith(h, c => a.Assert(c, null, type: "webauthn.create"))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, (await AssertWith(h, _ => a.Assert(SoftAuthenticator.Base64Url(new byte[32]), null))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnOriginNotAllowed, (await AssertWith(h, c => a.Assert(c, null, origin: "https://evil.example"))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnCrossOriginNotAllowed, (await AssertWith(h, c => a.Assert(c, null, crossOrigin: true))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnCrossOriginNotAllowed, (await AssertWith(h, c => a.Assert(c, null, crossOrigin: true, topOrigin: "https://example.com"))).ReasonCode);
    }

    [Fact]
    public async Task Registration_challenge_cannot_be_used_to_authenticate()
    {
        var (h, a) = await RegisteredAsync();
        var reg = await h.Rp.CreateRegistrationOptionsAsync(h.User);
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, (await h.Rp.VerifyAssertionAsync(a.Assert(reg.Challenge, null))).ReasonCode);
    }

    [Fact]
    public async Task Replayed_and_expired_challenges_are_refused()
    {
        var (h, a) = await RegisteredAsync();
        var options = await h.AssertionOptionsAsync();
        Assert.True((await h.Rp.VerifyAssertionAsync(a.Assert(options.Challenge, null))).Succeeded);
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, (await h.Rp.VerifyAssertionAsync(a.Assert(options.Challenge, null))).ReasonCode);

        var late = await h.AssertionOptionsAsync();
        h.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(ReasonCodes.WebAuthnChallengeUnknown, (await h.Rp.VerifyAssertionAsync(a.Assert(late.Challenge, null))).ReasonCode);
    }

    [Fact]
    public async Task Rp_id_up_and_uv_are_checked()
    {
        var (h, a) = await RegisteredAsync();
        Assert.Equal(ReasonCodes.WebAuthnRpIdMismatch, (await AssertWith(h, c => a.Assert(c, null, rpId: "evil.example"))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnUserNotPresent, (await AssertWith(h, c => a.Assert(c, null, flags: AuthenticatorFlags.UserVerified))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnUserVerificationRequired, (await AssertWith(h, c => a.Assert(c, null, flags: AuthenticatorFlags.UserPresent))).ReasonCode);
    }

    [Fact]
    public async Task Low_level_accepts_presence_only_when_options_allow()
    {
        var (h, a) = await RegisteredAsync(o => o.UserVerification = "preferred");
        var result = await AssertWith(h, c => a.Assert(c, null, flags: AuthenticatorFlags.UserPresent), level: AssuranceLevel.Low);
        Assert.True(result.Succeeded, result.ToString());
        Assert.False(result.UserVerified);
    }

    [Fact]
    public async Task Backup_flags_are_checked()
    {
        var (h, a) = await RegisteredAsync();
        const AuthenticatorFlags upUv = AuthenticatorFlags.UserPresent | AuthenticatorFlags.UserVerified;
        Assert.Equal(ReasonCodes.WebAuthnBackupFlagsInvalid, (await AssertWith(h, c => a.Assert(c, null, flags: upUv | AuthenticatorFlags.BackedUp))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnBackupFlagsInvalid, (await AssertWith(h, c => a.Assert(c, null, flags: upUv | AuthenticatorFlags.BackupEligible))).ReasonCode);

        var (h2, synced) = await RegisteredAsync(backupEligible: true);
        Assert.Equal(ReasonCodes.WebAuthnBackupFlagsInvalid, (await AssertWith(h2, c => synced.Assert(c, null, flags: upUv))).ReasonCode);
        var ok = await AssertWith(h2, c => synced.Assert(c, null, flags: upUv | AuthenticatorFlags.BackupEligible | AuthenticatorFlags.BackedUp));
        Assert.True(ok.Succeeded, ok.ToString());
        Assert.True((await h2.Store.FindAsync(synced.CredentialId))!.BackedUp);
    }

    [Fact]
    public async Task Counter_regression_is_refused_and_not_stored()
    {
        var (h, a) = await RegisteredAsync();
        Assert.True((await AssertWith(h, c => a.Assert(c, null, signCount: 10))).Succeeded);
        var same = await AssertWith(h, c => a.Assert(c, null, signCount: 10));
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, same.ReasonCode);
        Assert.NotNull(same.Credential);
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, (await AssertWith(h, c => a.Assert(c, null, signCount: 3))).ReasonCode);
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, (await AssertWith(h, c => a.Assert(c, null, signCount: 0))).ReasonCode);
        Assert.Equal(10u, (await h.Store.FindAsync(a.CredentialId))!.SignCount);
        Assert.True((await AssertWith(h, c => a.Assert(c, null, signCount: 11))).Succeeded);
    }

    [Fact]
    public async Task Authenticators_without_counter_keep_zero()
    {
        var (h, a) = await RegisteredAsync(counter: false);
        Assert.True((await AssertWith(h, c => a.Assert(c, null))).Succeeded);
        Assert.True((await AssertWith(h, c => a.Assert(c, null))).Succeeded);
    }

    [Fact]
    public async Task Concurrent_use_loses_the_compare_and_set()
    {
        var (h, a) = await RegisteredAsync();
        var record = (await h.Store.FindAsync(a.CredentialId))!;
        var options = await h.AssertionOptionsAsync();
        var response = a.Assert(options.Challenge, null, signCount: 5);

        // Another node records a use between our read and our update: simulated by a store that moves first.
        Assert.True(await h.Store.UpdateAfterAssertionAsync(a.CredentialId, record.SignCount, 5, false, h.Time.GetUtcNow()));
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, (await h.Rp.VerifyAssertionAsync(response)).ReasonCode);
    }

    [Fact]
    public async Task Bad_signature_is_refused()
    {
        var (h, a) = await RegisteredAsync();
        using var impostor = new SoftAuthenticator { CredentialId = a.CredentialId };
        Assert.Equal(ReasonCodes.WebAuthnBadSignature, (await AssertWith(h, c => impostor.Assert(c, null, signCount: 50))).ReasonCode);
    }

    [Fact]
    public async Task Session_binding_is_enforced()
    {
        var (h, a) = await RegisteredAsync();
        var options = await h.Rp.CreateAssertionOptionsAsync(h.User.UserHandle, binding: "s1");
        Assert.Equal(ReasonCodes.WebAuthnChallengeMismatch, (await h.Rp.VerifyAssertionAsync(a.Assert(options.Challenge, null), "s2")).ReasonCode);
        var again = await h.Rp.CreateAssertionOptionsAsync(h.User.UserHandle, binding: "s1");
        Assert.True((await h.Rp.VerifyAssertionAsync(a.Assert(again.Challenge, null), "s1")).Succeeded);
    }

    [Fact]
    public async Task Json_text_overload_parses_and_verifies()
    {
        var (h, a) = await RegisteredAsync();
        var options = await h.AssertionOptionsAsync();
        Assert.True((await h.Rp.VerifyAssertionAsync(a.Assert(options.Challenge, null).ToJson())).Succeeded);
        Assert.Equal(ReasonCodes.WebAuthnMalformed, (await h.Rp.VerifyAssertionAsync("{\"id\":1}")).ReasonCode);
    }
}
