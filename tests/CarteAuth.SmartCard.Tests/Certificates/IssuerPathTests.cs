using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.SmartCard.Development;
using CarteAuth.SmartCard.Tests.TestSupport;

namespace CarteAuth.SmartCard.Tests.Certificates;

/// <summary>
/// New cards of a known issuing CA are validated by extending the CA's validated path by one certificate (RFC 5280
/// §6.1.3) instead of a full chain build; anything unusual goes to the platform chain engine, whose verdict applies.
/// </summary>
public sealed class IssuerPathTests
{
    private static readonly Lazy<RSA> LeafKey = new(() => RSA.Create(2048));

    private static SmartCardOptions Options(bool issuerPaths, DevPki? pki = null)
    {
        var options = CardFixtures.Options(pki);
        options.ChainCacheDuration = TimeSpan.Zero; // every call is a first presentation
        options.IssuerPathCacheDuration = issuerPaths ? TimeSpan.FromHours(1) : TimeSpan.Zero;
        return options;
    }

    [Fact]
    public async Task New_cards_of_a_known_CA_extend_its_path_without_a_chain_build()
    {
        var validator = CardFixtures.Validator(Options(issuerPaths: true));

        foreach (var name in new[] { "doctor", "pharmacist", "nurse", "staff" })
        {
            var result = await validator.ValidateAsync(CardFixtures.Card(name));
            Assert.True(result.IsValid, $"{name}: {result.Message}");
            Assert.Equal(CardFixtures.Pki.Intermediate.Thumbprint, result.IssuerCertificate!.Thumbprint);
            Assert.Equal(IgcSanteRange.Fort, result.Range);
        }

        Assert.Equal(0, validator.ChainBuilds);
        Assert.Equal(4, validator.IssuerPathExtensions);
    }

    [Fact]
    public async Task Every_fixture_card_gets_the_same_verdict_with_and_without_the_shortcut()
    {
        var shortcut = CardFixtures.Validator(Options(issuerPaths: true));
        var platform = CardFixtures.Validator(Options(issuerPaths: false));
        var cards = CardFixtures.Pki.Cards.Select(c => c.Certificate)
            .Concat(CardFixtures.OtherPki.Cards.Select(c => c.Certificate))
            .Concat(CardFixtures.ElementairePki.Cards.Select(c => c.Certificate));

        foreach (var card in cards)
        {
            var a = await shortcut.ValidateAsync(card);
            var b = await platform.ValidateAsync(card);
            Assert.True(a.ReasonCode == b.ReasonCode, $"{card.Subject}: shortcut {a.ReasonCode}, platform {b.ReasonCode}");
            Assert.Equal(b.Range, a.Range);
            Assert.Equal(b.IssuerCertificate?.Thumbprint, a.IssuerCertificate?.Thumbprint);
        }

        Assert.Equal(0, platform.IssuerPathExtensions);
        Assert.True(shortcut.IssuerPathExtensions > 0);
    }

    [Fact]
    public async Task A_card_of_a_CA_with_the_same_name_but_another_key_is_left_to_the_platform_and_refused()
    {
        // OtherPki has the same CA names as the trusted PKI, with other keys: a forged card of the same issuer name.
        var forged = CardFixtures.OtherPki.Cards.Single(c => c.Spec.Name == "doctor").Certificate;
        Assert.Equal(CardFixtures.Pki.Intermediate.Subject, forged.Issuer);
        var validator = CardFixtures.Validator(Options(issuerPaths: true));

        var result = await validator.ValidateAsync(forged);

        Assert.Equal(ReasonCodes.CertUntrustedChain, result.ReasonCode);
        Assert.Equal(0, validator.IssuerPathExtensions);
        Assert.Equal(1, validator.ChainBuilds);
    }

