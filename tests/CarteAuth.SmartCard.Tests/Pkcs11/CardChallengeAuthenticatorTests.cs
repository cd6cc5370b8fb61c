using CarteAuth.Audit;
using CarteAuth.Authentication;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Pkcs11;
using CarteAuth.SmartCard.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.SmartCard.Tests.Pkcs11;

/// <summary>Thick-client login end to end: challenge issued, signed on the SoftHSM2 token with the PIN, authenticated through Core.</summary>
[Collection(SoftHsmCollection.Name)]
public sealed class CardChallengeAuthenticatorTests(SoftHsmFixture hsm) : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose()
    {
        foreach (var p in _providers)
        {
            p.Dispose();
        }
    }

    private ServiceProvider Provider(DevPki? trusted = null, Action<CardChallengeOptions>? challenge = null)
    {
        trusted ??= hsm.Pki;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddCarteAuthCore().AddCarteAuthInMemoryAudit();
        services.AddCarteAuthSmartCard(o =>
        {
            o.TrustAnchors.Add(trusted.Root);
            o.Intermediates.Add(trusted.Intermediate);
        }).AddCardChallenge(challenge);
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    private async Task<(IAuthenticationService Service, Pkcs11CardResponse Response, ServiceProvider Sp)> SignedAsync(DevPki? trusted = null, string token = SoftHsmFixture.DoctorToken)
    {
        var sp = Provider(trusted);
        var challenge = await sp.GetRequiredService<CardChallengeIssuer>().IssueAsync();
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);
        var response = client.SignChallenge(challenge, SoftHsmFixture.Pin, token);
        _time.Advance(TimeSpan.FromSeconds(15)); // the professional typed the PIN
        return (sp.GetRequiredService<IAuthenticationService>(), response, sp);
    }

    private static async Task<List<AuditEvent>> Events(IServiceProvider sp)
    {
        var events = new List<AuditEvent>();
        await foreach (var e in sp.GetRequiredService<IAuditStore>().ReadAsync())
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task Signed_challenge_gives_the_tls_path_evidence_but_not_phishing_resistant()
    {
        var (service, response, sp) = await SignedAsync();

        var result = await service.AuthenticateAsync(new CardChallengeResponseRequest(response));
        var tls = await service.AuthenticateAsync(new ClientCertificateRequest(hsm.Doctor.Certificate));

        Assert.True(result.Succeeded, result.FailureMessage);
        var evidence = result.Evidence!;
        Assert.Equal(CardChallengeAuthenticator.AuthenticatorName, evidence.Authenticator);
        Assert.Equal("810002813839", evidence.Identity.NationalId.Value);
        Assert.Equal(AuthenticationMethods.Sc | AuthenticationMethods.Pin | AuthenticationMethods.Hwk, evidence.Methods);
        Assert.Equal(AssuranceLevel.High, evidence.Assurance);
        Assert.False(evidence.IsPhishingResistant);
        Assert.Equal("pkcs11-challenge", evidence.Properties["channel"]);
        Assert.Equal(_time.GetUtcNow(), evidence.AuthenticatedAt);

        // Same facts as the TLS path for the same card; only the authenticator, the channel and phishing resistance differ.
        var viaTls = tls.Evidence!;
        Assert.True(viaTls.IsPhishingResistant);
        Assert.Equal(viaTls.Methods, evidence.Methods);
        Assert.Equal(viaTls.Assurance, evidence.Assurance);
        Assert.Equal(viaTls.CredentialId, evidence.CredentialId);
        Assert.Equal(viaTls.Identity.NationalId, evidence.Identity.NationalId);
        Assert.Equal(viaTls.Properties.Where(p => p.Key != "channel"), evidence.Properties.Where(p => p.Key != "channel"));

        var audit = await Events(sp);
        Assert.Equal(2, audit.Count);
        Assert.Equal(CardChallengeAuthenticator.AuthenticatorName, audit[0].Authenticator);
        Assert.Equal("810002813839", audit[0].Subject);
    }

    [Fact]
    public async Task Replayed_response_is_refused_and_audited()
    {
        var (service, response, sp) = await SignedAsync();
        Assert.True((await service.AuthenticateAsync(new CardChallengeResponseRequest(response))).Succeeded);

        var replay = await service.AuthenticateAsync(new CardChallengeResponseRequest(response));

        Assert.False(replay.Succeeded);
        Assert.Equal(ReasonCodes.Pkcs11ChallengeReplayed, replay.ReasonCode);
        Assert.Equal(ReasonCodes.Pkcs11ChallengeReplayed, (await Events(sp))[1].ReasonCode);
    }

    [Fact]
    public async Task Altered_signature_is_bad_signature()
    {
        var (service, response, _) = await SignedAsync();
        var signature = response.Signature.ToArray();
        signature[^1] ^= 0x01;

        var result = await service.AuthenticateAsync(new CardChallengeResponseRequest(new Pkcs11CardResponse(response.ChallengeId, response.Certificate.Span, signature)));

        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.Pkcs11BadSignature, result.ReasonCode);
    }

    [Fact]
    public async Task Signature_by_another_card_presented_with_the_doctor_certificate_is_bad_signature()
    {
        var (service, response, sp) = await SignedAsync();
        var challenge = await sp.GetRequiredService<CardChallengeIssuer>().IssueAsync();
        using var client = Pkcs11CardClient.Open(hsm.ModulePath);
        var pharmacist = client.SignChallenge(challenge, SoftHsmFixture.Pin, SoftHsmFixture.PinToken);

        var result = await service.AuthenticateAsync(new CardChallengeResponseRequest(new Pkcs11CardResponse(pharmacist.ChallengeId, response.Certificate.Span, pharmacist.Signature.Span)));

        Assert.Equal(ReasonCodes.Pkcs11BadSignature, result.ReasonCode);
    }

    [Fact]
    public async Task Card_of_an_untrusted_pki_is_untrusted_chain_after_a_valid_signature()
    {
        var (service, response, _) = await SignedAsync(trusted: CardFixtures.OtherPki);

        var result = await service.AuthenticateAsync(new CardChallengeResponseRequest(response));

        Assert.False(result.Succeeded);
        Assert.Equal(ReasonCodes.CertUntrustedChain, result.ReasonCode);
    }

    [Fact]
    public async Task Expired_unknown_and_malformed_responses_are_refused_with_their_codes()
    {
        var (service, response, sp) = await SignedAsync();
        _time.Advance(TimeSpan.FromMinutes(3));
        var expired = await service.AuthenticateAsync(new CardChallengeResponseRequest(response));

        var fresh = await sp.GetRequiredService<CardChallengeIssuer>().IssueAsync();
        var unknown = await service.AuthenticateAsync(new CardChallengeResponseRequest(new Pkcs11CardResponse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", response.Certificate.Span, response.Signature.Span)));
        var malformedId = await service.AuthenticateAsync(new CardChallengeResponseRequest(new Pkcs11CardResponse("not an id!", response.Certificate.Span, response.Signature.Span)));
        var noCertificate = await service.AuthenticateAsync(new CardChallengeResponseRequest(new Pkcs11CardResponse(fresh.Id, [1, 2, 3], response.Signature.Span)));

        Assert.Equal(ReasonCodes.Pkcs11ChallengeExpired, expired.ReasonCode);
        Assert.Equal(ReasonCodes.Pkcs11ChallengeUnknown, unknown.ReasonCode);
        Assert.False(malformedId.Succeeded);
        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, malformedId.ReasonCode);
        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, noCertificate.ReasonCode);
        Assert.Equal(4, (await Events(sp)).Count);
    }

    [Fact]
    public void Out_of_range_challenge_lifetime_fails_at_start()
    {
        var sp = Provider(challenge: o => o.Lifetime = TimeSpan.FromSeconds(1));

        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("AddCardChallenge", e.Message, StringComparison.Ordinal);
        Assert.Contains(ReasonCodes.Pkcs11InvalidOptions, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_arguments_are_refused()
    {
        var sp = Provider();
        Assert.Throws<ArgumentNullException>(() => new CardChallengeResponseRequest(null!));
        Assert.Throws<ArgumentNullException>(() => new CardChallengeAuthenticator(null!, sp.GetRequiredService<SmartCardCertificateValidator>()));
        Assert.Throws<ArgumentNullException>(() => new CardChallengeAuthenticator(sp.GetRequiredService<Pkcs11ChallengeVerifier>(), null!));
    }
}
