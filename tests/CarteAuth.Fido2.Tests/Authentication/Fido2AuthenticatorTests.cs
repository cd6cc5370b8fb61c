using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Challenges;
using CarteAuth.Fido2.Stores;
using CarteAuth.Fido2.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CarteAuth.Fido2.Tests.Authentication;

/// <summary><see cref="Fido2Authenticator"/>: evidence mapping (AMR, level), failures, Core audit, DI.</summary>
public sealed class Fido2AuthenticatorTests
{
    private static async Task<(RpHarness H, SoftAuthenticator A, Fido2Authenticator Auth)> SetupAsync(bool backupEligible = false, bool trusted = false, Action<Fido2Options>? configure = null, AssuranceLevel level = AssuranceLevel.Substantial)
    {
        var h = new RpHarness(configure);
        h.Attestation.Trusted = trusted;
        var a = new SoftAuthenticator(backupEligible);
        await h.RegisterAsync(a, level);
        return (h, a, new Fido2Authenticator(h.Rp, h.Time));
    }

    private static async Task<AuthenticationResult> LoginAsync(RpHarness h, SoftAuthenticator a, Fido2Authenticator auth, AuthenticatorFlags? flags = null, AssuranceLevel level = AssuranceLevel.Substantial)
    {
        var options = await h.Rp.CreateAssertionOptionsAsync(h.User.UserHandle, level);
        return await auth.AuthenticateAsync(new Fido2AssertionRequest(a.Assert(options.Challenge, null, flags: flags)));
    }

    [Fact]
    public async Task Security_key_with_uv_and_trusted_attestation_is_high()
    {
        var (h, a, auth) = await SetupAsync(trusted: true, level: AssuranceLevel.High);
        var result = await LoginAsync(h, a, auth);
        Assert.True(result.Succeeded, result.ToString());
        var e = result.Evidence!;
        Assert.Equal(AuthenticationMethods.Hwk | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, e.Methods);
        Assert.Equal(AssuranceLevel.High, e.Assurance);
        Assert.True(e.IsPhishingResistant);
        Assert.Equal("fido2", e.Authenticator);
        Assert.Equal(RpHarness.Identity.NationalId, e.Identity.NationalId);
        Assert.Equal(SoftAuthenticator.Base64Url(a.CredentialId), e.CredentialId);
        Assert.Equal(a.Aaguid.ToString("D"), e.Properties["aaguid"]);
        Assert.Equal(2, e.FactorCount);
        Assert.Equal(h.Time.GetUtcNow(), e.AuthenticatedAt);
    }

    [Fact]
    public async Task Untrusted_attestation_is_substantial()
    {
        var (h, a, auth) = await SetupAsync();
        var result = await LoginAsync(h, a, auth);
        Assert.Equal(AssuranceLevel.Substantial, result.Evidence!.Assurance);
        Assert.Equal(AuthenticationMethods.Hwk | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, result.Evidence.Methods);
    }

    [Fact]
    public async Task Model_outside_the_allow_list_is_substantial()
    {
        var (h, a, auth) = await SetupAsync(trusted: true, configure: o => o.AllowedAaguids.Add(Guid.NewGuid()));
        Assert.Equal(AssuranceLevel.Substantial, (await LoginAsync(h, a, auth)).Evidence!.Assurance);
    }

    [Fact]
    public async Task Synced_passkey_is_swk_and_never_high()
    {
        var (h, a, auth) = await SetupAsync(backupEligible: true, trusted: true);
        var e = (await LoginAsync(h, a, auth)).Evidence!;
        Assert.Equal(AuthenticationMethods.Swk | AuthenticationMethods.Pin | AuthenticationMethods.Mfa, e.Methods);
        Assert.Equal(AssuranceLevel.Substantial, e.Assurance);
        Assert.Equal("true", e.Properties["backup_eligible"]);
    }

    [Fact]
    public async Task Presence_only_is_low_single_factor()
    {
        var (h, a, auth) = await SetupAsync(configure: o => o.UserVerification = "preferred", level: AssuranceLevel.Low);
        var result = await LoginAsync(h, a, auth, AuthenticatorFlags.UserPresent, AssuranceLevel.Low);
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(AuthenticationMethods.Hwk, result.Evidence!.Methods);
        Assert.Equal(AssuranceLevel.Low, result.Evidence.Assurance);
        Assert.Equal(1, result.Evidence.FactorCount);
    }

