using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Attestation;
using CarteAuth.Fido2.Metadata;
using Microsoft.Extensions.Time.Testing;

namespace CarteAuth.Fido2.Tests.Attestation;

/// <summary><see cref="AttestationVerifier"/>: format selection, AAGUID allow-lists, MDS, trust anchors and the clock.</summary>
public sealed class AttestationVerifierPolicyTests
{
    private static byte[] Object(string id) => SpecVectors.Get(id).Registration["attestationObject"];

    private static MetadataEntry Entry(string id, bool compromised = false, IReadOnlyList<X509Certificate2>? roots = null, params MetadataStatusReport[] reports) =>
        new(Kit.AaguidOf(id), $"Test model of {id}", roots ?? [], reports.Length > 0 ? reports : [new MetadataStatusReport(AuthenticatorStatus.FidoCertified, new DateOnly(2024, 1, 1), null)]) { IsCompromised = compromised };

    [Theory]
    [InlineData("android-safetynet")]
    [InlineData("Packed")]
    [InlineData("compound")]
    [InlineData("")]
    public async Task AnUnknownFormat_IsUnsupported(string fmt)
    {
        var edit = EditableAttestation.Of("packed-es256");
        edit.Fmt = fmt;
        await Kit.Refused(() => Kit.Verifier().Verify(edit.Encode(), Kit.ClientDataHash("packed-es256")), ReasonCodes.WebAuthnAttestationFormatUnsupported, "is not supported", "accepted: android-key, apple, fido-u2f, none, packed, tpm");
    }

    [Fact]
    public async Task AFormatTheOptionsDoNotAllow_IsUnsupported()
    {
        var verifier = Kit.Verifier(options: new AttestationTrustOptions { AllowedFormats = new HashSet<string> { "none", "packed" } });
        await verifier.Verify(Object("packed-es256"), Kit.ClientDataHash("packed-es256"));
        await Kit.Refused(() => verifier.Verify(Object("tpm-es256"), Kit.ClientDataHash("tpm-es256")), ReasonCodes.WebAuthnAttestationFormatUnsupported, "'tpm' is not allowed", "accepted: none, packed");
    }

    [Fact]
    public async Task AFormatTheRequirementDoesNotAllow_IsUnsupported() =>
        await Kit.Refused(
            () => Kit.Verifier().Verify(Object("apple-es256"), Kit.ClientDataHash("apple-es256"), new AttestationRequirement(AllowedFormats: new HashSet<string> { "packed" })),
            ReasonCodes.WebAuthnAttestationFormatUnsupported,
            "'apple' is not allowed");

    [Fact]
    public async Task TheFormatListIsPluggable()
    {
        var custom = new StubVerifier("x-test");
        var verifier = new AttestationVerifier([custom, new NoneAttestationVerifier()], new AttestationTrustOptions { AllowedFormats = new HashSet<string> { "x-test", "none" } });
        var edit = EditableAttestation.Of("none-es256");
        edit.Fmt = "x-test";
        var result = await verifier.Verify(edit.Encode(), Kit.ClientDataHash("none-es256"));
        Assert.Equal("x-test", result.Format);
        Assert.Equal(1, custom.Calls);

        // packed is not registered in this verifier.
        await Kit.Refused(() => verifier.Verify(Object("packed-es256"), Kit.ClientDataHash("packed-es256")), ReasonCodes.WebAuthnAttestationFormatUnsupported, "'packed' is not supported");
        Assert.Throws<ArgumentException>(() => new AttestationVerifier([new NoneAttestationVerifier(), new NoneAttestationVerifier()]));
    }