    [Fact]
    public async Task A_card_with_an_unknown_critical_extension_is_left_to_the_platform()
    {
        var card = Issue(CardFixtures.Pki.Intermediate, r => r.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.99999.1", [0x05, 0x00], critical: true)));
        var shortcut = CardFixtures.Validator(Options(issuerPaths: true));
        var platform = CardFixtures.Validator(Options(issuerPaths: false));

        var a = await shortcut.ValidateAsync(card);
        var b = await platform.ValidateAsync(card);

        Assert.Equal(0, shortcut.IssuerPathExtensions);
        Assert.Equal(1, shortcut.ChainBuilds);
        Assert.Equal(b.ReasonCode, a.ReasonCode);
        Assert.Equal(ReasonCodes.CertUntrustedChain, a.ReasonCode);
    }

    [Fact]
    public async Task A_card_with_a_malformed_authority_key_identifier_gets_the_platform_verdict_not_an_exception()
    {
        var card = Issue(CardFixtures.Pki.Intermediate, withAuthorityKeyIdentifier: false, extra: r => r.CertificateExtensions.Add(new X509Extension("2.5.29.35", [0x30, 0x05, 0x80, 0x09, 0x01], critical: false)));
        var shortcut = CardFixtures.Validator(Options(issuerPaths: true));
        var platform = CardFixtures.Validator(Options(issuerPaths: false));

        var a = await shortcut.ValidateAsync(card);
        var b = await platform.ValidateAsync(card);

        Assert.Equal(b.ReasonCode, a.ReasonCode);
        Assert.Equal(0, shortcut.IssuerPathExtensions);
    }

    [Fact]
    public async Task A_path_with_name_constraints_is_left_to_the_platform()
    {
        using var constrained = ConstrainedIntermediate();
        var options = Options(issuerPaths: true);
        options.Intermediates.Clear();
        options.Intermediates.Add(constrained);
        var validator = CardFixtures.Validator(options);
        var card = Issue(constrained);

        var result = await validator.ValidateAsync(card);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(0, validator.IssuerPathExtensions);
        Assert.Equal(1, validator.ChainBuilds);
    }

    [Fact]
    public async Task An_expired_issuing_CA_is_refused_as_by_the_platform()
    {
        var now = DateTimeOffset.UtcNow;
        using var pki = DevPki.Create(new DevPkiOptions { Now = now.AddYears(-12) }); // its CA expired two years ago
        var card = Issue(pki.Intermediate, notAfter: now.AddYears(1));
        var shortcut = CardFixtures.Validator(Options(issuerPaths: true, pki));
        var platform = CardFixtures.Validator(Options(issuerPaths: false, pki));

        var a = await shortcut.ValidateAsync(card);
        var b = await platform.ValidateAsync(card);

        Assert.Equal(ReasonCodes.CertUntrustedChain, b.ReasonCode);
        Assert.Equal(b.ReasonCode, a.ReasonCode);
        Assert.Equal(0, shortcut.IssuerPathExtensions);
    }

    [Fact]
    public async Task Reloading_trust_forgets_the_CA_paths()
    {
        var validator = CardFixtures.Validator(Options(issuerPaths: true));
        await validator.ValidateAsync(CardFixtures.Card("doctor"));
        validator.ReloadTrust();

        var result = await validator.ValidateAsync(CardFixtures.Card("nurse"));

        Assert.True(result.IsValid);
        Assert.Equal(2, validator.IssuerPathExtensions);
    }

    /// <summary>A doctor-shaped card issued by <paramref name="issuer"/>, with optional extra extensions.</summary>
    private static X509Certificate2 Issue(X509Certificate2 issuer, Action<CertificateRequest>? extra = null, DateTimeOffset? notAfter = null, bool withAuthorityKeyIdentifier = true)
    {
        var doctor = CardFixtures.Card("doctor");
        var request = new CertificateRequest(doctor.SubjectName, LeafKey.Value, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        foreach (var extension in doctor.Extensions)
        {
            if (extension.Oid?.Value is not ("2.5.29.35" or "2.5.29.14"))
            {
                request.CertificateExtensions.Add(extension);
            }
        }

        if (withAuthorityKeyIdentifier)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        }

        extra?.Invoke(request);
        var now = DateTimeOffset.UtcNow;

        // Through a signature generator: CertificateRequest.Create(X509Certificate2, …) refuses a validity beyond the
        // issuer's, which the expired-CA case needs.
        using var issuerKey = issuer.GetRSAPrivateKey()!;
        var generator = X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1);
        using var issued = request.Create(issuer.SubjectName, generator, now.AddDays(-1), notAfter ?? now.AddYears(1), RandomNumberGenerator.GetBytes(12));
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }

    /// <summary>The card-issuing CA name under the trusted root, with a nameConstraints extension (permitted dNSName example.org).</summary>
    private static X509Certificate2 ConstrainedIntermediate()
    {
        var root = CardFixtures.Pki.Root;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(CardFixtures.Pki.Intermediate.SubjectName, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));

        // RFC 5280 §4.2.1.10: NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees } (implicit tags).
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                using (writer.PushSequence())
                {
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, "example.org", new Asn1Tag(TagClass.ContextSpecific, 2));
                }
            }
        }

        request.CertificateExtensions.Add(new X509Extension("2.5.29.30", writer.Encode(), critical: true));
        using var issued = request.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5), RandomNumberGenerator.GetBytes(12));
        return issued.CopyWithPrivateKey(key);
    }
}