    [Fact]
    public async Task Counter_regression_is_a_typed_failure_with_the_subject()
    {
        var (h, a, auth) = await SetupAsync();
        Assert.True((await LoginAsync(h, a, auth)).Succeeded);
        a.Counter = 0;
        var result = await LoginAsync(h, a, auth);
        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, result.ReasonCode);
        Assert.Equal(RpHarness.Identity.NationalId.Value, result.AttemptedSubject);
    }

    [Fact]
    public async Task Core_authentication_service_audits_success_and_counter_regression()
    {
        var (h, a, auth) = await SetupAsync();
        var audit = new InMemoryAuditStore(h.Time);
        var service = new AuthenticationService([auth], audit);
        var options = await h.Rp.CreateAssertionOptionsAsync(h.User.UserHandle);
        Assert.True((await service.AuthenticateAsync(new Fido2AssertionRequest(a.Assert(options.Challenge, null)))).Succeeded);
        a.Counter = 0;
        options = await h.Rp.CreateAssertionOptionsAsync(h.User.UserHandle);
        var failed = await service.AuthenticateAsync(new Fido2AssertionRequest(a.Assert(options.Challenge, null)));
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, failed.ReasonCode);
        var events = new List<AuditEvent>();
        await foreach (var e in audit.ReadAsync())
        {
            events.Add(e);
        }

        Assert.Equal(2, events.Count);
        Assert.Equal(ReasonCodes.WebAuthnCounterRegression, events[1].ReasonCode);
        Assert.Equal("fido2", events[1].Authenticator);
    }

    [Fact]
    public async Task Di_registers_the_relying_party_with_the_attestation_verifier_by_default()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCarteAuthFido2(o =>
        {
            o.RpId = "example.org";
            o.RpName = "Example";
            o.Origins.Add("https://example.org");
        }).UseInMemoryCredentialStore();
        using var sp = services.BuildServiceProvider();
        var rp = sp.GetRequiredService<Fido2RelyingParty>();
        Assert.IsType<AttestationVerifier>(sp.GetRequiredService<IAttestationVerifier>());
        Assert.IsType<InMemoryFido2CredentialStore>(sp.GetRequiredService<IFido2CredentialStore>());
        Assert.IsType<InMemoryWebAuthnChallengeStore>(sp.GetRequiredService<IWebAuthnChallengeStore>());
        Assert.Contains(sp.GetServices<IAuthenticator>(), x => x is Fido2Authenticator);

        // End to end through DI: attestation none registers, then authenticates.
        var user = new Fido2User(RpHarness.Identity, Fido2User.NewUserHandle());
        using var a = new SoftAuthenticator();
        var reg = await rp.CreateRegistrationOptionsAsync(user);
        Assert.True((await rp.VerifyRegistrationAsync(a.Register(reg.Challenge))).Succeeded);
        var get = await rp.CreateAssertionOptionsAsync(user.UserHandle);
        Assert.True((await sp.GetRequiredService<Fido2Authenticator>().AuthenticateAsync(new Fido2AssertionRequest(a.Assert(get.Challenge, null)))).Succeeded);

        // High needs trusted attestation: self attestation with no configured root is refused.
        var high = await rp.CreateRegistrationOptionsAsync(user, AssuranceLevel.High);
        using var b = new SoftAuthenticator();
        Assert.Equal(ReasonCodes.WebAuthnAttestationRequired, (await rp.VerifyRegistrationAsync(b.Register(high.Challenge))).ReasonCode);
    }

    [Fact]
    public void Di_uses_the_applications_attestation_verifier_and_sqlite_store()
    {
        using var dir = new TempDirectory();
        var services = new ServiceCollection();
        var verifier = new TestAttestationVerifier();
        services.AddSingleton<IAttestationVerifier>(verifier);
        services.AddCarteAuthFido2(o =>
        {
            o.RpId = "example.org";
            o.RpName = "Example";
            o.Origins.Add("https://example.org");
        }).UseSqliteCredentialStore(Path.Combine(dir.Path, "fido2.db"));
        using var sp = services.BuildServiceProvider();
        Assert.Same(verifier, sp.GetRequiredService<IAttestationVerifier>());
        Assert.IsType<SqliteFido2CredentialStore>(sp.GetRequiredService<IFido2CredentialStore>());
    }

    [Fact]
    public void Di_reports_invalid_options_with_the_fix()
    {
        var services = new ServiceCollection();
        services.AddCarteAuthFido2(o => o.RpId = "example.org");
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<Fido2Options>>().Value);
        Assert.Contains(ReasonCodes.WebAuthnInvalidOptions, ex.Message, StringComparison.Ordinal);
        Assert.Contains("RpName", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Di_without_a_credential_store_choice_says_how_to_choose_one()
    {
        var services = new ServiceCollection();
        services.AddCarteAuthFido2(o =>
        {
            o.RpId = "example.org";
            o.RpName = "Example";
            o.Origins.Add("https://example.org");
        });
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<CarteAuthException>(() => sp.GetRequiredService<IFido2CredentialStore>());
        Assert.Contains("UseSqliteCredentialStore", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Di_default_verifier_trusts_the_configured_attestation_roots()
    {
        var services = new ServiceCollection();
        services.AddCarteAuthFido2(o =>
        {
            o.RpId = "example.org";
            o.RpName = "Example";
            o.Origins.Add("https://example.org");
            o.AttestationRoots.Add(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(SpecVectors.AttestationRootCertificate));
        }).UseInMemoryCredentialStore();
        using var sp = services.BuildServiceProvider();
        var v = SpecVectors.Get("packed-es256");
        var attestation = AttestationObject.Parse(v.Registration["attestationObject"]);
        var hash = System.Security.Cryptography.SHA256.HashData(v.Registration["clientDataJSON"]);

        var result = await sp.GetRequiredService<IAttestationVerifier>().VerifyAsync(attestation, hash, new AttestationRequirement(RequireTrustedAttestation: true));

        Assert.True(result.Trusted);
        Assert.Equal("packed", result.Format);
    }

    [Fact]
    public async Task Request_for_another_authenticator_is_refused()
    {
        var (_, _, auth) = await SetupAsync();
        Assert.False(auth.CanAuthenticate(new OtherRequest()));
        Assert.Equal(ReasonCodes.NoAuthenticator, (await auth.AuthenticateAsync(new OtherRequest())).ReasonCode);
    }

    private sealed class OtherRequest : AuthenticationRequest;
}