    [Fact]
    public async Task AClientDataHashOfTheWrongLength_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(Object("packed-es256"), new byte[20]), ReasonCodes.WebAuthnMalformed, "20 bytes");

    [Fact]
    public async Task AaguidAllowList_OfTheRequirement()
    {
        var id = "packed-es256";
        var allowed = new AttestationRequirement(AllowedAaguids: new HashSet<Guid> { Kit.AaguidOf(id) });
        Assert.Equal(Kit.AaguidOf(id), (await Kit.Verifier().Verify(Object(id), Kit.ClientDataHash(id), allowed)).Aaguid);

        var other = new AttestationRequirement(AllowedAaguids: new HashSet<Guid> { Kit.AaguidOf("tpm-es256") });
        await Kit.Refused(() => Kit.Verifier().Verify(Object(id), Kit.ClientDataHash(id), other), ReasonCodes.WebAuthnAaguidNotAllowed, Kit.AaguidOf(id).ToString());
    }

    [Fact]
    public async Task AaguidAllowList_OfTheOptions()
    {
        var verifier = Kit.Verifier(options: new AttestationTrustOptions { AllowedAaguids = new HashSet<Guid> { Kit.AaguidOf("none-es256") } });
        await verifier.Verify(Object("none-es256"), Kit.ClientDataHash("none-es256"));
        await Kit.Refused(() => verifier.Verify(Object("apple-es256"), Kit.ClientDataHash("apple-es256")), ReasonCodes.WebAuthnAaguidNotAllowed);
    }

    [Fact]
    public async Task ARevokedModel_IsRefused()
    {
        var id = "packed-es256";
        var metadata = new FakeMetadataService(Entry(id, compromised: true, reports: new MetadataStatusReport(AuthenticatorStatus.Revoked, new DateOnly(2025, 6, 1), null)));
        await Kit.Refused(() => Kit.Verifier(metadata: metadata).Verify(Object(id), Kit.ClientDataHash(id)), ReasonCodes.WebAuthnAuthenticatorRevoked, Kit.AaguidOf(id).ToString(), "Revoked");
        Assert.Equal([Kit.AaguidOf(id)], metadata.Queries);
    }

    [Fact]
    public async Task ARevokedModel_IsRefusedEvenWithNoneAttestation()
    {
        var metadata = new FakeMetadataService(Entry("none-es256", compromised: true));
        await Kit.Refused(() => Kit.Verifier(metadata: metadata).Verify(Object("none-es256"), Kit.ClientDataHash("none-es256")), ReasonCodes.WebAuthnAuthenticatorRevoked);
    }

    [Fact]
    public async Task ACompromisedAttestationKeyNamedByTheMds_IsRefused()
    {
        var id = "packed-es256";
        var compromised = EditableAttestation.Of(id).Get<List<byte[]>>("x5c")[0];
        var metadata = new FakeMetadataService(Entry(id, reports: new MetadataStatusReport(AuthenticatorStatus.AttestationKeyCompromise, new DateOnly(2025, 1, 2), compromised)));
        await Kit.Refused(() => Kit.Verifier(metadata: metadata).Verify(Object(id), Kit.ClientDataHash(id)), ReasonCodes.WebAuthnAuthenticatorRevoked, "ATTESTATION_KEY_COMPROMISE since 2025-01-02");

        // Another certificate of the model being compromised does not concern this one.
        var other = new FakeMetadataService(Entry(id, reports: new MetadataStatusReport(AuthenticatorStatus.AttestationKeyCompromise, null, Kit.SpecRoot().RawData)));
        var result = await Kit.Verifier(metadata: other).Verify(Object(id), Kit.ClientDataHash(id));
        Assert.NotNull(result.Metadata);
    }

    [Fact]
    public async Task TheMdsAttestationRoots_AreTrustAnchors()
    {
        var id = "tpm-es256";
        var metadata = new FakeMetadataService(Entry(id, roots: [Kit.SpecRoot()]));
        var result = await Kit.Verifier(anchor: false, metadata: metadata).Verify(Object(id), Kit.ClientDataHash(id), new AttestationRequirement(RequireTrustedAttestation: true));
        Assert.True(result.Trusted);
        Assert.Equal(Kit.AaguidOf(id), result.Metadata!.Aaguid);

        // Another model's entry does not lend its roots.
        var elsewhere = new FakeMetadataService(Entry("packed-es256", roots: [Kit.SpecRoot()]));
        Assert.False((await Kit.Verifier(anchor: false, metadata: elsewhere).Verify(Object(id), Kit.ClientDataHash(id))).Trusted);
    }

    [Fact]
    public async Task AnUnavailableMds_IsTolerated_UnlessTrustIsRequired()
    {
        var id = "packed-es256";
        var metadata = new FakeMetadataService { Failure = new WebAuthnException(ReasonCodes.WebAuthnMetadataUnavailable, "no BLOB") };
        var result = await Kit.Verifier(metadata: metadata).Verify(Object(id), Kit.ClientDataHash(id));
        Assert.Null(result.Metadata);
        Assert.True(result.Trusted);
        await Kit.Refused(() => Kit.Verifier(metadata: metadata).Verify(Object(id), Kit.ClientDataHash(id), new AttestationRequirement(RequireTrustedAttestation: true)), ReasonCodes.WebAuthnMetadataUnavailable);
    }

    [Fact]
    public async Task AZeroAaguid_IsNotLookedUp()
    {
        var edit = EditableAttestation.Of("fido-u2f-es256");
        edit.AuthData = Kit.WithAaguid(edit.AuthData, Guid.Empty);
        var metadata = new FakeMetadataService();
        await Kit.Verifier(metadata: metadata).Verify(edit.Encode(), Kit.ClientDataHash("fido-u2f-es256"));
        Assert.Empty(metadata.Queries);
    }

    [Fact]
    public async Task TheChainIsValidatedAtTheOptionsClock()
    {
        var id = "android-key-es256";
        var late = new FakeTimeProvider(new DateTimeOffset(3024, 6, 1, 0, 0, 0, TimeSpan.Zero)); // the spec certificates end on 3024-01-01
        var verifier = Kit.Verifier(options: new AttestationTrustOptions { TimeProvider = late });
        Assert.False((await verifier.Verify(Object(id), Kit.ClientDataHash(id))).Trusted);
        await Kit.Refused(() => verifier.Verify(Object(id), Kit.ClientDataHash(id), new AttestationRequirement(RequireTrustedAttestation: true)), ReasonCodes.WebAuthnAttestationUntrusted, "NotTimeValid");

        var early = new FakeTimeProvider(new DateTimeOffset(2023, 12, 31, 0, 0, 0, TimeSpan.Zero));
        Assert.False((await Kit.Verifier(options: new AttestationTrustOptions { TimeProvider = early }).Verify(Object(id), Kit.ClientDataHash(id))).Trusted);
    }

    [Fact]
    public async Task AnotherRoot_DoesNotMakeItTrusted()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var otherRoot = new CertificateRequest("CN=Other Root", key, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSelfSigned(Kit.NotBefore, Kit.NotAfter);
        var verifier = Kit.Verifier(anchor: false, new AttestationTrustOptions { TrustAnchors = [otherRoot] });
        await Kit.Refused(() => verifier.Verify(Object("packed-es256"), Kit.ClientDataHash("packed-es256"), new AttestationRequirement(RequireTrustedAttestation: true)), ReasonCodes.WebAuthnAttestationUntrusted, "does not chain to an accepted attestation root");
    }

    [Fact]
    public async Task TheAttestationCertificateItselfAsAnchor_IsTrusted()
    {
        var leaf = X509CertificateLoader.LoadCertificate(EditableAttestation.Of("fido-u2f-es256").Get<List<byte[]>>("x5c")[0]);
        var verifier = Kit.Verifier(anchor: false, new AttestationTrustOptions { TrustAnchors = [leaf] });
        Assert.True((await verifier.Verify(Object("fido-u2f-es256"), Kit.ClientDataHash("fido-u2f-es256"))).Trusted);
    }

    private sealed class StubVerifier(string format) : IAttestationStatementVerifier
    {
        public int Calls { get; private set; }

        public string Format => format;

        public AttestationStatementResult Verify(AttestationInput input)
        {
            Calls++;
            return new AttestationStatementResult(AttestationType.None, []);
        }
    }
}
