using System.Formats.Asn1;
using System.Security.Cryptography;

namespace CarteAuth.Fido2.Attestation;

/// <summary>The <c>apple</c> anonymous attestation statement format (WebAuthn L3 §8.8).</summary>
public sealed class AppleAttestationVerifier : IAttestationStatementVerifier
{
    /// <summary>The credCert extension holding the nonce (Apple anonymous attestation).</summary>
    public const string NonceExtensionOid = "1.2.840.113635.100.8.2";

    /// <inheritdoc/>
    public string Format => AttestationFormats.Apple;

    /// <inheritdoc/>
    public AttestationStatementResult Verify(AttestationInput input)
    {
        AttestationChecks.RequireClientDataHash(Format, input);
        var attested = AttestationChecks.Attested(Format, input);

        // Step 1: attStmt is valid CBOR of the apple syntax (x5c: credCert followed by its CA chain).
        var x5c = AttestationChecks.RequireX5c(Format, input.Statement);
        try
        {
            var credCert = x5c[0];

            // Steps 2-3: nonce = SHA-256(authenticatorData ‖ clientDataHash) (nonceToHash).
            var nonce = SHA256.HashData(AttestationChecks.AuthDataAndClientDataHash(input));

            // Step 4: nonce equals the value of the extension 1.2.840.113635.100.8.2 in credCert:
            // SEQUENCE { [1] EXPLICIT OCTET STRING nonce }.
            var extension = credCert.Extensions[NonceExtensionOid]
                ?? throw AttestationChecks.Invalid(Format, $"credCert (x5c[0]) has no nonce extension {NonceExtensionOid} (WebAuthn §8.8 step 4)");
            byte[] certificateNonce;
            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
                var sequence = reader.ReadSequence();
                reader.ThrowIfNotEmpty();
                var tagged = sequence.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true));
                certificateNonce = tagged.ReadOctetString();
                tagged.ThrowIfNotEmpty();
            }
            catch (AsnContentException ex)
            {
                throw AttestationChecks.Invalid(Format, $"credCert's nonce extension {NonceExtensionOid} is not SEQUENCE {{ [1] OCTET STRING }} ({ex.Message.TrimEnd('.')}) (WebAuthn §8.8 step 4)");
            }

            if (!AttestationChecks.BytesEqual(certificateNonce, nonce))
            {
                throw AttestationChecks.Invalid(Format, $"the nonce in credCert's extension {NonceExtensionOid} ({Convert.ToHexStringLower(certificateNonce)}) differs from SHA-256(authenticatorData ‖ clientDataHash) ({Convert.ToHexStringLower(nonce)}) (WebAuthn §8.8 step 4)");
            }

            // Step 5: the credential public key equals the subject public key of credCert.
            if (!attested.CredentialPublicKey.MatchesCertificateKey(credCert))
            {
                throw AttestationChecks.Invalid(Format, $"the credential public key ({attested.CredentialPublicKey.KeyType} {attested.CredentialPublicKey.Algorithm}) is not the subject public key of credCert ({AttestationChecks.KeyDescription(credCert)}) (WebAuthn §8.8 step 5)");
            }

            // Step 6: attestation type Anonymization CA, trust path x5c.
            return new AttestationStatementResult(AttestationType.AnonCA, x5c);
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
}
