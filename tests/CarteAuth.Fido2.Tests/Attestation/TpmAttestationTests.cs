using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.Attestation;

/// <summary>
/// tpm (WebAuthn L3 §8.3, §8.3.1): the spec vector with certInfo/pubArea edited and re-signed by the vector's AIK key
/// (attestation_private_key), so that the check under test is the one that refuses it, not the signature.
/// </summary>
public sealed class TpmAttestationTests
{
    private const string Id = "tpm-es256";
    private static readonly byte[] Hash = Kit.ClientDataHash(Id);

    // certInfo (TPMS_ATTEST) offsets in the vector: magic 0, type 4, qualifiedSigner 6 (empty), extraData size 8 and
    // bytes 10..42, clockInfo 42..59, firmwareVersion 59..67, attested.name size 67 and bytes 69..103 (nameAlg 69..71).
    private const int ExtraDataOffset = 10;
    private const int NameOffset = 69;

    private static EditableAttestation Edit() => EditableAttestation.Of(Id);

    /// <summary>Sets certInfo (edited by <paramref name="change"/>) and re-signs it with the AIK key.</summary>
    private static byte[] Resigned(Action<byte[]> change, EditableAttestation? edit = null, ECDsa? aikKey = null)
    {
        edit ??= Edit();
        var certInfo = edit.Get<byte[]>("certInfo").ToArray();
        change(certInfo);
        using var vectorKey = Kit.AttestationKey(Id);
        edit.Set("certInfo", certInfo).Set("sig", Kit.SignEs256(aikKey ?? vectorKey, certInfo));
        return edit.Encode();
    }

