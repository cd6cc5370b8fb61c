using System.Buffers.Text;
using CarteAuth.Text;

namespace CarteAuth.Fido2;

/// <summary>
/// Strict base64url without padding (RFC 4648 §5), as WebAuthn's JSON forms use it (<c>Base64URLString</c>): only
/// <c>A-Z a-z 0-9 - _</c>, no <c>=</c>, no whitespace; errors name the field.
/// </summary>
internal static class WebAuthnBase64Url
{
    /// <summary>Encodes bytes as base64url without padding.</summary>
    internal static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>Decodes <paramref name="value"/> of the JSON member <paramref name="field"/>.</summary>
    /// <exception cref="WebAuthnException"><see cref="ReasonCodes.WebAuthnMalformed"/> when it is missing or not base64url; <see cref="ReasonCodes.WebAuthnTooLarge"/> over <paramref name="maxBytes"/>.</exception>
    internal static byte[] Decode(string? value, string field, int maxBytes)
    {
        if (value is null)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"'{field}' is missing; it is required (base64url without padding).");
        }

        // Each 4 characters carry 3 bytes: refuse before decoding anything too large.
        if ((long)value.Length * 3 / 4 > maxBytes)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnTooLarge, $"'{field}' is {value.Length} base64url characters; it may hold at most {maxBytes} bytes.");
        }

        var bad = StrictBase64Url.IndexOfInvalidChar(value);
        if (bad >= 0)
        {
            var c = value[bad];
            var shown = c is >= ' ' and <= '~' ? $"'{c}'" : $"U+{(int)c:X4}";
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"'{field}' is not base64url without padding: it contains {shown}. Encode the bytes with the URL-safe alphabet (- and _) and no '=' padding, as PublicKeyCredential.toJSON() does.");
        }

        if (value.Length % 4 == 1)
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"'{field}' is not base64url: its length {value.Length} is impossible (a multiple of 4 plus 1).");
        }

        // One encoding per value: unused trailing bits must be zero (RFC 4648 §3.5), so two strings never name the same bytes.
        if (!StrictBase64Url.IsCanonical(value))
        {
            throw new WebAuthnException(ReasonCodes.WebAuthnMalformed, $"'{field}' is not canonical base64url: its last character carries non-zero padding bits. Encode the bytes again.");
        }

        // Alphabet, length and padding bits are checked: the text decodes.
        var bytes = Base64Url.DecodeFromChars(value);
        return bytes;
    }
}
