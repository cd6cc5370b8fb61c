using System.Security.Cryptography;
using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.Attestation;

/// <summary>Every WebAuthn L3 spec registration vector through <see cref="AttestationVerifier"/>, then mutated copies.</summary>
public sealed class AttestationVectorTests
{
    /// <summary>The spec vectors with the attestation type and trust path length they must give.</summary>
    public static TheoryData<string, AttestationType, int> Expected => new()
    {
        { "none-es256", AttestationType.None, 0 },
        { "none-es256-crossOrigin", AttestationType.None, 0 },
        { "none-es256-topOrigin", AttestationType.None, 0 },
        { "none-es256-long-credential-id", AttestationType.None, 0 },
        { "packed-self-es256", AttestationType.Self, 0 },
        { "packed-es256", AttestationType.Basic, 1 },
        { "packed-es384", AttestationType.Basic, 1 },
        { "packed-es512", AttestationType.Basic, 1 },
        { "packed-rs256", AttestationType.Basic, 1 },
        { "packed-eddsa", AttestationType.Basic, 1 },
        { "packed-ed448", AttestationType.Basic, 1 },
        { "tpm-es256", AttestationType.AttCA, 1 },
        { "android-key-es256", AttestationType.Basic, 1 },
        { "apple-es256", AttestationType.AnonCA, 1 },
        { "fido-u2f-es256", AttestationType.Basic, 1 },
    };

    /// <summary>The vectors with an x5c trust path.</summary>
    public static TheoryData<string> Attested => new(Kit.AllIds.Where(id => !id.StartsWith("none", StringComparison.Ordinal) && id != "packed-self-es256"));

    /// <summary>The vectors whose attestation signs (or hashes) authenticatorData and clientDataHash: all but none.</summary>
    public static TheoryData<string> Signed => new(Kit.AllIds.Where(id => !id.StartsWith("none", StringComparison.Ordinal)));

    /// <summary>The vectors whose attStmt has a sig (all signed ones but apple).</summary>
    public static TheoryData<string> WithSig => new(Kit.AllIds.Where(id => !id.StartsWith("none", StringComparison.Ordinal) && id != "apple-es256"));

    [Fact]
    public void TheExpectationsCoverEveryVector() =>
        Assert.Equal(Kit.AllIds.Order(), Expected.Select(row => (string)row[0]).Order());

    [Theory]
    [MemberData(nameof(Expected))]
    public async Task WithTheSpecRootAsAnchor_VerifiesWithTheRightTypeAndIsTrusted(string id, AttestationType type, int pathLength)
    {
        var v = SpecVectors.Get(id);
        var result = await Kit.Verifier().Verify(v.Registration["attestationObject"], Kit.ClientDataHash(id));

        Assert.Equal(type, result.Type);
        Assert.Equal(pathLength, result.TrustPath.Count);
        Assert.Equal(id.StartsWith("packed", StringComparison.Ordinal) ? "packed" : id.StartsWith("none", StringComparison.Ordinal) ? "none" : id[..id.LastIndexOf('-')], result.Format);
        Assert.Equal(Kit.AaguidOf(id), result.Aaguid);
        Assert.Null(result.Metadata);

        // Every x5c of the spec chains to the spec's attestation root (apple and android-key included: the vectors
        // use one root for all formats). none and self attestation have nothing to chain.
        Assert.Equal(pathLength > 0, result.Trusted);
        if (pathLength > 0)
        {
            var trusted = await Kit.Verifier().Verify(v.Registration["attestationObject"], Kit.ClientDataHash(id), new AttestationRequirement(RequireTrustedAttestation: true));
            Assert.True(trusted.Trusted);
        }
    }

