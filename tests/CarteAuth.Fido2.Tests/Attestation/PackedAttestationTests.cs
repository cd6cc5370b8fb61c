using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.Attestation;

/// <summary>packed (WebAuthn L3 §8.2, §8.2.1) and none (§8.7) statements re-encoded with one field wrong.</summary>
public sealed class PackedAttestationTests
{
    private const string Id = "packed-es256";
    private static readonly byte[] Hash = Kit.ClientDataHash(Id);

    /// <summary>packed-es256 re-signed by a fresh attestation key whose certificate (under the spec root) has <paramref name="subject"/> and <paramref name="extensions"/>.</summary>
    private static byte[] WithCertificate(string subject = Kit.PackedSubject, Action<CertificateRequest>? extensions = null, bool ca = false, Guid? aaguid = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = Kit.Issue(key, subject, extensions, ca);
        var edit = EditableAttestation.Of(Id);
        if (aaguid is { } a)
        {
            edit.AuthData = Kit.WithAaguid(edit.AuthData, a);
        }

        edit.Set("x5c", new List<byte[]> { cert.RawData }).Set("alg", -7L).Set("sig", Kit.SignEs256(key, edit.AuthData, Hash));
        return edit.Encode();
    }

    [Fact]
    public async Task AGeneratedCertificateMeetingTheRequirements_IsTrusted()
    {
        var result = await Kit.Verifier().Verify(WithCertificate(), Hash, new AttestationRequirement(RequireTrustedAttestation: true));
        Assert.Equal(AttestationType.Basic, result.Type);
        Assert.True(result.Trusted);
    }

