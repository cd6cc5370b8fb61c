using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.Attestation;

/// <summary>apple (WebAuthn L3 §8.8) and fido-u2f (§8.6) statements re-encoded with one thing wrong.</summary>
public sealed class AppleAndU2FAttestationTests
{
    private const string Apple = "apple-es256";
    private const string U2F = "fido-u2f-es256";

    private static X509Extension NonceExtension(byte[] nonce)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)))
        {
            w.WriteOctetString(nonce);
        }

        return new X509Extension(AppleAttestationVerifier.NonceExtensionOid, w.Encode(), false);
    }

    /// <summary>apple-es256 with credCert = a certificate for <paramref name="key"/> (default: the credential key) with <paramref name="nonce"/> (default: the right one).</summary>
    private static byte[] AppleWith(Func<byte[], byte[]?>? nonce = null, ECDsa? key = null)
    {
        var edit = EditableAttestation.Of(Apple);
        var right = SHA256.HashData(edit.AuthData.Concat(Kit.ClientDataHash(Apple)).ToArray());
        var value = nonce is null ? right : nonce(right);
        using var credentialKey = Kit.CredentialKey(Apple);
        using var cert = Kit.Issue(key ?? credentialKey, "CN=Apple Anonymous Attestation Test", r =>
        {
            if (value is not null)
            {
                r.CertificateExtensions.Add(NonceExtension(value));
            }
        });
        return edit.Set("x5c", new List<byte[]> { cert.RawData }).Encode();
    }

    [Fact]
    public async Task Apple_AGeneratedCredCert_IsTrustedAnonCa()
    {
        var result = await Kit.Verifier().Verify(AppleWith(), Kit.ClientDataHash(Apple), new AttestationRequirement(RequireTrustedAttestation: true));
        Assert.Equal(AttestationType.AnonCA, result.Type);
        Assert.True(result.Trusted);
    }

    [Fact]
    public async Task Apple_ANonceMismatch_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(AppleWith(n => SHA256.HashData(n)), Kit.ClientDataHash(Apple)), ReasonCodes.WebAuthnAttestationInvalid, "apple: the nonce in credCert's extension 1.2.840.113635.100.8.2", "differs from SHA-256(authenticatorData ‖ clientDataHash)");

    [Fact]
    public async Task Apple_NoNonceExtension_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(AppleWith(_ => null), Kit.ClientDataHash(Apple)), ReasonCodes.WebAuthnAttestationInvalid, "apple: credCert (x5c[0]) has no nonce extension");

    [Fact]
    public async Task Apple_ACredCertForAnotherKey_IsRefused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await Kit.Refused(() => Kit.Verifier().Verify(AppleWith(key: other), Kit.ClientDataHash(Apple)), ReasonCodes.WebAuthnAttestationInvalid, "apple: the credential public key", "is not the subject public key of credCert");
    }

    [Fact]
    public async Task Apple_NoX5c_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Apple).Remove("x5c").Encode(), Kit.ClientDataHash(Apple)), ReasonCodes.WebAuthnMalformed, "apple:", "'x5c'");

    [Fact]
    public async Task U2F_TwoCertificates_AreRefused()
    {
        var edit = EditableAttestation.Of(U2F);
        var cert = edit.Get<List<byte[]>>("x5c")[0];
        edit.Set("x5c", new List<byte[]> { cert, Kit.SpecRoot().RawData });
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash(U2F)), ReasonCodes.WebAuthnAttestationInvalid, "fido-u2f: x5c has 2 certificates; it must have exactly one");
    }

    [Fact]
    public async Task U2F_AP384AttestationCertificate_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var cert = Kit.Issue(key, "CN=U2F P-384");
        var edit = EditableAttestation.Of(U2F).Set("x5c", new List<byte[]> { cert.RawData });
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash(U2F)), ReasonCodes.WebAuthnAttestationInvalid, "fido-u2f: the attestation certificate's public key is an EC key on curve", "P-256");
    }

    [Fact]
    public async Task U2F_MissingSig_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(U2F).Remove("sig").Encode(), Kit.ClientDataHash(U2F)), ReasonCodes.WebAuthnMalformed, "fido-u2f:", "'sig'");

    [Fact]
    public async Task U2F_ANonZeroAaguid_IsRefusedWhenThePolicyRequiresZero()
    {
        // The spec vector's authenticator data has a random AAGUID; §8.6 does not check it, the policy can.
        var v = SpecVectors.Get(U2F).Registration["attestationObject"];
        var strict = Kit.Verifier(options: new AttestationTrustOptions { FidoU2F = new FidoU2FAttestationPolicy(RequireZeroAaguid: true) });
        await Kit.Refused(() => strict.Verify(v, Kit.ClientDataHash(U2F)), ReasonCodes.WebAuthnAttestationInvalid, $"fido-u2f: the authenticator data's AAGUID is {Kit.AaguidOf(U2F)}", "all zeros");

        // The AAGUID is not in the U2F signature: zeroing it keeps the statement valid.
        var edit = EditableAttestation.Decode(v);
        edit.AuthData = Kit.WithAaguid(edit.AuthData, Guid.Empty);
        var result = await strict.Verify(edit.Encode(), Kit.ClientDataHash(U2F));
        Assert.Equal(Guid.Empty, result.Aaguid);
        Assert.True(result.Trusted);
    }

    [Fact]
    public async Task U2F_ACredentialIdChange_FailsTheSignature()
    {
        // verificationData includes credentialId: change its first byte (offset 55 = 37 + 16 AAGUID + 2 length).
        var edit = EditableAttestation.Of(U2F);
        var authData = edit.AuthData.ToArray();
        authData[55] ^= 0x01;
        edit.AuthData = authData;
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash(U2F)), ReasonCodes.WebAuthnAttestationInvalid, "fido-u2f: the attestation signature", "verificationData");
    }
}
