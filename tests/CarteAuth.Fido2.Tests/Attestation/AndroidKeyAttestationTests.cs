using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CarteAuth.Fido2.Attestation;

namespace CarteAuth.Fido2.Tests.Attestation;

/// <summary>
/// android-key (WebAuthn L3 §8.4): certificates for the vector's credential key (credential_private_key) issued under
/// the spec root with a KeyDescription built here, the attestation re-signed by the credential key.
/// </summary>
public sealed class AndroidKeyAttestationTests
{
    private const string Id = "android-key-es256";
    private static readonly byte[] Hash = Kit.ClientDataHash(Id);

    private enum SecurityLevel
    {
        Software = 0,
        TrustedEnvironment = 1,
        StrongBox = 2,
    }

    /// <summary>An AuthorizationList entry: context tag and its EXPLICIT content.</summary>
    private sealed record Entry(int Tag, Action<AsnWriter> Content);

    private static Entry Purpose(params int[] purposes) => new(1, w =>
    {
        using (w.PushSetOf())
        {
            foreach (var p in purposes)
            {
                w.WriteInteger(p);
            }
        }
    });

    private static Entry Origin(int origin) => new(702, w => w.WriteInteger(origin));

    private static readonly Entry AllApplications = new(600, w => w.WriteNull());

    // Authorizations WebAuthn does not read: algorithm [2], keySize [3], creationDateTime [701], osVersion [705].
    private static readonly Entry[] Unknown = [new(2, w => { using (w.PushSetOf()) { w.WriteInteger(3); } }), new(3, w => w.WriteInteger(256)), new(701, w => w.WriteInteger(1_700_000_000_000)), new(705, w => w.WriteInteger(140000))];

