using System.Formats.Asn1;
using System.Numerics;

namespace CarteAuth.Fido2.Attestation;

/// <summary>The <c>android-key</c> attestation statement format (WebAuthn L3 §8.4).</summary>
/// <param name="policy">How the authorization lists are read (default: union of teeEnforced and softwareEnforced).</param>
public sealed class AndroidKeyAttestationVerifier(AndroidKeyAttestationPolicy? policy = null) : IAttestationStatementVerifier
{
    /// <summary>The Android Key Attestation certificate extension (KeyDescription).</summary>
    public const string KeyDescriptionOid = "1.3.6.1.4.1.11129.2.1.17";

    private readonly AndroidKeyAttestationPolicy _policy = policy ?? new AndroidKeyAttestationPolicy();

    /// <inheritdoc/>
    public string Format => AttestationFormats.AndroidKey;

    /// <inheritdoc/>
    public AttestationStatementResult Verify(AttestationInput input)
    {
        AttestationChecks.RequireClientDataHash(Format, input);
        var statement = input.Statement;
        var attested = AttestationChecks.Attested(Format, input);

        // Step 1: attStmt is valid CBOR of the android-key syntax (alg, sig, x5c).
        var alg = AttestationChecks.RequireAlg(Format, statement);
        var sig = AttestationChecks.RequireSig(Format, statement);
        var x5c = AttestationChecks.RequireX5c(Format, statement);
        try
        {
            var credCert = x5c[0];

            // Step 2: sig is a valid signature over authenticatorData ‖ clientDataHash with the public key of the
            // first certificate in x5c and the algorithm alg.
            AttestationChecks.RequireCertificateSignature(Format, "the first certificate of x5c", credCert, alg, AttestationChecks.AuthDataAndClientDataHash(input), sig, "authenticatorData ‖ clientDataHash");

            // Step 3: the public key in the first certificate of x5c matches the credentialPublicKey.
            if (!attested.CredentialPublicKey.MatchesCertificateKey(credCert))
            {
                throw AttestationChecks.Invalid(Format, $"the public key of the first certificate of x5c ({AttestationChecks.KeyDescription(credCert)}) is not the credential public key ({attested.CredentialPublicKey.KeyType} {attested.CredentialPublicKey.Algorithm}) (WebAuthn §8.4 step 3)");
            }

            var extension = credCert.Extensions[KeyDescriptionOid]
                ?? throw AttestationChecks.Invalid(Format, $"the first certificate of x5c has no key attestation extension {KeyDescriptionOid} (KeyDescription) (WebAuthn §8.4 step 4)");
            KeyDescription description;
            try
            {
                description = KeyDescription.Parse(extension.RawData);
            }
            catch (AsnContentException ex)
            {
                throw AttestationChecks.Invalid(Format, $"the key attestation extension {KeyDescriptionOid} is not a KeyDescription ({ex.Message.TrimEnd('.')})");
            }

            // Step 4: attestationChallenge is identical to clientDataHash.
            if (!AttestationChecks.BytesEqual(description.AttestationChallenge, input.ClientDataHash.Span))
            {
                throw AttestationChecks.Invalid(Format, $"the KeyDescription attestationChallenge ({Convert.ToHexStringLower(description.AttestationChallenge)}) differs from clientDataHash ({Convert.ToHexStringLower(input.ClientDataHash.Span)}) (WebAuthn §8.4 step 4)");
            }

            // Step 5.1: allApplications is present in neither softwareEnforced nor teeEnforced (the credential must
            // be scoped to the RP ID).
            if (description.SoftwareEnforced.AllApplications || description.TeeEnforced.AllApplications)
            {
                throw AttestationChecks.Invalid(Format, $"the KeyDescription {(description.TeeEnforced.AllApplications ? "teeEnforced" : "softwareEnforced")} list has allApplications; the key must be scoped to one application (WebAuthn §8.4 step 5)");
            }

            // Step 5.2: origin = KM_ORIGIN_GENERATED and purpose = KM_PURPOSE_SIGN, read from teeEnforced only when
            // the policy accepts only TEE keys, else from the union of teeEnforced and softwareEnforced.
            var lists = _policy.TeeEnforcedOnly ? [description.TeeEnforced] : new[] { description.TeeEnforced, description.SoftwareEnforced };
            var listNames = _policy.TeeEnforcedOnly ? "teeEnforced" : "teeEnforced ∪ softwareEnforced";
            if (_policy.TeeEnforcedOnly && description.AttestationSecurityLevel == 0)
            {
                throw AttestationChecks.Invalid(Format, "the KeyDescription attestationSecurityLevel is Software; the policy accepts only keys of a trusted execution environment or StrongBox (TeeEnforcedOnly)");
            }

            var origins = lists.SelectMany(l => l.Origins).ToList();
            var requireValues = _policy.RequireOriginAndPurpose || _policy.TeeEnforcedOnly;
            if (origins.Count == 0 && requireValues)
            {
                throw AttestationChecks.Invalid(Format, $"the KeyDescription {listNames} has no origin; KM_ORIGIN_GENERATED (0) is required (WebAuthn §8.4 step 5)");
            }

            var badOrigins = origins.Where(o => o != KeyDescription.OriginGenerated).ToList();
            if (badOrigins.Count > 0)
            {
                throw AttestationChecks.Invalid(Format, $"the KeyDescription {listNames} origin is {badOrigins[0]}; it must be KM_ORIGIN_GENERATED (0): the key was not generated in the keystore (WebAuthn §8.4 step 5)");
            }

            var purposeLists = lists.Where(l => l.HasPurpose).ToList();
            if (purposeLists.Count == 0 && requireValues)
            {
                throw AttestationChecks.Invalid(Format, $"the KeyDescription {listNames} has no purpose; KM_PURPOSE_SIGN (2) is required (WebAuthn §8.4 step 5)");
            }

            foreach (var list in purposeLists)
            {
                if (!list.Purposes.Contains(KeyDescription.PurposeSign))
                {
                    throw AttestationChecks.Invalid(Format, $"the KeyDescription purpose is {{{string.Join(", ", list.Purposes)}}}; it must include KM_PURPOSE_SIGN (2) (WebAuthn §8.4 step 5)");
                }
            }

            // Step 6: attestation type Basic, trust path x5c.
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

/// <summary>One AuthorizationList of a KeyDescription: the fields WebAuthn §8.4 reads.</summary>
/// <param name="Purposes">purpose [1] values.</param>
/// <param name="HasPurpose">True when purpose [1] is present.</param>
/// <param name="AllApplications">True when allApplications [600] is present.</param>
/// <param name="Origins">origin [702] (zero or one value).</param>
internal sealed record AuthorizationList(IReadOnlyList<long> Purposes, bool HasPurpose, bool AllApplications, IReadOnlyList<long> Origins)
{
    /// <summary>Reads an AuthorizationList SEQUENCE; unknown tags are skipped.</summary>
    internal static AuthorizationList Read(AsnReader reader)
    {
        var list = reader.ReadSequence();
        var purposes = new List<long>();
        var hasPurpose = false;
        var allApplications = false;
        var origins = new List<long>();
        while (list.HasData)
        {
            var tag = list.PeekTag();
            if (tag.TagClass != TagClass.ContextSpecific)
            {
                list.ReadEncodedValue();
                continue;
            }

            switch (tag.TagValue)
            {
                case 1: // purpose [1] EXPLICIT SET OF INTEGER
                {
                    var explicitly = list.ReadSequence(tag);
                    var set = explicitly.ReadSetOf(skipSortOrderValidation: true);
                    explicitly.ThrowIfNotEmpty();
                    hasPurpose = true;
                    while (set.HasData)
                    {
                        purposes.Add(ReadSmallInteger(set));
                    }

                    break;
                }

                case 600: // allApplications [600] EXPLICIT NULL
                    list.ReadEncodedValue();
                    allApplications = true;
                    break;
                case 702: // origin [702] EXPLICIT INTEGER
                {
                    var explicitly = list.ReadSequence(tag);
                    origins.Add(ReadSmallInteger(explicitly));
                    explicitly.ThrowIfNotEmpty();
                    break;
                }

                default:
                    list.ReadEncodedValue(); // other authorizations (algorithm, keySize, rootOfTrust, …): tolerated
                    break;
            }
        }

        return new AuthorizationList(purposes, hasPurpose, allApplications, origins);
    }

    private static long ReadSmallInteger(AsnReader reader)
    {
        var value = reader.ReadInteger();
        return value < long.MinValue || value > long.MaxValue ? -2 : (long)value;
    }
}

/// <summary>The Android KeyDescription (extension 1.3.6.1.4.1.11129.2.1.17), as far as WebAuthn §8.4 reads it.</summary>
/// <param name="AttestationSecurityLevel">0 Software, 1 TrustedEnvironment, 2 StrongBox.</param>
/// <param name="AttestationChallenge">attestationChallenge (the clientDataHash for WebAuthn).</param>
/// <param name="SoftwareEnforced">softwareEnforced.</param>
/// <param name="TeeEnforced">teeEnforced (hardwareEnforced in KeyMint).</param>
internal sealed record KeyDescription(long AttestationSecurityLevel, byte[] AttestationChallenge, AuthorizationList SoftwareEnforced, AuthorizationList TeeEnforced)
{
    /// <summary>KM_ORIGIN_GENERATED.</summary>
    internal const long OriginGenerated = 0;

    /// <summary>KM_PURPOSE_SIGN.</summary>
    internal const long PurposeSign = 2;

    /// <summary>
    /// Parses KeyDescription ::= SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
    /// keymasterVersion INTEGER, keymasterSecurityLevel ENUMERATED, attestationChallenge OCTET STRING,
    /// uniqueId OCTET STRING, softwareEnforced AuthorizationList, teeEnforced AuthorizationList, … } (BER tolerated,
    /// later fields ignored).
    /// </summary>
    internal static KeyDescription Parse(ReadOnlyMemory<byte> encoded)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.BER);
        var sequence = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        sequence.ReadInteger(); // attestationVersion
        var securityLevel = new BigInteger(sequence.ReadEnumeratedBytes().Span, isUnsigned: false, isBigEndian: true);
        sequence.ReadInteger(); // keymasterVersion / keyMintVersion
        sequence.ReadEnumeratedBytes(); // keymasterSecurityLevel
        var challenge = sequence.ReadOctetString();
        sequence.ReadOctetString(); // uniqueId
        var software = AuthorizationList.Read(sequence);
        var tee = AuthorizationList.Read(sequence);
        return new KeyDescription(securityLevel < 0 || securityLevel > 255 ? -1 : (long)securityLevel, challenge, software, tee);
    }
}
