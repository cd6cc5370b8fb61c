using System.Buffers.Binary;

namespace CarteAuth.Fido2;

/// <summary>Authenticator data flags (WebAuthn L3 §6.1, "flags").</summary>
[Flags]
public enum AuthenticatorFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Bit 0, UP: user present.</summary>
    UserPresent = 0x01,
    /// <summary>Bit 2, UV: user verified.</summary>
    UserVerified = 0x04,
    /// <summary>Bit 3, BE: backup eligibility (the credential can be synced, e.g. a passkey).</summary>
    BackupEligible = 0x08,
    /// <summary>Bit 4, BS: backup state (the credential is currently backed up).</summary>
    BackedUp = 0x10,
    /// <summary>Bit 6, AT: attested credential data included.</summary>
    AttestedCredentialData = 0x40,
    /// <summary>Bit 7, ED: extension data included.</summary>
    ExtensionData = 0x80,
}

/// <summary>Attested credential data (WebAuthn L3 §6.5.2): AAGUID, credential id and COSE public key.</summary>
/// <param name="Aaguid">The authenticator model's AAGUID (all zero for none/anonymous authenticators).</param>
/// <param name="CredentialId">The credential id (at most 1023 bytes).</param>
/// <param name="CredentialPublicKey">The credential public key.</param>
public sealed record AttestedCredentialData(Guid Aaguid, ReadOnlyMemory<byte> CredentialId, CoseKey CredentialPublicKey);

/// <summary>
/// Parsed authenticator data (WebAuthn L3 §6.1): rpIdHash (32) ‖ flags (1) ‖ signCount (4, big-endian) ‖
/// attestedCredentialData (if AT) ‖ extensions (CBOR map, if ED). Nothing may follow.
/// </summary>
public sealed class AuthenticatorData
{
    /// <summary>Maximum credential id length (WebAuthn L3 §5.1 "credential id": at most 1023 bytes).</summary>
    public const int MaxCredentialIdLength = 1023;

    private AuthenticatorData(ReadOnlyMemory<byte> raw, AuthenticatorFlags flags, uint signCount, AttestedCredentialData? attested, ReadOnlyMemory<byte> extensions)
    {
        Raw = raw;
        Flags = flags;
        SignCount = signCount;
        AttestedCredentialData = attested;
        Extensions = extensions;
    }

    /// <summary>The bytes as received (signed over in assertions and attestation statements).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>SHA-256 of the RP ID the credential is scoped to.</summary>
    public ReadOnlySpan<byte> RpIdHash => Raw.Span[..32];

    /// <summary>The flags byte.</summary>
    public AuthenticatorFlags Flags { get; }

    /// <summary>UP flag.</summary>
    public bool UserPresent => (Flags & AuthenticatorFlags.UserPresent) != 0;

    /// <summary>UV flag.</summary>
    public bool UserVerified => (Flags & AuthenticatorFlags.UserVerified) != 0;

    /// <summary>BE flag.</summary>
    public bool BackupEligible => (Flags & AuthenticatorFlags.BackupEligible) != 0;

    /// <summary>BS flag.</summary>
    public bool BackedUp => (Flags & AuthenticatorFlags.BackedUp) != 0;

    /// <summary>The signature counter (0 when the authenticator does not implement one).</summary>
    public uint SignCount { get; }

    /// <summary>Attested credential data, present when the AT flag is set (registration).</summary>
    public AttestedCredentialData? AttestedCredentialData { get; }

    /// <summary>The extensions CBOR map as received (empty when ED is not set).</summary>
    public ReadOnlyMemory<byte> Extensions { get; }

    /// <summary>Parses authenticator data, refusing truncated data, inconsistent flags and trailing bytes.</summary>
    /// <param name="data">The raw authenticator data.</param>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/>, <see cref="ReasonCodes.WebAuthnTooLarge"/> or <see cref="ReasonCodes.WebAuthnUnsupportedKey"/>.</exception>
    public static AuthenticatorData Parse(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (span.Length < 37)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The authenticator data is {span.Length} bytes; it has at least 37 (rpIdHash 32, flags 1, signCount 4; WebAuthn §6.1). Send authenticatorData unchanged.");
        }

        var flags = (AuthenticatorFlags)span[32];
        var signCount = BinaryPrimitives.ReadUInt32BigEndian(span[33..37]);
        var offset = 37;
        AttestedCredentialData? attested = null;
        if ((flags & AuthenticatorFlags.AttestedCredentialData) != 0)
        {
            // §6.5.2: aaguid (16) ‖ credentialIdLength (2, big-endian) ‖ credentialId ‖ credentialPublicKey (COSE_Key, CBOR).
            if (span.Length < offset + 18)
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The authenticator data has the AT flag but ends at byte {span.Length}, inside the attested credential data (AAGUID 16 bytes and credential id length 2 bytes expected at offset 37; WebAuthn §6.5.2).");
            }

            var aaguid = new Guid(span.Slice(offset, 16), bigEndian: true);
            var idLength = BinaryPrimitives.ReadUInt16BigEndian(span.Slice(offset + 16, 2));
            offset += 18;
            if (idLength > MaxCredentialIdLength)
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"The credential id is {idLength} bytes; WebAuthn (§5.1) allows at most {MaxCredentialIdLength}.");
            }

            if (span.Length < offset + idLength)
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The authenticator data says the credential id is {idLength} bytes but only {span.Length - offset} remain (WebAuthn §6.5.2): the data is truncated.");
            }

            var credentialId = data.Slice(offset, idLength);
            offset += idLength;
            var key = CoseKey.Parse(data[offset..], out var keyLength);
            offset += keyLength;
            attested = new AttestedCredentialData(aaguid, credentialId, key);
        }

        var extensions = ReadOnlyMemory<byte>.Empty;
        if ((flags & AuthenticatorFlags.ExtensionData) != 0)
        {
            if (offset >= span.Length)
            {
                throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "The authenticator data has the ED flag but no extensions map follows (WebAuthn §6.1).");
            }

            var rest = data[offset..];
            var length = Cbor.Read("authenticator extensions", () =>
            {
                var reader = Cbor.Reader(rest, multipleItems: true);
                if (reader.PeekState() != System.Formats.Cbor.CborReaderState.StartMap)
                {
                    throw new InvalidOperationException("the extensions are not a CBOR map");
                }

                reader.SkipValue();
                return rest.Length - reader.BytesRemaining;
            });
            extensions = rest[..length];
            offset += length;
        }

        if (offset != span.Length)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The authenticator data has {span.Length - offset} unexpected byte(s) after offset {offset} (flags AT={((flags & AuthenticatorFlags.AttestedCredentialData) != 0 ? 1 : 0)}, ED={((flags & AuthenticatorFlags.ExtensionData) != 0 ? 1 : 0)}; WebAuthn §6.1).");
        }

        return new AuthenticatorData(data, flags, signCount, attested, extensions);
    }
}