    private static byte[] KeyDescription(byte[] challenge, Entry[] software, Entry[] tee, SecurityLevel level = SecurityLevel.TrustedEnvironment)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(200); // attestationVersion (KeyMint 2)
            w.WriteEnumeratedValue(level);
            w.WriteInteger(200); // keyMintVersion
            w.WriteEnumeratedValue(level);
            w.WriteOctetString(challenge);
            w.WriteOctetString([]); // uniqueId
            foreach (var list in new[] { software, tee })
            {
                using (w.PushSequence())
                {
                    foreach (var entry in list.OrderBy(e => e.Tag))
                    {
                        using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, entry.Tag, isConstructed: true)))
                        {
                            entry.Content(w);
                        }
                    }
                }
            }
        }

        return w.Encode();
    }

    /// <summary>The vector with x5c = a certificate for <paramref name="certificateKey"/> (default: the credential key) carrying <paramref name="keyDescription"/>.</summary>
    private static byte[] With(byte[]? keyDescription, ECDsa? certificateKey = null)
    {
        using var credentialKey = Kit.CredentialKey(Id);
        var key = certificateKey ?? credentialKey;
        using var cert = Kit.Issue(key, "CN=Android Keystore Key", r =>
        {
            if (keyDescription is not null)
            {
                r.CertificateExtensions.Add(new X509Extension(AndroidKeyAttestationVerifier.KeyDescriptionOid, keyDescription, false));
            }
        });
        var edit = EditableAttestation.Of(Id);
        edit.Set("x5c", new List<byte[]> { cert.RawData }).Set("alg", -7L).Set("sig", Kit.SignEs256(key, edit.AuthData, Hash));
        return edit.Encode();
    }

    private static readonly Entry[] GoodTee = [Purpose(2), Origin(0), .. Unknown];

    private static AttestationVerifier Verifier(AndroidKeyAttestationPolicy policy) => Kit.Verifier(options: new AttestationTrustOptions { AndroidKey = policy });

    [Fact]
    public async Task AKeyDescriptionWithTeeOriginAndPurpose_VerifiesUnderTheStrictestPolicy()
    {
        var attestation = With(KeyDescription(Hash, [], GoodTee));
        var result = await Verifier(new AndroidKeyAttestationPolicy(TeeEnforcedOnly: true, RequireOriginAndPurpose: true)).Verify(attestation, Hash, new AttestationRequirement(RequireTrustedAttestation: true));
        Assert.Equal(AttestationType.Basic, result.Type);
        Assert.True(result.Trusted);
    }

    [Fact]
    public async Task SignAndVerifyPurposes_AndUnknownTagsInBothLists_AreAccepted() =>
        await Kit.Verifier().Verify(With(KeyDescription(Hash, [.. Unknown, new Entry(709, w => w.WriteOctetString([1, 2]))], [Purpose(2, 3), Origin(0), .. Unknown])), Hash);

    [Fact]
    public async Task AChallengeMismatch_IsRefused()
    {
        var other = SHA256.HashData("another challenge"u8);
        await Kit.Refused(() => Kit.Verifier().Verify(With(KeyDescription(other, [], GoodTee)), Hash), ReasonCodes.WebAuthnAttestationInvalid, $"android-key: the KeyDescription attestationChallenge ({Convert.ToHexStringLower(other)}) differs from clientDataHash");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AllApplications_InEitherList_IsRefused(bool inTee)
    {
        Entry[] software = inTee ? [] : [AllApplications];
        Entry[] tee = inTee ? [.. GoodTee, AllApplications] : GoodTee;
        await Kit.Refused(() => Kit.Verifier().Verify(With(KeyDescription(Hash, software, tee)), Hash), ReasonCodes.WebAuthnAttestationInvalid, $"android-key: the KeyDescription {(inTee ? "teeEnforced" : "softwareEnforced")} list has allApplications");
    }

    [Fact]
    public async Task AnImportedKey_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(With(KeyDescription(Hash, [], [Purpose(2), Origin(2)])), Hash), ReasonCodes.WebAuthnAttestationInvalid, "origin is 2", "KM_ORIGIN_GENERATED");

    [Fact]
    public async Task AnImportedKeyInTheSoftwareList_IsRefusedUnderTheUnionPolicy() =>
        await Kit.Refused(() => Kit.Verifier().Verify(With(KeyDescription(Hash, [Origin(2)], [Purpose(2)])), Hash), ReasonCodes.WebAuthnAttestationInvalid, "teeEnforced ∪ softwareEnforced origin is 2");

    [Fact]
    public async Task AnEncryptionOnlyKey_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(With(KeyDescription(Hash, [], [Purpose(0, 1), Origin(0)])), Hash), ReasonCodes.WebAuthnAttestationInvalid, "purpose is {0, 1}", "KM_PURPOSE_SIGN");

    [Fact]
    public async Task SoftwareOnlyValues_AreRefusedWhenOnlyTeeKeysAreAccepted()
    {
        var attestation = With(KeyDescription(Hash, [Purpose(2), Origin(0)], []));
        await Kit.Verifier().Verify(attestation, Hash); // the union policy accepts them
        await Kit.Refused(() => Verifier(new AndroidKeyAttestationPolicy(TeeEnforcedOnly: true)).Verify(attestation, Hash), ReasonCodes.WebAuthnAttestationInvalid, "teeEnforced has no origin");
    }

    [Fact]
    public async Task TheSpecVector_HasEmptyAuthorizationLists_AndIsRefusedByTheStrictPolicies()
    {
        var v = SpecVectors.Get(Id).Registration["attestationObject"];
        await Kit.Refused(() => Verifier(new AndroidKeyAttestationPolicy(RequireOriginAndPurpose: true)).Verify(v, Hash), ReasonCodes.WebAuthnAttestationInvalid, "has no origin");
        await Kit.Refused(() => Verifier(new AndroidKeyAttestationPolicy(TeeEnforcedOnly: true)).Verify(v, Hash), ReasonCodes.WebAuthnAttestationInvalid, "attestationSecurityLevel is Software");
    }

    [Fact]
    public async Task ACertificateWithoutKeyDescription_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(With(null), Hash), ReasonCodes.WebAuthnAttestationInvalid, "no key attestation extension 1.3.6.1.4.1.11129.2.1.17");

    [Fact]
    public async Task AKeyDescriptionThatIsNotAsn1_IsRefused() =>
        await Kit.Refused(() => Kit.Verifier().Verify(With([0x30, 0x03, 0x02, 0x01]), Hash), ReasonCodes.WebAuthnAttestationInvalid, "is not a KeyDescription");

    [Fact]
    public async Task ACertificateForAnotherKey_IsRefused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await Kit.Refused(() => Kit.Verifier().Verify(With(KeyDescription(Hash, [], GoodTee), other), Hash), ReasonCodes.WebAuthnAttestationInvalid, "android-key: the public key of the first certificate of x5c (EC key) is not the credential public key");
    }

    [Fact]
    public async Task MissingAlg_IsMalformed() =>
        await Kit.Refused(() => Kit.Verifier().Verify(EditableAttestation.Of(Id).Remove("alg").Encode(), Hash), ReasonCodes.WebAuthnMalformed, "android-key:", "'alg'");
}
