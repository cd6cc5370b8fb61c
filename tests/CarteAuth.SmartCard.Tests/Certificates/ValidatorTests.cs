using System.Security.Cryptography.X509Certificates;
using CarteAuth.Authentication;
using CarteAuth.SmartCard.Revocation;
using CarteAuth.SmartCard.Tests.TestSupport;
using CarteAuth.Testing;

namespace CarteAuth.SmartCard.Tests.Certificates;

public sealed class ValidatorTests
{
    [Theory]
    [InlineData("doctor")]
    [InlineData("pharmacist")]
    [InlineData("nurse")]
    [InlineData("staff")]
    public async Task Standard_cards_are_accepted_at_high_assurance_without_revocation_check(string name)
    {
        var result = await CardFixtures.Validator().ValidateAsync(CardFixtures.Card(name));

        Assert.True(result.IsValid, result.Message);
        Assert.Null(result.ReasonCode);
        Assert.Equal(AssuranceLevel.High, result.Assurance);
        Assert.Equal(IgcSanteRange.Fort, result.Range);
        Assert.False(result.RevocationChecked);
        Assert.Equal("not checked", result.RevocationSummary);
        Assert.Equal(CardFixtures.Pki.Intermediate.Thumbprint, result.IssuerCertificate!.Thumbprint);
    }

    [Theory]
    [InlineData("expired", ReasonCodes.CertExpired)]
    [InlineData("future", ReasonCodes.CertNotYetValid)]
    [InlineData("no-eku", ReasonCodes.CertMissingClientAuth)]
    [InlineData("no-sig", ReasonCodes.CertMissingDigitalSignature)]
    [InlineData("bad-idnat", ReasonCodes.CertMalformedSubject)]
    [InlineData("no-surname", ReasonCodes.CertMalformedSubject)]
    public async Task Bad_cards_are_refused_with_their_own_code(string name, string code)
    {
        var result = await CardFixtures.Validator().ValidateAsync(CardFixtures.Card(name));

        Assert.False(result.IsValid);
        Assert.Equal(code, result.ReasonCode);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        Assert.Equal(AssuranceLevel.None, result.Assurance);
    }

    [Fact]
    public async Task Card_of_another_pki_is_an_untrusted_chain()
    {
        var card = CardFixtures.OtherPki.Cards[0].Certificate;

        var result = await CardFixtures.Validator().ValidateAsync(card);

        Assert.Equal(ReasonCodes.CertUntrustedChain, result.ReasonCode);
        Assert.Contains("trust anchor", result.Message, StringComparison.Ordinal);
        Assert.Equal("810002813839", result.Certificate!.Identity.NationalId.Value); // the claimed identity is kept for the audit trail
    }

    [Fact]
    public async Task Other_pki_intermediate_sent_by_the_client_does_not_make_it_trusted()
    {
        var other = CardFixtures.OtherPki;

        var result = await CardFixtures.Validator().ValidateAsync(other.Cards[0].Certificate, [other.Intermediate, other.Root]);

        Assert.Equal(ReasonCodes.CertUntrustedChain, result.ReasonCode);
    }

    [Fact]
    public async Task Missing_intermediate_is_an_untrusted_chain_unless_the_client_sends_it()
    {
        var options = new SmartCardOptions();
        options.TrustAnchors.Add(CardFixtures.Pki.Root);
        var validator = CardFixtures.Validator(options);

        var without = await validator.ValidateAsync(CardFixtures.Card("doctor"));
        var with = await validator.ValidateAsync(CardFixtures.Card("doctor"), [CardFixtures.Pki.Intermediate]);

        Assert.Equal(ReasonCodes.CertUntrustedChain, without.ReasonCode);
        Assert.True(with.IsValid, with.Message);
    }

    [Fact]
    public async Task Elementaire_range_is_refused_when_only_fort_is_allowed_and_low_when_allowed()
    {
        var pki = CardFixtures.ElementairePki;

        var refused = await CardFixtures.Validator(CardFixtures.Options(pki)).ValidateAsync(pki.Cards[0].Certificate);
        var options = CardFixtures.Options(pki);
        options.AllowedRanges.Add(IgcSanteRange.Elementaire);
        var accepted = await CardFixtures.Validator(options).ValidateAsync(pki.Cards[0].Certificate);

        Assert.Equal(ReasonCodes.CertUnknownRange, refused.ReasonCode);
        Assert.Contains("ELEMENTAIRE", refused.Message, StringComparison.Ordinal);
        Assert.Equal(IgcSanteRange.Elementaire, refused.Range);
        Assert.True(accepted.IsValid, accepted.Message);
        Assert.Equal(AssuranceLevel.Low, accepted.Assurance);
    }

