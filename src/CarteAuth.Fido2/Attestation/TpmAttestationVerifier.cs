using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Attestation;

/// <summary>The <c>tpm</c> attestation statement format (WebAuthn L3 §8.3), TPM 2.0 only.</summary>
public sealed class TpmAttestationVerifier : IAttestationStatementVerifier
{
    /// <summary>tcg-kp-AIKCertificate, the extended key usage an AIK certificate must have (§8.3.1).</summary>
    public const string AikCertificateEkuOid = "2.23.133.8.3";

    /// <summary>tcg-at-tpmManufacturer.</summary>
    public const string TpmManufacturerOid = "2.23.133.2.1";

    /// <summary>tcg-at-tpmModel.</summary>
    public const string TpmModelOid = "2.23.133.2.2";

    /// <summary>tcg-at-tpmVersion.</summary>
    public const string TpmVersionOid = "2.23.133.2.3";

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <inheritdoc/>
    public string Format => AttestationFormats.Tpm;

    /// <inheritdoc/>
    public AttestationStatementResult Verify(AttestationInput input)
    {
        AttestationChecks.RequireClientDataHash(Format, input);
        var statement = input.Statement;
        var attested = AttestationChecks.Attested(Format, input);

        // Step 1: attStmt is valid CBOR of the tpm syntax: ver "2.0", alg, x5c, sig, certInfo, pubArea.
        if (statement.Ver is null)
        {
            throw AttestationChecks.Malformed(Format, "the attestation statement has no 'ver' (TPM specification version, \"2.0\")");
        }

        if (statement.Ver != "2.0")
        {
            throw AttestationChecks.Invalid(Format, $"ver is \"{statement.Ver}\"; only TPM \"2.0\" attestation is defined (WebAuthn §8.3)");
        }

        var alg = AttestationChecks.RequireAlg(Format, statement);
        var sig = AttestationChecks.RequireSig(Format, statement);
        var certInfoBytes = statement.CertInfo ?? throw AttestationChecks.Malformed(Format, "the attestation statement has no 'certInfo' (TPMS_ATTEST)");
        var pubAreaBytes = statement.PubArea ?? throw AttestationChecks.Malformed(Format, "the attestation statement has no 'pubArea' (TPMT_PUBLIC)");
        TpmPublic pubArea;
        TpmAttest certInfo;
        try
        {
            pubArea = TpmPublic.Parse(pubAreaBytes);
            certInfo = TpmAttest.Parse(certInfoBytes);
        }
        catch (FormatException ex)
        {
            throw AttestationChecks.Malformed(Format, ex.Message, ex);
        }

        // Step 2: the public key of pubArea (parameters and unique) is identical to the credentialPublicKey.
        CheckPubAreaKey(pubArea, attested.CredentialPublicKey);

        // Step 3: attToBeSigned = authenticatorData ‖ clientDataHash.
        var attToBeSigned = AttestationChecks.AuthDataAndClientDataHash(input);

        // Step 4: certInfo is valid.
        // Step 4.1: magic is TPM_GENERATED_VALUE.
        if (certInfo.Magic != Tpm.GeneratedValue)
        {
            throw AttestationChecks.Invalid(Format, $"certInfo.magic is 0x{certInfo.Magic:x8}; it must be TPM_GENERATED_VALUE (0xff544347) (WebAuthn §8.3 step 4)");
        }

        // Step 4.2: type is TPM_ST_ATTEST_CERTIFY.
        if (certInfo.Type != Tpm.StAttestCertify)
        {
            throw AttestationChecks.Invalid(Format, $"certInfo.type is 0x{certInfo.Type:x4}; it must be TPM_ST_ATTEST_CERTIFY (0x8017) (WebAuthn §8.3 step 4)");
        }

        // Step 4.3: extraData is the hash of attToBeSigned with the hash algorithm of alg.
        var hash = CoseKey.HashOf(alg);
        var expectedExtraData = HashData(hash, attToBeSigned);
        if (!AttestationChecks.BytesEqual(certInfo.ExtraData, expectedExtraData))
        {
            throw AttestationChecks.Invalid(Format, $"certInfo.extraData ({Convert.ToHexStringLower(certInfo.ExtraData)}) is not the {hash.Name} hash of authenticatorData ‖ clientDataHash ({Convert.ToHexStringLower(expectedExtraData)}) for alg {alg} (WebAuthn §8.3 step 4)");
        }

        // Step 4.4: attested is a TPMS_CERTIFY_INFO whose name is the Name of pubArea: nameAlg ‖ H_nameAlg(pubArea)
        // (TPM 2.0 Part 1 §16).
        byte[] name;
        try
        {
            name = certInfo.CertifyInfo().Name;
        }
        catch (FormatException ex)
        {
            throw AttestationChecks.Malformed(Format, ex.Message, ex);
        }

        var nameHash = Tpm.Hash(pubArea.NameAlg)
            ?? throw AttestationChecks.Invalid(Format, $"pubArea.nameAlg is {Tpm.AlgName(pubArea.NameAlg)}; supported name algorithms are SHA-1, SHA-256, SHA-384 and SHA-512 (WebAuthn §8.3 step 4)");
        var expectedName = new byte[2 + HashLength(nameHash)];
        BinaryPrimitives.WriteUInt16BigEndian(expectedName, pubArea.NameAlg);
        HashData(nameHash, pubAreaBytes).CopyTo(expectedName, 2);
        if (!AttestationChecks.BytesEqual(name, expectedName))
        {
            throw AttestationChecks.Invalid(Format, $"certInfo.attested.name ({Convert.ToHexStringLower(name)}) is not the Name of pubArea (nameAlg ‖ {nameHash.Name}(pubArea) = {Convert.ToHexStringLower(expectedName)}) (WebAuthn §8.3 step 4)");
        }

        // Step 4.5: x5c is present. (qualifiedSigner, clockInfo and firmwareVersion are ignored, as the spec says.)
        var x5c = AttestationChecks.RequireX5c(Format, statement);
        try
        {
            var aikCert = x5c[0];

            // Step 4.6: sig is a valid signature over certInfo with the public key of aikCert and alg.
            AttestationChecks.RequireCertificateSignature(Format, "the AIK certificate (x5c[0])", aikCert, alg, certInfoBytes, sig, "certInfo");

            // Step 4.7: aikCert meets the requirements of §8.3.1.
            CheckAikCertificate(aikCert);

            // Step 4.8: if aikCert has the id-fido-gen-ce-aaguid extension, its value matches authData's aaguid.
            AttestationChecks.CheckAaguidExtension(Format, "the AIK certificate", aikCert, attested.Aaguid, mustNotBeCritical: false);

            // Step 4.9: attestation type AttCA, trust path x5c.
            return new AttestationStatementResult(AttestationType.AttCA, x5c);
        }
        catch
        {
            foreach (var c in x5c)
            {
                c.Dispose();
            }

            throw;
        }
    }