    [Theory]
    [MemberData(nameof(Expected))]
    public async Task WithoutAnchor_IsUntrusted_AndRefusedWhenTrustIsRequired(string id, AttestationType type, int pathLength)
    {
        var v = SpecVectors.Get(id);
        var verifier = Kit.Verifier(anchor: false);
        var result = await verifier.Verify(v.Registration["attestationObject"], Kit.ClientDataHash(id));
        Assert.Equal(type, result.Type);
        Assert.False(result.Trusted);

        var expected = pathLength > 0 ? ReasonCodes.WebAuthnAttestationUntrusted : ReasonCodes.WebAuthnAttestationRequired;
        await Kit.Refused(() => verifier.Verify(v.Registration["attestationObject"], Kit.ClientDataHash(id), new AttestationRequirement(RequireTrustedAttestation: true)), expected);

        // The same through the options (AcceptUntrustedAttestation = false) instead of the requirement.
        var strict = Kit.Verifier(anchor: false, new AttestationTrustOptions { AcceptUntrustedAttestation = false });
        await Kit.Refused(() => strict.Verify(v.Registration["attestationObject"], Kit.ClientDataHash(id)), expected);
    }

    [Theory]
    [MemberData(nameof(WithSig))]
    public async Task OneFlippedByteInTheAttestationSignature_IsRefused(string id)
    {
        var edit = EditableAttestation.Of(id);
        var sig = edit.Get<byte[]>("sig").ToArray();
        sig[sig.Length / 2] ^= 0x01;
        edit.Set("sig", sig);

        var ex = await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash(id)), ReasonCodes.WebAuthnAttestationInvalid, "signature");
        Assert.StartsWith(edit.Fmt + ":", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apple_OneFlippedByteInTheCredCertNonce_IsRefused()
    {
        var edit = EditableAttestation.Of("apple-es256");
        var cert = edit.Get<List<byte[]>>("x5c")[0].ToArray();
        var nonce = SHA256.HashData(edit.AuthData.Concat(Kit.ClientDataHash("apple-es256")).ToArray());
        var at = cert.AsSpan().IndexOf(nonce);
        Assert.True(at > 0);
        cert[at + 5] ^= 0x01;
        edit.Set("x5c", new List<byte[]> { cert });

        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash("apple-es256")), ReasonCodes.WebAuthnAttestationInvalid, "apple: the nonce");
    }

    [Theory]
    [MemberData(nameof(Signed))]
    public async Task OneFlippedByteInClientDataJson_IsRefused(string id)
    {
        var v = SpecVectors.Get(id);
        var clientDataJson = v.Registration["clientDataJSON"].ToArray();
        clientDataJson[10] ^= 0x01;
        var ex = await Kit.Refused(() => Kit.Verifier().Verify(v.Registration["attestationObject"], SHA256.HashData(clientDataJson)), ReasonCodes.WebAuthnAttestationInvalid);
        Assert.StartsWith(EditableAttestation.Of(id).Fmt + ":", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Signed))]
    public async Task OneFlippedByteInAuthenticatorData_IsRefused(string id)
    {
        // rpIdHash (first and last byte) and signCount. fido-u2f signs 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖
        // key, not the whole authenticator data: its signCount, flags and AAGUID are not covered (WebAuthn §8.6).
        int[] offsets = id == "fido-u2f-es256" ? [0, 31] : [0, 31, 34];
        foreach (var offset in offsets)
        {
            var edit = EditableAttestation.Of(id);
            var authData = edit.AuthData.ToArray();
            authData[offset] ^= 0x01;
            edit.AuthData = authData;
            await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash(id)), ReasonCodes.WebAuthnAttestationInvalid);
        }
    }

    [Theory]
    [MemberData(nameof(Attested))]
    public void TheFormatVerifierAlone_ReturnsTheX5cAsTrustPath(string id)
    {
        var attestation = AttestationObject.Parse(SpecVectors.Get(id).Registration["attestationObject"]);
        var verifier = AttestationVerifier.DefaultFormats().Single(f => f.Format == attestation.Format);
        var result = verifier.Verify(new AttestationInput(attestation.Statement, attestation.AuthenticatorData, Kit.ClientDataHash(id)));
        Assert.Equal(attestation.Statement.X5c!, result.TrustPath.Select(c => c.RawData));
    }
}
