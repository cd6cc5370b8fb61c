using System.Formats.Cbor;

namespace CarteAuth.Fido2;

/// <summary>
/// The one place CarteAuth.Fido2 reads CBOR (RFC 8949): strict conformance (no duplicate map keys, valid UTF-8,
/// shortest-form lengths not required but well-formedness is), bounded depth, and every decoder error turned into a
/// <see cref="WebAuthnException"/> with <see cref="ReasonCodes.WebAuthnMalformed"/> naming what was being read.
/// </summary>
internal static class Cbor
{
    /// <summary>Maximum nesting depth accepted; WebAuthn structures are at most a few levels deep.</summary>
    internal const int MaxDepth = 16;

    /// <summary>A strict reader over <paramref name="data"/> (allowing further items after the first when <paramref name="multipleItems"/>).</summary>
    internal static CborReader Reader(ReadOnlyMemory<byte> data, bool multipleItems = false) =>
        new(data, CborConformanceMode.Strict, allowMultipleRootLevelValues: multipleItems);

    /// <summary>
    /// Runs <paramref name="read"/> and converts CBOR decoding failures (truncated, wrong major type, duplicate keys,
    /// invalid UTF-8…) into <see cref="WebAuthnException"/> with <see cref="ReasonCodes.WebAuthnMalformed"/>.
    /// </summary>
    internal static T Read<T>(string what, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (CborContentException ex)
        {
            throw Malformed(what, ex.Message, ex);
        }
        catch (InvalidOperationException ex)
        {
            // CborReader throws InvalidOperationException when the next item is of another type than asked for.
            throw Malformed(what, ex.Message, ex);
        }
        catch (OverflowException ex)
        {
            throw Malformed(what, "an integer is out of range", ex);
        }
        catch (ArgumentException ex)
        {
            throw Malformed(what, ex.Message, ex);
        }
    }

    /// <summary>The error for a malformed CBOR item.</summary>
    internal static WebAuthnException Malformed(string what, string detail, Exception? inner = null) =>
        new(ReasonCodes.WebAuthnMalformed, $"The {what} is not well-formed CBOR for its purpose: {detail.TrimEnd('.')}. Send the authenticator's bytes unchanged (base64url of the raw CBOR).", inner);
}
