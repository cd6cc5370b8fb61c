using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Pkcs11;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.SmartCard.Tests.Pkcs11;

/// <summary>The server side: challenges are single use and expiring, and only a signature over the domain-separated challenge verifies.</summary>
public sealed class Pkcs11ChallengeVerifierTests
{
    private static readonly Lazy<DevPki> Pki = new(() => DevPki.CreateWithStandardCards());
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Now);
    private readonly InMemoryCardChallengeStore _store;
    private readonly CardChallengeIssuer _issuer;
    private readonly Pkcs11ChallengeVerifier _verifier;

    public Pkcs11ChallengeVerifierTests()
    {
        _store = new InMemoryCardChallengeStore(_time);
        _issuer = new CardChallengeIssuer(_store, timeProvider: _time);
        _verifier = new Pkcs11ChallengeVerifier(_store, _time);
    }

    private static X509Certificate2 Card(string name) => Pki.Value.Cards.Single(c => c.Spec.Name == name).Certificate;

    private static byte[] Sign(X509Certificate2 card, byte[] data)
    {
        using var rsa = card.GetRSAPrivateKey()!;
        return rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static Pkcs11CardResponse Respond(CardChallenge challenge, string card = "doctor") =>
        new(challenge.Id, Card(card).RawData, Sign(Card(card), challenge.ToBeSigned()));

    [Fact]
    public async Task A_fresh_challenge_signed_by_the_certificate_key_verifies_and_returns_the_certificate()
    {
        var challenge = await _issuer.IssueAsync();

        var result = await _verifier.VerifyAsync(Respond(challenge));

        Assert.True(result.IsVerified, result.Message);
        Assert.Equal(ReasonCodes.Pkcs11Verified, result.ReasonCode);
        Assert.Equal(Card("doctor").Thumbprint, result.Certificate!.Thumbprint);
        Assert.False(result.Certificate.HasPrivateKey);
    }

    [Fact]
    public async Task Issued_challenges_are_32_random_bytes_with_unique_ids_and_the_configured_lifetime()
    {
        var issuer = new CardChallengeIssuer(_store, new CardChallengeOptions { Lifetime = TimeSpan.FromSeconds(30) }, _time);

        var a = await issuer.IssueAsync();
        var b = await issuer.IssueAsync();

        Assert.Equal(32, a.Value.Length);
        Assert.NotEqual(a.Id, b.Id);
        Assert.False(a.Value.Span.SequenceEqual(b.Value.Span));
        Assert.Equal(Now, a.IssuedAt);
        Assert.Equal(Now.AddSeconds(30), a.ExpiresAt);
        Assert.Equal(2, _store.Count);
    }

    [Fact]
    public async Task Replayed_challenge_is_refused()
    {
        var challenge = await _issuer.IssueAsync();
        var response = Respond(challenge);
        Assert.True((await _verifier.VerifyAsync(response)).IsVerified);

        var replay = await _verifier.VerifyAsync(response);

        Assert.False(replay.IsVerified);
        Assert.Equal(ReasonCodes.Pkcs11ChallengeReplayed, replay.ReasonCode);
        Assert.Null(replay.Certificate);
    }

    [Fact]
    public async Task A_refused_response_still_uses_up_its_challenge()
    {
        var challenge = await _issuer.IssueAsync();
        var bad = Respond(challenge);
        var tampered = bad.Signature.ToArray();
        tampered[10] ^= 0x01;
        Assert.Equal(ReasonCodes.Pkcs11BadSignature, (await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, bad.Certificate.Span, tampered))).ReasonCode);

        var good = await _verifier.VerifyAsync(Respond(challenge));

        Assert.Equal(ReasonCodes.Pkcs11ChallengeReplayed, good.ReasonCode);
    }

    [Fact]
    public async Task Expired_challenge_is_refused()
    {
        var challenge = await _issuer.IssueAsync();
        var response = Respond(challenge);
        _time.Advance(TimeSpan.FromMinutes(2)); // default lifetime: expired exactly now

        var result = await _verifier.VerifyAsync(response);

        Assert.False(result.IsVerified);
        Assert.Equal(ReasonCodes.Pkcs11ChallengeExpired, result.ReasonCode);
        Assert.Contains("new challenge", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_challenge_just_before_expiry_still_verifies()
    {
        var challenge = await _issuer.IssueAsync();
        _time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromMilliseconds(1));

        Assert.True((await _verifier.VerifyAsync(Respond(challenge))).IsVerified);
    }

    [Fact]
    public async Task Unknown_challenge_is_refused()
    {
        var other = new CardChallenge("never-issued", RandomNumberGenerator.GetBytes(32), Now, Now.AddMinutes(2));

        var result = await _verifier.VerifyAsync(Respond(other));

        Assert.Equal(ReasonCodes.Pkcs11ChallengeUnknown, result.ReasonCode);
    }

    [Fact]
    public async Task Tampered_signature_is_bad_signature()
    {
        var challenge = await _issuer.IssueAsync();
        var response = Respond(challenge);
        var signature = response.Signature.ToArray();
        signature[^1] ^= 0x80;

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, response.Certificate.Span, signature));

        Assert.Equal(ReasonCodes.Pkcs11BadSignature, result.ReasonCode);
        Assert.Null(result.Certificate);
    }

    [Fact]
    public async Task Signature_of_the_raw_challenge_without_domain_separation_is_bad_signature()
    {
        var challenge = await _issuer.IssueAsync();

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, Card("doctor").RawData, Sign(Card("doctor"), challenge.Value.ToArray())));

        Assert.Equal(ReasonCodes.Pkcs11BadSignature, result.ReasonCode);
    }

    [Fact]
    public async Task Signature_made_for_another_challenge_is_bad_signature()
    {
        var first = await _issuer.IssueAsync();
        var second = await _issuer.IssueAsync();

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(second.Id, Card("doctor").RawData, Sign(Card("doctor"), first.ToBeSigned())));

        Assert.Equal(ReasonCodes.Pkcs11BadSignature, result.ReasonCode);
    }

    [Fact]
    public async Task Another_card_certificate_with_the_doctor_signature_is_bad_signature()
    {
        var challenge = await _issuer.IssueAsync();

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, Card("pharmacist").RawData, Sign(Card("doctor"), challenge.ToBeSigned())));

        Assert.Equal(ReasonCodes.Pkcs11BadSignature, result.ReasonCode);
    }

    [Fact]
    public async Task Unreadable_certificate_is_malformed_response()
    {
        var challenge = await _issuer.IssueAsync();

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, "not a certificate"u8, Sign(Card("doctor"), challenge.ToBeSigned())));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, result.ReasonCode);
        Assert.Contains("DER", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_signature_is_malformed_response()
    {
        var challenge = await _issuer.IssueAsync();

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, Card("doctor").RawData, []));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, result.ReasonCode);
    }

    [Fact]
    public async Task Non_RSA_certificate_is_malformed_response()
    {
        var challenge = await _issuer.IssueAsync();
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=ec", ec, HashAlgorithmName.SHA256).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, certificate.RawData, ec.SignData(challenge.ToBeSigned(), HashAlgorithmName.SHA256)));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, result.ReasonCode);
        Assert.Contains("not RSA", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RSA_key_below_2048_bits_is_malformed_response()
    {
        var challenge = await _issuer.IssueAsync();
        using var rsa = RSA.Create(1024);
        using var certificate = new CertificateRequest("CN=weak", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));

        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(challenge.Id, certificate.RawData, rsa.SignData(challenge.ToBeSigned(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, result.ReasonCode);
        Assert.Contains("1024 bits", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("id with spaces")]
    [InlineData("é")]
    public async Task Malformed_challenge_id_is_malformed_response(string id)
    {
        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(id, Card("doctor").RawData, [1, 2, 3]));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, result.ReasonCode);
    }

    [Fact]
    public async Task Too_long_challenge_id_is_malformed_response()
    {
        var result = await _verifier.VerifyAsync(new Pkcs11CardResponse(new string('a', CardChallenge.MaxIdLength + 1), Card("doctor").RawData, [1]));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, result.ReasonCode);
    }

    [Fact]
    public void ToBeSigned_is_label_zero_then_length_prefixed_id_and_value()
    {
        var value = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        var bytes = CardChallenge.ToBeSigned("ab", value);

        var label = Encoding.ASCII.GetBytes("carteauth-card-challenge-v1");
        Assert.Equal([.. label, 0, 2, (byte)'a', (byte)'b', 32, .. value], bytes);
        Assert.NotEqual(CardChallenge.ToBeSigned("a", value), CardChallenge.ToBeSigned("ab", value)[..^1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(3601)]
    public void Out_of_range_lifetime_is_invalid_options(int seconds)
    {
        var error = Assert.Throws<CarteAuthException>(() => new CardChallengeIssuer(_store, new CardChallengeOptions { Lifetime = TimeSpan.FromSeconds(seconds) }));

        Assert.Equal(ReasonCodes.Pkcs11InvalidOptions, error.ReasonCode);
        Assert.Contains("between", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Store_capacity_below_one_is_invalid_options()
    {
        var error = Assert.Throws<CarteAuthException>(() => new InMemoryCardChallengeStore(capacity: 0));

        Assert.Equal(ReasonCodes.Pkcs11InvalidOptions, error.ReasonCode);
    }

    [Fact]
    public async Task Full_store_refuses_new_challenges_until_old_ones_expire()
    {
        var store = new InMemoryCardChallengeStore(_time, capacity: 2);
        var issuer = new CardChallengeIssuer(store, timeProvider: _time);
        await issuer.IssueAsync();
        await issuer.IssueAsync();

        var error = await Assert.ThrowsAsync<CarteAuthException>(async () => await issuer.IssueAsync());
        Assert.Equal(ReasonCodes.Pkcs11ChallengeStoreFull, error.ReasonCode);

        _time.Advance(TimeSpan.FromMinutes(2) + InMemoryCardChallengeStore.Retention + TimeSpan.FromSeconds(1));
        await issuer.IssueAsync();
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task Concurrent_responses_to_one_challenge_verify_exactly_once()
    {
        var challenge = await _issuer.IssueAsync();
        var response = Respond(challenge);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await _verifier.VerifyAsync(response))));

        Assert.Single(results, r => r.IsVerified);
        Assert.All(results.Where(r => !r.IsVerified), r => Assert.Equal(ReasonCodes.Pkcs11ChallengeReplayed, r.ReasonCode));
    }

    [Fact]
    public void CardChallenge_refuses_a_value_that_is_not_32_bytes()
    {
        var error = Assert.Throws<Pkcs11CardException>(() => new CardChallenge("id", new byte[16], Now, Now.AddMinutes(1)));

        Assert.Equal(ReasonCodes.Pkcs11MalformedResponse, error.ReasonCode);
        Assert.Contains("exactly 32", error.Message, StringComparison.Ordinal);
    }
}