    [Fact]
    public async Task Range_assurance_map_is_configurable()
    {
        var options = CardFixtures.Options();
        options.RangeAssurance[IgcSanteRange.Fort] = AssuranceLevel.Substantial;

        var result = await CardFixtures.Validator(options).ValidateAsync(CardFixtures.Card("doctor"));

        Assert.Equal(AssuranceLevel.Substantial, result.Assurance);
    }

    [Fact]
    public async Task Clock_skew_tolerates_a_certificate_just_expired()
    {
        var card = CardFixtures.Card("doctor");
        var time = new ManualTimeProvider(new DateTimeOffset(card.NotAfter.ToUniversalTime(), TimeSpan.Zero).AddMinutes(2));

        var within = await CardFixtures.Validator(time: time).ValidateAsync(card);
        time.Now = time.Now.AddMinutes(10);
        var beyond = await CardFixtures.Validator(time: time).ValidateAsync(card);

        Assert.True(within.IsValid, within.Message);
        Assert.Equal(ReasonCodes.CertExpired, beyond.ReasonCode);
    }

    [Fact]
    public async Task Same_certificate_within_the_window_reuses_the_chain_and_a_new_trust_generation_rebuilds_it()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var validator = CardFixtures.Validator(time: time);
        var card = CardFixtures.Card("doctor");

        var first = await validator.ValidateAsync(card);
        var second = await validator.ValidateAsync(card);
        Assert.Equal(1, validator.ChainBuilds + validator.IssuerPathExtensions);
        Assert.False(first.ChainFromCache);
        Assert.True(second.ChainFromCache);

        time.Now = time.Now.AddMinutes(6);
        await validator.ValidateAsync(card);
        Assert.Equal(2, validator.ChainBuilds + validator.IssuerPathExtensions);