    /// <summary>A TPM SAN: directoryName with manufacturer, model and version (omitting those given as null).</summary>
    private static X509Extension TpmSan(string? manufacturer = "id:414D4400", string? model = "CarteAuth test TPM", string? version = "id:00020000")
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)))
        using (writer.PushSequence())
        {
            foreach (var (oid, value) in new[] { ("2.23.133.2.1", manufacturer), ("2.23.133.2.2", model), ("2.23.133.2.3", version) })
            {
                if (value is null)
                {
                    continue;
                }

                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
                }
            }
        }

        return new X509Extension("2.5.29.17", writer.Encode(), critical: true);
    }

    private static readonly X509Extension AikEku = new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("2.23.133.8.3") }, false);

    /// <summary>The vector re-signed by a fresh AIK whose certificate (under the spec root) is built by the arguments.</summary>
    private static byte[] WithAik(X500DistinguishedName? subject = null, X509Extension? san = null, bool noSan = false, bool eku = true, bool ca = false, X509Extension? extra = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject ?? new X500DistinguishedName([0x30, 0x00]), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        if (!noSan)
        {
            request.CertificateExtensions.Add(san ?? TpmSan());
        }

        if (eku)
        {
            request.CertificateExtensions.Add(AikEku);
        }

        if (extra is not null)
        {
            request.CertificateExtensions.Add(extra);
        }

        using var root = Kit.SpecRootWithKey();
        using var cert = request.Create(root, Kit.NotBefore, Kit.NotAfter, [0x01, 0x02, 0x03, 0x04]);
        var edit = Edit().Set("x5c", new List<byte[]> { cert.RawData });
        return Resigned(_ => { }, edit, key);
    }

    [Fact]
    public async Task AGeneratedAikCertificateMeetingTheRequirements_IsTrustedAttCa()
    {
        var result = await Kit.Verifier().Verify(WithAik(), Hash, new AttestationRequirement(RequireTrustedAttestation: true));
        Assert.Equal(AttestationType.AttCA, result.Type);
        Assert.True(result.Trusted);
    }

    [Fact]
    public async Task ReSigningTheUnchangedCertInfo_StillVerifies() =>
        Assert.True((await Kit.Verifier().Verify(Resigned(_ => { }), Hash)).Trusted);

    [Fact]
    public async Task WrongMagic_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(Resigned(c => c[0] = 0xfe), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: certInfo.magic is 0xfe544347", "TPM_GENERATED_VALUE");

    [Fact]
    public async Task WrongType_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(Resigned(c => BinaryPrimitives.WriteUInt16BigEndian(c.AsSpan(4), 0x8014)), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: certInfo.type is 0x8014", "TPM_ST_ATTEST_CERTIFY");

    [Fact]
    public async Task WrongExtraData_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(Resigned(c => c[ExtraDataOffset + 3] ^= 0x01), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: certInfo.extraData", "SHA256 hash of authenticatorData ‖ clientDataHash");

    [Fact]
    public async Task WrongAttestedName_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(Resigned(c => c[NameOffset + 10] ^= 0x01), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: certInfo.attested.name", "Name of pubArea");

    [Fact]
    public async Task ANameComputedWithSha1_Verifies()
    {
        // nameAlg SHA-1 in pubArea, attested.name = 0x0004 ‖ SHA-1(pubArea): a shorter TPM2B_NAME.
        var edit = Edit();
        var pubArea = edit.Get<byte[]>("pubArea").ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(pubArea.AsSpan(2), 0x0004);
#pragma warning disable CA5350 // the test builds a SHA-1 TPM name on purpose
        var name = new byte[] { 0x00, 0x04 }.Concat(SHA1.HashData(pubArea)).ToArray();
#pragma warning restore CA5350
        var certInfo = edit.Get<byte[]>("certInfo");
        var rebuilt = certInfo[..67].Concat(new byte[] { 0x00, (byte)name.Length }).Concat(name).Concat(certInfo[103..]).ToArray();
        edit.Set("pubArea", pubArea);
        var result = await Kit.Verifier().Verify(Resigned(c => { }, edit.Set("certInfo", rebuilt)), Hash);
        Assert.Equal(AttestationType.AttCA, result.Type);
    }

    [Fact]
    public async Task ACertInfoChangeWithoutReSigning_FailsTheSignature()
    {
        var edit = Edit();
        var certInfo = edit.Get<byte[]>("certInfo").ToArray();
        certInfo[50] ^= 0x01; // clockInfo: not checked, but signed
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Set("certInfo", certInfo).Encode(), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: the attestation signature (sig, ES256) over certInfo does not verify");
    }

    [Fact]
    public async Task APubAreaKeyThatIsNotTheCredentialKey_IsRefused()
    {
        var edit = Edit();
        var pubArea = edit.Get<byte[]>("pubArea").ToArray();
        pubArea[30] ^= 0x01; // unique.x
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Set("pubArea", pubArea).Encode(), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: the EC point of pubArea", "§8.3 step 2");
    }

    [Fact]
    public async Task APubAreaOnAnotherCurve_IsRefused()
    {
        var edit = Edit();
        var pubArea = edit.Get<byte[]>("pubArea").ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(pubArea.AsSpan(14), 0x0004); // curveID NIST P-384
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Set("pubArea", pubArea).Encode(), Hash), ReasonCodes.WebAuthnAttestationInvalid, "curveID is 0x0004");
    }

    [Fact]
    public async Task APubAreaWithTrailingBytes_IsMalformed()
    {
        var edit = Edit();
        var pubArea = edit.Get<byte[]>("pubArea").Append((byte)0).ToArray();
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Set("pubArea", pubArea).Encode(), Hash), ReasonCodes.WebAuthnMalformed, "pubArea (TPMT_PUBLIC) has 1 unexpected byte");
    }

    [Fact]
    public async Task ATruncatedCertInfo_IsMalformed()
    {
        var edit = Edit();
        var certInfo = edit.Get<byte[]>("certInfo")[..40];
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Set("certInfo", certInfo).Encode(), Hash), ReasonCodes.WebAuthnMalformed, "certInfo (TPMS_ATTEST) ends at byte 40");
    }

    [Theory]
    [InlineData("certInfo")]
    [InlineData("pubArea")]
    [InlineData("ver")]
    [InlineData("sig")]
    [InlineData("alg")]
    public async Task AMissingField_IsMalformed(string field) =>
        await Kit.Refused(() => Kit.Verifier().Verify(Edit().Remove(field).Encode(), Hash), ReasonCodes.WebAuthnMalformed, "tpm:", $"'{field}'");

    [Fact]
    public async Task MissingX5c_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(Edit().Remove("x5c").Encode(), Hash), ReasonCodes.WebAuthnMalformed, "tpm:", "'x5c'");

    [Fact]
    public async Task Version12_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(Edit().Set("ver", "1.2").Encode(), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: ver is \"1.2\"");

    [Fact]
    public async Task AnAikCertificateWithASubject_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithAik(subject: new X500DistinguishedName("CN=My TPM")), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: the AIK certificate's subject is 'CN=My TPM'; it must be empty");

    [Fact]
    public async Task AnAikCertificateWithoutSan_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithAik(noSan: true), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: the AIK certificate has no Subject Alternative Name");

    [Fact]
    public async Task AnAikCertificateWithoutTpmModel_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithAik(san: TpmSan(model: null)), Hash), ReasonCodes.WebAuthnAttestationInvalid, "no tcg-at-tpmModel (2.23.133.2.2)");

    [Fact]
    public async Task AnAikCertificateWithAMalformedManufacturer_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithAik(san: TpmSan(manufacturer: "AMD")), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tcg-at-tpmManufacturer is 'AMD'");

    [Fact]
    public async Task AnAikCertificateWithoutTheAikEku_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithAik(eku: false), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: the AIK certificate has no Extended Key Usage extension", "2.23.133.8.3");

    [Fact]
    public async Task ACaAikCertificate_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithAik(ca: true), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: the AIK certificate has Basic Constraints CA=true");

    [Fact]
    public async Task AnAikAaguidExtensionThatDiffers_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(WithAik(extra: Kit.AaguidExtension(Guid.Parse("00000000-0000-0000-0000-000000000001"))), Hash), ReasonCodes.WebAuthnAttestationInvalid, "tpm: the AIK certificate's AAGUID extension (00000000-0000-0000-0000-000000000001) differs");

    [Fact]
    public async Task AnAikAaguidExtensionThatMatches_Verifies() =>
        Assert.True((await Kit.Verifier().Verify(WithAik(extra: Kit.AaguidExtension(Kit.AaguidOf(Id))), Hash)).Trusted);
}