    private void CheckPubAreaKey(TpmPublic pubArea, CoseKey key)
    {
        switch (key.KeyType)
        {
            case CoseKeyType.RSA when pubArea.Type == Tpm.AlgRsa:
            {
                var rsa = key.RsaParameters!.Value;
                var exponent = pubArea.Exponent == 0 ? 65537u : pubArea.Exponent!.Value; // 0 means the default 2^16+1
                var coseExponent = new BigInteger(rsa.Exponent, isUnsigned: true, isBigEndian: true);
                if (!TrimmedEqual(pubArea.Modulus!, rsa.Modulus!) || coseExponent != exponent)
                {
                    throw AttestationChecks.Invalid(Format, $"the RSA key of pubArea (modulus of {pubArea.Modulus!.Length} bytes, exponent {exponent}) differs from the credential public key (modulus of {rsa.Modulus!.Length} bytes, exponent {coseExponent}) (WebAuthn §8.3 step 2)");
                }

                return;
            }

            case CoseKeyType.EC2 when pubArea.Type == Tpm.AlgEcc:
            {
                var expectedCurve = key.Curve switch
                {
                    CoseCurve.P256 => Tpm.EccNistP256,
                    CoseCurve.P384 => Tpm.EccNistP384,
                    _ => Tpm.EccNistP521,
                };
                if (pubArea.CurveId != expectedCurve)
                {
                    throw AttestationChecks.Invalid(Format, $"pubArea's curveID is 0x{pubArea.CurveId:x4} but the credential public key is on {key.Curve} (TPM curve 0x{expectedCurve:x4}) (WebAuthn §8.3 step 2)");
                }

                var q = key.EcParameters!.Value.Q;
                if (!TrimmedEqual(pubArea.X!, q.X!) || !TrimmedEqual(pubArea.Y!, q.Y!))
                {
                    throw AttestationChecks.Invalid(Format, $"the EC point of pubArea (unique.x {Convert.ToHexStringLower(pubArea.X!)}) differs from the credential public key (x {Convert.ToHexStringLower(q.X!)}) (WebAuthn §8.3 step 2)");
                }

                return;
            }

            default:
                throw AttestationChecks.Invalid(Format, $"pubArea holds a {Tpm.AlgName(pubArea.Type)} key but the credential public key is {key.KeyType} (WebAuthn §8.3 step 2)");
        }
    }