    [Fact]
    public async Task MissingSig_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Remove("sig").Encode(), Hash), ReasonCodes.WebAuthnMalformed, "packed:", "'sig'");

    [Fact]
    public async Task MissingAlg_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Remove("alg").Encode(), Hash), ReasonCodes.WebAuthnMalformed, "packed:", "'alg'");

    [Fact]
    public async Task SigOfTheWrongCborType_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Set("sig", "not bytes").Encode(), Hash), ReasonCodes.WebAuthnMalformed);

    [Fact]
    public async Task UnknownAlg_IsAnUnsupportedKey() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Set("alg", -999L).Encode(), Hash), ReasonCodes.WebAuthnUnsupportedKey, "packed:", "-999");

    [Fact]
    public async Task WrongAlg_TheSignatureDoesNotVerify() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Set("alg", -35L).Encode(), Hash), ReasonCodes.WebAuthnAttestationInvalid, "packed: the attestation signature (sig, ES384)");

    [Fact]
    public async Task RsaAlgWithAnEcCertificate_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Set("alg", -257L).Encode(), Hash), ReasonCodes.WebAuthnAttestationInvalid, "RS256", "EC key");

    [Fact]
    public async Task SelfAttestationWithAnotherAlgThanTheCredentialKey_IsRefused()
    {
        var edit = EditableAttestation.Of("packed-self-es256").Set("alg", -257L);
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash("packed-self-es256")), ReasonCodes.WebAuthnAttestationInvalid, "packed: self attestation", "RS256", "ES256");
    }

    [Fact]
    public async Task SelfAttestationSignedByAnotherKey_IsRefused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var edit = EditableAttestation.Of("packed-self-es256");
        edit.Set("sig", Kit.SignEs256(other, edit.AuthData, Kit.ClientDataHash("packed-self-es256")));
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash("packed-self-es256")), ReasonCodes.WebAuthnAttestationInvalid, "self attestation signature");
    }

    [Fact]
    public async Task SelfAttestationReSignedByTheCredentialKey_Verifies()
    {
        using var key = Kit.CredentialKey("packed-self-es256");
        var edit = EditableAttestation.Of("packed-self-es256");
        edit.Set("sig", Kit.SignEs256(key, edit.AuthData, Kit.ClientDataHash("packed-self-es256")));
        var result = await Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash("packed-self-es256"));
        Assert.Equal(AttestationType.Self, result.Type);
    }

    [Fact]
    public void X5cWithNoCertificate_IsMalformed()
    {
        var ex = Assert.Throws<WebAuthnException>(() => EditableAttestation.Of(Id).Set("x5c", new List<byte[]>()).Parse());
        Assert.Equal(ReasonCodes.WebAuthnMalformed, ex.ReasonCode);
    }

    [Fact]
    public void X5cWithNineCertificates_IsTooLarge()
    {
        var cert = EditableAttestation.Of(Id).Get<List<byte[]>>("x5c")[0];
        var ex = Assert.Throws<WebAuthnException>(() => EditableAttestation.Of(Id).Set("x5c", Enumerable.Repeat(cert, 9).ToList()).Parse());
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, ex.ReasonCode);
        Assert.Contains("9 certificates", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOversizedCertificate_IsTooLarge()
    {
        var ex = Assert.Throws<WebAuthnException>(() => EditableAttestation.Of(Id).Set("x5c", new List<byte[]> { new byte[AttestationStatement.MaxCertificateLength + 1] }).Parse());
        Assert.Equal(ReasonCodes.WebAuthnTooLarge, ex.ReasonCode);
    }

    [Fact]
    public async Task X5cThatIsNotACertificate_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Set("x5c", new List<byte[]> { new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 } }).Encode(), Hash), ReasonCodes.WebAuthnMalformed, "packed: certificate 0 of x5c");

    [Fact]
    public async Task ACaCertificate_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithCertificate(ca: true), Hash), ReasonCodes.WebAuthnAttestationInvalid, "packed: the attestation certificate has Basic Constraints CA=true");

    [Fact]
    public async Task AWrongOrganizationalUnit_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithCertificate("CN=Test Authenticator, OU=Attestation, O=CarteAuth Tests, C=FR"), Hash), ReasonCodes.WebAuthnAttestationInvalid, "packed: the attestation certificate's subject OU is 'Attestation'", "'Authenticator Attestation'");

    [Theory]
    [InlineData("CN=Test Authenticator, OU=Authenticator Attestation, O=CarteAuth Tests", "C (country)")]
    [InlineData("CN=Test Authenticator, OU=Authenticator Attestation, C=FR", "O (organization)")]
    [InlineData("OU=Authenticator Attestation, O=CarteAuth Tests, C=FR", "CN (common name)")]
    [InlineData("CN=Test Authenticator, O=CarteAuth Tests, C=FR", "OU (organizational unit)")]
    public async Task AMissingSubjectAttribute_IsRefused(string subject, string missing) =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithCertificate(subject), Hash), ReasonCodes.WebAuthnAttestationInvalid, "packed:", missing);

    [Fact]
    public async Task ACountryThatIsNotAnIsoCode_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithCertificate("CN=Test Authenticator, OU=Authenticator Attestation, O=CarteAuth Tests, C=fr"), Hash), ReasonCodes.WebAuthnAttestationInvalid, "ISO 3166");

    [Fact]
    public async Task AnAaguidExtensionEqualToTheAuthenticatorData_Verifies()
    {
        var result = await Kit.Verifier().Verify(WithCertificate(extensions: r => r.CertificateExtensions.Add(Kit.AaguidExtension(Kit.AaguidOf(Id)))), Hash);
        Assert.True(result.Trusted);
    }

    [Fact]
    public async Task AnAaguidExtensionThatDiffers_IsRefused()
    {
        var other = Guid.Parse("01234567-89ab-cdef-0123-456789abcdef");
        await Kit.Refused(
            () => Kit.Verifier().Verify(WithCertificate(extensions: r => r.CertificateExtensions.Add(Kit.AaguidExtension(other))), Hash),
            ReasonCodes.WebAuthnAttestationInvalid,
            $"packed: the attestation certificate's AAGUID extension ({other}) differs from the authenticator data's ({Kit.AaguidOf(Id)})");
    }

    [Fact]
    public async Task ACriticalAaguidExtension_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithCertificate(extensions: r => r.CertificateExtensions.Add(Kit.AaguidExtension(Kit.AaguidOf(Id), critical: true))), Hash), ReasonCodes.WebAuthnAttestationInvalid, "marked critical");

    [Fact]
    public async Task AnAaguidExtensionOfTheWrongLength_IsRefused() =>
        await Kit.Refused(
            () => Kit.Verifier().Verify(WithCertificate(extensions: r => r.CertificateExtensions.Add(new X509Extension("1.3.6.1.4.1.45724.1.1.4", [0x04, 0x02, 0x01, 0x02], false))), Hash),
            ReasonCodes.WebAuthnAttestationInvalid,
            "holds 2 bytes");

    [Fact]
    public async Task AnIntermediateInX5c_ChainsToTheRoot()
    {
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intermediatePublic = Kit.Issue(intermediateKey, "CN=Test Attestation CA, O=CarteAuth Tests, C=FR", ca: true);
        using var intermediate = intermediatePublic.CopyWithPrivateKey(intermediateKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = Kit.Issue(key, Kit.PackedSubject, issuer: intermediate);
        var edit = EditableAttestation.Of(Id);
        edit.Set("x5c", new List<byte[]> { cert.RawData, intermediatePublic.RawData }).Set("sig", Kit.SignEs256(key, edit.AuthData, Hash));

        var result = await Kit.Verifier().Verify(edit.Encode(), Hash, new AttestationRequirement(RequireTrustedAttestation: true));
        Assert.True(result.Trusted);
        Assert.Equal(2, result.TrustPath.Count);

        // Without the intermediate the leaf does not chain.
        edit.Set("x5c", new List<byte[]> { cert.RawData });
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Hash, new AttestationRequirement(RequireTrustedAttestation: true)), ReasonCodes.WebAuthnAttestationUntrusted, "does not chain");
    }

    [Fact]
    public async Task None_WithANonEmptyStatement_IsRefused()
    {
        var edit = EditableAttestation.Of("none-es256").Set("sig", new byte[] { 1, 2, 3 });
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash("none-es256")), ReasonCodes.WebAuthnAttestationInvalid, "none: attStmt must be an empty map", "sig");
    }
}
