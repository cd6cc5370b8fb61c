using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Attestation;

/// <summary>Checks and errors shared by the attestation statement format verifiers (WebAuthn L3 §8).</summary>
internal static class AttestationChecks
{
    /// <summary>id-fido-gen-ce-aaguid (FIDO "Authenticator Attestation" certificate extension, WebAuthn L3 §8.2.1).</summary>
    internal const string AaguidExtensionOid = "1.3.6.1.4.1.45724.1.1.4";

    /// <summary>The attestation statement does not verify (<see cref="ReasonCodes.WebAuthnAttestationInvalid"/>).</summary>
    internal static WebAuthnException Invalid(string format, string detail) =>
        new(ReasonCodes.WebAuthnAttestationInvalid, $"{format}: {detail}.");

    /// <summary>A required field is missing or mistyped (<see cref="ReasonCodes.WebAuthnMalformed"/>).</summary>
    internal static WebAuthnException Malformed(string format, string detail, Exception? inner = null) =>
        new(ReasonCodes.WebAuthnMalformed, $"{format}: {detail}. Send the authenticator's attestation object unchanged.", inner);

    /// <summary>The clientDataHash given to a verifier must be a SHA-256 (32 bytes).</summary>
    internal static void RequireClientDataHash(string format, AttestationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ClientDataHash.Length != 32)
        {
            throw Malformed(format, $"the client data hash is {input.ClientDataHash.Length} bytes; it is the SHA-256 of clientDataJSON (32 bytes)");
        }
    }

    /// <summary>The attested credential data (present in every registration; <see cref="AttestationObject.Parse"/> checks it).</summary>
    internal static AttestedCredentialData Attested(string format, AttestationInput input) =>
        input.AuthenticatorData.AttestedCredentialData
        ?? throw Malformed(format, "the authenticator data has no attested credential data (AT flag clear)");

    /// <summary>authenticatorData ‖ clientDataHash: what packed, android-key and apple sign or hash (attToBeSigned in tpm).</summary>
    internal static byte[] AuthDataAndClientDataHash(AttestationInput input)
    {
        var authData = input.AuthenticatorData.Raw.Span;
        var result = new byte[authData.Length + input.ClientDataHash.Length];
        authData.CopyTo(result);
        input.ClientDataHash.Span.CopyTo(result.AsSpan(authData.Length));
        return result;
    }

    /// <summary>The <c>alg</c> field: required, and a COSE algorithm CarteAuth implements.</summary>
    internal static CoseAlgorithm RequireAlg(string format, AttestationStatement statement)
    {
        if (statement.Alg is not { } alg)
        {
            throw Malformed(format, "the attestation statement has no 'alg' (COSE algorithm identifier of the attestation signature)");
        }

        if (alg is < int.MinValue or > int.MaxValue || !Enum.IsDefined(typeof(CoseAlgorithm), (int)alg))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnUnsupportedKey, $"{format}: the attestation signature algorithm {alg} is not supported (supported COSE algorithms: {string.Join(", ", Enum.GetNames<CoseAlgorithm>())}).");
        }

        return (CoseAlgorithm)(int)alg;
    }

    /// <summary>The <c>sig</c> field: required, non-empty.</summary>
    internal static byte[] RequireSig(string format, AttestationStatement statement)
    {
        if (statement.Sig is not { Length: > 0 } sig)
        {
            throw Malformed(format, statement.Sig is null ? "the attestation statement has no 'sig' (attestation signature)" : "the attestation statement's 'sig' is empty");
        }

        return sig;
    }

    /// <summary>The <c>x5c</c> field: required, decoded as X.509 certificates (attestation certificate first).</summary>
    internal static List<X509Certificate2> RequireX5c(string format, AttestationStatement statement)
    {
        if (statement.X5c is not { Count: > 0 } x5c)
        {
            throw Malformed(format, "the attestation statement has no 'x5c' (attestation certificate chain)");
        }

        var certificates = new List<X509Certificate2>(x5c.Count);
        for (var i = 0; i < x5c.Count; i++)
        {
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(x5c[i]));
            }
            catch (CryptographicException ex)
            {
                foreach (var c in certificates)
                {
                    c.Dispose();
                }

                throw Malformed(format, $"certificate {i} of x5c is not a DER X.509 certificate ({ex.Message.TrimEnd('.')})", ex);
            }
        }

        return certificates;
    }

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="data"/> with the key of <paramref name="certificate"/>.</summary>
    internal static void RequireCertificateSignature(string format, string which, X509Certificate2 certificate, CoseAlgorithm alg, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, string signedWhat)
    {
        if (!CoseKey.VerifyWithCertificate(certificate, alg, data, signature))
        {
            throw Invalid(format, $"the attestation signature (sig, {alg}) over {signedWhat} does not verify with the public key of {which} ({KeyDescription(certificate)}, subject '{certificate.Subject}')");
        }
    }

    /// <summary>Certificate version must be 3 (§8.2.1, §8.3.1).</summary>
    internal static void RequireVersion3(string format, string which, X509Certificate2 certificate)
    {
        if (certificate.Version != 3)
        {
            throw Invalid(format, $"{which} is an X.509 version {certificate.Version} certificate; version 3 is required");
        }
    }

    /// <summary>Basic Constraints, when present, must have CA false (§8.2.1, §8.3.1); absent means not a CA (RFC 5280 §4.2.1.9).</summary>
    internal static void RequireNotCa(string format, string which, X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.19")
            {
                var basic = extension as X509BasicConstraintsExtension ?? new X509BasicConstraintsExtension(extension, extension.Critical);
                if (basic.CertificateAuthority)
                {
                    throw Invalid(format, $"{which} has Basic Constraints CA=true; an attestation certificate must not be a CA certificate (CA=false)");
                }
            }
        }
    }

    /// <summary>
    /// If the certificate has the id-fido-gen-ce-aaguid extension (1.3.6.1.4.1.45724.1.1.4), its value (an OCTET STRING
    /// of 16 bytes) must equal the authenticator data's AAGUID (§8.2 step 2, §8.3 step 4). The packed profile also
    /// forbids marking it critical (§8.2.1).
    /// </summary>
    internal static void CheckAaguidExtension(string format, string which, X509Certificate2 certificate, Guid aaguid, bool mustNotBeCritical)
    {
        var extension = certificate.Extensions[AaguidExtensionOid];
        if (extension is null)
        {
            return;
        }

        if (mustNotBeCritical && extension.Critical)
        {
            throw Invalid(format, $"{which}'s AAGUID extension ({AaguidExtensionOid}) is marked critical; it must not be");
        }

        byte[] value;
        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            value = reader.ReadOctetString();
            reader.ThrowIfNotEmpty();
        }
        catch (AsnContentException ex)
        {
            throw Invalid(format, $"{which}'s AAGUID extension ({AaguidExtensionOid}) is not a DER OCTET STRING ({ex.Message.TrimEnd('.')})");
        }

        if (value.Length != 16)
        {
            throw Invalid(format, $"{which}'s AAGUID extension ({AaguidExtensionOid}) holds {value.Length} bytes; an AAGUID is 16");
        }

        var certificateAaguid = new Guid(value, bigEndian: true);
        if (certificateAaguid != aaguid)
        {
            throw Invalid(format, $"{which}'s AAGUID extension ({certificateAaguid}) differs from the authenticator data's ({aaguid})");
        }
    }

    /// <summary>
    /// The attributes of an X.501 Name (RDNSequence), multi-valued RDNs flattened, in order: (OID, string value). Values
    /// that are not character strings are returned as null.
    /// </summary>
    internal static List<(string Oid, string? Value)> NameAttributes(ReadOnlyMemory<byte> encodedName, AsnEncodingRules rules = AsnEncodingRules.DER)
    {
        var reader = new AsnReader(encodedName, rules);
        var result = ReadNameAttributes(reader);
        reader.ThrowIfNotEmpty();
        return result;
    }

    /// <summary>Reads one Name (SEQUENCE OF RelativeDistinguishedName) from <paramref name="reader"/>.</summary>
    internal static List<(string Oid, string? Value)> ReadNameAttributes(AsnReader reader)
    {
        var result = new List<(string, string?)>();
        var rdns = reader.ReadSequence();
        while (rdns.HasData)
        {
            var set = rdns.ReadSetOf(skipSortOrderValidation: true);
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                result.Add((oid, ReadAnyString(attribute)));
                attribute.ThrowIfNotEmpty();
            }
        }

        return result;
    }

    /// <summary>Reads a DirectoryString-like value (UTF8String, PrintableString, IA5String, …), or skips it and returns null.</summary>
    internal static string? ReadAnyString(AsnReader reader)
    {
        var tag = reader.PeekTag();
        if (tag.TagClass == TagClass.Universal)
        {
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.UTF8String:
                case UniversalTagNumber.PrintableString:
                case UniversalTagNumber.IA5String:
                case UniversalTagNumber.VisibleString:
                case UniversalTagNumber.NumericString:
                case UniversalTagNumber.BMPString:
                case UniversalTagNumber.T61String:
                    return reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
            }
        }

        reader.ReadEncodedValue();
        return null;
    }

    /// <summary>True when both byte strings are equal (constant time for equal lengths).</summary>
    internal static bool BytesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => CryptographicOperations.FixedTimeEquals(a, b);

    /// <summary>A short description of a certificate's public key for messages.</summary>
    internal static string KeyDescription(X509Certificate2 certificate) => certificate.PublicKey.Oid.Value switch
    {
        "1.2.840.10045.2.1" => "EC key",
        "1.2.840.113549.1.1.1" => "RSA key",
        "1.3.101.112" => "Ed25519 key",
        "1.3.101.113" => "Ed448 key",
        var other => $"key algorithm {other}",
    };
}
