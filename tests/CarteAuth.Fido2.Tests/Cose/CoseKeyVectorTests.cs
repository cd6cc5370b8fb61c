using System.Security.Cryptography;
using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.Cose;

/// <summary>The shared parsing layer against the spec vectors: attestation object, authenticator data, COSE key, signature.</summary>
public sealed class CoseKeyVectorTests
{
    [Theory]
    [MemberData(nameof(SpecVectors.CeremonyIds), MemberType = typeof(SpecVectors))]
    public void RegistrationParses_AndAssertionSignatureVerifiesWithTheCredentialKey(string id)
    {
        var v = SpecVectors.Get(id);
        var attestation = AttestationObject.Parse(v.Registration["attestationObject"]);
        var attested = attestation.AuthenticatorData.AttestedCredentialData!;
        Assert.Equal(v.Registration["credential_id"], attested.CredentialId.ToArray());
        Assert.Equal(new Guid(v.Registration["aaguid"], bigEndian: true), attested.Aaguid);
        Assert.Equal(SHA256.HashData("example.org"u8), attestation.AuthenticatorData.RpIdHash.ToArray());

        var authData = v.Authentication["authenticatorData"];
        var signed = authData.Concat(SHA256.HashData(v.Authentication["clientDataJSON"])).ToArray();
        var parsed = AuthenticatorData.Parse(authData);
        Assert.Null(parsed.AttestedCredentialData);
        Assert.True(attested.CredentialPublicKey.Verify(signed, v.Authentication["signature"]), $"{id}: {attested.CredentialPublicKey.Algorithm}");

        var tampered = v.Authentication["signature"].ToArray();
        tampered[tampered.Length / 2] ^= 0x01;
        Assert.False(attested.CredentialPublicKey.Verify(signed, tampered));

        // The assertion form (incremental hashing, digest verification) agrees with the plain one, twice on this thread.
        for (var i = 0; i < 2; i++)
        {
            Assert.True(attested.CredentialPublicKey.VerifyAssertion(authData, v.Authentication["clientDataJSON"], v.Authentication["signature"]), id);
            Assert.False(attested.CredentialPublicKey.VerifyAssertion(authData, v.Authentication["clientDataJSON"], tampered));
            var otherClientData = v.Authentication["clientDataJSON"].ToArray();
            otherClientData[^2] ^= 0x01;
            Assert.False(attested.CredentialPublicKey.VerifyAssertion(authData, otherClientData, v.Authentication["signature"]));
        }
    }
}