        validator.ReloadTrust();
        Assert.Equal(2, validator.TrustGeneration);
        var third = await validator.ValidateAsync(card);
        Assert.Equal(3, validator.ChainBuilds + validator.IssuerPathExtensions);
        Assert.True(third.IsValid);
    }

    [Fact]
    public async Task Cache_is_bounded()
    {
        var options = CardFixtures.Options();
        options.ChainCacheCapacity = 2;
        var validator = CardFixtures.Validator(options);
        string[] names = ["doctor", "pharmacist", "nurse"];

        foreach (var name in names)
        {
            await validator.ValidateAsync(CardFixtures.Card(name));
        }

        await validator.ValidateAsync(CardFixtures.Card("doctor")); // evicted (oldest), built again
        Assert.Equal(4, validator.ChainBuilds + validator.IssuerPathExtensions);
    }

    public static TheoryData<RevocationCheckResult, string> Refusals => new()
    {
        { RevocationCheckResult.Revoked(null, "checked by the stub"), ReasonCodes.CertRevoked },
        { RevocationCheckResult.Unknown("checked by the stub"), ReasonCodes.CertRevocationUnknown },
        { RevocationCheckResult.Unavailable("checked by the stub"), ReasonCodes.CertRevocationUnavailable },
        { RevocationCheckResult.Unavailable("checked by the stub", ReasonCodes.CertOcspBadSignature), ReasonCodes.CertOcspBadSignature },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Revocation_refusals_keep_the_checker_reason_code(RevocationCheckResult answer, string code)
    {
        var checker = new StubRevocationChecker(answer);

        var result = await CardFixtures.Validator(checker: checker).ValidateAsync(CardFixtures.Card("doctor"));

        Assert.Equal(code, result.ReasonCode);
        Assert.Equal("checked by the stub", result.Message);
        Assert.Equal(1, checker.Calls);
        Assert.Equal(CardFixtures.Pki.Intermediate.Thumbprint, checker.LastIssuer!.Thumbprint);
    }

    [Fact]
    public async Task Good_revocation_is_accepted_and_a_degraded_answer_is_accepted_flagged()
    {
        var good = await CardFixtures.Validator(checker: new StubRevocationChecker(RevocationCheckResult.Good("CRL ok"))).ValidateAsync(CardFixtures.Card("doctor"));
        var bypass = await CardFixtures.Validator(checker: new StubRevocationChecker(RevocationCheckResult.DegradedGood("CRL stale, bypass on"))).ValidateAsync(CardFixtures.Card("doctor"));

        Assert.True(good.IsValid);
        Assert.True(good.RevocationChecked);
        Assert.False(good.IsDegraded);
        Assert.Equal("good", good.RevocationSummary);
        Assert.True(bypass.IsValid);
        Assert.True(bypass.IsDegraded);
        Assert.StartsWith("degraded", bypass.RevocationSummary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throwing_checker_fails_closed_as_unavailable()
    {
        var result = await CardFixtures.Validator(checker: new ThrowingChecker()).ValidateAsync(CardFixtures.Card("doctor"));

        Assert.Equal(ReasonCodes.CertRevocationUnavailable, result.ReasonCode);
        Assert.Contains("fail closed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revocation_is_not_asked_for_a_refused_chain()
    {
        var checker = new StubRevocationChecker(RevocationCheckResult.Good("ok"));

        await CardFixtures.Validator(checker: checker).ValidateAsync(CardFixtures.OtherPki.Cards[0].Certificate);

        Assert.Equal(0, checker.Calls);
    }

    [Fact]
    public void No_anchor_is_invalid_options()
    {
        var e = Assert.Throws<CarteAuthException>(() => new SmartCardCertificateValidator(new SmartCardOptions()));

        Assert.Equal(ReasonCodes.CertInvalidOptions, e.ReasonCode);
        Assert.Contains("TrustAnchors", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Card_certificate_as_anchor_is_invalid_options()
    {
        var options = new SmartCardOptions();
        options.TrustAnchors.Add(CardFixtures.Card("doctor"));

        var e = Assert.Throws<CarteAuthException>(() => new SmartCardCertificateValidator(options));

        Assert.Equal(ReasonCodes.CertInvalidOptions, e.ReasonCode);
    }

    [Theory]
    [InlineData(-1, 1024)]
    [InlineData(120, 1024)]
    [InlineData(5, 0)]
    public void Out_of_range_settings_are_invalid_options(int skewMinutes, int capacity)
    {
        var options = CardFixtures.Options();
        options.ClockSkew = TimeSpan.FromMinutes(skewMinutes);
        options.ChainCacheCapacity = capacity;

        var e = Assert.Throws<CarteAuthException>(() => new SmartCardCertificateValidator(options));

        Assert.Equal(ReasonCodes.CertInvalidOptions, e.ReasonCode);
    }

    [Fact]
    public void Empty_allowed_ranges_is_invalid_options()
    {
        var options = CardFixtures.Options();
        options.AllowedRanges.Clear();

        Assert.Equal(ReasonCodes.CertInvalidOptions, Assert.Throws<CarteAuthException>(() => new SmartCardCertificateValidator(options)).ReasonCode);
    }

    [Fact]
    public async Task Anchors_and_intermediates_load_from_pem_files_and_folders()
    {
        using var dir = new TempDirectory();
        var anchors = Directory.CreateDirectory(Path.Combine(dir.Path, "anchors")).FullName;
        await File.WriteAllTextAsync(Path.Combine(anchors, "root.pem"), CardFixtures.Pki.Root.ExportCertificatePem());
        var intermediate = dir.File("intermediate.pem", CardFixtures.Pki.Intermediate.ExportCertificatePem());
        var options = new SmartCardOptions();
        options.TrustAnchorPaths.Add(anchors);
        options.IntermediatePaths.Add(intermediate);

        var result = await new SmartCardCertificateValidator(options).ValidateAsync(CardFixtures.Card("nurse"));

        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void Missing_anchor_file_is_invalid_options_naming_it()
    {
        var options = new SmartCardOptions();
        options.TrustAnchorPaths.Add("/nonexistent/carteauth/root.pem");

        var e = Assert.Throws<CarteAuthException>(() => new SmartCardCertificateValidator(options));

        Assert.Equal(ReasonCodes.CertInvalidOptions, e.ReasonCode);
        Assert.Contains("/nonexistent/carteauth/root.pem", e.Message, StringComparison.Ordinal);
    }

    private sealed class ThrowingChecker : ICertificateRevocationChecker
    {
        public ValueTask<RevocationCheckResult> CheckAsync(X509Certificate2 certificate, X509Certificate2 issuer, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("connection refused");
    }
}