    /// <summary>§8.3.1 TPM attestation (AIK) certificate requirements.</summary>
    private void CheckAikCertificate(X509Certificate2 certificate)
    {
        const string which = "the AIK certificate";

        // Version MUST be set to 3.
        AttestationChecks.RequireVersion3(Format, which, certificate);

        // Subject field MUST be set to empty.
        List<(string Oid, string? Value)> subject;
        try
        {
            subject = AttestationChecks.NameAttributes(certificate.SubjectName.RawData);
        }
        catch (AsnContentException ex)
        {
            throw AttestationChecks.Invalid(Format, $"{which}'s subject cannot be read ({ex.Message.TrimEnd('.')})");
        }

        if (subject.Count != 0)
        {
            throw AttestationChecks.Invalid(Format, $"{which}'s subject is '{certificate.Subject}'; it must be empty, the TPM being named in the Subject Alternative Name (WebAuthn §8.3.1)");
        }

        // The Subject Alternative Name extension MUST be set as defined in the TPM EK profile §3.2.9: a directoryName
        // with tcg-at-tpmManufacturer, tcg-at-tpmModel and tcg-at-tpmVersion.
        var san = certificate.Extensions["2.5.29.17"]
            ?? throw AttestationChecks.Invalid(Format, $"{which} has no Subject Alternative Name extension; it must name the TPM (manufacturer {TpmManufacturerOid}, model {TpmModelOid}, version {TpmVersionOid}) (WebAuthn §8.3.1)");
        var attributes = new List<(string Oid, string? Value)>();
        try
        {
            var reader = new AsnReader(san.RawData, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var directoryName = new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true);
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(directoryName))
                {
                    var name = names.ReadSequence(directoryName);
                    attributes.AddRange(AttestationChecks.ReadNameAttributes(name));
                    name.ThrowIfNotEmpty();
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException ex)
        {
            throw AttestationChecks.Invalid(Format, $"{which}'s Subject Alternative Name cannot be read ({ex.Message.TrimEnd('.')}) (WebAuthn §8.3.1)");
        }

        string Require(string oid, string label)
        {
            var value = attributes.FirstOrDefault(a => a.Oid == oid).Value;
            if (string.IsNullOrEmpty(value))
            {
                throw AttestationChecks.Invalid(Format, $"{which}'s Subject Alternative Name has no {label} ({oid}) in its directoryName (WebAuthn §8.3.1, TPM EK profile §3.2.9)");
            }

            return value;
        }

        var manufacturer = Require(TpmManufacturerOid, "tcg-at-tpmManufacturer");
        Require(TpmModelOid, "tcg-at-tpmModel");
        Require(TpmVersionOid, "tcg-at-tpmVersion");
        if (manufacturer.Length != 11 || !manufacturer.StartsWith("id:", StringComparison.Ordinal) || manufacturer.AsSpan(3).ContainsAnyExcept(HexDigits))
        {
            throw AttestationChecks.Invalid(Format, $"{which}'s tcg-at-tpmManufacturer is '{manufacturer}'; it must be \"id:\" followed by the 4-byte TPM vendor id in hexadecimal (TPM EK profile §3.2.9)");
        }

        // The Extended Key Usage extension MUST contain tcg-kp-AIKCertificate (2.23.133.8.3).
        var eku = certificate.Extensions["2.5.29.37"];
        var usages = eku is null ? null : (eku as X509EnhancedKeyUsageExtension ?? new X509EnhancedKeyUsageExtension(eku, eku.Critical)).EnhancedKeyUsages;
        if (usages is null || !usages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == AikCertificateEkuOid))
        {
            throw AttestationChecks.Invalid(Format, $"{which} has {(usages is null ? "no Extended Key Usage extension" : "an Extended Key Usage without " + AikCertificateEkuOid)}; tcg-kp-AIKCertificate ({AikCertificateEkuOid}) is required (WebAuthn §8.3.1)");
        }

        // The Basic Constraints extension MUST have the CA component set to false.
        AttestationChecks.RequireNotCa(Format, which, certificate);
    }

    private static byte[] HashData(HashAlgorithmName hash, ReadOnlySpan<byte> data)
    {
        if (hash == HashAlgorithmName.SHA1)
        {
#pragma warning disable CA5350 // SHA-1 only where the TPM (RS1 or nameAlg SHA-1) used it
            return SHA1.HashData(data);
#pragma warning restore CA5350
        }

        if (hash == HashAlgorithmName.SHA384)
        {
            return SHA384.HashData(data);
        }

        return hash == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : SHA256.HashData(data);
    }

    private static int HashLength(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA384 ? 48 : hash == HashAlgorithmName.SHA512 ? 64 : 32;

    private static bool TrimmedEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        a = a.TrimStart((byte)0);
        b = b.TrimStart((byte)0);
        return a.SequenceEqual(b);
    }
}
