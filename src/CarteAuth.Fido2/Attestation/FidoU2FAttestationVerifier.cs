using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CarteAuth.Fido2.Attestation;

/// <summary>The <c>fido-u2f</c> attestation statement format (WebAuthn L3 §8.6).</summary>
/// <param name="policy">The fido-u2f policy (default: as the spec's verification procedure).</param>
public sealed class FidoU2FAttestationVerifier(FidoU2FAttestationPolicy? policy = null) : IAttestationStatementVerifier
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    private readonly FidoU2FAttestationPolicy _policy = policy ?? new FidoU2FAttestationPolicy();

    /// <inheritdoc/>
    public string Format => AttestationFormats.FidoU2F;

    /// <inheritdoc/>
    public AttestationStatementResult Verify(AttestationInput input)
    {
        AttestationChecks.RequireClientDataHash(Format, input);
        var statement = input.Statement;
        var attested = AttestationChecks.Attested(Format, input);

        // Step 1: attStmt is valid CBOR of the fido-u2f syntax (x5c, sig).
        var sig = AttestationChecks.RequireSig(Format, statement);

        // Step 2: x5c has exactly one element, attCert; its public key is an EC public key on P-256.
        if (statement.X5c is { Count: not 1 } several)
        {
            throw AttestationChecks.Invalid(Format, $"x5c has {several.Count} certificates; it must have exactly one, the attestation certificate (WebAuthn §8.6 step 2)");
        }

        var x5c = AttestationChecks.RequireX5c(Format, statement);
        try
        {
            var attCert = x5c[0];
            using (var ecdsa = attCert.GetECDsaPublicKey())
            {
                var curve = ecdsa?.ExportParameters(false).Curve;
                var isP256 = curve is { } c && (c.Oid?.Value == P256Oid || c.Oid?.FriendlyName is "nistP256" or "ECDSA_P256" or "prime256v1");
                if (!isP256)
                {
                    throw AttestationChecks.Invalid(Format, $"the attestation certificate's public key is {(ecdsa is null ? AttestationChecks.KeyDescription(attCert) : $"an EC key on curve {curve?.Oid?.FriendlyName ?? curve?.Oid?.Value}")}; it must be an EC key on P-256 (WebAuthn §8.6 step 2)");
                }
            }

            // A U2F authenticator has no AAGUID; clients write zeros (optional policy, not part of §8.6).
            if (_policy.RequireZeroAaguid && attested.Aaguid != Guid.Empty)
            {
                throw AttestationChecks.Invalid(Format, $"the authenticator data's AAGUID is {attested.Aaguid}; a U2F authenticator's AAGUID must be all zeros (policy RequireZeroAaguid)");
            }

            // Step 3: rpIdHash from authenticatorData, credentialId and credentialPublicKey from attestedCredentialData.
            var rpIdHash = input.AuthenticatorData.RpIdHash;
            var credentialId = attested.CredentialId.Span;
            var key = attested.CredentialPublicKey;

            // Step 4: publicKeyU2F = 0x04 ‖ x ‖ y (raw ANSI X9.62), x and y of 32 bytes: a P-256 EC2 credential key.
            if (key.KeyType != CoseKeyType.EC2 || key.Curve != CoseCurve.P256)
            {
                throw AttestationChecks.Invalid(Format, $"the credential public key is {key.KeyType}{(key.Curve is { } kc ? " " + kc : "")}; U2F credentials are EC2 P-256 keys with 32-byte x and y (WebAuthn §8.6 step 4)");
            }

            var q = key.EcParameters!.Value.Q;

            // Step 5: verificationData = 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ publicKeyU2F.
            var verificationData = new byte[1 + 32 + 32 + credentialId.Length + 65];
            var offset = 1; // verificationData[0] = 0x00 (reserved byte)
            rpIdHash.CopyTo(verificationData.AsSpan(offset)); offset += 32;
            input.ClientDataHash.Span.CopyTo(verificationData.AsSpan(offset)); offset += 32;
            credentialId.CopyTo(verificationData.AsSpan(offset)); offset += credentialId.Length;
            verificationData[offset++] = 0x04;
            q.X.CopyTo(verificationData.AsSpan(offset)); offset += 32;
            q.Y.CopyTo(verificationData.AsSpan(offset));

            // Step 6: verify sig over verificationData with the certificate public key (SEC1 §4.1.4, SHA-256).
            using (var ecdsa = attCert.GetECDsaPublicKey()!)
            {
                bool ok;
                try
                {
                    ok = ecdsa.VerifyData(verificationData, sig, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
                }
                catch (CryptographicException)
                {
                    ok = false;
                }

                if (!ok)
                {
                    throw AttestationChecks.Invalid(Format, "the attestation signature (sig, ECDSA P-256 SHA-256) over verificationData (0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ 0x04 ‖ x ‖ y) does not verify with the attestation certificate's public key (WebAuthn §8.6 step 6)");
                }
            }

            // Steps 7-8: Basic (or AttCA; x5c alone cannot tell) with trust path x5c.
            return new AttestationStatementResult(AttestationType.Basic, x5c);
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
