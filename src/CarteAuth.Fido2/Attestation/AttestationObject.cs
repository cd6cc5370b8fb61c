using System.Formats.Cbor;

namespace CarteAuth.Fido2.Attestation;

/// <summary>
/// A decoded attestation object (WebAuthn L3 §6.5.4): CBOR map { "fmt": text, "attStmt": map, "authData": bytes }.
/// </summary>
/// <param name="Format">The attestation statement format identifier (e.g. <c>packed</c>).</param>
/// <param name="Statement">The attestation statement fields.</param>
/// <param name="AuthenticatorData">The parsed authenticator data (with attested credential data).</param>
public sealed record AttestationObject(string Format, AttestationStatement Statement, AuthenticatorData AuthenticatorData)
{
    /// <summary>Largest attestation object accepted, in bytes.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Decodes an attestation object (§7.1 step 12: CBOR decoding of attestationObject).</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/>, <see cref="ReasonCodes.WebAuthnTooLarge"/>, <see cref="ReasonCodes.WebAuthnUnsupportedKey"/>.</exception>
    public static AttestationObject Parse(ReadOnlyMemory<byte> data)
    {
        if (data.Length > MaxLength)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"The attestation object is {data.Length} bytes; at most {MaxLength} are accepted.");
        }

        string? fmt = null;
        ReadOnlyMemory<byte>? attStmt = null, authData = null;
        Cbor.Read("attestation object", () =>
        {
            var reader = Cbor.Reader(data);
            var count = reader.ReadStartMap() ?? throw new InvalidOperationException("indefinite-length maps are not allowed");
            for (var i = 0; i < count; i++)
            {
                var key = reader.ReadTextString();
                switch (key)
                {
                    case "fmt": fmt = reader.ReadTextString(); break;
                    case "authData": authData = reader.ReadByteString(); break;
                    case "attStmt":
                        var rest = data[(data.Length - reader.BytesRemaining)..];
                        if (reader.PeekState() != CborReaderState.StartMap)
                        {
                            throw new InvalidOperationException("attStmt is not a map");
                        }

                        reader.SkipValue();
                        attStmt = rest[..(rest.Length - reader.BytesRemaining)];
                        break;
                    default: reader.SkipValue(); break;
                }
            }

            reader.ReadEndMap();
            if (reader.BytesRemaining != 0)
            {
                throw new InvalidOperationException($"{reader.BytesRemaining} byte(s) follow the attestation object's map");
            }

            return 0;
        });

        if (fmt is null || attStmt is null || authData is null)
        {
            var missing = fmt is null ? "fmt" : attStmt is null ? "attStmt" : "authData";
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"The attestation object has no '{missing}' (WebAuthn §6.5.4: fmt, attStmt and authData are required).");
        }

        var parsedAuthData = AuthenticatorData.Parse(authData.Value);
        if (parsedAuthData.AttestedCredentialData is null)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, "The attestation object's authenticator data has no attested credential data (AT flag clear); a registration must carry the new credential (WebAuthn §6.5.2).");
        }

        return new AttestationObject(fmt, AttestationStatement.Parse(attStmt.Value), parsedAuthData);
    }
}
